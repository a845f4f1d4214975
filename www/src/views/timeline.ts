// The timeline: one lane per thread, process or event loop, a bar per task, what each span was.

import type { Recorded } from '../lab-api';

export function renderTimeline(el: HTMLElement, r: Recorded): void {
  const total = Math.max(r.endMs, r.wallMs, 0.001);
  const lanes = [...new Set(r.tasks.map((t) => t.lane))].sort();
  const caption = document.createElement('p');
  caption.className = 'timeline-caption';
  caption.textContent = `${r.spec.workload}, ${r.spec.mode}, ${r.spec.tasks} tasks: ${r.wallMs.toFixed(1)} ms on ${lanes.length} lane${lanes.length === 1 ? '' : 's'}${r.cancelled ? ' (cancelled)' : ''}`;
  const rows = lanes.map((lane) => {
    const row = document.createElement('div');
    row.className = 'lane';
    const name = document.createElement('span');
    name.className = 'lane-name';
    name.textContent = lane;
    const track = document.createElement('div');
    track.className = 'track';
    for (const t of r.tasks.filter((t) => t.lane === lane)) {
      const spans = t.spans.length ? t.spans : [{ kind: 'run', startMs: t.startMs, endMs: t.endMs }];
      for (const s of spans) {
        const bar = document.createElement('span');
        bar.className = `span span-${s.kind} status-${t.status}`;
        bar.style.left = `${(100 * s.startMs) / total}%`;
        bar.style.width = `${Math.max(0.2, (100 * (s.endMs - s.startMs)) / total)}%`;
        bar.tabIndex = 0;
        bar.title = `task ${t.id}: ${s.kind} ${s.startMs.toFixed(1)}–${s.endMs.toFixed(1)} ms (${t.status})`;
        bar.setAttribute('aria-label', bar.title);
        track.append(bar);
      }
    }
    row.append(name, track);
    return row;
  });
  const axis = document.createElement('div');
  axis.className = 'axis';
  axis.textContent = `0 ms … ${total.toFixed(0)} ms`;
  el.replaceChildren(caption, ...rows, axis);
}
