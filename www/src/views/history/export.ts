// Export of the lab's history: JSON (the Results as recorded, with the schema version) and CSV (one row
// per run, for a spreadsheet). Both are made here from `lab.history()` and handed to the browser as a
// download; nothing leaves the machine.

import type { Recorded } from '../../lab/lab-api';
import { speedupOf } from '../work';

export const CSV_COLUMNS = ['run', 'workload', 'mode', 'tasks', 'size', 'latencyMs', 'workers', 'wallMs', 'speedup', 'value', 'build', 'outcome'] as const;

export function outcomeOf(r: Recorded): string {
  return r.cancelled ? 'cancelled' : r.error ? `raised ${r.error.name}` : 'ok';
}

export function toJson(v: number, results: Recorded[], now = new Date()): string {
  return JSON.stringify({ v, exportedAt: now.toISOString(), results }, null, 2);
}

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
const field = (x: unknown) => {
  const s = x === undefined || x === null ? '' : String(x);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function toCsv(results: Recorded[]): string {
  const rows = results.map((r, i) => {
    const s = r.spec as Record<string, unknown>;
    const speedup = speedupOf(results, r);
    const cells: Record<(typeof CSV_COLUMNS)[number], unknown> = {
      run: i + 1,
      workload: s.workload,
      mode: s.mode,
      tasks: s.tasks,
      size: s.size,
      latencyMs: s.latencyMs,
      workers: s.workers,
      wallMs: r.wallMs.toFixed(3),
      speedup: speedup === undefined ? '' : speedup.toFixed(3),
      value: r.value,
      build: r.build,
      outcome: outcomeOf(r),
    };
    return CSV_COLUMNS.map((c) => field(cells[c])).join(',');
  });
  return [CSV_COLUMNS.join(','), ...rows].join('\r\n') + '\r\n';
}

/** Saves `text` as a file through a temporary object URL and a download link. */
export function download(filename: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // The browser has started reading the blob by now; free it a little later.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** `concurrency-lab-2025-01-31T10-20-00` : sorts by time, safe in every file system. */
export const exportName = (ext: string, now = new Date()) => `concurrency-lab-${now.toISOString().slice(0, 19).replace(/:/g, '-')}.${ext}`;
