// The replay's state in the lesson's words: who holds the GIL, who waits for it and since when, who
// waits on I/O; under asyncio the running task, the ready queue in order and what each waiting task
// awaits; under processes which process runs which task and the messages in flight. Pure: the replay
// view draws these lines, and a screen reader hears the same text.

import type { ReplayEvent } from './events';
import type { Replay, ReplayState } from './replay';

/** A replay time with the microseconds the engine records (hand-overs are tens of µs apart). */
export function fmtT(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (Math.abs(ms) >= 1000) return `${(ms / 1000).toFixed(4)} s`;
  return `${ms.toFixed(3)} ms`;
}

/** How long, in a few digits: 3.40 ms, 120 ms, 1.25 s. */
export function fmtSpan(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toPrecision(3)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 1) return `${ms.toPrecision(3)} ms`;
  return `${(ms * 1000).toFixed(0)} µs`;
}

export interface Section {
  /** A heading in the lesson's words ("Holds the GIL"). */
  title: string;
  /** One line per thread, task or message; empty: `none` is shown. */
  items: string[];
  none: string;
}

export interface Description {
  /** "At 123.456 ms of 633.590 ms". */
  clock: string;
  sections: Section[];
  /** What happened at exactly this instant, if anything. */
  happened: string[];
  /** The whole state as one paragraph (for aria-live). */
  text: string;
}

const since = (now: number, from: number) => `since ${fmtT(from)} (${fmtSpan(now - from)})`;
const task = (id: number | undefined) => (id === undefined ? 'a task' : `task ${id}`);

/** One event as a sentence. */
export function eventText(e: ReplayEvent): string {
  const who = e.lane ?? 'a thread';
  const gil = e.gil ? `${e.gil}'s GIL` : 'the GIL';
  switch (e.kind) {
    case 'task-start':
      return `${task(e.taskId)} starts${e.lane ? ` on ${e.lane}` : ''}`;
    case 'task-end':
      return `${task(e.taskId)} ends${e.status && e.status !== 'ok' ? ` (${e.status})` : ''}`;
    case 'run-start':
      return e.nogil ? `${task(e.taskId)} runs C code on ${who} that released the GIL` : `${task(e.taskId)} runs on ${who}`;
    case 'run-end':
      return `${task(e.taskId)} stops running`;
    case 'gil-wait':
      return `${who} asks for ${gil} and waits`;
    case 'gil-drop-request':
      return `${who} asks ${e.holder ?? 'the holder'} to drop ${gil}`;
    case 'gil-take':
      return `${who} takes ${gil}`;
    case 'gil-drop':
      return `${who} drops ${gil}${e.reason === 'switch' ? ' (switch interval)' : e.reason === 'io' ? ' (blocking I/O)' : e.reason === 'released' ? ' (C code releases it)' : ''}`;
    case 'gil-wait-end':
      return `${who} stops waiting for ${gil}`;
    case 'io-start':
      return `${who} blocks in ${e.call ?? 'I/O'}`;
    case 'task-awaiting':
      return `${task(e.taskId)} awaits ${e.awaits ?? 'I/O'}`;
    case 'io-end':
      return `${task(e.taskId)}'s I/O is done`;
    case 'task-ready':
      return `${task(e.taskId)} is ready and joins the ready queue`;
    case 'task-scheduled':
      return `the event loop resumes ${task(e.taskId)}`;
    case 'message-send':
      return e.what === 'result' ? `${e.from ?? who} sends ${task(e.taskId)}'s result back` : `${task(e.taskId)} is pickled and sent to ${e.to ?? who}`;
    case 'message-receive':
      return e.what === 'result' ? `the result of ${task(e.taskId)} arrives` : `${e.to ?? who} receives ${task(e.taskId)}`;
    case 'process-start':
      return `${who} starts (a new process)`;
    case 'process-ready':
      return `${who} is ready`;
    default:
      // A kind this page does not word (replay reads only the engine's kinds): its name.
      return `${task(e.taskId)}: ${e.kind}`;
  }
}

/** The state at `s.tMs` in the lesson's words, for the run's mode. */
export function describe(rp: Replay, s: ReplayState): Description {
  const now = s.tMs;
  const sections: Section[] = [];
  const mode = rp.mode;
  if (mode === 'threads-gil') {
    const h = s.holder;
    sections.push({ title: 'Holds the GIL', none: 'nobody (between hand-overs, or every thread waits on I/O)', items: h ? [`${h.lane}${h.taskId !== undefined ? ` (task ${h.taskId})` : ''}, ${since(now, h.sinceMs)}`] : [] });
    sections.push({ title: 'Waiting for the GIL, longest first', none: 'nobody', items: s.gilWaits.map((w) => `${w.lane}${w.taskId !== undefined ? ` (task ${w.taskId})` : ''}, ${since(now, w.sinceMs)}`) });
    const inC = s.runs.filter((r) => r.nogil);
    if (inC.length) sections.push({ title: 'Running C code that released the GIL', none: '', items: inC.map((r) => `${r.lane ?? 'a thread'} (task ${r.taskId}), ${since(now, r.sinceMs)}`) });
    if (s.gilDropRequest) sections.push({ title: 'Drop request', none: '', items: [`${s.gilDropRequest.lane} asked ${s.gilDropRequest.holder ?? 'the holder'} to drop the GIL, ${since(now, s.gilDropRequest.sinceMs)}`] });
  } else if (mode === 'asyncio') {
    sections.push({ title: 'Running on the event loop', none: 'no task (the loop waits for I/O)', items: s.runs.map((r) => `${task(r.taskId)}, ${since(now, r.sinceMs)}`) });
    sections.push({ title: 'Ready queue, in order', none: 'empty', items: s.ready.map((r, i) => `${i + 1}. ${task(r.taskId)}, ready ${since(now, r.sinceMs)}`) });
  } else if (mode === 'processes') {
    sections.push({ title: 'Running', none: 'no process runs a task', items: s.runs.map((r) => `${r.lane ?? 'a process'} runs ${task(r.taskId)}, ${since(now, r.sinceMs)}`) });
    sections.push({
      title: 'Messages in flight',
      none: 'none',
      items: s.messages.map((m) => `${m.what === 'result' ? `the result of ${task(m.taskId)}` : `${task(m.taskId)} (pickled)`}: ${m.from ?? '?'} → ${m.to ?? '?'}, ${since(now, m.sinceMs)}`),
    });
    if (s.starting.length) sections.push({ title: 'Starting', none: '', items: s.starting.map((p) => `${p.lane}, ${since(now, p.sinceMs)}`) });
  } else {
    if (s.gils) {
      sections.push({ title: "Each interpreter's GIL", none: '', items: Object.entries(s.gils).map(([l, holder]) => `${l}: ${holder ? 'held' : 'free'}`) });
      if (s.gilWaits.length) sections.push({ title: 'Waiting for their GIL', none: '', items: s.gilWaits.map((w) => `${w.lane}, ${since(now, w.sinceMs)}`) });
    }
    sections.push({ title: 'Running', none: 'nothing runs', items: s.runs.map((r) => `${r.lane ?? 'a thread'} runs ${task(r.taskId)}, ${since(now, r.sinceMs)}`) });
  }
  sections.push({
    title: mode === 'asyncio' ? 'Awaiting' : 'Waiting on I/O',
    none: 'nobody',
    items: s.ioWaits.map((w) =>
      mode === 'asyncio'
        ? `${task(w.taskId)} awaits ${w.awaits ?? 'I/O'}, ${since(now, w.sinceMs)}`
        : `${task(w.taskId)}${w.lane ? ` on ${w.lane}` : ''} in ${w.call ?? 'I/O'}, ${since(now, w.sinceMs)}`,
    ),
  });
  const done = s.ended.length;
  const total = rp.events.filter((e) => e.kind === 'task-end').length;
  const happened = rp.eventsAt(now).map(eventText);
  const clock = `At ${fmtT(now)} of ${fmtT(rp.durationMs)}; ${done} of ${total} tasks ended`;
  const text = [clock, ...sections.map((sec) => `${sec.title}: ${sec.items.length ? sec.items.join('; ') : sec.none}`)].join('. ') + '.';
  return { clock, sections, happened, text };
}
