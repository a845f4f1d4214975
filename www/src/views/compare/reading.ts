// How to read a compare table, said once per page (the compare view's tables and the lesson's chapters
// link to it).

/** How to read a compare table, in one place: a page with several tables shows it once (`readingId`). */
export const READING =
  'Wall time: the median round, with the range over the counted rounds. Speedup over sequential: the bar is the median round, the thin line across it the range; the mark (│) is the hardware ideal, what the machine could give with no GIL and no overhead (as many tasks at once as there are workers and cores, or every wait overlapped). The lesson predicts what Python does.';

/** The note that says how to read a compare table, with `id` for the tables' links to it. */
export function readingNote(id?: string): HTMLElement {
  const p = Object.assign(document.createElement('p'), { className: 'note reading-tables', textContent: READING });
  if (id) {
    p.id = id;
    p.tabIndex = -1;
  }
  return p;
}
