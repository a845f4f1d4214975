// What a learner does inside an embedded frame, told to the page that holds it (issue 24, item 6): a
// chapter run (or the frame's own Run) goes to the origins `parentOrigin` allows as `lab:result` with
// `id: null` (no host command caused it), the same message a host's `lab:run` gets back; an activity's runs
// also go to a SPLICE host as `SPLICE.sendEvent` (./activity.ts). Nothing goes anywhere without
// `parentOrigin`: a Result says what this machine is and measured.

import type { Chapter } from '../lesson/chapters';
import type { Activity, ActivityHooks } from './activity';

/** Posts `msg` to the parent at each allowed origin (none: nothing is sent). */
export function toAllowedHosts(origins: readonly string[], msg: unknown): void {
  if (window.parent === window) return;
  for (const origin of origins) window.parent.postMessage(msg, origin);
}

/** The lesson view's hooks in embed.html: the activity's (if any), and each finished chapter run to the allowed hosts. */
export function embedChapterHooks(activity: Activity | undefined, origins: readonly string[]): ActivityHooks {
  return {
    rendered: (article, chapter) => activity?.hooks.rendered(article, chapter),
    started: (chapter) => activity?.hooks.started(chapter),
    finished: (chapter: Chapter, run) => {
      activity?.hooks.finished(chapter, run);
      if (run) toAllowedHosts(origins, { type: 'lab:result', id: null, chapter: chapter.id, result: { results: run.results }, claims: run.claims });
    },
  };
}
