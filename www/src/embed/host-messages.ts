// The embed view's postMessage API (docs/CONTRACT.md "Embedding"). The embed URL's `parentOrigin` names the
// origins allowed to command the lab; only they receive `lab:ready`, `lab:result` and `lab:error`.
// `lab:height` goes to any parent (it carries nothing else). Messages from other origins, or when no
// `parentOrigin` was given, are ignored without a word.
//
//   parent -> lab: { type: "lab:run", id, spec } | { type: "lab:compare", id, spec } | { type: "lab:cancel" }
//   lab -> parent: { type: "lab:ready", status } | { type: "lab:result", id, result, claims? }
//                  | { type: "lab:error", id, message, error } | { type: "lab:height", height }

import { claims, type Outcome } from '../measure/verdicts';
import type { PlainError, Result, Spec } from '../engine/protocol';
import type { Status } from '../lab/lab-api';

/** The origins `parentOrigin` allows, and the entries that are not full origins (the page names them). */
export function parseParentOrigins(raw: string | null): { origins: string[]; bad: string[] } {
  const origins: string[] = [];
  const bad: string[] = [];
  for (const part of (raw ?? '').split(',')) {
    const entry = part.trim();
    if (!entry) continue;
    let origin: string | undefined;
    try {
      const url = new URL(entry);
      // A full origin: scheme, host and port only; no wildcard, no path, no query.
      const plain = entry.replace(/\/$/, '').toLowerCase();
      if ((url.protocol === 'https:' || url.protocol === 'http:') && !entry.includes('*') && url.origin === plain) origin = url.origin;
    } catch {
      /* not a URL */
    }
    if (origin) {
      if (!origins.includes(origin)) origins.push(origin);
    } else bad.push(entry);
  }
  return { origins, bad };
}

type Id = string | number | null;

/** A command, checked; or why it is malformed (the field), or null for a message that is not for the lab. */
type Checked =
  | { type: 'lab:run' | 'lab:compare'; id: Id; spec: Spec }
  | { type: 'lab:cancel'; id: Id }
  | { error: string; field: string; id: Id }
  | null;

const COMMANDS = ['lab:run', 'lab:compare', 'lab:cancel'];
const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

export function checkMessage(data: unknown): Checked {
  if (!isObject(data)) {
    return { field: 'type', id: null, error: `a message to the lab is an object { type, id, spec } with type ${COMMANDS.join(', ')}; got ${data === null ? 'null' : Array.isArray(data) ? 'an array' : typeof data}` };
  }
  const { type } = data;
  // Other scripts of the host page may post their own messages to every frame: not ours, not an error.
  if (typeof type === 'string' && !type.startsWith('lab:')) return null;
  const rawId = data.id;
  const id: Id = typeof rawId === 'string' || (typeof rawId === 'number' && Number.isFinite(rawId)) ? rawId : null;
  if (typeof type !== 'string' || !COMMANDS.includes(type)) {
    return { field: 'type', id, error: `type must be one of ${COMMANDS.join(', ')}; got ${JSON.stringify(type) ?? 'none'}` };
  }
  if (rawId !== undefined && rawId !== null && id === null) {
    return { field: 'id', id: null, error: `id must be a string or a number (it is echoed back); got ${Array.isArray(rawId) ? 'an array' : typeof rawId}` };
  }
  if (type === 'lab:cancel') return { type, id };
  if (!isObject(data.spec)) {
    return { field: 'spec', id, error: `spec must be an object such as { workload: "cpu-primes", mode: "rayon", tasks: 8 }; got ${data.spec === undefined ? 'none' : Array.isArray(data.spec) ? 'an array' : typeof data.spec}` };
  }
  return { type: type as 'lab:run' | 'lab:compare', id, spec: data.spec };
}

/** An error as it crosses frames: a plain object (API.md "Errors"). */
function plain(e: unknown): PlainError {
  const x = (e ?? {}) as PlainError;
  const out: PlainError = { name: x.name ?? 'EngineError', message: x.message ?? String(e) };
  for (const k of ['field', 'allowed', 'reason', 'result'] as const) if (x[k] !== undefined) (out as unknown as Record<string, unknown>)[k] = x[k];
  return out;
}

export interface HostHandlers {
  run(spec: Spec): Promise<Result>;
  compare(spec: Spec): Promise<Record<string, Result | { error: PlainError }>>;
  cancel(): void;
}

/** Listens to the allowed parent origins and answers them; says `lab:ready` once the lab is. */
export class HostChannel {
  constructor(
    private readonly origins: readonly string[],
    private readonly handlers: HostHandlers,
  ) {
    if (origins.length) window.addEventListener('message', (e) => this.receive(e));
  }

  ready(status: Status): void {
    this.toParent({ type: 'lab:ready', status });
  }

  /** The lab could not start: the allowed origins hear it (with no id: no command caused it). */
  failed(e: unknown): void {
    const error = plain(e);
    this.toParent({ type: 'lab:error', id: null, message: error.message, error });
  }

  private receive(e: MessageEvent): void {
    if (!this.origins.includes(e.origin) || !e.source) return;
    const reply = (msg: unknown) => (e.source as Window).postMessage(msg, e.origin);
    const checked = checkMessage(e.data);
    if (!checked) return;
    if ('error' in checked) {
      const error: PlainError = { name: 'SpecError', message: checked.error, field: checked.field };
      reply({ type: 'lab:error', id: checked.id, message: error.message, error });
      return;
    }
    if (checked.type === 'lab:cancel') return this.handlers.cancel();
    const { id, spec } = checked;
    const work = checked.type === 'lab:run' ? this.handlers.run(spec) : this.handlers.compare(spec);
    work.then(
      // A Compare's result carries the lesson's verdicts too, so a course page can react to them.
      (result) => reply({ type: 'lab:result', id, result, ...(checked.type === 'lab:compare' ? { claims: claims(result as Outcome) } : {}) }),
      (e) => {
        const error = plain(e);
        reply({ type: 'lab:error', id, message: error.message, error });
      },
    );
  }

  /** To the parent, if its origin is one of the allowed (postMessage drops it otherwise). */
  private toParent(msg: unknown): void {
    if (window.parent === window) return;
    for (const origin of this.origins) window.parent.postMessage(msg, origin);
  }
}

/** Tells the parent (any origin: it carries nothing else) the page's height whenever it changes. */
export function reportHeight(): void {
  if (window.parent === window) return;
  let last = -1;
  const send = () => {
    const height = Math.ceil(document.body.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    window.parent.postMessage({ type: 'lab:height', height }, '*');
  };
  new ResizeObserver(send).observe(document.body);
  send();
}
