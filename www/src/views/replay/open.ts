// Replays of runs that are not in this page's history: Import a run (an exported JSON file, checked as
// untrusted input by ../../replay/import.ts) and a link's run (`run`) at its instant (`t`). A link's instant
// of a run shared as a file waits for the file; a bad file or link is refused, naming the field.

import type { Lab } from '../../lab/lab-api';
import { importFile, importText, ImportError } from '../../replay/import';
import type { RunRecord } from '../../replay/record';
import { decodeRun, parseReplayTime, type LinkState } from '../../url-state';

/** Opens the replay of `r` at `tMs`; `runs`: the runs of an imported file, to choose from; `from`: where it came from. */
export type OpenReplay = (r: RunRecord, options?: { tMs?: number; runs?: RunRecord[]; from?: string }) => void;

/** Wires the page's Import a run button and opens the run of `link`, if it has one. */
export function openImportsAndLinks(lab: Lab, link: LinkState, showLinkError: (text: string, action?: HTMLElement) => void, open: OpenReplay): void {
  const $ = <T extends HTMLElement>(sel: string) => document.querySelector<T>(sel)!;
  // A link's instant of a run shared as a file waits for the file.
  let pendingT: string | undefined = link.page.t;
  const schema = () => lab.workloads().v;
  const at = (r: RunRecord): number => {
    if (pendingT === undefined) return 0;
    const t = pendingT;
    pendingT = undefined;
    try {
      return parseReplayTime(t, Math.max(r.endMs, 0));
    } catch (e) {
      showLinkError(`${(e as Error).message}; the replay starts at the beginning instead.`);
      return 0;
    }
  };

  const file = $<HTMLInputElement>('#import-file');
  const error = $('#import-error');
  const status = $('#import-status');
  $('#import-json').addEventListener('click', () => file.click());
  file.addEventListener('change', async () => {
    const f = file.files?.[0];
    file.value = '';
    if (!f) return;
    error.hidden = true;
    status.textContent = `Reading ${f.name}…`;
    try {
      await lab.ready;
      const runs = await importFile(f, { schema: schema() });
      status.textContent = `${f.name}: ${runs.length} run${runs.length === 1 ? '' : 's'} imported (not added to your results); replaying ${runs.length === 1 ? 'it' : 'the last one'}.`;
      const last = runs[runs.length - 1];
      open(last, { runs, tMs: at(last), from: `imported from ${f.name}` });
    } catch (e) {
      status.textContent = '';
      const err = e as Error & { field?: string };
      error.textContent = `Import refused: ${err.message}`;
      error.dataset.field = err.field ?? '';
      error.hidden = false;
    }
  });

  if (link.page.run !== undefined) {
    void (async () => {
      try {
        const text = await decodeRun(link.page.run!);
        await lab.ready;
        const [r] = importText(text, { schema: schema() });
        open(r, { tMs: at(r), from: 'from the link' });
      } catch (e) {
        const err = e as Error & { field?: string };
        showLinkError(err instanceof ImportError ? `The link's run cannot be replayed: run's ${err.message}` : err.message);
      }
    })();
  } else if (pendingT !== undefined) {
    try {
      parseReplayTime(pendingT);
      const importButton = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Import the run…' });
      importButton.addEventListener('click', () => file.click());
      showLinkError(`This link points at t = ${pendingT} ms of a run shared as a file (Export JSON): import the file to replay it at that instant. `, importButton);
    } catch (e) {
      pendingT = undefined;
      showLinkError((e as Error).message);
    }
  }
}
