// The programs a real-Python pane offers: the lesson's own snippets (with the lab's latency endpoint in
// place of the lesson's URLs) and the whole program of any spec (../programs.ts), CPU work scaled so the
// interpreter finishes in about a second. Each carries the same experiment as the model runs it, for the
// comparison beside the real run. No DOM: the lab answers the questions (validate, estimate).

import type { Catalogue, Spec } from '../../engine/protocol';
import { lessonSnippets, pythonProgram, type ProgramSpec } from '../programs';
import { DEFAULT_PYTHON_FACTOR, noteScaling, scaledSize } from './adapt';

export interface PythonProgram {
  /** Stable within a pane: `snippet`, or `mode:<mode>` (a spec's program). */
  key: string;
  /** As the chooser shows it. */
  label: string;
  /** The program as the page shows it (and a learner edits). */
  text: string;
  /** The lab mode it stands for (its rules decide whether real Python can run it). */
  mode: string;
  workload: string;
  /** The same experiment in the lab's model (sizes as scaled here), for the comparison. */
  model: Spec;
  /** Where CPU work was made smaller for the interpreter. */
  scaled?: { field: string; from: number; to: number; factor: number };
  /** A note shown with the program (the lesson's URLs replaced, say). */
  note?: string;
}

/** What the page asks the lab (window.lab's own methods). */
export interface LabQuestions {
  validate(spec: Spec): Promise<Spec>;
  estimate(spec: Spec): Promise<number>;
  workloads(): Catalogue;
  python: { program(spec: Spec, options?: { baseUrl?: string }): Promise<string> };
}

/** How many times longer CPython took than the lab's kernel on CPU work, measured in this page. */
const measured = new Map<string, number>();

/** Records a measured real / model factor for CPU work (the next programs are scaled by it). */
export function recordFactor(workload: string, factor: number): void {
  if (Number.isFinite(factor) && factor > 1) measured.set(workload, factor);
}

/** The base URL the programs call (the lab's own address). */
const baseUrl = () => new URL('.', document.baseURI).href;

/** The lesson's `fetch_data`, sleeping `seconds` (the chapter's knob). */
export function fetchDataProgram(seconds: number): PythonProgram {
  return {
    key: 'snippet',
    label: "The lesson's fetch_data",
    text: lessonSnippets.fetchData({ seconds }).trimEnd() + '\n',
    mode: 'asyncio',
    workload: 'io-sleep',
    model: { workload: 'io-sleep', mode: 'asyncio', tasks: 1, latencyMs: Math.round(seconds * 1000) },
  };
}

/** The lesson's concurrent API calls, `n` URLs of the lab's latency endpoint (200 ms each). */
export function apiCallsProgram(n: number, latencyMs = 200): PythonProgram {
  // Relative URLs: they resolve against this page's address (the lab's endpoint), as a link would.
  const urls = Array.from({ length: n }, (_, i) => `api/delay?ms=${latencyMs}&call=${i + 1}`);
  return {
    key: 'snippet',
    label: "The lesson's concurrent API calls",
    text: lessonSnippets.concurrentApiCalls({ urls }).trimEnd() + '\n',
    mode: 'asyncio',
    workload: 'io-fetch',
    model: { workload: 'io-fetch', mode: 'asyncio', tasks: n, latencyMs },
    note: `The lesson's URLs (https://api1.com, https://api2.com) are the lab's latency endpoint here: each call waits ${latencyMs} ms on the lab's server. A relative URL resolves against this page's address, so the program calls the lab that served it.`,
  };
}

/**
 * The whole program of `spec` (a mode given), as the compare view shows it, with the lab's values; CPU work
 * under sequential or asyncio scaled so CPython takes about a second (said in the code).
 */
export async function specProgram(lab: LabQuestions, spec: Spec, options: { key?: string; label?: string } = {}): Promise<PythonProgram> {
  const full = (await lab.validate(spec)) as ProgramSpec;
  const workload = lab.workloads().workloads.find((w) => w.name === full.workload);
  let model: ProgramSpec = full;
  let scaled: PythonProgram['scaled'];
  let modelMs = 0;
  const cal = workload?.calibration;
  if (cal && (full.mode === 'sequential' || full.mode === 'asyncio') && typeof full[cal.field] === 'number') {
    const from = full[cal.field] as number;
    const factor = measured.get(full.workload) ?? DEFAULT_PYTHON_FACTOR[full.workload] ?? 70;
    const fieldMin = workload.fields.find((f) => f.name === cal.field)?.min ?? 1;
    modelMs = await lab.estimate(full);
    const to = scaledSize(from, modelMs, cal.exponent, factor, Math.max(fieldMin, full.workload === 'cpu-mandelbrot' ? 4 * full.tasks : fieldMin));
    if (to !== from) {
      model = { ...full, [cal.field]: to };
      scaled = { field: cal.field, from, to, factor };
    }
  }
  let text = await pythonProgram(model, { baseUrl: baseUrl() }, (s, o) => lab.python.program(s, o));
  if (scaled) text = noteScaling(text, full.workload, scaled.from, scaled.to, scaled.factor, measured.has(full.workload), modelMs);
  return {
    key: options.key ?? `mode:${full.mode}`,
    label: options.label ?? `${full.workload}, ${full.mode}`,
    text,
    mode: full.mode,
    workload: full.workload,
    model: model as Spec,
    scaled,
  };
}
