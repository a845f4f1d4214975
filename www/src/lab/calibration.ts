// Calibrated defaults kept per browser profile (so tabs and reloads agree, and a reload does not
// calibrate again). A frame without storage calibrates on every load; nothing is lost.

import type { Defaults } from '../engine/protocol';

/** Where calibrated defaults are kept per browser profile (so tabs and reloads agree). */
const CALIBRATION_KEY = 'concurrency-lab:calibration';

/** Calibrated defaults kept in this browser profile, if any (none where storage is refused). */
export function loadCalibration(): { labVersion: string; targetMs?: number; defaults: Defaults } | undefined {
  try {
    const v = JSON.parse(localStorage.getItem(CALIBRATION_KEY) ?? 'null');
    return v && typeof v.labVersion === 'string' && v.defaults && typeof v.defaults === 'object' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** `targetMs`: the time the defaults were sized for (the engine's `calibrationTargetMs`); kept defaults sized for another are measured again. */
export function saveCalibration(labVersion: string, targetMs: number, defaults: Defaults): void {
  try {
    localStorage.setItem(CALIBRATION_KEY, JSON.stringify({ labVersion, targetMs, defaults, at: new Date().toISOString() }));
  } catch {
    // A frame without storage calibrates on every load; nothing is lost.
  }
}

