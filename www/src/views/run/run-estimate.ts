// How long the form's run should take on this machine, shown beside the form as its values change, and a
// question before a run over a minute starts (the learner goes on, or changes the size). The estimate
// comes from the calibration: src/core/estimate.rs, through `lab.estimate`. Only the page asks: `lab.run`
// from a script is never held by a dialog.

import type { Spec } from '../../engine/protocol';
import { LONG_RUN_MS, type Lab } from '../../lab/lab-api';

/** "0.6 s", "54 s", "3 min", "2 h". */
export function aboutTime(ms: number): string {
  if (ms < 10_000) return `${Math.max(0.1, Math.round(ms / 100) / 10)} s`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}

/** The form's estimate line: kept current as the form changes (the last estimate asked wins). */
export class FormEstimate {
  private asked = 0;
  private last?: { key: string; ms: number };
  private timer?: ReturnType<typeof setTimeout>;

  constructor(
    private readonly lab: Lab,
    private readonly el: HTMLElement,
    private readonly spec: () => Spec,
  ) {}

  /** Asks again, a moment after the last change (typing a number is many changes). */
  refresh(delayMs = 150): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.show(), delayMs);
  }

  /** How long `spec` should take here, in ms (0 when the engine cannot say: a bad value, say). */
  async ms(spec: Spec): Promise<number> {
    const key = JSON.stringify(spec);
    if (this.last?.key === key) return this.last.ms;
    const ms = await this.lab.estimate(spec).catch(() => 0);
    this.last = { key, ms };
    return ms;
  }

  private async show(): Promise<void> {
    const n = ++this.asked;
    const ms = await this.ms(this.spec());
    if (n !== this.asked) return;
    this.el.hidden = ms <= 0;
    this.el.dataset.ms = String(Math.round(ms));
    this.el.classList.toggle('long', ms > LONG_RUN_MS);
    this.el.textContent =
      ms > LONG_RUN_MS
        ? `This run should take about ${aboutTime(ms)} on this machine (estimated from its calibration): the lab asks before it starts. Smaller sizes or fewer tasks take less.`
        : `This run should take about ${aboutTime(ms)} on this machine.`;
  }
}

/**
 * Before a run estimated over LONG_RUN_MS: a dialog asks whether to go on. Resolves true to run it, false
 * to change the size (the dialog then hands the focus to the form's size, or its first field).
 */
export function askBeforeLong(ms: number, form: HTMLFormElement): Promise<boolean> {
  let dialog = document.querySelector<HTMLDialogElement>('#long-run-dialog');
  if (!dialog) {
    dialog = document.createElement('dialog');
    dialog.id = 'long-run-dialog';
    dialog.className = 'share-dialog long-run-dialog';
    dialog.setAttribute('aria-labelledby', 'h-long-run');
    dialog.setAttribute('aria-describedby', 'long-run-text');
    dialog.innerHTML =
      '<h2 id="h-long-run">A long run</h2><p id="long-run-text"></p>' +
      '<form method="dialog" class="buttons"><button value="change" id="long-run-change">Change the size</button>' +
      '<button value="run" id="long-run-go">Run it anyway</button></form>';
    document.body.append(dialog);
  }
  const d = dialog;
  d.querySelector('#long-run-text')!.textContent = `This run should take about ${aboutTime(ms)} on this machine (estimated from its calibration). You can stop it at any time (Stop, or Esc), or make it smaller first: a smaller size or fewer tasks take less.`;
  d.returnValue = '';
  d.showModal();
  d.querySelector<HTMLButtonElement>('#long-run-change')!.focus();
  return new Promise((resolve) => {
    d.addEventListener(
      'close',
      () => {
        const go = d.returnValue === 'run';
        // After the dialog has handed the focus back to the Run button.
        if (!go) setTimeout(() => (form.querySelector<HTMLElement>('#f-size') ?? form.querySelector<HTMLElement>('input, select'))?.focus());
        resolve(go);
      },
      { once: true },
    );
  });
}
