// What a link to the full lab asks for, once the engine is ready (../../url-state.ts reads it): a chapter
// of the lesson, or the playground's experiment, checked at once (every bad value named before anything
// runs); a learner's edited program in the real-Python pane of the view it opens; a run or a Compare only
// with `autorun=1`.

import type { Spec } from '../../engine/protocol';
import type { Lab } from '../../lab/lab-api';
import { chapterById, unknownChapter } from '../../lesson/chapters';
import type { LinkState } from '../../url-state';
import type { LessonView } from '../lesson/lesson-view';
import type { LazyPythonPanes } from '../python/pane-loader';
import type { ExperimentForm } from '../run/form';

export interface LinkTargets {
  form: ExperimentForm;
  panes: LazyPythonPanes;
  lesson: LessonView;
  showView(view: 'lesson' | 'playground', chapter?: string): void;
  compare(): void;
  say(text: string): void;
  /** A problem with the link itself, named at the top of the page. */
  showLinkError(text: string): void;
  /** A course activity is open (`activity=predict`): it runs only when the learner has predicted, never by the link. */
  activity?: boolean;
}

export function openLink(lab: Lab, link: LinkState, to: LinkTargets): void {
  const { form: f, panes, showLinkError } = to;
  const hasSpec = Object.keys(link.spec).length > 0 || link.compare;
  const chapterId = link.chapter;
  const known = chapterId !== undefined && chapterById(chapterId) !== undefined;
  const ignored = Object.keys(link.spec);
  if (chapterId !== undefined && !known) {
    showLinkError(`${unknownChapter(chapterId).message}; here is the first chapter.`);
  } else if (chapterId !== undefined && ignored.length) {
    showLinkError(`The link opens a chapter, whose experiment is fixed: its other parameters (${ignored.join(', ')}) are ignored.`);
  }
  // `py`: a learner's edited program, shown in the real-Python pane of the view the link opens.
  const py = link.page.py;
  if (py !== undefined) {
    const target = known ? panes.openChapter(chapterById(chapterId!)!) : panes.showInPlayground(f.spec(), f.spec().mode as string | undefined);
    void target.then((pane) => pane?.loadEdited(py));
  }
  if (chapterId !== undefined || !hasSpec) {
    to.showView(location.hash === '#playground' && chapterId === undefined ? 'playground' : 'lesson', known ? chapterId : undefined);
    if (known && link.autorun && !to.activity) void to.lesson.run();
    return;
  }
  to.showView('playground');
  // A link's values are checked at once, as the link gives them over the form's (an unknown mode or
  // workload is named, not replaced): every bad one is named before anything runs, the rest kept.
  // `data-link` says when the check is done (tests wait for it, not for a timer).
  const linkSpec: Spec = { ...f.spec(), ...link.spec, ...(link.compare ? { mode: 'sequential' } : {}) };
  document.body.dataset.linkSpec = JSON.stringify(linkSpec);
  lab.validate(linkSpec).then(
    () => (document.body.dataset.link = 'ok'),
    (e) => {
      f.showError(e);
      document.body.dataset.link = 'error';
    },
  );
  // A link never starts a run by itself unless it asks to (`autorun=1`), a Compare included.
  if (link.autorun) {
    if (link.compare) to.compare();
    else document.querySelector<HTMLFormElement>('#experiment')!.requestSubmit();
  } else if (link.compare) {
    to.say('The link opens a Compare of every mode: press "Compare all modes" to run it.');
    document.querySelector('#compare')!.classList.add('suggested');
  }
}
