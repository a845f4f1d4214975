// The page's session with the lab, the same on the full page (main.ts) and in the embed (embed/embed.ts):
// a Run, a Compare filled into a compare view as its rounds go (the Compare itself says which mode starts:
// its `onStart`), busy (Stop stays enabled while anything the page started still goes), Stop, and the run
// in progress drawn as it goes by whatever watches it (an image band by band; the live timeline and the
// progress bar on the full page). Like a host page's script, it does everything through `window.lab`.

import type { Catalogue, Result, Spec, TaskOutput } from './engine/protocol';
import type { CompareOptions, CompareOutcome, Lab, Recorded } from './lab/lab-api';
import type { CompareView } from './views/compare/compare';

/** Something that draws the run in progress: told as it starts, as each task ends, and as it is over. */
export interface RunWatcher {
  start(spec: Spec): void;
  task(record: Recorded['tasks'][number], output?: TaskOutput): void;
  end(): void;
}

export interface SessionViews {
  /** Where the page's Compares show, row by row. */
  compare: CompareView;
  /** Whether anything the page started still goes (a run, a Compare, a chapter, a sweep). */
  busy(on: boolean): void;
  /** A run was recorded (`inCompare`: one of a Compare's rows, which its view shows). */
  recorded(r: Recorded, inCompare: boolean): void;
  /** A Compare ended: the run that tells its lesson, to draw. */
  lessonRun(r: Recorded): void;
  say(text: string): void;
  watchers?: RunWatcher[];
}

/** A Compare's options from the page (the view's progress and starts are the session's). */
export type PageCompareOptions = Omit<CompareOptions, 'onProgress' | 'onStart'>;

export class PageSession {
  private active = 0;
  private comparing = false;

  constructor(
    readonly lab: Lab,
    private readonly views: SessionViews,
  ) {
    const watchers = views.watchers ?? [];
    lab.onRunStart((spec) => watchers.forEach((w) => w.start(spec)));
    lab.onTask((record, output) => watchers.forEach((w) => w.task(record, output)));
    lab.onRunEnd(() => watchers.forEach((w) => w.end()));
    lab.onRecord((r) => views.recorded(r, this.comparing));
  }

  /** Whether a Compare the page started is running. */
  get inCompare(): boolean {
    return this.comparing;
  }

  /** Something the page started begins (`true`) or ends (`false`); counted, so the last end is the one. */
  readonly busy = (on: boolean): void => {
    this.active = Math.max(0, this.active + (on ? 1 : -1));
    this.views.busy(this.active > 0);
  };

  /** One run; busy until it is over. */
  async run(spec: Spec): Promise<Result> {
    this.busy(true);
    try {
      return await this.lab.run(spec);
    } finally {
      this.busy(false);
    }
  }

  /**
   * Every mode on `work` (a spec without mode), shown in the compare view from its start (`caption`: the
   * work as the view names it, defaults filled in) to its end; a Stop keeps what is done.
   */
  async compare(catalogue: Catalogue, work: Spec, caption: Spec = work, options: PageCompareOptions = {}): Promise<CompareOutcome> {
    const view = this.views.compare;
    this.comparing = true;
    view.start(catalogue, caption);
    this.busy(true);
    try {
      const out = await this.lab.compare(work, { ...options, onProgress: (p) => view.update(p), onStart: (s) => view.running(s.mode) });
      view.finish(out, false);
      const lesson = view.lessonRun();
      if (lesson) this.views.lessonRun(lesson);
      return out;
    } catch (e) {
      view.finish((e as Error & { partial?: CompareOutcome }).partial ?? {}, true);
      throw e;
    } finally {
      this.comparing = false;
      this.busy(false);
      this.views.say(view.summary());
    }
  }

  /** Stop: the running run (or Compare, or chapter) and every waiting one. */
  stop(): void {
    this.lab.cancel();
  }

  /** Escape stops too (unless `unless()`: a dialog open, say, whose own Escape closes it). */
  stopOnEscape(unless: () => boolean = () => false): void {
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !unless()) this.stop();
    });
  }
}
