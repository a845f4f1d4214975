// Runs a chapter's experiments (./chapters.ts) through the lab, fairly (each one a Compare of its modes,
// all of them one job of the queue), and decides the chapter's claims with the one verdict module. It
// resolves once every experiment's history rows are kept (each Compare waits for its own, inside the job).

import type { Catalogue, PlainError, Spec } from '../engine/protocol';
import { newRunId, type CompareOptions, type CompareOutcome, type Recorded } from '../lab/contract';
import { CHAPTER_OPTIONS, optionsError } from '../lab/options';
import type { CompareProgress, CompareStart } from '../measure/procedure';
import { acrossClaims, claims as decide, type ClaimVerdict } from '../measure/verdicts';
import { CHAPTERS, chapterById, knobAccepts, unknownChapter, type Chapter } from './chapters';
import { publicQuestions } from '../activity/questions';

export interface ChapterRun {
  /** One entry per experiment and mode: `${experiment}/${mode}` and its median-round Result. */
  results: { name: string; result: Recorded | { error: PlainError } }[];
  claims: ClaimVerdict[];
  /** Each experiment's Compare outcome, by experiment name. */
  outcomes: Record<string, CompareOutcome>;
}

/** Which chapter run a history row belongs to (`Recorded.lesson`): a reload shows the chapter's last verdicts from them. */
export interface LessonTag {
  chapter: string;
  experiment: string;
  /** One id per run of the chapter, shared by its experiments' rows. */
  run: string;
  /** The chapter's knob, when it has one. */
  value?: number;
}

export interface LessonHost {
  workloads(): Catalogue;
  compareSeries(items: { spec: Spec; options: CompareOptions; lesson?: LessonTag }[], signal?: AbortSignal): Promise<CompareOutcome[]>;
}

/** A chapter's spec as the engine takes it: a named preset becomes its values (sized for this machine). */
export function resolveSpec(catalogue: Catalogue, spec: Spec): Spec {
  const { preset, ...rest } = spec;
  if (preset === undefined) return rest;
  const values = catalogue.workloads.find((w) => w.name === rest.workload)?.presets.find((p) => p.name === preset)?.values ?? {};
  return { ...rest, ...values };
}

/** The chapter's claims from its experiments' outcomes: each id once, a tested verdict before an untested one. */
export function chapterClaims(chapter: Chapter, outcomes: CompareOutcome[]): ClaimVerdict[] {
  const byId = new Map<string, ClaimVerdict>();
  // Claims of one Compare each, then those decided across the chapter's Compares (two switch intervals).
  for (const verdicts of [...outcomes.map((o) => decide(o)), acrossClaims(outcomes)]) {
    for (const c of verdicts) {
      if (!chapter.claims.includes(c.id)) continue;
      const had = byId.get(c.id);
      if (!had || (had.measured.rounds === 0 && c.measured.rounds > 0)) byId.set(c.id, c);
    }
  }
  return chapter.claims.map((id) => byId.get(id)).filter((c): c is ClaimVerdict => !!c);
}

export interface ChapterRunOptions {
  signal?: AbortSignal;
  /** The chapter's knob, if it has one (within its range; its default otherwise). */
  value?: number;
  /** Told after every run of every experiment (views fill in as rounds go). */
  onProgress?(experiment: string, p: CompareProgress<Recorded>): void;
  /** Told as each run of every experiment starts (which experiment, mode and round). */
  onStart?(experiment: string, start: CompareStart): void;
}

/** What is wrong with `lab.lesson.run(id, options)`, before anything is queued: the id, an option, the knob's value. */
export function chapterRunError(id: string, options: ChapterRunOptions | undefined): PlainError | undefined {
  const chapter = chapterById(id);
  if (!chapter) return unknownChapter(id);
  const badOption = optionsError('lesson.run', options, CHAPTER_OPTIONS);
  if (badOption) return badOption;
  const k = chapter.knob;
  const value = options?.value;
  if (value === undefined || (k && knobAccepts(k, value))) return undefined;
  const allowed = k ? `${k.min}..${k.max}` : 'none (this chapter has no value to change)';
  const message = `value must be ${k ? `a number in ${allowed}` : allowed}: ${k?.label ?? chapter.title} (got ${JSON.stringify(value)})`;
  return { name: 'SpecError', message, field: 'value', allowed };
}

/** Each experiment's work as the chapter runs it: its preset resolved, the knob's value set (no mode). */
export function chapterSpecs(catalogue: Catalogue, chapter: Chapter, given?: number): Spec[] {
  const knob = chapter.knob;
  const value = knob ? knobValue(chapter, given) : undefined;
  return chapter.experiments.map((x) => ({ ...resolveSpec(catalogue, x.spec), ...(knob && value !== undefined && knob.experiments.includes(x.name) ? { [knob.field]: Math.round(value * knob.scale) } : {}) }));
}

export async function runChapter(host: LessonHost, chapter: Chapter, options: ChapterRunOptions = {}): Promise<ChapterRun> {
  const specs = chapterSpecs(host.workloads(), chapter, options.value);
  const value = knobValue(chapter, options.value);
  const run = newRunId();
  const items = chapter.experiments.map((x, i) => ({
    spec: specs[i],
    lesson: { chapter: chapter.id, experiment: x.name, run, ...(value !== undefined ? { value } : {}) },
    options: {
      modes: x.modes,
      budgetMs: x.budgetMs,
      onProgress: (p: CompareProgress<Recorded>) => options.onProgress?.(x.name, p),
      onStart: (s: CompareStart) => options.onStart?.(x.name, s),
    },
  }));
  const outs = await host.compareSeries(items, options.signal);
  const outcomes = Object.fromEntries(chapter.experiments.map((x, i) => [x.name, outs[i]]));
  const results = chapter.experiments.flatMap((x, i) => Object.entries(outs[i]).map(([mode, result]) => ({ name: `${x.name}/${mode}`, result })));
  return { results, claims: chapterClaims(chapter, outs), outcomes };
}

/** A chapter's last run as the history keeps it: its rows (tagged `lesson`) of the latest run, with the
 *  verdicts decided again from them; undefined when none of its rows is kept (a Clear, a new profile). */
export function lastChapterRun(chapter: Chapter, history: readonly Recorded[]): (ChapterRun & { value?: number }) | undefined {
  let run: string | undefined;
  for (const r of history) if (r.lesson?.chapter === chapter.id) run = r.lesson.run; // oldest first: the last wins
  if (run === undefined) return undefined;
  const rows = history.filter((r) => r.lesson?.run === run && r.lesson.chapter === chapter.id);
  const outcomes: Record<string, CompareOutcome> = {};
  for (const x of chapter.experiments) outcomes[x.name] = {};
  for (const r of rows) if (outcomes[r.lesson!.experiment]) outcomes[r.lesson!.experiment][r.spec.mode as string] = r;
  const results = chapter.experiments.flatMap((x) => Object.entries(outcomes[x.name]).map(([mode, result]) => ({ name: `${x.name}/${mode}`, result })));
  const value = rows[0].lesson!.value;
  return { results, claims: chapterClaims(chapter, chapter.experiments.map((x) => outcomes[x.name])), outcomes, ...(value !== undefined ? { value } : {}) };
}

/** The knob's value to use: the one given if it is a number in range, else the default. */
export function knobValue(chapter: Chapter, given?: number): number | undefined {
  const k = chapter.knob;
  if (!k) return undefined;
  return knobAccepts(k, given) ? given : k.default;
}

/** `lab.lesson.chapters()`: the chapters in the lesson's order. */
export const chapterList = () => CHAPTERS.map(({ id, title, claim }) => ({ id, title, claim, questions: publicQuestions(id) }));
