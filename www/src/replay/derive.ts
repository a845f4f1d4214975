// Events derived from a Result's spans, for Results the engine recorded without events. Exact for what
// the spans tell: who runs (a `run` span; under threads-gil that is the GIL's holder), who waits for the
// GIL and since when (`gil-wait`), who waits on I/O (`io-wait`), the asyncio ready queue (`loop-wait`,
// ordered by its start: when the task became ready), messages and process start-up. What spans cannot
// tell is left out and named in `DERIVED_ABSENT` (the GIL's drop requests).

import { fill, gilKind, modelRules, workloadInfo } from '../rules';
import { MAIN_PROCESS, sortEvents, type ReplayEvent } from './events';
import type { RunRecord, RecordTask } from './record';

export { gilKind };

/** Event kinds a record derived from spans never has, per mode (replay reports them as absent). */
export function derivedAbsent(mode: string): string[] {
  return gilKind(mode) === 'none' ? [] : ['gil-drop-request'];
}

/** Seconds as Python writes them in the lab's programs (0.2, 1.5). */
const secs = (ms: number) => String(Math.round(ms) / 1000);

/**
 * What a task waits on, as the lab's Python program writes it: a coroutine's await (`asyncio`) or a
 * thread's blocking call (every other mode). From the spec, since a span does not name its call; the
 * texts, and what each workload waits on, are the engine's (the catalogue's `rules.calls`, `waits`).
 */
export function ioText(spec: RunRecord['spec'], taskId: number, asyncio: boolean): string {
  const calls = modelRules().calls;
  const workload = workloadInfo(spec.workload);
  const waits = workload?.waits;
  if (!workload || !waits) return asyncio ? calls.otherAwait : calls.otherCall;
  const field = waits.msField ?? '';
  const given = spec[field];
  const ms = typeof given === 'number' ? given : (workload.fields.find((f) => f.name === field)?.default ?? 0);
  const template = waits.on === 'fetch' ? (asyncio ? calls.fetchAwait : calls.fetchCall) : asyncio ? calls.sleepAwait : calls.sleepCall;
  const call = fill(template, { task: String(taskId), seconds: secs(ms) });
  const timeout = typeof spec.timeoutMs === 'number' ? spec.timeoutMs : undefined;
  return asyncio && timeout !== undefined ? fill(calls.timeoutAwait, { call, timeout: secs(timeout) }) : call;
}

/** Every event the spans tell, sorted (events.ts, `sortEvents`). */
export function deriveEvents(r: RunRecord): ReplayEvent[] {
  const mode = String(r.spec.mode);
  const gil = gilKind(mode);
  const asyncio = mode === 'asyncio';
  const out: ReplayEvent[] = [];
  for (const t of r.tasks) out.push(...taskEvents(r, t, gil, asyncio));
  return sortEvents(out);
}

function taskEvents(r: RunRecord, t: RecordTask, gil: 'one' | 'per-lane' | 'none', asyncio: boolean): ReplayEvent[] {
  const out: ReplayEvent[] = [];
  const lane = t.lane || undefined;
  const base = { taskId: t.id, ...(lane ? { lane } : {}) };
  const gilName = gil === 'per-lane' && lane ? { gil: lane } : {};
  // A span of no length says nothing about any instant; leaving it out keeps begin before end.
  const spans = (t.spans ?? []).filter((s) => s.endMs > s.startMs).sort((a, b) => a.startMs - b.startMs);
  const firstRun = spans.find((s) => s.kind === 'run')?.startMs ?? t.startMs;
  if (lane) out.push({ tMs: t.startMs, kind: 'task-start', ...base });
  spans.forEach((s, i) => {
    const next = spans[i + 1];
    const touching = next && next.startMs === s.endMs ? next : undefined;
    switch (s.kind) {
      case 'run':
        if (gil !== 'none') out.push({ tMs: s.startMs, kind: 'gil-take', ...base, ...gilName });
        out.push({ tMs: s.startMs, kind: 'run-start', ...base });
        out.push({ tMs: s.endMs, kind: 'run-end', ...base });
        if (gil !== 'none') {
          const reason = next?.kind === 'gil-wait' ? 'switch' : next?.kind === 'io-wait' ? 'io' : next?.kind === 'run-nogil' ? 'released' : 'end';
          out.push({ tMs: s.endMs, kind: 'gil-drop', ...base, ...gilName, reason });
        }
        break;
      case 'run-nogil':
        // C code that released the GIL: it runs, and the GIL is free for another thread meanwhile.
        out.push({ tMs: s.startMs, kind: 'run-start', ...base, nogil: true });
        out.push({ tMs: s.endMs, kind: 'run-end', ...base });
        break;
      case 'gil-wait':
        out.push({ tMs: s.startMs, kind: 'gil-wait', ...base, ...gilName });
        // A wait that ends in a run is ended by that run's take; otherwise it ends on its own.
        if (touching?.kind !== 'run') out.push({ tMs: s.endMs, kind: 'gil-wait-end', ...base, ...gilName });
        break;
      case 'io-wait':
        out.push(asyncio ? { tMs: s.startMs, kind: 'task-awaiting', ...base, awaits: ioText(r.spec, t.id, true) } : { tMs: s.startMs, kind: 'io-start', ...base, call: ioText(r.spec, t.id, false) });
        out.push({ tMs: s.endMs, kind: 'io-end', ...base });
        break;
      case 'loop-wait':
        out.push({ tMs: s.startMs, kind: 'task-ready', ...base });
        out.push({ tMs: s.endMs, kind: 'task-scheduled', ...base });
        break;
      case 'message': {
        // Before the task runs, its arguments travel to the worker; after, its result travels back.
        const toWorker = s.startMs < firstRun;
        const ends = toWorker ? { from: MAIN_PROCESS, to: lane ?? '' } : { from: lane ?? '', to: MAIN_PROCESS };
        const what = toWorker ? 'task' : 'result';
        out.push({ tMs: s.startMs, kind: 'message-send', ...base, what, ...ends });
        out.push({ tMs: s.endMs, kind: 'message-receive', ...base, what, ...ends });
        break;
      }
      case 'start':
        out.push({ tMs: s.startMs, kind: 'process-start', ...base });
        out.push({ tMs: s.endMs, kind: 'process-ready', ...base });
        break;
    }
  });
  out.push({ tMs: t.endMs, kind: 'task-end', ...base, status: t.status });
  return out;
}
