// What `window.lab` tells its listeners (`onRecord`, `onRunStart`, `onTask`, `onRunEnd`, `onStatus`,
// `onHistory`): one list per kind, told in the order listeners came. The lab's modules tell them; the page
// and host scripts listen. A view that needs to know which mode of a Compare runs asks the Compare itself
// (its `onStart`), not these.

import type { Spec, TaskListener } from '../engine/protocol';
import type { HistoryState } from '../history/store';
import type { Recorded, Status } from './contract';

/** One kind of news and its listeners. */
export class Listeners<A extends unknown[]> {
  private readonly list = new Set<(...args: A) => void>();

  add(listener: (...args: A) => void): void {
    this.list.add(listener);
  }

  tell(...args: A): void {
    for (const l of this.list) l(...args);
  }
}

export class LabEvents {
  /** Every finished or cancelled run, as it is recorded (from the page, a URL or a script). */
  readonly record = new Listeners<[Recorded]>();
  /** A run starts on the engine (with the spec as given). */
  readonly runStart = new Listeners<[Spec]>();
  /** A task of the running run finished (with its output, e.g. an image band). */
  readonly task = new Listeners<Parameters<TaskListener>>();
  /** A job of the queue is over, however it ended. */
  readonly jobEnd = new Listeners<[]>();
  readonly status = new Listeners<[Status]>();
  readonly history = new Listeners<[HistoryState]>();
}
