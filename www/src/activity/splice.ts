// The SPLICE iframe protocol (cssplice.org/slcp; API.md "Course activities"), the content's side:
//
//   content -> host: { subject: "SPLICE.getState", message_id, content_id }       once, on load
//                    { subject: "SPLICE.reportScoreAndState", message_id, score, state }
//                    { subject: "SPLICE.sendEvent", message_id, name, data }
//                    { subject: "lti.frameResize", message_id, height, width }
//   host -> content: { subject: "SPLICE.getState.response", message_id, state, user_id? }
//
// Trust: a host message counts only if it comes from `window.parent` (checked by `event.source`) and, when
// `parentOrigin` names origins, from one of them; only the first `getState.response` whose `message_id`
// matches the request is used, and only its `state` is read (`user_id`, `user_model`, `context_id` are
// never kept or sent on). Without `parentOrigin` (SPLICE hosts send none) messages go to the parent with
// "*": they carry only this activity's state, score and verdicts, and the frame's size.
// Reports: nothing before the learner's first change; then at most once a second, and at once when asked
// (the explanation's blur, a run's end).

export const REPORT_EVERY_MS = 1000;
export const RESIZE_DEBOUNCE_MS = 100;

let counter = 0;
/** A fresh message id (a UUID where the browser has one). */
export function messageId(): string {
  const c = globalThis.crypto as Crypto | undefined;
  if (c && typeof c.randomUUID === 'function') {
    try {
      return c.randomUUID();
    } catch {
      /* not a secure context */
    }
  }
  counter += 1;
  return `m${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 10)}`;
}

export interface SpliceEnv {
  /** The frame's own window (listens for messages). */
  self: Window;
  /** The host (the frame's parent); the same as `self` when the page is not in a frame. */
  parent: Window;
  /** Origins allowed by `parentOrigin` (empty: any, and "*" as the target). */
  origins: readonly string[];
}

export const defaultEnv = (origins: readonly string[]): SpliceEnv => ({ self: window, parent: window.parent, origins });

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Posts `msg` to the parent: to each allowed origin, or to "*" when none is named. */
export function postToParent(env: SpliceEnv, msg: unknown): void {
  if (env.parent === env.self) return;
  if (env.origins.length) for (const origin of env.origins) env.parent.postMessage(msg, origin);
  else env.parent.postMessage(msg, '*');
}

/** A message from the host counts: from the parent window itself, and from an allowed origin if any are named. */
export function fromHost(env: SpliceEnv, e: MessageEvent): boolean {
  if (env.parent === env.self || e.source !== env.parent) return false;
  return !env.origins.length || env.origins.includes(e.origin);
}

export interface SpliceHandlers {
  /** The first matching `getState.response`'s state (raw: an object, a JSON string, or null). */
  restore(state: unknown): void;
  /** The host answered (the course keeps the learner's work), whether or not its state is applied. */
  answered?(): void;
  /** Whether the learner has changed anything yet (a late response is applied only if not). */
  changed(): boolean;
  /** What to report now. */
  report(): { score: number; state: unknown };
}

export class SpliceClient {
  private requestId?: string;
  private answered = false;
  private lastReport = -Infinity;
  private timer?: ReturnType<typeof setTimeout>;
  /** Every message sent, oldest first (author.html and the tests read them through the host instead). */
  readonly framed: boolean;

  constructor(
    private readonly env: SpliceEnv,
    private readonly contentId: string,
    private readonly handlers: SpliceHandlers,
  ) {
    this.framed = env.parent !== env.self;
    if (this.framed) env.self.addEventListener('message', (e) => this.receive(e));
  }

  /** Asks the host for the saved state (once). */
  start(): void {
    if (!this.framed || this.requestId) return;
    this.requestId = messageId();
    postToParent(this.env, { subject: 'SPLICE.getState', message_id: this.requestId, content_id: this.contentId });
  }

  /** Whether a host answered `getState` (the course keeps the learner's work). */
  get hostAnswered(): boolean {
    return this.answered;
  }

  private receive(e: MessageEvent): void {
    if (!fromHost(this.env, e)) return;
    const data = e.data;
    if (!isObject(data) || data.subject !== 'SPLICE.getState.response') return;
    if (this.answered || this.requestId === undefined || data.message_id !== this.requestId) return;
    this.answered = true;
    // Only the state is read; user_id and the rest stay in the event.
    if (!this.handlers.changed()) this.handlers.restore(data.state ?? null);
    else this.handlers.answered?.();
  }

  /** The learner changed something: report within a second (never more often). */
  changed(): void {
    if (!this.framed || this.timer !== undefined) return;
    const wait = Math.max(0, this.lastReport + REPORT_EVERY_MS - Date.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  /** Reports at once (the explanation's blur, a run's end), if the learner has changed anything. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.framed || !this.handlers.changed()) return;
    const { score, state } = this.handlers.report();
    this.lastReport = Date.now();
    postToParent(this.env, { subject: 'SPLICE.reportScoreAndState', message_id: messageId(), score, state });
  }

  /** `SPLICE.sendEvent`; `data` is only `{ chapter, runId, verdicts }`. */
  event(name: 'run-started' | 'run-finished', data: { chapter: string; runId: string; verdicts: unknown }): void {
    if (!this.framed) return;
    postToParent(this.env, { subject: 'SPLICE.sendEvent', message_id: messageId(), name, data: { chapter: data.chapter, runId: data.runId, verdicts: data.verdicts } });
  }
}

/**
 * `lti.frameResize` { message_id, height, width } whenever the page's height changes, 100 ms after the
 * last change (SPLICE hosts and LMSs that honour it size the frame with no script of the author's).
 */
export function reportFrameSize(env: SpliceEnv, body: HTMLElement = document.body): void {
  if (env.parent === env.self) return;
  let last = -1;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const send = () => {
    timer = undefined;
    const rect = body.getBoundingClientRect();
    const height = Math.ceil(rect.height);
    if (height === last) return;
    last = height;
    postToParent(env, { subject: 'lti.frameResize', message_id: messageId(), height, width: Math.ceil(rect.width) });
  };
  const later = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(send, RESIZE_DEBOUNCE_MS);
  };
  new ResizeObserver(later).observe(body);
  later();
}
