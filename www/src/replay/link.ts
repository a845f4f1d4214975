// A run in a share link: only what replay and the timeline read (the spec, the times, every task's
// spans, the engine's events), compressed into `run`; `t` is the instant. A run too large for a link is
// shared as an exported file, and the link carries `t` alone (url-state.ts has the encoding and its caps).

import { encodeRun, formatReplayTime, linkFor } from '../url-state';
import type { RunRecord } from './record';

/** The parts of a Result a link carries: enough to replay it exactly and to draw its timeline. */
export function linkRecord(r: RunRecord & Record<string, unknown>): Record<string, unknown> {
  const keep = ['v', 'runId', 'spec', 'wallMs', 'endMs', 'error', 'events', 'detail', 'labVersion', 'modelVersion', 'build', 'class', 'network', 'value', 'cancelled'];
  const out: Record<string, unknown> = {};
  for (const k of keep) if (r[k] !== undefined) out[k] = r[k];
  out.tasks = r.tasks.map(({ id, lane, startMs, endMs, status, error, gilWaitMs, ioWaitMs, spans }) => ({ id, lane, startMs, endMs, status, error, gilWaitMs, ioWaitMs, spans }));
  return out;
}

/**
 * The query of a link to instant `tMs` of run `r`: `?run=...&t=...` when the run fits in a link, else
 * `?t=...` with `tooLarge` (the learner shares the exported file beside the link).
 */
export async function replayLink(r: RunRecord & Record<string, unknown>, tMs: number): Promise<{ query: string; tooLarge?: { bytes: number } }> {
  const json = JSON.stringify(linkRecord(r));
  const run = await encodeRun(json);
  const t = formatReplayTime(tMs);
  if (run === undefined) return { query: linkFor({ spec: {}, page: { t } }), tooLarge: { bytes: json.length } };
  return { query: linkFor({ spec: {}, page: { run, t } }) };
}
