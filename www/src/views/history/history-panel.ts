// The history under the results table: every tab's runs, kept in this browser. The table follows it (a
// run or a Clear in another tab shows here too); what the learner should know about it (read-only, a full
// storage, runs dropped, coarser stored copies) is said above the table. Clear empties it in every tab,
// and can be undone; Export gives it whole, as JSON or CSV.

import { HISTORY_BYTES_CAP, HISTORY_CAP, RESULT_BUDGET_BYTES, type HistoryState } from '../../history/store';
import type { Lab, Recorded } from '../../lab/lab-api';
import { download, exportName, toCsv, toJson } from './export';
import type { ResultsTable } from './results-table';

const $ = <T extends HTMLElement>(sel: string) => document.querySelector<T>(sel)!;
const mb = (bytes: number) => `${Math.round(bytes / (1024 * 1024))} MB`;

/** Wires the history's notice, Clear (and Undo) and Export to `lab`; `schema`: the version for an empty export. */
export function setUpHistoryPanel(lab: Lab, table: ResultsTable, say: (text: string) => void, schema: () => number | undefined): void {
  const notice = Object.assign(document.createElement('div'), { id: 'history-notice', className: 'history-notice' });
  notice.setAttribute('role', 'status');
  $('#h-results').parentElement!.querySelector('.buttons.export')!.after(notice);
  let refreshQueued = false;
  let refreshed: Promise<void> = Promise.resolve();
  function refresh(): Promise<void> {
    if (refreshQueued) return refreshed;
    refreshQueued = true;
    refreshed = refreshed.then(() => {
      refreshQueued = false;
      table.follow(lab.historyView());
      renderNotice(notice, lab, say, lab.historyState());
    });
    return refreshed;
  }
  lab.onHistory(() => void refresh());

  let cleared: Recorded[] | undefined;
  $('#clear-results').addEventListener('click', async () => {
    cleared = await lab.clearHistory();
    await refresh();
    const undo = Object.assign(document.createElement('button'), { type: 'button', id: 'undo-clear', textContent: 'Undo' });
    undo.addEventListener('click', async () => {
      if (!cleared) return;
      await lab.restoreHistory(cleared);
      await refresh();
      cleared = undefined;
      $('#clear-status').replaceChildren(`Results restored.`);
      say('Results restored.');
    });
    $('#clear-status').replaceChildren(`${cleared.length} results cleared, in every tab of the lab. `, undo);
    say(`${cleared.length} results cleared; Undo brings them back.`);
  });
  $('#export-json').addEventListener('click', async () => {
    const results = await lab.history();
    download(exportName('json'), toJson(results[0]?.v ?? schema() ?? 1, results), 'application/json');
    say(`Exported ${results.length} runs as JSON.`);
  });
  $('#export-csv').addEventListener('click', async () => {
    const results = await lab.history();
    download(exportName('csv'), toCsv(results), 'text/csv');
    say(`Exported ${results.length} runs as CSV.`);
  });
}

function renderNotice(notice: HTMLElement, lab: Lab, say: (text: string) => void, s: HistoryState): void {
  const parts: [string, ...(string | Node)[]][] = [];
  const clear = $<HTMLButtonElement>('#clear-results');
  clear.disabled = s.readOnly;
  clear.title = s.readOnly ? 'The saved results belong to a newer version of the lab: this page does not change them.' : '';
  if (s.readOnly && s.reason) parts.push(['warn', `${s.reason[0].toUpperCase()}${s.reason.slice(1)}.`]);
  if (s.full) {
    const exportButton = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Export JSON' });
    exportButton.addEventListener('click', () => $('#export-json').click());
    const room = Object.assign(document.createElement('button'), { type: 'button', id: 'make-room', textContent: s.roomFor === 1 ? 'Drop the oldest saved run' : `Drop the oldest ${s.roomFor} saved runs` });
    room.disabled = s.roomFor === 0;
    room.addEventListener('click', async () => {
      room.disabled = true;
      const dropped = await lab.makeRoomInHistory().catch(() => 0);
      say(`${dropped} oldest runs dropped${lab.historyState().full ? '; the storage is still full' : '; every run is saved'}.`);
    });
    parts.push([
      'warn',
      `The browser's storage for this site is full: ${s.unsaved === 1 ? 'the last run is' : `the last ${s.unsaved} runs are`} not saved and will be lost when the page is closed. Nothing was deleted. To keep ${s.unsaved === 1 ? 'it' : 'them'}, export the results, then make room by dropping the oldest saved runs. `,
      exportButton, ' ', room,
    ]);
  }
  const dropped = s.capDropped + s.roomDropped;
  if (dropped) {
    const why = [s.capDropped ? `${s.capDropped} by the history's limit (the newest ${HISTORY_CAP.toLocaleString('en')} runs, ${mb(HISTORY_BYTES_CAP)} at most)` : '', s.roomDropped ? `${s.roomDropped} to make room, as you chose` : ''].filter(Boolean).join(' and ');
    parts.push(['warn', `${dropped} older ${dropped === 1 ? 'run was' : 'runs were'} dropped from the saved history during this visit: ${why}.`]);
  }
  if (s.coalesced) {
    parts.push(['info', `${s.coalesced} saved ${s.coalesced === 1 ? 'run is' : 'runs are'} marked "coarser timeline": to keep each saved run under ${Math.round(RESULT_BUDGET_BYTES / 1024)} KB, its timeline spans shorter than a pixel were merged (each kind apart; the numbers are exact). Runs made in this visit keep every span until the page is closed; Export JSON keeps them whole.`]);
  }
  notice.replaceChildren(
    ...parts.map(([level, ...content]) => {
      const el = document.createElement('p');
      el.className = level === 'warn' ? 'build-reason' : 'history-info';
      el.append(...content);
      return el;
    }),
  );
}
