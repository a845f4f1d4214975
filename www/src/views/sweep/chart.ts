// The scaling chart: speedup over sequential against the number of workers, beside the ideal line, as
// SVG drawn here (no chart library). A table under it holds the same numbers for screen readers and
// for copying.

import { niceTicks } from '../timeline/layout';
import { fmtMs, fmtTimes } from '../work';

export interface SweepPoint {
  workers: number;
  wallMs: number;
  speedup: number;
}

export interface SweepChartData {
  mode: string;
  /** Worker counts 1..k are planned; points arrive one by one. */
  k: number;
  points: SweepPoint[];
  /** The ideal speedup at w workers, or undefined where it depends (mixed work). */
  ideal(w: number): number | undefined;
  idealNote: string;
}

const H = 260;
const M = { left: 44, right: 16, top: 14, bottom: 40 };
const NS = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

export function renderSweepChart(el: HTMLElement, d: SweepChartData): void {
  // The drawing is as wide as its box (within reason), so its text stays readable on a phone.
  const W = Math.max(300, Math.min(560, el.clientWidth || 480));
  const ws = Array.from({ length: d.k }, (_, i) => i + 1);
  const ideals = ws.map((w) => d.ideal(w));
  const top = Math.max(1, ...d.points.map((p) => p.speedup), ...ideals.map((x) => x ?? 0));
  const yTicks = niceTicks(top * 1.05, 4);
  const yMax = Math.max(yTicks.at(-1)!, top * 1.05);
  const x = (w: number) => (d.k === 1 ? (M.left + W - M.right) / 2 : M.left + ((w - 1) / (d.k - 1)) * (W - M.left - M.right));
  const y = (s: number) => M.top + (1 - s / yMax) * (H - M.top - M.bottom);

  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'sweep-svg', role: 'img' });
  const best = d.points.reduce<SweepPoint | undefined>((b, p) => (!b || p.speedup > b.speedup ? p : b), undefined);
  root.setAttribute(
    'aria-label',
    `Speedup of ${d.mode} against workers 1 to ${d.k}` + (best ? `; best ${fmtTimes(best.speedup)} with ${best.workers} workers.` : '.') + ' The numbers are in the table below.',
  );

  for (const t of yTicks) {
    root.append(svg('line', { x1: M.left, x2: W - M.right, y1: y(t), y2: y(t), class: 'grid' }));
    root.append(svg('text', { x: M.left - 6, y: y(t) + 4, class: 'tick', 'text-anchor': 'end' }, fmtTimes(t).replace('.00', '')));
  }
  for (const w of ws) root.append(svg('text', { x: x(w), y: H - M.bottom + 16, class: 'tick', 'text-anchor': 'middle' }, String(w)));
  root.append(svg('text', { x: (M.left + W - M.right) / 2, y: H - 6, class: 'axis-label', 'text-anchor': 'middle' }, 'workers'));
  root.append(svg('text', { x: 12, y: M.top + (H - M.top - M.bottom) / 2, class: 'axis-label', 'text-anchor': 'middle', transform: `rotate(-90 12 ${M.top + (H - M.top - M.bottom) / 2})` }, 'speedup'));
  root.append(svg('line', { x1: M.left, x2: W - M.right, y1: y(1), y2: y(1), class: 'baseline' }));

  const pts = [...d.points].sort((a, b) => a.workers - b.workers);
  if (pts.length > 1) root.append(svg('polyline', { points: pts.map((p) => `${x(p.workers)},${y(p.speedup)}`).join(' '), class: 'measured' }));
  // The ideal goes over the measured line: where I/O overlaps perfectly they coincide, and the dashes still show.
  const idealPts = ws.flatMap((w, i) => (ideals[i] === undefined ? [] : [`${x(w)},${y(ideals[i]!)}`]));
  if (idealPts.length > 1) root.append(svg('polyline', { points: idealPts.join(' '), class: 'ideal' }));
  for (const p of pts) {
    const c = svg('circle', { cx: x(p.workers), cy: y(p.speedup), r: 4.5, class: 'point', 'data-workers': p.workers });
    c.append(svg('title', {}, `${p.workers} workers: ${fmtTimes(p.speedup)} (${fmtMs(p.wallMs)})`));
    root.append(c);
  }

  const key = document.createElement('p');
  key.className = 'sweep-key';
  key.innerHTML = '<span class="key-measured">● measured</span> <span class="key-ideal">- - ideal</span> <span class="key-baseline">··· sequential (1×)</span>';
  const note = Object.assign(document.createElement('p'), { className: 'note', textContent: d.idealNote });

  const table = document.createElement('table');
  table.className = 'sweep-table';
  table.innerHTML = '<thead><tr><th scope="col">Workers</th><th scope="col">Wall time</th><th scope="col">Speedup</th><th scope="col">Ideal</th></tr></thead>';
  const body = document.createElement('tbody');
  for (const p of pts) {
    const tr = document.createElement('tr');
    const ideal = d.ideal(p.workers);
    for (const t of [String(p.workers), fmtMs(p.wallMs), fmtTimes(p.speedup), ideal === undefined ? 'depends' : fmtTimes(ideal)]) {
      tr.append(Object.assign(document.createElement('td'), { textContent: t }));
    }
    body.append(tr);
  }
  table.append(body);
  el.replaceChildren(root, key, note, table);
}
