// The rules of the model the page needs, as the engine's catalogue states them (src/core/catalogue.rs:
// which workloads make requests and what each task waits on, which GIL each mode has, the event kinds,
// their order and version, how the lab's Python writes a wait, the browser's connections per host).
// None is written here: the page keeps the catalogue the engine sent (`useCatalogue`, when the lab
// starts) and pure modules (replay, the claims, the network note) read it through `rules()`, so a new
// workload or mode needs no change on this side. The unit tests give it a catalogue of their own
// (tests/unit/fixtures/catalogue.json, with a workload the page has never heard of).

import type { Catalogue, CatalogueRules, ModeInfo, WorkloadInfo } from './engine/protocol';

export type Rules = Pick<Catalogue, 'workloads' | 'modes' | 'rules'>;

/** Where the catalogue is kept: on the global object, so that every bundle of these modules reads the
 * same one (the page has one bundle; node's tests and the bench bundle each module they load apart). */
const KEY = Symbol.for('concurrency-lab.catalogue');
const holder = globalThis as { [KEY]?: Rules };

/** Keeps the engine's catalogue as the page's rules (the lab does this when the engine starts). */
export function useCatalogue(catalogue: Rules): void {
  holder[KEY] = catalogue;
}

/** The engine's catalogue as last given; an Error before the engine has sent one. */
export function rules(): Rules {
  const current = holder[KEY];
  if (!current) throw new Error("the engine's catalogue has not arrived yet (await lab.ready)");
  return current;
}

/** The rules apart from workloads and modes (events, call texts, connections per host). */
export const modelRules = (): CatalogueRules => rules().rules;

export const workloadInfo = (name: unknown): WorkloadInfo | undefined => rules().workloads.find((w) => w.name === name);
export const modeInfo = (name: unknown): ModeInfo | undefined => rules().modes.find((m) => m.name === name);

/** Whether a workload's tasks call the latency endpoint. */
export const usesNetwork = (workload: unknown): boolean => workloadInfo(workload)?.network === true;

/** Which GIL a mode has: one for the process, one per interpreter, or none. */
export const gilKind = (mode: unknown): 'one' | 'per-lane' | 'none' => modeInfo(mode)?.gil ?? 'none';

/** The browser's connections per host (HTTP/1.1). */
export const connectionsPerHost = (): number => modelRules().connectionsPerHost;

/** `template` with each `{name}` given replaced. */
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}
