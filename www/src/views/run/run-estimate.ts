// A run this machine should take more than a minute over is announced as it starts; it stays stoppable
// like any other (the estimate comes from the calibration: src/core/estimate.rs, through `lab.estimate`).

import type { Spec } from '../../engine/protocol';
import { LONG_RUN_MS, type Lab } from '../../lab/lab-api';

/** Hides `el`, then shows the estimate in it if `spec` should run longer than LONG_RUN_MS. */
export async function warnIfLong(lab: Lab, spec: Spec, el: HTMLElement): Promise<void> {
  el.hidden = true;
  const ms = await lab.estimate(spec).catch(() => 0);
  if (ms <= LONG_RUN_MS) return;
  const about = ms < 120_000 ? `${Math.round(ms / 1000)} s` : ms < 7_200_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 3_600_000)} h`;
  el.textContent = `This run should take about ${about} on this machine (estimated from its calibration). Stop (Esc) ends it at any time; smaller sizes or fewer tasks take less.`;
  el.hidden = false;
}
