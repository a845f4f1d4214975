// The timeline at any scale, as pure geometry: the window of time shown (zoom and pan, kept inside the
// run), the ticks of its axis, and what to draw of a task's spans so that the elements drawn are bounded
// by the pixels on screen, not by the number of spans (a 10 s run under the GIL has thousands).

import type { Span } from '../engine/protocol';

export interface TimeWindow {
  startMs: number;
  endMs: number;
}

/** The narrowest window (ms): a few microseconds, the clock's grain, across the whole plot. */
export const MIN_WINDOW_MS = 0.01;

/** `w` moved and clipped into [0, total], at least `MIN_WINDOW_MS` wide (or the whole run if shorter). */
export function clampWindow(w: TimeWindow, total: number): TimeWindow {
  const width = Math.min(total, Math.max(MIN_WINDOW_MS, w.endMs - w.startMs));
  let start = Math.max(0, Math.min(w.startMs, total - width));
  if (!Number.isFinite(start)) start = 0;
  return { startMs: start, endMs: start + width };
}

/** Zooms by `factor` (> 1 in, < 1 out) keeping the instant `aroundMs` where it is on screen. */
export function zoomWindow(w: TimeWindow, factor: number, aroundMs: number, total: number): TimeWindow {
  const width = w.endMs - w.startMs;
  const next = Math.min(total, Math.max(MIN_WINDOW_MS, width / factor));
  const at = Math.max(w.startMs, Math.min(w.endMs, aroundMs));
  const frac = width > 0 ? (at - w.startMs) / width : 0.5;
  return clampWindow({ startMs: at - frac * next, endMs: at - frac * next + next }, total);
}

/** Moves the window by `deltaMs` (negative: earlier). */
export const panWindow = (w: TimeWindow, deltaMs: number, total: number): TimeWindow => clampWindow({ startMs: w.startMs + deltaMs, endMs: w.endMs + deltaMs }, total);

/** About `count` round ticks (1, 2 or 5 times a power of ten) inside the window, with their step. */
export function windowTicks(w: TimeWindow, count: number): { ticks: number[]; step: number } {
  const width = w.endMs - w.startMs;
  if (!(width > 0)) return { ticks: [w.startMs], step: 1 };
  const raw = width / Math.max(1, count);
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).reduce((best, s) => (Math.abs(Math.log(s / raw)) < Math.abs(Math.log(best / raw)) ? s : best));
  const ticks: number[] = [];
  for (let v = Math.ceil(w.startMs / step - 1e-9) * step; v <= w.endMs + step * 1e-9; v += step) ticks.push(+v.toPrecision(12));
  return { ticks, step };
}

/** A formatter per count of decimals, made once (a formatter is dear to make, cheap to use). */
const tickFormats: Intl.NumberFormat[] = [];

/** A tick's label, with as many decimals as its step needs (so labels of a 50 µs window differ). */
export function tickLabel(v: number, step: number): string {
  const inSeconds = step >= 1000 || (v >= 10_000 && step >= 100);
  const unit = inSeconds ? 1000 : 1;
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step / unit) + 1e-9)));
  const n = (tickFormats[decimals] ??= new Intl.NumberFormat('en', { minimumFractionDigits: decimals, maximumFractionDigits: decimals })).format(v / unit);
  return `${n} ${inSeconds ? 's' : 'ms'}`;
}

/** The first span (of spans sorted by start) that may reach past `t`: spans before it end by `t`. */
function firstReaching(spans: readonly Span[], t: number, maxLen: number): number {
  let lo = 0;
  let hi = spans.length;
  // Spans are sorted by start and none is longer than `maxLen`: any span starting before t - maxLen ends before t.
  const from = t - maxLen;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (spans[mid].startMs < from) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A task's spans prepared for drawing often: sorted by start, with the longest span's length. */
export interface SpanIndex {
  spans: Span[];
  maxLen: number;
}

export function indexSpans(spans: readonly Span[]): SpanIndex {
  const sorted = [...spans].sort((a, b) => a.startMs - b.startMs);
  return { spans: sorted, maxLen: sorted.reduce((m, s) => Math.max(m, s.endMs - s.startMs), 0) };
}

/**
 * What to draw of a task's spans in window `w` at `pxPerMs`: spans a pixel wide or more as they are
 * (clipped to the window); narrower ones gathered into one-pixel cells, each drawn as the kind that fills
 * most of it (kinds are never blended into a new colour); neighbours of one kind joined. At most about two
 * segments per pixel of the window, however many spans there are.
 */
export function drawSegments(index: SpanIndex, w: TimeWindow, pxPerMs: number): Span[] {
  const out: Span[] = [];
  const { spans } = index;
  const pxMs = 1 / pxPerMs;
  let cell = -1;
  let cellShare = new Map<Span['kind'], number>();
  const push = (s: Span) => {
    const last = out[out.length - 1];
    if (last && last.kind === s.kind && s.startMs - last.endMs < pxMs) last.endMs = Math.max(last.endMs, s.endMs);
    else out.push(s);
  };
  const flush = () => {
    if (cell < 0) return;
    let kind: Span['kind'] | undefined;
    let most = -1;
    for (const [k, v] of cellShare) if (v > most) [kind, most] = [k, v];
    const startMs = w.startMs + cell * pxMs;
    push({ kind: kind!, startMs, endMs: startMs + pxMs });
    cell = -1;
    cellShare = new Map();
  };
  for (let i = firstReaching(spans, w.startMs, index.maxLen); i < spans.length; i++) {
    const s = spans[i];
    if (s.startMs >= w.endMs) break;
    const a = Math.max(s.startMs, w.startMs);
    const b = Math.min(s.endMs, w.endMs);
    if (b <= a) continue;
    if ((b - a) * pxPerMs >= 1) {
      flush();
      push({ kind: s.kind, startMs: a, endMs: b });
      continue;
    }
    const c = Math.floor((a - w.startMs) * pxPerMs);
    if (c !== cell) {
      flush();
      cell = c;
    }
    cellShare.set(s.kind, (cellShare.get(s.kind) ?? 0) + (b - a));
  }
  flush();
  return out;
}

/**
 * A whole lane at overview scale, whatever overlaps in it (an event loop's thousand coroutines): per
 * pixel, the kind with the most time there; neighbours of one kind joined. O(spans + pixels).
 */
export function laneCoverage(spans: readonly Span[], w: TimeWindow, pixels: number): Span[] {
  const n = Math.max(1, Math.floor(pixels));
  const width = w.endMs - w.startMs;
  if (!(width > 0)) return [];
  const pxMs = width / n;
  // Per kind, the time covered in each pixel: the partial pixels at a span's ends directly, the whole
  // pixels in between through a difference array (summed once below).
  const kinds = new Map<Span['kind'], { cov: Float64Array; diff: Float64Array }>();
  for (const s of spans) {
    const a = Math.max(s.startMs, w.startMs);
    const b = Math.min(s.endMs, w.endMs);
    if (b <= a) continue;
    let k = kinds.get(s.kind);
    if (!k) kinds.set(s.kind, (k = { cov: new Float64Array(n), diff: new Float64Array(n + 1) }));
    const x0 = (a - w.startMs) / pxMs;
    const x1 = (b - w.startMs) / pxMs;
    const i0 = Math.min(n - 1, Math.floor(x0));
    const i1 = Math.min(n - 1, Math.floor(x1 - 1e-12));
    if (i0 === i1) {
      k.cov[i0] += b - a;
      continue;
    }
    k.cov[i0] += (i0 + 1 - x0) * pxMs;
    k.cov[i1] += (x1 - i1) * pxMs;
    k.diff[i0 + 1] += pxMs;
    k.diff[i1] -= pxMs;
  }
  for (const { cov, diff } of kinds.values()) {
    let run = 0;
    for (let i = 0; i < n; i++) {
      run += diff[i];
      cov[i] += run;
    }
  }
  const out: Span[] = [];
  for (let i = 0; i < n; i++) {
    let kind: Span['kind'] | undefined;
    // Below a millionth of a pixel is the running sum's rounding, not time.
    let most = pxMs * 1e-6;
    for (const [k, { cov }] of kinds) if (cov[i] > most) [kind, most] = [k, cov[i]];
    if (!kind) continue;
    const startMs = w.startMs + i * pxMs;
    const last = out[out.length - 1];
    if (last && last.kind === kind && Math.abs(last.endMs - startMs) < pxMs * 1e-6) last.endMs = startMs + pxMs;
    else out.push({ kind, startMs, endMs: startMs + pxMs });
  }
  return out;
}
