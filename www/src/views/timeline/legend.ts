// The timeline's words for what it draws: the kinds of span a task's time is made of, the outlines of a
// task that raised, timed out or was cancelled, and the legend under the chart that names those it shows.

import type { Task } from '../../engine/protocol';
import { div } from '../dom';
import { spansOf } from './layout';

export const SPAN_KINDS: { kind: string; label: string }[] = [
  { kind: 'run', label: 'running Python' },
  { kind: 'run-nogil', label: 'running C code that released the GIL' },
  { kind: 'io-wait', label: 'waiting on I/O' },
  { kind: 'loop-wait', label: 'ready, waiting for the event loop' },
  { kind: 'gil-wait', label: 'waiting for the GIL' },
  { kind: 'message', label: 'message (pickled task or result)' },
  { kind: 'start', label: 'start-up (a process or an interpreter)' },
];
const STATUSES: { status: Task['status']; label: string }[] = [
  { status: 'error', label: 'raised (solid outline)' },
  { status: 'timeout', label: 'timed out (dashed outline)' },
  { status: 'cancelled', label: 'cancelled (dotted, faded)' },
];
export const kindLabel = (kind: string) => SPAN_KINDS.find((k) => k.kind === kind)?.label ?? kind;

/** The legend of `tasks`: only the kinds of span and the outlines they show. */
export function legend(tasks: readonly Task[]): HTMLElement {
  const el = div('tl-legend');
  el.setAttribute('aria-label', 'Legend');
  const kinds = new Set<string>(tasks.flatMap((t) => spansOf(t).map((s) => s.kind)));
  const statuses = new Set(tasks.map((t) => t.status));
  for (const { kind, label } of SPAN_KINDS.filter((k) => kinds.has(k.kind))) {
    const item = div('legend-item');
    item.append(Object.assign(document.createElement('span'), { className: `swatch span-${kind}` }), label);
    el.append(item);
  }
  for (const { status, label } of STATUSES.filter((x) => statuses.has(x.status))) {
    const item = div('legend-item');
    item.append(Object.assign(document.createElement('span'), { className: `swatch tl-task status-${status}` }), label);
    el.append(item);
  }
  return el;
}
