// The replay view: any finished run played back from its record, not run again. Play, pause, a speed
// from 0.1x to 10x of real time or one event per step, step forward and back, scrub; a time cursor on
// the run's timeline (which zooms); at each instant the state in the lesson's words (www/src/replay/
// describe.ts), what `python -m asyncio pstree` would print (asyncio) or a profiler's GIL view (threads),
// and a link to the instant. Keyboard operable (the keys are listed in the view); a screen reader hears
// the state at the pace the learner picks; with prefers-reduced-motion the cursor moves in steps.

import type { Lab, Recorded } from '../lab-api';
import { decodeRun, parseReplayTime, type LinkState } from '../url-state';
import { importFile, importText, ImportError } from '../replay/import';
import { describe, fmtSpan, fmtT } from '../replay/describe';
import { replayLink } from '../replay/link';
import { gilProfile } from '../replay/profile';
import { awaitGraph, pstreeText, PROGRAM_FILE } from '../replay/pstree';
import { replay, type Replay } from '../replay/replay';
import type { RunRecord } from '../replay/record';
import { renderTimeline, setReplayOpener, type TimelineView } from './timeline';
import { describeWork } from './work';

/** Speeds offered: times real time, or one event per step. */
export const SPEEDS = ['step', 0.1, 0.25, 0.5, 1, 2, 5, 10] as const;
type Speed = (typeof SPEEDS)[number];
/** How often a screen reader hears the state while playing (ms), or only on steps, or never. */
const PACES = [
  { value: 'steps', label: 'on each step and pause' },
  { value: '2000', label: 'every 2 s while playing' },
  { value: '5000', label: 'every 5 s while playing' },
  { value: 'off', label: 'never' },
] as const;
/** One event per step: the time between steps while playing (ms). */
const STEP_EVERY_MS = 900;
/** With reduced motion, the picture changes at most this often while playing (ms). */
const REDUCED_FRAME_MS = 500;
/** Otherwise the state's text is redrawn at most this often (the cursor every frame). */
const TEXT_FRAME_MS = 100;

export const REPLAY_KEYS: [string, string][] = [
  ['Space or K', 'play / pause'],
  [', and .', 'one event back / forward'],
  ['← → on the time slider', 'one event back / forward; with Shift, 1% of the run; Page Up / Page Down, 10%; Home / End, start / end'],
  ['[ and ]', 'slower / faster'],
  ['+ − 0 on the timeline', 'zoom in, out, whole run; Shift + ← → pans'],
  ['Esc', 'close'],
];

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, unknown> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
};

export interface ReplayViewOptions {
  /** The page's address without its query (links are made from it). */
  baseUrl(): string;
  /** Told when the view closes (the page puts the focus back). */
  onClose?(): void;
}

export class ReplayView {
  private r?: RunRecord;
  private rp?: Replay;
  private runs: RunRecord[] = [];
  private t = 0;
  private playing = false;
  private speed: Speed = 1;
  private pace: string = '5000';
  private timeline?: TimelineView;
  private raf = 0;
  private lastFrame = 0;
  private lastText = 0;
  private lastAnnounce = 0;
  private stepTimer = 0;
  private scrubAnnounce = 0;
  private readonly reduced = typeof matchMedia === 'function' ? matchMedia('(prefers-reduced-motion: reduce)') : undefined;

  private readonly title = el('h2', { id: 'h-replay', textContent: 'Replay' });
  private readonly sub = el('p', { className: 'replay-sub' });
  private readonly pick = el('select', { id: 'replay-pick' });
  private readonly pickBox = el('p', { className: 'replay-pick' }, el('label', { htmlFor: 'replay-pick', textContent: 'Run in the file ' }), this.pick);
  private readonly playButton = el('button', { type: 'button', className: 'replay-play' });
  private readonly speedSelect = el('select', { id: 'replay-speed' });
  private readonly paceSelect = el('select', { id: 'replay-pace' });
  private readonly scrub = el('div', { className: 'replay-scrub', tabIndex: 0 });
  private readonly fill = el('div', { className: 'scrub-fill' });
  private readonly thumb = el('div', { className: 'scrub-thumb' });
  private readonly clock = el('p', { className: 'replay-clock' });
  private readonly tl = el('div', { className: 'timeline replay-timeline' });
  private readonly state = el('div', { className: 'replay-state' });
  private readonly happened = el('ul', { className: 'replay-happened' });
  private readonly python = el('div', { className: 'replay-python' });
  private readonly pythonTitle = el('summary');
  private readonly linkOut = el('input', { type: 'text', readOnly: true, className: 'replay-link', id: 'replay-link' });
  private readonly linkStatus = el('p', { className: 'replay-link-status' });
  private readonly live = el('p', { className: 'visually-hidden replay-live' });

  constructor(
    private readonly dialog: HTMLDialogElement,
    private readonly options: ReplayViewOptions,
  ) {
    dialog.setAttribute('aria-labelledby', 'h-replay');
    this.live.setAttribute('aria-live', 'polite');
    this.linkStatus.setAttribute('role', 'status');
    // It scrolls sideways on a narrow screen (a deep pstree): reachable by keyboard.
    this.python.tabIndex = 0;
    this.python.setAttribute('role', 'region');
    this.python.setAttribute('aria-label', "What Python's own tools would show");
    this.pick.addEventListener('change', () => {
      const r = this.runs[Number(this.pick.value)];
      if (r) this.load(r, 0);
    });

    const button = (text: string, label: string, act: () => void) => {
      const b = el('button', { type: 'button', textContent: text, title: label });
      b.setAttribute('aria-label', label);
      b.addEventListener('click', act);
      return b;
    };
    for (const s of SPEEDS) this.speedSelect.append(new Option(s === 'step' ? 'one event per step' : `${s}×`, String(s)));
    this.speedSelect.addEventListener('change', () => this.setSpeed(this.speedSelect.value === 'step' ? 'step' : (Number(this.speedSelect.value) as Speed)));
    for (const p of PACES) this.paceSelect.append(new Option(p.label, p.value));
    this.paceSelect.value = this.pace;
    this.paceSelect.addEventListener('change', () => (this.pace = this.paceSelect.value));
    const controls = el(
      'div',
      { className: 'replay-controls' },
      button('Start', 'Start of the run (Home on the time slider)', () => this.seek(0, true)),
      button('Step back', 'Step back one event (key ,)', () => this.step(-1)),
      this.playButton,
      button('Step forward', 'Step forward one event (key .)', () => this.step(1)),
      button('End', 'End of the run (End on the time slider)', () => this.seek(this.end(), true)),
      el('span', { className: 'replay-opt' }, el('label', { htmlFor: 'replay-speed', textContent: 'Speed' }), this.speedSelect),
      el('span', { className: 'replay-opt' }, el('label', { htmlFor: 'replay-pace', textContent: 'Read the state aloud' }), this.paceSelect),
    );
    controls.setAttribute('role', 'group');
    controls.setAttribute('aria-label', 'Playback');
    this.playButton.addEventListener('click', () => this.toggle());

    this.scrub.setAttribute('role', 'slider');
    this.scrub.setAttribute('aria-label', 'Time in the run');
    this.scrub.setAttribute('aria-valuemin', '0');
    this.scrub.append(this.fill, this.thumb);
    this.wireScrub();

    const keys = el('dl', { className: 'replay-keys' });
    for (const [k, what] of REPLAY_KEYS) keys.append(el('dt', { textContent: k }), el('dd', { textContent: what }));
    const copy = button('Copy a link to this instant', 'Copy a link to this instant (it opens this run there)', () => void this.copyLink());
    const close = button('Close', 'Close the replay (Esc)', () => this.close());
    close.className = 'replay-close';

    dialog.replaceChildren(
      el('div', { className: 'replay-head' }, this.title, close),
      this.sub,
      this.pickBox,
      controls,
      this.scrub,
      this.clock,
      this.tl,
      el(
        'div',
        { className: 'replay-body' },
        el('section', { className: 'replay-now' }, el('h3', { textContent: 'At this instant' }), this.state, el('h3', { textContent: 'What happens at this instant' }), this.happened),
        el('details', { className: 'replay-tools', open: true }, this.pythonTitle, this.python),
      ),
      el('div', { className: 'replay-share' }, copy, el('label', { htmlFor: 'replay-link', className: 'visually-hidden', textContent: 'Link to this instant' }), this.linkOut, this.linkStatus),
      el('details', { className: 'replay-keys-box' }, el('summary', { textContent: 'Keys' }), keys),
      this.live,
    );
    dialog.addEventListener('keydown', (e) => this.onKey(e));
    dialog.addEventListener('close', () => {
      this.pause(false);
      this.options.onClose?.();
    });
  }

  get isOpen(): boolean {
    return this.dialog.open;
  }

  /** The replay now (for tests and the page). */
  get current(): { replay: Replay; tMs: number } | undefined {
    return this.rp && { replay: this.rp, tMs: this.t };
  }

  /** Opens the replay of `r` at `tMs` (default: the start); `runs`: the runs of an imported file, to choose from. */
  open(r: RunRecord, options: { tMs?: number; runs?: RunRecord[]; from?: string } = {}): void {
    this.runs = options.runs && options.runs.length > 1 ? options.runs : [];
    this.pickBox.hidden = this.runs.length === 0;
    this.pick.replaceChildren(...this.runs.map((x, i) => new Option(`${i + 1}. ${describeWork(x.spec)}, ${x.spec.mode}, ${fmtSpan(x.wallMs)}`, String(i))));
    if (this.runs.length) this.pick.value = String(Math.max(0, this.runs.indexOf(r)));
    if (!this.dialog.open) this.dialog.showModal();
    this.load(r, options.tMs ?? 0, options.from);
    this.playButton.focus();
  }

  close(): void {
    if (this.dialog.open) this.dialog.close();
  }

  private load(r: RunRecord, tMs: number, from?: string): void {
    this.pause(false);
    this.r = r;
    this.rp = replay(r);
    const rp = this.rp;
    this.title.textContent = `Replay: ${describeWork(r.spec)}, ${r.spec.mode}`;
    const notes = [
      from,
      rp.source === 'events' ? "the engine's recorded events" : "events derived from the run's spans",
      rp.absent.includes('gil-drop-request') ? "the GIL's drop requests are not in this record" : '',
      rp.detail === 'coalesced' ? 'a stored copy with a coarser timeline: spans shorter than a pixel were merged, so instants inside them are approximate' : '',
      rp.note,
    ].filter(Boolean);
    this.sub.textContent = `${fmtT(rp.durationMs)} long, ${rp.events.length.toLocaleString('en')} events; replayed ${notes.join('; ')}.`;
    this.scrub.setAttribute('aria-valuemax', String(this.end()));
    // A speed at which the run takes 10 s or more to play: 0.1x for most runs of the lab.
    const fit = SPEEDS.filter((s): s is Exclude<Speed, 'step'> => s !== 'step' && s <= rp.durationMs / 10_000);
    this.setSpeed(this.reduced?.matches ? 'step' : (fit.at(-1) ?? 0.1));
    this.pythonTitle.textContent = rp.mode === 'asyncio' ? 'What python -m asyncio pstree prints at this instant (Python 3.14)' : "Per thread, as a profiler's GIL view shows it";
    this.timeline = renderTimeline(this.tl, r as Recorded, { onSeek: (t) => this.seek(t, true), noReplayButton: true });
    this.linkOut.value = '';
    this.linkStatus.textContent = '';
    this.t = Math.max(0, Math.min(tMs, this.end()));
    this.render(true);
  }

  /** Where the scrubber ends: the run's end, or its last event if later (a result still travelling). */
  private end(): number {
    return Math.max(this.rp?.durationMs ?? 0, this.rp?.times.at(-1) ?? 0);
  }

  private setSpeed(s: Speed): void {
    this.speed = s;
    this.speedSelect.value = String(s);
    if (this.playing) {
      this.pause(false);
      this.play();
    }
  }

  private toggle(): void {
    if (this.playing) this.pause(true);
    else this.play();
  }

  private play(): void {
    if (!this.rp) return;
    if (this.t >= this.end()) this.t = 0;
    this.playing = true;
    this.lastFrame = performance.now();
    this.lastAnnounce = this.lastFrame;
    this.updatePlayButton();
    if (this.speed === 'step') {
      this.stepTimer = window.setInterval(() => {
        const next = this.rp!.next(this.t);
        if (next <= this.t) return this.pause(true);
        this.t = next;
        this.render('playing');
      }, STEP_EVERY_MS);
    } else {
      const frame = (now: number) => {
        if (!this.playing) return;
        const speed = this.speed as number;
        this.t = Math.min(this.end(), this.t + (now - this.lastFrame) * speed);
        this.lastFrame = now;
        if (this.t >= this.end()) {
          this.render(true);
          return this.pause(true);
        }
        this.render('playing');
        this.raf = requestAnimationFrame(frame);
      };
      this.raf = requestAnimationFrame(frame);
    }
  }

  private pause(announce: boolean): void {
    const was = this.playing;
    this.playing = false;
    cancelAnimationFrame(this.raf);
    clearInterval(this.stepTimer);
    this.updatePlayButton();
    if (was && announce) this.render(true);
  }

  private updatePlayButton(): void {
    this.playButton.textContent = this.playing ? '❚❚ Pause' : '▶ Play';
    this.playButton.setAttribute('aria-label', `${this.playing ? 'Pause' : 'Play'} (Space or K)`);
    this.dialog.dataset.playing = String(this.playing);
  }

  /** One event (an instant at which something happens) forward or back. */
  step(direction: 1 | -1): void {
    if (!this.rp) return;
    this.pause(false);
    this.t = direction > 0 ? this.rp.next(this.t) : this.rp.prev(this.t);
    this.render(true);
  }

  seek(tMs: number, announce: boolean): void {
    if (!this.rp) return;
    this.t = Math.max(0, Math.min(this.end(), tMs));
    this.render(announce);
  }

  /** Draws the instant `this.t`; `announce`: true says it aloud now, 'playing' at the learner's pace. */
  private render(announce: boolean | 'playing'): void {
    const rp = this.rp;
    const r = this.r;
    if (!rp || !r) return;
    const now = performance.now();
    const reduced = this.reduced?.matches === true;
    if (announce === 'playing' && reduced && now - this.lastText < REDUCED_FRAME_MS) return;
    const t = this.t;
    const end = this.end();
    const frac = end > 0 ? t / end : 0;
    this.fill.style.width = `${100 * frac}%`;
    this.thumb.style.left = `${100 * frac}%`;
    this.timeline?.setCursor(t, true);
    this.dialog.dataset.t = String(t);
    if (announce === 'playing' && now - this.lastText < TEXT_FRAME_MS) return;
    this.lastText = now;
    const s = rp.stateAt(t);
    const d = describe(rp, s);
    this.scrub.setAttribute('aria-valuenow', String(Math.round(t * 1000) / 1000));
    this.scrub.setAttribute('aria-valuetext', `${fmtT(t)} of ${fmtT(rp.durationMs)}`);
    this.clock.textContent = d.clock;
    this.state.replaceChildren(
      ...d.sections.map((sec) =>
        el('div', { className: 'replay-section' }, el('h4', { textContent: sec.title }), sec.items.length ? el('ul', {}, ...sec.items.map((i) => el('li', { textContent: i }))) : el('p', { className: 'none', textContent: sec.none })),
      ),
    );
    this.happened.replaceChildren(...(d.happened.length ? d.happened.map((h) => el('li', { textContent: h })) : [el('li', { className: 'none', textContent: 'nothing: this is between events' })]));
    this.renderPython(rp, s.tMs);
    if (announce === true && this.pace !== 'off') this.say(d.text);
    else if (announce === 'playing' && /^\d+$/.test(this.pace) && now - this.lastAnnounce >= Number(this.pace)) this.say(d.text);
  }

  private say(text: string): void {
    this.lastAnnounce = performance.now();
    this.live.textContent = text;
  }

  private renderPython(rp: Replay, t: number): void {
    const r = this.r!;
    if (rp.mode === 'asyncio') {
      let text: string;
      try {
        text = pstreeText(awaitGraph(r, rp, rp.stateAt(t))) || '(no pending tasks)';
      } catch (e) {
        text = `ERROR: ${(e as Error).message}`;
      }
      this.python.replaceChildren(
        el('pre', { className: 'pstree', textContent: `$ python -m asyncio pstree PID\n${text}` }),
        el('p', { className: 'hint', textContent: `The lab's program (Copy it from the Compare view) as ${PROGRAM_FILE}; Task-1 is main(), task i is Task-(i + 2); aiohttp's own frames below call_api are left out. Drawn by CPython 3.14's own algorithm (asyncio/tools.py).` }),
      );
      return;
    }
    const p = gilProfile(rp, t);
    const gil = rp.mode === 'threads-gil' || rp.mode === 'interpreters';
    const nogil = p.lanes.some((l) => l.nogilMs > 0);
    const head = el('tr', {}, ...[rp.mode === 'processes' ? 'process' : 'thread', 'running', ...(nogil ? ['in C, no GIL'] : []), ...(gil ? ['GIL wait'] : []), 'I/O wait', 'other'].map((h) => el('th', { scope: 'col', textContent: h })));
    const share = (ms: number) => (p.elapsedMs > 0 ? `${((100 * ms) / p.elapsedMs).toFixed(0)}%` : '—');
    const rows = p.lanes.map((l) => {
      const bar = el('span', { className: 'share-bar' });
      for (const [cls, ms] of [['run', l.runMs], ['run-nogil', l.nogilMs], ['gil-wait', l.gilWaitMs], ['io-wait', l.ioMs]] as const) {
        if (ms <= 0) continue;
        const part = el('span', { className: `span span-${cls}` });
        part.style.width = `${(100 * ms) / Math.max(p.elapsedMs, 1e-9)}%`;
        bar.append(part);
      }
      return el('tr', {}, el('th', { scope: 'row' }, l.lane, bar), el('td', { textContent: share(l.runMs) }), ...(nogil ? [el('td', { textContent: share(l.nogilMs) })] : []), ...(gil ? [el('td', { textContent: share(l.gilWaitMs) })] : []), el('td', { textContent: share(l.ioMs) }), el('td', { textContent: share(l.otherMs) }));
    });
    const caption = `From the start to ${fmtT(p.elapsedMs)}: the share of the time each ${rp.mode === 'processes' ? 'process' : 'thread'} spent ${gil ? 'running Python (holding the GIL)' : 'running'}, ${nogil ? 'in C code that released the GIL, ' : ''}${gil ? 'waiting for the GIL, ' : ''}waiting on I/O, or otherwise (between tasks, not started).${rp.mode === 'threads-gil' ? ` The GIL was held ${(100 * p.busy).toFixed(0)}% of the time.` : ''}`;
    this.python.replaceChildren(el('table', { className: 'gil-profile' }, el('caption', { textContent: caption }), el('thead', {}, head), el('tbody', {}, ...rows)));
  }

  private async copyLink(): Promise<void> {
    if (!this.r) return;
    const { query, tooLarge } = await replayLink(this.r as RunRecord & Record<string, unknown>, this.t);
    const url = `${this.options.baseUrl()}${query}`;
    this.linkOut.value = url;
    let copied = false;
    try {
      await navigator.clipboard.writeText(url);
      copied = true;
    } catch {
      // No clipboard (permissions, an insecure page): the link is in the box, selected, to copy by hand.
      this.linkOut.select();
    }
    this.linkStatus.textContent = tooLarge
      ? `This run is too large to travel in a link (${Math.round(tooLarge.bytes / 1024)} KB): the link gives the instant only. Share the run as a file too (Results → Export JSON); whoever opens the link imports it (Import a run) to replay it at this instant.`
      : `${copied ? 'Copied' : 'Here is'} a link that opens this run at ${fmtT(this.t)}.`;
  }

  private onKey(e: KeyboardEvent): void {
    const target = e.target as HTMLElement;
    if (e.key === 'Escape') {
      // The dialog closes; the page's own Escape (which stops runs) is not meant.
      e.stopPropagation();
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const inField = target.matches('select, input, textarea');
    const onButton = target.matches('button, summary');
    if (target === this.scrub && this.scrubKey(e)) {
      e.preventDefault();
      return;
    }
    if (inField) return;
    if (e.key === 'k' || e.key === 'K' || (e.key === ' ' && !onButton)) this.toggle();
    else if (e.key === '.' || e.key === '>') this.step(1);
    else if (e.key === ',' || e.key === '<') this.step(-1);
    else if (e.key === ']' || e.key === '[') {
      const i = SPEEDS.indexOf(this.speed) + (e.key === ']' ? 1 : -1);
      this.setSpeed(SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, i))]);
      this.say(`Speed: ${this.speed === 'step' ? 'one event per step' : `${this.speed} times real time`}`);
    } else return;
    e.preventDefault();
  }

  /** The time slider's keys; true if the key was one of them. */
  private scrubKey(e: KeyboardEvent): boolean {
    const end = this.end();
    if (e.key === 'ArrowRight' || e.key === 'ArrowUp') {
      if (e.shiftKey) this.seek(this.t + end / 100, true);
      else this.step(1);
    } else if (e.key === 'ArrowLeft' || e.key === 'ArrowDown') {
      if (e.shiftKey) this.seek(this.t - end / 100, true);
      else this.step(-1);
    } else if (e.key === 'PageUp') this.seek(this.t + end / 10, true);
    else if (e.key === 'PageDown') this.seek(this.t - end / 10, true);
    else if (e.key === 'Home') this.seek(0, true);
    else if (e.key === 'End') this.seek(end, true);
    else return false;
    this.pause(false);
    return true;
  }

  private wireScrub(): void {
    const at = (x: number) => {
      const rect = this.scrub.getBoundingClientRect();
      return (Math.max(0, Math.min(1, (x - rect.left) / Math.max(1, rect.width))) * this.end());
    };
    let dragging = false;
    this.scrub.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      dragging = true;
      this.scrub.setPointerCapture(e.pointerId);
      this.scrub.focus();
      this.pause(false);
      this.seek(at(e.clientX), false);
    });
    this.scrub.addEventListener('pointermove', (e) => {
      if (!dragging) return;
      this.seek(at(e.clientX), false);
      // Heard once the learner stops moving, not at every pixel.
      clearTimeout(this.scrubAnnounce);
      this.scrubAnnounce = window.setTimeout(() => this.render(true), 400);
    });
    const up = () => {
      if (!dragging) return;
      dragging = false;
      this.render(true);
    };
    this.scrub.addEventListener('pointerup', up);
    this.scrub.addEventListener('pointercancel', up);
  }
}

/**
 * The page's replay: the view in its dialog, a "Replay" button on every finished run's timeline (the
 * results table's, a Compare row's, a chapter's), Import a run, and links with `run` and `t`.
 */
export function setUpReplay(lab: Lab, link: LinkState, showLinkError: (text: string, action?: HTMLElement) => void): ReplayView {
  const $ = <T extends HTMLElement>(sel: string) => document.querySelector<T>(sel)!;
  let back: HTMLElement | undefined;
  const view = new ReplayView($<HTMLDialogElement>('#replay-dialog'), {
    baseUrl: () => `${location.origin}${location.pathname}`,
    onClose: () => back?.focus(),
  });
  const open = (r: RunRecord, options: Parameters<ReplayView['open']>[1] = {}) => {
    back = document.activeElement instanceof HTMLElement ? document.activeElement : undefined;
    view.open(r, options);
  };
  setReplayOpener((r) => open(r));

  // A link's instant of a run shared as a file waits for the file.
  let pendingT: string | undefined = link.page.t;
  const schema = () => lab.workloads().v;
  const at = (r: RunRecord): number => {
    if (pendingT === undefined) return 0;
    const t = pendingT;
    pendingT = undefined;
    try {
      return parseReplayTime(t, Math.max(r.endMs, 0));
    } catch (e) {
      showLinkError(`${(e as Error).message}; the replay starts at the beginning instead.`);
      return 0;
    }
  };

  const file = $<HTMLInputElement>('#import-file');
  const error = $('#import-error');
  const status = $('#import-status');
  $('#import-json').addEventListener('click', () => file.click());
  file.addEventListener('change', async () => {
    const f = file.files?.[0];
    file.value = '';
    if (!f) return;
    error.hidden = true;
    status.textContent = `Reading ${f.name}…`;
    try {
      await lab.ready;
      const runs = await importFile(f, { schema: schema() });
      status.textContent = `${f.name}: ${runs.length} run${runs.length === 1 ? '' : 's'} imported (not added to your results); replaying ${runs.length === 1 ? 'it' : 'the last one'}.`;
      const last = runs[runs.length - 1];
      open(last, { runs, tMs: at(last), from: `imported from ${f.name}` });
    } catch (e) {
      status.textContent = '';
      const err = e as Error & { field?: string };
      error.textContent = `Import refused: ${err.message}`;
      error.dataset.field = err.field ?? '';
      error.hidden = false;
    }
  });

  if (link.page.run !== undefined) {
    void (async () => {
      try {
        const text = await decodeRun(link.page.run!);
        await lab.ready;
        const [r] = importText(text, { schema: schema() });
        open(r, { tMs: at(r), from: 'from the link' });
      } catch (e) {
        const err = e as Error & { field?: string };
        showLinkError(err instanceof ImportError ? `The link's run cannot be replayed: run's ${err.message}` : err.message);
      }
    })();
  } else if (pendingT !== undefined) {
    try {
      parseReplayTime(pendingT);
      const importButton = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Import the run…' });
      importButton.addEventListener('click', () => file.click());
      showLinkError(`This link points at t = ${pendingT} ms of a run shared as a file (Export JSON): import the file to replay it at that instant. `, importButton);
    } catch (e) {
      pendingT = undefined;
      showLinkError((e as Error).message);
    }
  }
  return view;
}
