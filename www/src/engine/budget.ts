// A stored result's size budget. A long `threads-gil` or `asyncio` run adds a timeline span at every
// GIL turn or await, for as long as it lasts; stored as is, a minute's run is megabytes, and the history
// keeps up to a thousand runs. So the copy that is *stored* is kept under a budget by merging spans too
// short to see: within a stretch of time shorter than one pixel of the timeline, each kind's spans become
// one span of that kind as long as their sum (kinds are never mixed; each task's totals stay exact).
// The Result a run returns, and this visit's runs in an export, stay whole (replay needs every span).
// Pure: no DOM, no storage; unit-tested in node.

/** A stored result's budget, as the length of its JSON (about its bytes). */
export const RESULT_BUDGET_BYTES = 256 * 1024;

/**
 * The finest detail the timeline can show: a run's length over this many pixels (a wide screen's
 * timeline). A stretch of time shorter than that is less than a pixel.
 */
export const TIMELINE_PIXELS = 2000;

export interface Span {
  kind: string;
  startMs: number;
  endMs: number;
}

/** What the budget needs to know of a Result (the rest is kept as it is). */
export interface Budgeted {
  endMs?: number;
  wallMs?: number;
  tasks?: { spans?: Span[] }[];
  events?: unknown;
  detail?: string;
}

/** A result's size as stored (the length of its JSON: close to its bytes, and what an export takes). */
export const sizeOf = (r: unknown): number => JSON.stringify(r)?.length ?? 0;

/** Microseconds are far below what can be seen: stored times keep three decimals. */
const round = (ms: number) => Math.round(ms * 1000) / 1000;

/**
 * Spans of one task (in time order) with every stretch shorter than `resolutionMs` merged: a span at
 * least that long stays as it is; shorter ones are gathered into stretches of about `resolutionMs`, and
 * each stretch becomes one span per kind (in the order the kinds first appear), each as long as the sum
 * of that kind's spans in it, laid end to end from the stretch's start. No span of the result mixes
 * kinds, and each kind's total time is kept.
 */
export function coalesceSpans(spans: readonly Span[], resolutionMs: number): Span[] {
  const out: Span[] = [];
  let stretch: Span[] = [];
  let stretchEnd = -Infinity;
  const flush = () => {
    if (stretch.length === 1) out.push({ ...stretch[0] });
    else if (stretch.length > 1) {
      const totals = new Map<string, number>();
      for (const s of stretch) totals.set(s.kind, (totals.get(s.kind) ?? 0) + Math.max(0, s.endMs - s.startMs));
      let t = stretch[0].startMs;
      for (const [kind, d] of totals) {
        out.push({ kind, startMs: round(t), endMs: round(t + d) });
        t += d;
      }
    }
    stretch = [];
    stretchEnd = -Infinity;
  };
  for (const s of spans) {
    if (s.endMs - s.startMs >= resolutionMs) {
      flush();
      out.push({ ...s });
      continue;
    }
    stretch.push(s);
    stretchEnd = Math.max(stretchEnd, s.endMs);
    if (stretchEnd - stretch[0].startMs >= resolutionMs) flush();
  }
  flush();
  return out;
}

/** The result with every task's spans coalesced at `resolutionMs` (a copy; `r` is left as it is). */
function withSpansCoalesced<R extends Budgeted>(r: R, resolutionMs: number): R {
  return {
    ...r,
    tasks: r.tasks?.map((t) => (t.spans ? { ...t, spans: coalesceSpans([...t.spans].sort((a, b) => a.startMs - b.startMs), resolutionMs) } : t)),
  };
}

/**
 * The copy of `r` to store: `r` itself when it fits `budget`; otherwise first without the replay events
 * (the bulk of a long run under the GIL: replay then reads the spans, which are whole), then with spans
 * merged below one pixel of the timeline, then coarser merging (four times coarser each step, up to the
 * run's whole length), and as a last resort no spans at all. A copy whose spans lost detail says so:
 * `detail: "coalesced"`.
 */
export function fitToBudget<R extends Budgeted>(r: R, budget = RESULT_BUDGET_BYTES): { stored: R; bytes: number; coalesced: boolean } {
  const bytes = sizeOf(r);
  if (bytes <= budget) return { stored: r, bytes, coalesced: false };
  if (r.events !== undefined) {
    const { events: _events, ...rest } = r;
    r = rest as R;
    const size = sizeOf(r);
    if (size <= budget) return { stored: r, bytes: size, coalesced: false };
  }
  const length = Math.max(r.endMs ?? 0, r.wallMs ?? 0, 1);
  let resolution = length / TIMELINE_PIXELS;
  let stored: R = { ...r, detail: 'coalesced' };
  for (;;) {
    stored = withSpansCoalesced(stored, resolution);
    const size = sizeOf(stored);
    if (size <= budget) return { stored, bytes: size, coalesced: true };
    if (resolution >= length) break;
    resolution = Math.min(length, resolution * 4);
  }
  stored = { ...stored, tasks: stored.tasks?.map((t) => ({ ...t, spans: [] })) };
  return { stored, bytes: sizeOf(stored), coalesced: true };
}
