// What replay reads of a run: the parts of a Result (../shared/API.md) it needs. A recorded Result, a
// stored copy, an imported export and a run carried by a share link all have this shape.

/** A span of a task's timeline (the engine's kinds; `run-nogil`: C code that released the GIL). */
export interface Span {
  kind: string;
  startMs: number;
  endMs: number;
}

export interface RecordTask {
  id: number;
  lane: string;
  startMs: number;
  endMs: number;
  status: 'ok' | 'error' | 'timeout' | 'cancelled';
  error?: string;
  gilWaitMs?: number;
  ioWaitMs?: number;
  spans: Span[];
}

export interface RunRecord {
  v?: number;
  runId?: string;
  spec: { workload: string; mode: string; tasks: number; [field: string]: unknown };
  wallMs: number;
  endMs: number;
  tasks: RecordTask[];
  /** The engine's events (events.ts), versioned. */
  events?: unknown;
  /** A stored copy whose short spans were merged (docs/API.md, "The history store"). */
  detail?: 'coalesced' | string;
  error?: { name: string; message: string; taskId?: number; atMs?: number };
}
