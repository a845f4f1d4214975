// Reading a run back in: a file the page's Export JSON wrote (`{ v, exportedAt, results: [...] }`), one
// Result, or the run a share link carries. All of it is untrusted input of any size: a cap on its bytes,
// a schema check of every field replay and the timeline read, and an error that names the first bad
// field (`results[0].tasks[3].spans[2].kind`) with what is allowed. What passes is rebuilt from the
// checked fields only; nothing else of the input reaches the page.

import { eventKinds, eventsVersion } from './events';
import type { RunRecord } from './record';

/** The largest file read (bytes). Export JSON of a long history can be larger: export fewer runs. */
export const MAX_IMPORT_BYTES = 32 * 1024 * 1024;
/** Results in one file at most (the history's cap). */
export const MAX_RESULTS = 1000;
/** Tasks in one run at most (the spec's range). */
export const MAX_TASKS = 1000;
/** Spans and events in one file at most, all runs together. */
export const MAX_ITEMS = 4_000_000;
/** Times at most (ms): a day. */
export const MAX_MS = 86_400_000;

const SPAN_KINDS = ['run', 'run-nogil', 'gil-wait', 'io-wait', 'loop-wait', 'message', 'start'] as const;
const STATUSES = ['ok', 'error', 'timeout', 'cancelled'] as const;
const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** A refused import: `field` names the first bad field (a path into the file), `allowed` what may be there. */
export class ImportError extends Error {
  constructor(
    readonly field: string,
    readonly allowed: string,
    got?: string,
  ) {
    super(`${field}${got !== undefined ? ` is ${got}` : ''}: allowed ${allowed}`);
    this.name = 'ImportError';
  }
}

export interface Imported extends RunRecord {
  v: number;
  runId: string;
  spec: RunRecord['spec'];
  [field: string]: unknown;
}

export interface ImportOptions {
  /** The newest Result schema this lab reads (`lab.workloads().v`): a file from a newer lab is refused. */
  schema: number;
  maxBytes?: number;
}

const show = (x: unknown): string => {
  if (x === undefined) return 'missing';
  if (x === null) return 'null';
  if (typeof x === 'string') return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x);
  if (typeof x === 'number' || typeof x === 'boolean') return String(x);
  return Array.isArray(x) ? 'a list' : 'an object';
};

/** Reads a file's text (after the size check): the runs in it, checked and rebuilt. */
export function importText(text: string, options: ImportOptions): Imported[] {
  const maxBytes = options.maxBytes ?? MAX_IMPORT_BYTES;
  // A UTF-16 length over the cap is over it in UTF-8 too; the exact byte count is checked on the File.
  if (text.length > maxBytes) throw new ImportError('file', `at most ${mib(maxBytes)}`, `${mib(text.length)} or more`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ImportError('file', 'JSON written by Export JSON (or one Result)', `not JSON (${(e as Error).message})`);
  }
  return importData(data, options);
}

/** A File picked by the learner: its size is checked before a byte of it is read. */
export async function importFile(file: Blob, options: ImportOptions): Promise<Imported[]> {
  const maxBytes = options.maxBytes ?? MAX_IMPORT_BYTES;
  if (file.size > maxBytes) throw new ImportError('file', `at most ${mib(maxBytes)}`, mib(file.size));
  return importText(await file.text(), options);
}

const mib = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`);

/** The runs of parsed JSON: an export (`{ v, results }`) or one Result. */
export function importData(data: unknown, options: ImportOptions): Imported[] {
  const budget = { items: MAX_ITEMS };
  if (!isObject(data)) throw new ImportError('file', 'an object: an export { v, results } or one Result', show(data));
  if ('results' in data) {
    const v = data.v;
    if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > options.schema) throw new ImportError('v', `an integer 1..${options.schema} (files of a newer lab are not read)`, show(v));
    const results = data.results;
    if (!Array.isArray(results) || results.length < 1 || results.length > MAX_RESULTS) throw new ImportError('results', `a list of 1..${MAX_RESULTS} runs`, Array.isArray(results) ? `a list of ${results.length}` : show(results));
    return results.map((r, i) => checkResult(r, `results[${i}]`, options, budget));
  }
  return [checkResult(data, 'result', options, budget)];
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function num(x: unknown, field: string, min: number, max: number, integer = false): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < min || x > max || (integer && !Number.isInteger(x))) {
    throw new ImportError(field, `${integer ? 'an integer' : 'a number'} in ${min}..${max}`, show(x));
  }
  return x;
}

function str(x: unknown, field: string, max: number, pattern?: RegExp, allowed?: string): string {
  if (typeof x !== 'string' || x.length > max || (pattern && !pattern.test(x))) throw new ImportError(field, allowed ?? `text of at most ${max} characters`, show(x));
  return x;
}

function oneOf<T extends string>(x: unknown, field: string, values: readonly T[]): T {
  if (typeof x !== 'string' || !(values as readonly string[]).includes(x)) throw new ImportError(field, values.join(', '), show(x));
  return x as T;
}

function list(x: unknown, field: string, max: number, budget: { items: number }): unknown[] {
  if (!Array.isArray(x)) throw new ImportError(field, `a list of at most ${max}`, show(x));
  if (x.length > max) throw new ImportError(field, `a list of at most ${max}`, `a list of ${x.length}`);
  budget.items -= x.length;
  if (budget.items < 0) throw new ImportError(field, `at most ${MAX_ITEMS.toLocaleString('en')} spans and events in one file`, 'past that');
  return x;
}

/** A spec's values: plain strings, numbers and booleans (one level of nesting, for `faults`). */
function checkSpec(x: unknown, field: string): Imported['spec'] {
  if (!isObject(x)) throw new ImportError(field, 'an object', show(x));
  const out: Record<string, unknown> = {};
  const keys = Object.keys(x);
  if (keys.length > 40) throw new ImportError(field, 'at most 40 fields', `${keys.length} fields`);
  for (const key of keys) {
    const f = `${field}.${key}`;
    str(key, `${field} (a field's name)`, 40, /^[A-Za-z][A-Za-z0-9]*$/, 'letters and digits');
    const v = x[key];
    if (typeof v === 'string') out[key] = str(v, f, 200);
    else if (typeof v === 'number') out[key] = num(v, f, -1e12, 1e12);
    else if (typeof v === 'boolean') out[key] = v;
    else if (isObject(v) && Object.keys(v).length <= 10) {
      const inner: Record<string, unknown> = {};
      for (const [k, w] of Object.entries(v)) {
        str(k, `${f} (a field's name)`, 40, /^[A-Za-z][A-Za-z0-9]*$/, 'letters and digits');
        if (typeof w === 'string') inner[k] = str(w, `${f}.${k}`, 200);
        else if (typeof w === 'number') inner[k] = num(w, `${f}.${k}`, -1e12, 1e12);
        else if (typeof w === 'boolean') inner[k] = w;
        else throw new ImportError(`${f}.${k}`, 'text, a number or true/false', show(w));
      }
      out[key] = inner;
    } else if (v !== null) throw new ImportError(f, 'text, a number, true/false or a small object', show(v));
  }
  out.workload = str(x.workload, `${field}.workload`, 64, NAME, 'a workload name (letters, digits, dashes)');
  out.mode = str(x.mode, `${field}.mode`, 64, NAME, 'a mode name (letters, digits, dashes)');
  out.tasks = num(x.tasks, `${field}.tasks`, 1, MAX_TASKS, true);
  return out as Imported['spec'];
}

function checkResult(x: unknown, field: string, options: ImportOptions, budget: { items: number }): Imported {
  if (!isObject(x)) throw new ImportError(field, 'a Result (an object)', show(x));
  const v = num(x.v ?? options.schema, `${field}.v`, 1, options.schema, true);
  const spec = checkSpec(x.spec, `${field}.spec`);
  const endMs = num(x.endMs, `${field}.endMs`, 0, MAX_MS);
  const wallMs = num(x.wallMs, `${field}.wallMs`, 0, MAX_MS);
  const rawTasks = list(x.tasks, `${field}.tasks`, MAX_TASKS, budget);
  const seen = new Set<number>();
  const tasks = rawTasks.map((t, i) => {
    const f = `${field}.tasks[${i}]`;
    if (!isObject(t)) throw new ImportError(f, 'a task (an object)', show(t));
    const id = num(t.id, `${f}.id`, 0, MAX_TASKS - 1, true);
    if (seen.has(id)) throw new ImportError(`${f}.id`, 'each task id once', `${id} again`);
    seen.add(id);
    const startMs = num(t.startMs, `${f}.startMs`, 0, MAX_MS);
    const task: Imported['tasks'][number] = {
      id,
      lane: str(t.lane, `${f}.lane`, 100),
      startMs,
      endMs: num(t.endMs, `${f}.endMs`, startMs, MAX_MS),
      status: oneOf(t.status, `${f}.status`, STATUSES),
      spans: list(t.spans ?? [], `${f}.spans`, MAX_ITEMS, budget).map((s, j) => {
        const g = `${f}.spans[${j}]`;
        if (!isObject(s)) throw new ImportError(g, 'a span { kind, startMs, endMs }', show(s));
        const from = num(s.startMs, `${g}.startMs`, 0, MAX_MS);
        return { kind: oneOf(s.kind, `${g}.kind`, SPAN_KINDS), startMs: from, endMs: num(s.endMs, `${g}.endMs`, from, MAX_MS) };
      }),
    };
    if (t.error !== undefined) task.error = str(t.error, `${f}.error`, 10_000);
    if (t.gilWaitMs !== undefined) task.gilWaitMs = num(t.gilWaitMs, `${f}.gilWaitMs`, 0, MAX_MS);
    if (t.ioWaitMs !== undefined) task.ioWaitMs = num(t.ioWaitMs, `${f}.ioWaitMs`, 0, MAX_MS);
    return task;
  });
  const out: Imported = {
    v,
    runId: x.runId === undefined ? `imported-${Math.random().toString(36).slice(2)}` : str(x.runId, `${field}.runId`, 100),
    spec,
    wallMs,
    endMs,
    tasks,
  };
  // What the results table and the timeline show beside the record: plain values, checked.
  for (const key of ['labVersion', 'build', 'class', 'network'] as const) if (x[key] !== undefined) out[key] = str(x[key], `${field}.${key}`, 100);
  if (x.modelVersion !== undefined) out.modelVersion = typeof x.modelVersion === 'number' ? num(x.modelVersion, `${field}.modelVersion`, 0, 1e6) : str(x.modelVersion, `${field}.modelVersion`, 40);
  if (x.value !== undefined) out.value = num(x.value, `${field}.value`, -Number.MAX_VALUE, Number.MAX_VALUE);
  if (x.cancelled !== undefined) out.cancelled = x.cancelled === true;
  if (x.speedup !== undefined) out.speedup = num(x.speedup, `${field}.speedup`, 0, 1e6);
  if (x.detail !== undefined) out.detail = oneOf(x.detail, `${field}.detail`, ['coalesced', 'full']);
  if (x.machine !== undefined) {
    const m = x.machine;
    if (!isObject(m)) throw new ImportError(`${field}.machine`, 'an object { cores, build, browser }', show(m));
    out.machine = {
      cores: num(m.cores ?? 1, `${field}.machine.cores`, 1, 4096, true),
      build: str(m.build ?? '', `${field}.machine.build`, 20),
      browser: str(m.browser ?? '', `${field}.machine.browser`, 100),
      ...(m.parallelism !== undefined ? { parallelism: num(m.parallelism, `${field}.machine.parallelism`, 0, 4096) } : {}),
    };
  }
  if (x.error !== undefined) {
    const e = x.error;
    if (!isObject(e)) throw new ImportError(`${field}.error`, 'an object { name, message }', show(e));
    out.error = {
      name: str(e.name, `${field}.error.name`, 100),
      message: str(e.message ?? '', `${field}.error.message`, 10_000),
      ...(e.taskId !== undefined ? { taskId: num(e.taskId, `${field}.error.taskId`, 0, MAX_TASKS - 1, true) } : {}),
      ...(e.atMs !== undefined ? { atMs: num(e.atMs, `${field}.error.atMs`, 0, MAX_MS) } : {}),
    };
  }
  if (x.events !== undefined) out.events = checkEvents(x.events, `${field}.events`, budget);
  return out;
}

/** The engine's events: its format (`eventsVersion()`) is checked event by event; another format is kept as given only if it is small and plain (replay will not read it). */
function checkEvents(x: unknown, field: string, budget: { items: number }): unknown {
  if (!isObject(x)) throw new ImportError(field, 'an object { v, list }', show(x));
  const v = num(x.v, `${field}.v`, 1, 1e6, true);
  const raw = list(x.list, `${field}.list`, MAX_ITEMS, budget);
  if (v !== eventsVersion()) return { v, list: [] };
  const kinds = eventKinds();
  return {
    v,
    list: raw.map((e, i) => {
      const f = `${field}.list[${i}]`;
      if (!isObject(e)) throw new ImportError(f, 'an event { tMs, kind, ... }', show(e));
      const out: Record<string, unknown> = { tMs: num(e.tMs, `${f}.tMs`, 0, MAX_MS), kind: oneOf(e.kind, `${f}.kind`, kinds) };
      if (e.taskId !== undefined) out.taskId = num(e.taskId, `${f}.taskId`, 0, MAX_TASKS - 1, true);
      for (const key of ['lane', 'gil', 'holder', 'from', 'to', 'awaits', 'call'] as const) if (e[key] !== undefined) out[key] = str(e[key], `${f}.${key}`, 200);
      if (e.status !== undefined) out.status = oneOf(e.status, `${f}.status`, STATUSES);
      if (e.reason !== undefined) out.reason = oneOf(e.reason, `${f}.reason`, ['switch', 'io', 'released', 'end']);
      if (e.nogil !== undefined) out.nogil = e.nogil === true;
      if (e.what !== undefined) out.what = oneOf(e.what, `${f}.what`, ['task', 'result']);
      return out;
    }),
  };
}
