// Where "Run it in real Python" sits on the page before it is asked for: a closed section in each chapter
// and in the playground. The pane itself (./pane.ts, with the program chooser, the browser
// adaptations and the output views) is its own script, `python-pane.js`, fetched when a learner opens one
// of these sections or a page action needs it (a Compare row's button, a link carrying an edited program):
// a page that never uses real Python loads none of it, and the lab's first load keeps its size.

import type { Spec } from '../../engine/protocol';
import type { Lab } from '../../lab/lab-api';
import type { Chapter } from '../../lesson/chapters';
import type { PythonPane, PythonPanes } from './pane';

export { MAX_LINK_PY_CHARS } from './link';

type PaneModule = typeof import('./pane');

/** The pane's script, beside main.js (a separate entry of scripts/build-web.mjs, not in this bundle). */
const PANE_SCRIPT = './python-pane.js';

const INTRO =
  'CPython 3.14 itself, compiled to WebAssembly (Pyodide), run in this page on the program the lab shows. Nothing of it is loaded until you open this.';

export class LazyPythonPanes {
  /** The playground's section (the form's work in every mode). */
  readonly playground: HTMLDetailsElement;
  private module?: Promise<PaneModule>;
  /** The module once it has loaded (what the share link asks synchronously). */
  private loaded?: PaneModule;
  private panes?: Promise<PythonPanes>;
  private readonly chapters = new Map<string, { host: HTMLDetailsElement; chapter: Chapter; value?: number }>();
  private playgroundSpec?: Spec;
  private playgroundMode?: string;

  constructor(private readonly lab: Lab) {
    this.playground = this.host('python-playground', () => this.openPlayground());
  }

  /** A closed section that loads the pane when opened. */
  private host(id: string, open: () => Promise<unknown>): HTMLDetailsElement {
    const details = document.createElement('details');
    details.className = 'python-real-host';
    details.dataset.pane = id;
    const summary = document.createElement('summary');
    summary.textContent = 'Run it in real Python';
    const intro = document.createElement('p');
    intro.className = 'py-intro';
    intro.textContent = INTRO;
    details.append(summary, intro);
    details.addEventListener('toggle', () => {
      if (details.open) void open();
    });
    return details;
  }

  /** The pane's module and its panes, loaded once. */
  private load(): Promise<PythonPanes> {
    this.module ??= (import(/* the pane's own script, not bundled here */ new URL(PANE_SCRIPT, import.meta.url).href) as Promise<PaneModule>).then((m) => (this.loaded = m));
    this.panes ??= this.module.then((m) => new m.PythonPanes(this.lab));
    return this.panes;
  }

  private async openPlayground(): Promise<PythonPane> {
    this.playground.open = true;
    const panes = await this.load();
    if (!panes.playground.element.isConnected) this.playground.append(panes.playground.element);
    if (this.playgroundSpec) await panes.follow(this.playgroundSpec, this.playgroundMode);
    return panes.playground;
  }

  /** The playground's pane follows the form's work (and shows `mode`'s program, if given). */
  async follow(spec: Spec, mode?: string): Promise<void> {
    this.playgroundSpec = spec;
    this.playgroundMode = mode;
    if (this.panes) await (await this.panes).follow(spec, mode);
  }

  /** Opens the playground's pane on `mode`'s program of `spec` (a Compare row's button). */
  async showInPlayground(spec: Spec, mode?: string): Promise<PythonPane> {
    this.playgroundSpec = spec;
    this.playgroundMode = mode;
    const pane = await this.openPlayground();
    this.playground.scrollIntoView({ block: 'start' });
    return pane;
  }

  /** The chapter's section, its programs made for the knob's `value` once it is opened. */
  chapter(chapter: Chapter, value?: number): HTMLElement {
    let entry = this.chapters.get(chapter.id);
    if (!entry) {
      const id = chapter.id;
      entry = { host: this.host(`python-${id}`, () => this.openChapter(chapter)), chapter };
      this.chapters.set(id, entry);
    }
    entry.value = value;
    if (this.panes) void this.panes.then((p) => p.chapter(chapter, value));
    return entry.host;
  }

  /** Opens the chapter's pane, built for its knob's current value. */
  async openChapter(chapter: Chapter): Promise<PythonPane | undefined> {
    const entry = this.chapters.get(chapter.id) ?? (this.chapter(chapter, chapter.knob?.default), this.chapters.get(chapter.id)!);
    entry.host.open = true;
    const panes = await this.load();
    const element = panes.chapter(chapter, entry.value);
    if (!element.isConnected) entry.host.append(element);
    await panes.ready(chapter);
    return panes.chapterPane(chapter);
  }

  /** Shows a mode's program of one of the chapter's experiments (a compare row's button). */
  async selectInChapter(chapter: Chapter, experiment: string, mode: string): Promise<void> {
    await this.openChapter(chapter);
    await (await this.load()).selectInChapter(chapter, experiment, mode);
  }

  /** The pane last edited that still shows an edited program and is on screen (for a share link). */
  editedOnScreen(): PythonPane | undefined {
    return this.loaded?.PythonPane.editedOnScreen();
  }
}
