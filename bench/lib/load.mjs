// The machine's load beside a figure: the 1-minute load average when a row starts, and the CPU time that
// processes outside the bench used while the row ran, in cores, from /proc. "Outside the bench" = every
// process that is not this node process or one of its descendants (Chromium and its helpers, the lab's
// server, the native binary, CPython), so a figure taken while another program held a core says so.
// The /proc reading is the tests' own (tests/e2e/load.mjs, `watchOthers`): one reader of the machine's
// load for the tests and the bench. Elsewhere than Linux it is absent (NaN) and only the load average is
// given.
import { availableParallelism, loadavg } from 'node:os';
import { describeLoad, othersDuring, watchOthers } from '../../tests/e2e/load.mjs';

/** Longer than any row: the watch reads /proc when it starts and when it stops, not between (reading every
 *  process's stat while a row runs would itself be load beside the figure). */
const NO_SAMPLES_BETWEEN_MS = 24 * 3600 * 1000;

/**
 * Starts watching the machine for one row. `stop()` returns { loadAvg1m, othersCores, cores }: the load
 * average as the row started, and the cores' worth of CPU that processes outside the bench used during
 * the row (0 = nothing else ran; 1 = another program held a whole core).
 */
export function watchLoad() {
  const loadAvg1m = loadavg()[0];
  const watch = watchOthers({ everyMs: NO_SAMPLES_BETWEEN_MS });
  return {
    stop() {
      return { loadAvg1m: round(loadAvg1m), othersCores: watch.stop().cores, cores: availableParallelism() };
    },
  };
}

/** Runs `fn` with the load watched; resolves to [its result, the load]. */
export async function withLoad(fn) {
  const w = watchLoad();
  const result = await fn();
  return [result, w.stop()];
}

/**
 * The cores' speed for `ms`, by the tests' meter (tests/e2e/load.mjs: a piece of Python pinned to each core,
 * timed against the fastest this machine has run it): taken before and after a run of the bench, never
 * during it (the meter's children would be load beside the figures). A machine whose cores run slower than
 * their best (a host's other guests, a laptop's power saving) gives slower figures that no /proc shows.
 */
export async function coresSpeed(ms = 5000) {
  const { load } = await othersDuring(() => new Promise((r) => setTimeout(r, ms)));
  return { slower: round(load.slower), slowerPeak: round(load.slowerPeak), othersCores: round(load.cores), said: describeLoad(load) };
}

const round = (x) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : NaN);
