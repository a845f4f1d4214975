// The replay view: any finished run played back from its record, not run again. Play, pause, a speed
// from 0.1x to 10x of real time or one event per step, step forward and back, scrub; a time cursor on
// the run's timeline (which zooms); at each instant the state in the lesson's words (www/src/replay/
// describe.ts), what `python -m asyncio pstree` would print (asyncio) or a profiler's GIL view (threads),
// and a link to the instant. Keyboard operable (the keys are listed in the view); a screen reader hears
// the state at the pace the learner picks; with prefers-reduced-motion the cursor moves in steps.
//
// This file holds the player (the instant shown, playing or not, at what speed) and lays out the dialog;
// its parts: replay-controls.ts (the playback controls and the keys' list), replay-scrub.ts (the time
// slider), replay-state-panel.ts, replay-python-panel.ts, replay-share.ts (a link to the instant) and
// replay-open.ts (Import a run, a link's run).

import type { Lab, Recorded } from '../../lab/lab-api';
import type { LinkState } from '../../url-state';
import { describe, fmtSpan, fmtT } from '../../replay/describe';
import { replay, type Replay } from '../../replay/replay';
import type { RunRecord } from '../../replay/record';
import { button, el } from '../dom';
import { keyList, PlaybackControls, SPEEDS, type Speed } from './controls';
import { openImportsAndLinks } from './open';
import { PythonPanel } from './python-panel';
import { TimeSlider } from './scrub';
import { LinkShare } from './share';
import { StatePanel } from './state-panel';
import { renderTimeline, setReplayOpener, type TimelineView } from '../timeline/timeline';
import { describeWork } from '../work';

export { REPLAY_KEYS, SPEEDS } from './controls';

/** One event per step: the time between steps while playing (ms). */
const STEP_EVERY_MS = 900;
/** With reduced motion, the picture changes at most this often while playing (ms). */
const REDUCED_FRAME_MS = 500;
/** Otherwise the state's text is redrawn at most this often (the cursor every frame). */
const TEXT_FRAME_MS = 100;

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
  private readonly reduced = typeof matchMedia === 'function' ? matchMedia('(prefers-reduced-motion: reduce)') : undefined;

  private readonly title = el('h2', { id: 'h-replay', textContent: 'Replay' });
  private readonly sub = el('p', { className: 'replay-sub' });
  private readonly pick = el('select', { id: 'replay-pick' });
  private readonly pickBox = el('p', { className: 'replay-pick' }, el('label', { htmlFor: 'replay-pick', textContent: 'Run in the file ' }), this.pick);
  private readonly clock = el('p', { className: 'replay-clock' });
  private readonly tl = el('div', { className: 'timeline replay-timeline' });
  private readonly live = el('p', { className: 'visually-hidden replay-live' });
  private readonly controls: PlaybackControls;
  private readonly scrub: TimeSlider;
  private readonly statePanel = new StatePanel();
  private readonly pythonPanel = new PythonPanel();
  private readonly share: LinkShare;

  constructor(
    private readonly dialog: HTMLDialogElement,
    private readonly options: ReplayViewOptions,
  ) {
    dialog.setAttribute('aria-labelledby', 'h-replay');
    this.live.setAttribute('aria-live', 'polite');
    this.share = new LinkShare(() => this.options.baseUrl(), () => ({ r: this.r, tMs: this.t }));
    this.pick.addEventListener('change', () => {
      const r = this.runs[Number(this.pick.value)];
      if (r) this.load(r, 0);
    });
    this.controls = new PlaybackControls(
      {
        start: () => this.seek(0, true),
        step: (direction) => this.step(direction),
        toggle: () => this.toggle(),
        end: () => this.seek(this.end(), true),
        setSpeed: (s) => this.setSpeed(s),
        setPace: (pace) => (this.pace = pace),
      },
      this.pace,
    );
    this.scrub = new TimeSlider({
      now: () => this.t,
      end: () => this.end(),
      seek: (tMs, announce) => this.seek(tMs, announce),
      step: (direction) => this.step(direction),
      pause: () => this.pause(false),
      announce: () => this.render(true),
    });
    const close = button('Close', 'Close the replay (Esc)', () => this.close());
    close.className = 'replay-close';

    dialog.replaceChildren(
      el('div', { className: 'replay-head' }, this.title, close),
      this.sub,
      this.pickBox,
      this.controls.el,
      this.scrub.el,
      this.clock,
      this.tl,
      el('div', { className: 'replay-body' }, this.statePanel.el, this.pythonPanel.el),
      this.share.el,
      el('details', { className: 'replay-keys-box' }, el('summary', { textContent: 'Keys' }), keyList()),
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
    this.controls.focusPlay();
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
    this.scrub.setEnd(this.end());
    // A speed at which the run takes 10 s or more to play: 0.1x for most runs of the lab.
    const fit = SPEEDS.filter((s): s is Exclude<Speed, 'step'> => s !== 'step' && s <= rp.durationMs / 10_000);
    this.setSpeed(this.reduced?.matches ? 'step' : (fit.at(-1) ?? 0.1));
    this.pythonPanel.setReplay(rp);
    this.timeline = renderTimeline(this.tl, r as Recorded, { onSeek: (t) => this.seek(t, true), noReplayButton: true });
    this.share.clear();
    this.t = Math.max(0, Math.min(tMs, this.end()));
    this.render(true);
  }

  /** Where the scrubber ends: the run's end, or its last event if later (a result still travelling). */
  private end(): number {
    return Math.max(this.rp?.durationMs ?? 0, this.rp?.times.at(-1) ?? 0);
  }

  private setSpeed(s: Speed): void {
    this.speed = s;
    this.controls.showSpeed(s);
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
    this.controls.showPlaying(this.playing);
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
    this.scrub.place(end > 0 ? t / end : 0);
    this.timeline?.setCursor(t, true);
    this.dialog.dataset.t = String(t);
    if (announce === 'playing' && now - this.lastText < TEXT_FRAME_MS) return;
    this.lastText = now;
    const s = rp.stateAt(t);
    const d = describe(rp, s);
    this.scrub.tell(t, rp.durationMs);
    this.clock.textContent = d.clock;
    this.statePanel.show(d);
    this.pythonPanel.show(r, rp, s.tMs);
    if (announce === true && this.pace !== 'off') this.say(d.text);
    else if (announce === 'playing' && /^\d+$/.test(this.pace) && now - this.lastAnnounce >= Number(this.pace)) this.say(d.text);
  }

  private say(text: string): void {
    this.lastAnnounce = performance.now();
    this.live.textContent = text;
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
    if (target === this.scrub.el && this.scrub.key(e)) {
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
}

/**
 * The page's replay: the view in its dialog, a "Replay" button on every finished run's timeline (the
 * results table's, a Compare row's, a chapter's), Import a run, and links with `run` and `t`.
 */
export function setUpReplay(lab: Lab, link: LinkState, showLinkError: (text: string, action?: HTMLElement) => void): { openRun(r: Recorded): void } {
  let back: HTMLElement | undefined;
  const view = new ReplayView(document.querySelector<HTMLDialogElement>('#replay-dialog')!, {
    baseUrl: () => `${location.origin}${location.pathname}`,
    onClose: () => back?.focus(),
  });
  const open = (r: RunRecord, options: Parameters<ReplayView['open']>[1] = {}) => {
    back = document.activeElement instanceof HTMLElement ? document.activeElement : undefined;
    view.open(r, options);
  };
  setReplayOpener((r) => open(r));
  openImportsAndLinks(lab, link, showLinkError, open);
  return { openRun: (r) => open(r) };
}
