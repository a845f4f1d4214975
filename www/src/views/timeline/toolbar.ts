// The tool bar over a finished run's timeline: zoom in, zoom out, the whole run, where the window is
// ("Showing 1.20 s to 1.40 s of 10 s (50× zoom)", read out politely as it changes) and, where the page
// can open a replay, "Replay ▶".

import { tickLabel, type TimeWindow } from '../../replay/window';
import { button, div } from '../dom';
import { fmtMs } from '../work';

export interface Toolbar {
  el: HTMLElement;
  status: HTMLElement;
  out: HTMLButtonElement;
  reset: HTMLButtonElement;
}

/** The buttons call `zoom` (2: in, 0.5: out), `reset` and `replay` (no Replay button without it). */
export function buildToolbar(zoom: (factor: number) => void, reset: () => void, replay?: () => void): Toolbar {
  const bar = div('tl-tools');
  const add = (text: string, label: string, act: () => void) => {
    const b = button(text, label, act);
    bar.append(b);
    return b;
  };
  add('+', 'Zoom in (key +)', () => zoom(2));
  const out = add('−', 'Zoom out (key −)', () => zoom(0.5));
  const whole = add('Whole run', 'Show the whole run (key 0)', reset);
  const status = div('tl-window');
  status.setAttribute('aria-live', 'polite');
  bar.append(status);
  if (replay) {
    const open = Object.assign(document.createElement('button'), { type: 'button', className: 'tl-replay', textContent: 'Replay ▶' });
    open.setAttribute('aria-label', 'Replay this run: step through it, forward and back');
    open.addEventListener('click', replay);
    bar.append(open);
  }
  return { el: bar, status, out, reset: whole };
}

/** Says where `win` is in the run; `host` (the timeline) is marked `zoomed` when it is not the whole run. */
export function showWindow(t: Toolbar, host: HTMLElement, win: TimeWindow, total: number): void {
  const width = win.endMs - win.startMs;
  const whole = width >= total - 1e-9;
  host.classList.toggle('zoomed', !whole);
  t.status.textContent = whole ? `Whole run, ${fmtMs(total)}` : `Showing ${tickLabel(win.startMs, width / 100)} to ${tickLabel(win.endMs, width / 100)} of ${fmtMs(total)} (${(total / width).toFixed(total / width < 10 ? 1 : 0)}× zoom)`;
  t.out.disabled = whole;
  t.reset.disabled = whole;
}
