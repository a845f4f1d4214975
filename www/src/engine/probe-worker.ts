// One thread of the parallelism probe (./probe.ts): asked for `ms` of work in pieces of `n`, it works
// that long and says when it began and when each piece ended, on the clock all the lab's workers share
// (../measure/parallelism.ts). Plain JavaScript, no wasm: the probe is not a mode under test.

import { workFor } from '../measure/parallelism';

const clock = () => performance.timeOrigin + performance.now();

self.addEventListener('message', ({ data }: MessageEvent<{ ms: number; n: number }>) => {
  postMessage(workFor(data.ms, data.n, clock));
});
