// What replay reads of a run: the parts of a Result (docs/CONTRACT.md) it needs. A recorded Result, a
// stored copy, an imported export and a run carried by a share link all have this shape.

import type { Span as EngineSpan, Task } from '../engine/protocol';

/** A span of a task's timeline, as a record may carry it: the engine's shape, any kind (a record from
 * another version, or an import, may name kinds this engine does not make). */
export type Span = Omit<EngineSpan, 'kind'> & { kind: string };

/** A task of a record: the engine's Task, with spans of any kind. */
export type RecordTask = Omit<Task, 'spans'> & { spans: Span[] };

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
