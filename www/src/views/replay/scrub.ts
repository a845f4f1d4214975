// The replay's time slider: where the instant is in the run (a fill and a thumb, moved every frame), a
// slider for assistive technology (its value told as often as the state's text), dragged by a pointer
// (the state is said once the learner stops moving) and moved by keys: an event, 1% or 10% of the run,
// the start or the end.

import { fmtT } from '../../replay/describe';
import { el } from '../dom';

/** What the slider asks of the player. */
export interface Scrubbed {
  /** The instant shown (ms). */
  now(): number;
  /** Where the slider ends (ms). */
  end(): number;
  seek(tMs: number, announce: boolean): void;
  step(direction: 1 | -1): void;
  pause(): void;
  /** Draws the instant again and says it aloud. */
  announce(): void;
}

export class TimeSlider {
  readonly el = el('div', { className: 'replay-scrub', tabIndex: 0 });
  private readonly fill = el('div', { className: 'scrub-fill' });
  private readonly thumb = el('div', { className: 'scrub-thumb' });
  private announceTimer = 0;

  constructor(private readonly p: Scrubbed) {
    this.el.setAttribute('role', 'slider');
    this.el.setAttribute('aria-label', 'Time in the run');
    this.el.setAttribute('aria-valuemin', '0');
    this.el.append(this.fill, this.thumb);
    this.wirePointer();
  }

  setEnd(endMs: number): void {
    this.el.setAttribute('aria-valuemax', String(endMs));
  }

  /** Moves the fill and the thumb to `frac` of the run (every frame). */
  place(frac: number): void {
    this.fill.style.width = `${100 * frac}%`;
    this.thumb.style.left = `${100 * frac}%`;
  }

  /** Tells assistive technology the instant `tMs` of a run `durationMs` long. */
  tell(tMs: number, durationMs: number): void {
    this.el.setAttribute('aria-valuenow', String(Math.round(tMs * 1000) / 1000));
    this.el.setAttribute('aria-valuetext', `${fmtT(tMs)} of ${fmtT(durationMs)}`);
  }

  /** The slider's keys; true if the key was one of them. */
  key(e: KeyboardEvent): boolean {
    const { p } = this;
    const end = p.end();
    if (e.key === 'ArrowRight' || e.key === 'ArrowUp') {
      if (e.shiftKey) p.seek(p.now() + end / 100, true);
      else p.step(1);
    } else if (e.key === 'ArrowLeft' || e.key === 'ArrowDown') {
      if (e.shiftKey) p.seek(p.now() - end / 100, true);
      else p.step(-1);
    } else if (e.key === 'PageUp') p.seek(p.now() + end / 10, true);
    else if (e.key === 'PageDown') p.seek(p.now() - end / 10, true);
    else if (e.key === 'Home') p.seek(0, true);
    else if (e.key === 'End') p.seek(end, true);
    else return false;
    p.pause();
    return true;
  }

  private wirePointer(): void {
    const { p } = this;
    const at = (x: number) => {
      const rect = this.el.getBoundingClientRect();
      return (Math.max(0, Math.min(1, (x - rect.left) / Math.max(1, rect.width))) * p.end());
    };
    let dragging = false;
    this.el.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      dragging = true;
      this.el.setPointerCapture(e.pointerId);
      this.el.focus();
      p.pause();
      p.seek(at(e.clientX), false);
    });
    this.el.addEventListener('pointermove', (e) => {
      if (!dragging) return;
      p.seek(at(e.clientX), false);
      // Heard once the learner stops moving, not at every pixel.
      clearTimeout(this.announceTimer);
      this.announceTimer = window.setTimeout(() => p.announce(), 400);
    });
    const up = () => {
      if (!dragging) return;
      dragging = false;
      p.announce();
    };
    this.el.addEventListener('pointerup', up);
    this.el.addEventListener('pointercancel', up);
  }
}
