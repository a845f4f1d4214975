// The replay view on the page before it is asked for: every finished run's timeline offers Replay, the
// Import a run button opens the file chooser, and a link with `run` or `t` opens its run; the view itself
// (./replay-view.ts, with the replay model, the import checks and the Python panel) is a chunk of its own,
// fetched when a learner first opens a replay (scripts/build-web.mjs splits it off main.js).

import type { Lab, Recorded } from '../../lab/lab-api';
import type { LinkState } from '../../url-state';
import { setReplayOpener } from '../timeline/timeline';

type ReplayModule = typeof import('./replay-view');

/** Wires the replay's openers now; loads the view on the first one used (at once for a link's run). */
export function setUpReplayOnDemand(lab: Lab, link: LinkState, showLinkError: (text: string, action?: HTMLElement) => void): void {
  let view: Promise<ReturnType<ReplayModule['setUpReplay']>> | undefined;
  const importButton = document.querySelector<HTMLButtonElement>('#import-json')!;
  const file = document.querySelector<HTMLInputElement>('#import-file')!;
  const choose = () => file.click();
  // The file chooser opens within the click (a browser allows it only there); the view loads meanwhile.
  const chosen = () => void load().then(() => file.dispatchEvent(new Event('change')));
  const load = () =>
    (view ??= import('./replay-view').then((m) => {
      importButton.removeEventListener('click', choose);
      file.removeEventListener('change', chosen);
      // Its own openers replace these: the Replay buttons, Import a run, the link's run.
      return m.setUpReplay(lab, link, showLinkError);
    }));
  setReplayOpener((r: Recorded) => void load().then((v) => v.openRun(r)));
  importButton.addEventListener('click', choose);
  file.addEventListener('change', chosen);
  if (link.page.run !== undefined || link.page.t !== undefined) void load();
}
