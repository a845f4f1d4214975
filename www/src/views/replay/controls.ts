// The replay's playback controls: start, step back, play / pause, step forward, end, the speed (0.1x to
// 10x of real time, or one event per step) and how often a screen reader hears the state; and the list of
// the replay's keys, shown in the view (the keys themselves are handled by the view, ./replay-view.ts).

import { button, el } from '../dom';

/** Speeds offered: times real time, or one event per step. */
export const SPEEDS = ['step', 0.1, 0.25, 0.5, 1, 2, 5, 10] as const;
export type Speed = (typeof SPEEDS)[number];
/** How often a screen reader hears the state while playing (ms), or only on steps, or never. */
const PACES = [
  { value: 'steps', label: 'on each step and pause' },
  { value: '2000', label: 'every 2 s while playing' },
  { value: '5000', label: 'every 5 s while playing' },
  { value: 'off', label: 'never' },
] as const;

export const REPLAY_KEYS: [string, string][] = [
  ['Space or K', 'play / pause'],
  [', and .', 'one event back / forward'],
  ['← → on the time slider', 'one event back / forward; with Shift, 1% of the run; Page Up / Page Down, 10%; Home / End, start / end'],
  ['[ and ]', 'slower / faster'],
  ['+ − 0 on the timeline', 'zoom in, out, whole run; Shift + ← → pans'],
  ['Esc', 'close'],
];

/** What the controls ask of the player. */
export interface Playback {
  start(): void;
  step(direction: 1 | -1): void;
  toggle(): void;
  end(): void;
  setSpeed(s: Speed): void;
  setPace(pace: string): void;
}

export class PlaybackControls {
  readonly el: HTMLElement;
  private readonly playButton = el('button', { type: 'button', className: 'replay-play' });
  private readonly speedSelect = el('select', { id: 'replay-speed' });
  private readonly paceSelect = el('select', { id: 'replay-pace' });

  /** `pace`: the pace selected at first. */
  constructor(p: Playback, pace: string) {
    for (const s of SPEEDS) this.speedSelect.append(new Option(s === 'step' ? 'one event per step' : `${s}×`, String(s)));
    this.speedSelect.addEventListener('change', () => p.setSpeed(this.speedSelect.value === 'step' ? 'step' : (Number(this.speedSelect.value) as Speed)));
    for (const x of PACES) this.paceSelect.append(new Option(x.label, x.value));
    this.paceSelect.value = pace;
    this.paceSelect.addEventListener('change', () => p.setPace(this.paceSelect.value));
    this.el = el(
      'div',
      { className: 'replay-controls' },
      button('Start', 'Start of the run (Home on the time slider)', () => p.start()),
      button('Step back', 'Step back one event (key ,)', () => p.step(-1)),
      this.playButton,
      button('Step forward', 'Step forward one event (key .)', () => p.step(1)),
      button('End', 'End of the run (End on the time slider)', () => p.end()),
      el('span', { className: 'replay-opt' }, el('label', { htmlFor: 'replay-speed', textContent: 'Speed' }), this.speedSelect),
      el('span', { className: 'replay-opt' }, el('label', { htmlFor: 'replay-pace', textContent: 'Read the state aloud' }), this.paceSelect),
    );
    this.el.setAttribute('role', 'group');
    this.el.setAttribute('aria-label', 'Playback');
    this.playButton.addEventListener('click', () => p.toggle());
  }

  focusPlay(): void {
    this.playButton.focus();
  }

  showSpeed(s: Speed): void {
    this.speedSelect.value = String(s);
  }

  showPlaying(playing: boolean): void {
    this.playButton.textContent = playing ? '❚❚ Pause' : '▶ Play';
    this.playButton.setAttribute('aria-label', `${playing ? 'Pause' : 'Play'} (Space or K)`);
  }
}

/** The replay's keys, as a list to show. */
export function keyList(): HTMLElement {
  const keys = el('dl', { className: 'replay-keys' });
  for (const [k, what] of REPLAY_KEYS) keys.append(el('dt', { textContent: k }), el('dd', { textContent: what }));
  return keys;
}
