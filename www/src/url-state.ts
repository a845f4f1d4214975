// The lab's URL, read and written in one place (pure: no DOM). The query string holds the spec under its
// own names (`?workload=io-fetch&mode=asyncio&tasks=6`, `faults.kind=status`), `mode=compare` for the
// compare view, and the page parameters, which never reach spec validation (API.md, "The URL").
// Values stay strings here: the engine validates them (a URL's `tasks=6` is the spec's 6), so a bad value
// or a typo reaches it as given and comes back as a SpecError naming it.

/** Page parameters: read by the page, never part of the spec. */
export const PAGE_PARAMS = ['chapter', 'autorun', 't', 'run', 'v', 'parentOrigin', 'py', 'activity', 'scoring'] as const;
export type PageParam = (typeof PAGE_PARAMS)[number];

export function isPageParam(key: string): key is PageParam {
  return (PAGE_PARAMS as readonly string[]).includes(key);
}

/** What a link describes. */
export interface LinkState {
  /** Every other parameter, as given (typos and `faults.kind` style keys included). */
  spec: Record<string, string>;
  /** `mode=compare`: the compare view (then `spec` has no `mode`). */
  compare: boolean;
  /** `chapter=ID`, when given. */
  chapter?: string;
  /** `autorun=1`: run what the link describes once on load. */
  autorun: boolean;
  /** The page parameters given (`chapter`, `autorun`, `t`, `run`, `v`, `parentOrigin`). */
  page: Record<string, string>;
}

/** Reads a query string (`?a=1&b=2`, with or without the `?`). A repeated key keeps its last value. */
export function parseLink(search: string): LinkState {
  const last = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(search)) {
    last.delete(key); // the last occurrence decides the key's place too
    last.set(key, value);
  }
  const spec: [string, string][] = [];
  const page: [string, string][] = [];
  let compare = false;
  for (const [key, value] of last) {
    if (isPageParam(key)) page.push([key, value]);
    else if (key === 'mode' && value === 'compare') compare = true;
    else spec.push([key, value]);
  }
  // fromEntries defines own properties, so a key such as `__proto__` stays a plain key.
  const pageRecord: Record<string, string> = Object.fromEntries(page);
  const state: LinkState = { spec: Object.fromEntries(spec), compare, autorun: pageRecord.autorun === '1', page: pageRecord };
  if (pageRecord.chapter !== undefined) state.chapter = pageRecord.chapter;
  return state;
}

/** What to write into a link. */
export interface LinkInput {
  /** Spec values: strings, numbers, booleans; a nested object (`faults: { kind, rate }`) is written with
   *  dotted keys (`faults.kind`). Undefined, null, empty and non-finite values are left out, and so are
   *  keys named like page parameters (they are not spec fields). */
  spec: Record<string, unknown>;
  compare?: boolean;
  chapter?: string;
  autorun?: boolean;
  /** Other page parameters to carry (`t`, `run`, `v`, `parentOrigin`); `chapter` and `autorun` here are
   *  ignored in favour of the fields above. */
  page?: Record<string, string | undefined>;
}

const FIRST_KEYS = ['workload', 'mode', 'tasks'];

/**
 * The query string (`?workload=...&mode=compare&...`, or `''` when there is nothing to say) that
 * `parseLink` reads back as the same state. The order is stable: `chapter`, then `workload`, `mode`
 * (`compare` when `compare`), `tasks`, the other spec keys sorted, the other page parameters sorted, and
 * `autorun=1` (only when asked) last.
 */
export function linkFor(state: LinkInput): string {
  const spec = new Map<string, string>();
  flatten('', state.spec, spec);
  for (const key of [...spec.keys()]) if (isPageParam(key)) spec.delete(key);
  if (state.compare || spec.get('mode') === 'compare') spec.set('mode', 'compare');

  const out = new URLSearchParams();
  if (nonEmpty(state.chapter)) out.append('chapter', state.chapter);
  const rank = (k: string) => {
    const i = FIRST_KEYS.indexOf(k);
    return i < 0 ? FIRST_KEYS.length : i;
  };
  const keys = [...spec.keys()].sort((a, b) => rank(a) - rank(b) || byCodeUnits(a, b));
  for (const key of keys) out.append(key, spec.get(key)!);
  const page = Object.entries(state.page ?? {})
    .filter((e): e is [string, string] => isPageParam(e[0]) && e[0] !== 'chapter' && e[0] !== 'autorun' && nonEmpty(e[1]))
    .sort(([a], [b]) => byCodeUnits(a, b));
  for (const [key, value] of page) out.append(key, value);
  if (state.autorun) out.append('autorun', '1');
  const query = out.toString();
  return query ? `?${query}` : '';
}

function flatten(prefix: string, value: unknown, into: Map<string, string>): void {
  if (value === undefined || value === null) return;
  if (typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) flatten(prefix ? `${prefix}.${k}` : k, v, into);
    return;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return;
  const text = String(value);
  if (prefix !== '' && text !== '') into.set(prefix, text);
}

function nonEmpty(s: string | undefined): s is string {
  return s !== undefined && s !== '';
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------------
// Replay in a link: `t` (an instant of the run, in ms) and `run` (a small run itself, compressed). A run
// too large for a link travels as an exported file instead; the link then carries `t` alone.

/** The longest `run` value a link carries (characters): past it, say to export. Most chat and mail
 *  programs keep links of this length whole. */
export const MAX_LINK_RUN_CHARS = 12_000;
/** The most a `run` value may unpack to (bytes): a small value must not unpack into a huge one. */
export const MAX_LINK_RUN_BYTES = 1024 * 1024;

/** A bad `t` or `run`: named as the URL names it, with what is allowed. */
export class LinkError extends Error {
  readonly name = 'SpecError';
  constructor(
    readonly field: 't' | 'run',
    readonly allowed: string,
    message: string,
  ) {
    super(message);
  }
}

/** `t=123.456`: milliseconds from the run's start, at least 0 (at most `durationMs`, when known). */
export function parseReplayTime(value: string, durationMs?: number): number {
  const allowed = durationMs === undefined ? 'a time in ms from the run\'s start, 0 or more (t=120.5)' : `a time in ms from the run's start, 0..${durationMs}`;
  const t = /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(t) || (durationMs !== undefined && t > durationMs)) throw new LinkError('t', allowed, `t must be ${allowed} (got ${JSON.stringify(value.slice(0, 40))})`);
  return t;
}

/** `t` as a link writes it: exactly (the shortest text that reads back as the same number), so a link
 *  to the instant of an event lands on it, not a rounding before it. */
export const formatReplayTime = (ms: number) => String(ms);

const toBase64Url = (bytes: Uint8Array) => {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

/** A run's JSON as a `run` value (deflate, then base64url), or undefined when it would be too long. */
export async function encodeRun(json: string, maxChars = MAX_LINK_RUN_CHARS): Promise<string | undefined> {
  const stream = new Blob([json]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  const packed = new Uint8Array(await new Response(stream).arrayBuffer());
  // base64 is 4 characters per 3 bytes: too many bytes is too long, without encoding them.
  if (Math.ceil((packed.length * 4) / 3) > maxChars) return undefined;
  return toBase64Url(packed);
}

/** A `run` value back to the run's JSON text (untrusted: check it as an import). */
export async function decodeRun(value: string, maxBytes = MAX_LINK_RUN_BYTES): Promise<string> {
  const allowed = `a run as the Share button writes it (base64url, at most ${MAX_LINK_RUN_CHARS.toLocaleString('en')} characters)`;
  const bad = (why: string) => new LinkError('run', allowed, `run must be ${allowed}: ${why}`);
  if (value.length > MAX_LINK_RUN_CHARS) throw bad(`it has ${value.length.toLocaleString('en')} characters`);
  if (!/^[A-Za-z0-9_-]*$/.test(value)) throw bad('it has characters base64url does not use');
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    const bin = atob(value.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (value.length % 4)) % 4));
    bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    throw bad('it is not base64url');
  }
  const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw')).getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value: chunk } = await reader.read();
      if (done) break;
      total += chunk.length;
      if (total > maxBytes) {
        await reader.cancel();
        throw bad(`it unpacks to more than ${Math.round(maxBytes / 1024)} KiB`);
      }
      parts.push(chunk);
    }
  } catch (e) {
    if (e instanceof LinkError) throw e;
    throw bad('it does not unpack (cut short, or not written by the lab)');
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(out);
  } catch {
    throw bad('it does not unpack to text');
  }
}
