// Figures from repetitions: never a single run, always min / median / max.

export function summarize(samples) {
  const xs = samples.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (xs.length === 0) return { n: 0, min: NaN, median: NaN, max: NaN };
  const mid = xs.length >> 1;
  const median = xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
  return { n: xs.length, min: xs[0], median, max: xs[xs.length - 1] };
}

/** The q-quantile (0..1) of samples, nearest rank. */
export function quantile(samples, q) {
  const xs = [...samples].sort((a, b) => a - b);
  if (xs.length === 0) return NaN;
  return xs[Math.min(xs.length - 1, Math.max(0, Math.ceil(q * xs.length) - 1))];
}

/** "812 (798–840)": the median with the range. */
export function fmtRange(s, digits) {
  if (!s || !s.n) return '—';
  const f = (x) => fmt(x, digits);
  return s.n === 1 ? f(s.median) : `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
}

export function fmt(x, digits) {
  if (!Number.isFinite(x)) return '—';
  const d = digits ?? (Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2);
  return x.toFixed(d);
}
