// What a history row says beside its numbers: how the run ended (a crash of the engine is not a Python
// exception), and whether it was measured by an older model of Python or stored with less detail.
// Pure: the results table renders these.

/** What each older model of Python did differently (src/core/mod.rs, MODEL_VERSION). */
export const MODEL_NOTES: Record<number, string> = {
  1: 'asyncio switched between CPU-bound coroutines about every millisecond (CPython runs one until it awaits), and CPU sizes were not calibrated for this machine',
};

export interface RowFacts {
  cancelled?: boolean;
  error?: { name?: string };
  modelVersion?: number;
  detail?: string;
}

/** The tooltip of a crashed run's outcome. */
export const CRASHED_TITLE = 'The engine crashed during this run and restarted by itself; the tasks that had finished are kept.';

/** How the run ended, in one or two words: `crashed` when the engine died under it (finished tasks kept). */
export function outcomeText(r: RowFacts): string {
  if (r.error?.name === 'EngineError') return 'crashed';
  return r.cancelled ? 'cancelled' : r.error ? `raised ${r.error.name}` : 'ok';
}

export interface Marker {
  kind: 'model' | 'coalesced';
  text: string;
  /** The tooltip: the marker in plain words. */
  title: string;
}

/**
 * Markers for a row: an older model of Python (results without `modelVersion` predate it: model 1), and
 * a stored copy whose short timeline spans were merged.
 */
export function rowMarkers(r: RowFacts, currentModel?: number): Marker[] {
  const out: Marker[] = [];
  const model = r.modelVersion ?? 1;
  if (currentModel !== undefined && model < currentModel) {
    const what = MODEL_NOTES[model] ?? 'an earlier model of Python';
    out.push({ kind: 'model', text: `model ${model}`, title: `Measured by model ${model} of the lab's Python (this page runs model ${currentModel}): ${what}. Its speedup is compared only with runs of the same model.` });
  }
  if (r.detail === 'coalesced') {
    out.push({ kind: 'coalesced', text: 'coarser timeline', title: 'Stored with timeline spans shorter than a pixel merged (each kind kept apart, its total time exact), to keep the history small. Its numbers are exact.' });
  }
  return out;
}
