// One thread of the parallelism probe (./probe.ts): runs a fixed amount of integer work when asked and
// says how long it took on its own clock. Plain JavaScript, no wasm: the probe is not a mode under test.

const work = (n: number) => {
  // Trial division, like cpu-primes: the same kind of work the lab's CPU modes do.
  let count = 0;
  for (let k = 2; k < n; k++) {
    let prime = k % 2 !== 0 || k === 2;
    for (let d = 3; prime && d * d <= k; d += 2) if (k % d === 0) prime = false;
    if (prime) count++;
  }
  return count;
};

self.addEventListener('message', ({ data }: MessageEvent<{ n: number }>) => {
  const t = performance.now();
  const value = work(data.n);
  postMessage({ ms: performance.now() - t, value });
});
