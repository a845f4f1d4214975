// The convoy chapter's figures (../../lesson/chapters.ts `calls`): for each run, the I/O thread's total time
// and its latency per blocking call (p50, p99), beside CPython's figure for the same run and their ratio.
// Renders only; the figures come from the runs' `tasks[0].calls`.

import type { Chapter } from '../../lesson/chapters';
import type { ChapterRun } from '../../lesson/run';
import { convoyIo } from '../../measure/verdicts';
import { fmtMs } from '../work';

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]) => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
};

/** A latency to the precision it has (a few µs). */
const fmtCall = (ms: number) => (Number.isFinite(ms) ? `${ms < 1 ? ms.toFixed(3) : ms.toFixed(2)} ms` : '–');
const ratio = (lab: number, cpython?: number) => (cpython && Number.isFinite(lab) ? `${(lab / cpython).toFixed(lab / cpython < 10 ? 1 : 0)}×` : '–');

/** The table of the chapter's calls, or `undefined` for a chapter without any. */
export function convoyTable(chapter: Chapter, run: ChapterRun): HTMLElement | undefined {
  if (!chapter.calls?.length) return undefined;
  const columns = ['Run', 'I/O thread in all', 'per call p50', 'per call p99', 'CPython', 'lab ÷ CPython'];
  const head = el('tr', {}, ...columns.map((t) => el('th', { scope: 'col', textContent: t })));
  // Each cell names its column: on a narrow screen each row is a card (style.css), its header out of sight.
  const cell = (text: string, k: number) => {
    const td = el('td', { textContent: text });
    td.dataset.label = columns[k];
    return td;
  };
  const rows = chapter.calls.map(({ run: name, label, cpython }) => {
    const entry = run.results.find((r) => r.name === name)?.result;
    const io = entry && 'wallMs' in entry ? convoyIo(entry) : undefined;
    const refused = entry && !('wallMs' in entry) ? entry.error?.message : undefined;
    const cells = io ? [fmtMs(io.totalMs), fmtCall(io.p50), fmtCall(io.p99)] : [refused ? `did not run: ${refused}` : 'not run', '', ''];
    const theirs = cpython ? `${fmtMs(cpython.totalMs)}${cpython.p99Ms !== undefined ? `, p99 ${fmtCall(cpython.p99Ms)}` : ''}` : 'no figure';
    const tr = el('tr', {}, el('th', { scope: 'row', textContent: label }), ...[...cells, theirs, io ? ratio(io.totalMs, cpython?.totalMs) : '–'].map((t, k) => cell(t, k + 1)));
    tr.dataset.run = name;
    return tr;
  });
  const table = el('table', { className: 'convoy-calls' }, el('caption', { textContent: "The I/O thread's 200 calls: its total time (the median round's) and its latency per call, beside CPython's socket round trips" }), el('thead', {}, head), el('tbody', {}, ...rows));
  const why = el(
    'p',
    { className: 'convoy-why' },
    "Why the ratio is not 1: CPython's figure is for local socket round trips of a few microseconds, the lab's calls wait about 100 µs. A round trip that short often ends before the CPU-bound thread has woken up to take the GIL, so CPython's I/O thread retakes it at once and only some calls wait a whole interval; a 100 µs wait lets the CPU-bound thread in every time. The direction and the order of magnitude are the same, and CPython running the lab's own program (100 µs sleeps) waits an interval per call too.",
  );
  // Should it scroll sideways (a narrow window before the cards take over): reachable by keyboard.
  const section = el('section', { className: 'convoy-figures', tabIndex: 0 }, table, why);
  section.setAttribute('aria-label', "The I/O thread's calls, beside CPython's");
  return section;
}
