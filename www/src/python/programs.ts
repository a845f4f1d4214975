// The Python program that does what a lab run did: from a validated spec (defaults filled in, as the
// engine returns it) to a whole, runnable Python 3 program (3.11+) with the run's values in it, for the
// learner to copy and run beside the lab. Pure: no DOM, no engine; strings in, a string out.
//
// Each program has the same parts, in this order: a header (what ran, what it needs), the imports, the
// run's values as constants, the work of one task (as the workload does it: src/core/workload/*.rs), the
// driver (as the mode runs the tasks, with onError as Python writes it: src/core/faults.rs `OnError::python`),
// and the output (the results, the lab's `value`, the wall time). The Python is written out in template
// literals in the parts (program-parts/), so that it reads as Python there. tests/python/programs.test.mjs
// runs the programs in CPython against the lab's server and checks that each prints the value the lab
// computes for the same spec.
//
// Where Python cannot do exactly what the lab models, the program says so in a comment:
// - `rayon` is native code with no Python in it: the closest Python is the ThreadPoolExecutor of
//   `threads-gil`, with a note that its speedup needs python3.14t or C code that releases the GIL.
// - `faults.kind = "panic"` crashes the lab's engine (an EngineError); in Python it is a RuntimeError that
//   onError handles like any other exception.
// - `multiprocessing.Pool.map` waits for every task and raises the first failure *in time*; the lab's
//   `raise` is Executor.map's (the first failure *in task order*, as the caller reaches it), so a run with
//   faults uses `imap`, which hands the results back in order.
// - urllib's `HTTPError` cannot be unpickled (it needs five constructor arguments), which would hang
//   `multiprocessing.Pool`; under `processes` an error status is re-raised as a plain `URLError`.
// - `time.sleep` takes no timeout: as the lab does, a sleep longer than timeoutMs sleeps the timeout and
//   raises TimeoutError. urlopen's `timeout` bounds each socket operation, not the whole request (the
//   endpoint sends its answer in one piece, so here the two agree).
// - Which tasks fail is computed in program-parts/plan.ts, by the lab's own seeded shuffle (`failingTasks`,
//   a port of `Faults::failing`), and written into the program as the constant FAILING.
//
// The parts, one file each in program-parts/: plan.ts (the spec, the options, the plan every part
// reads, the failing tasks), python-text.ts (indenting, comments, literals), head.ts (header, imports,
// constants), work.ts (the work of one task), driver.ts (the driver and the output), convoy.ts (the
// convoy effect's own program). The lesson's own snippets are in ../lesson/snippets.ts.

import { convoyProgram } from './program-parts/convoy';
import { driver } from './program-parts/driver';
import { constants, header, imports } from './program-parts/head';
import { plan, type ProgramOptions, type ProgramSpec } from './program-parts/plan';
import { helpers } from './program-parts/work';

export { DEFAULT_BASE_URL, failingTasks, type ProgramOptions, type ProgramSpec } from './program-parts/plan';
export { lessonSnippets } from '../lesson/snippets';

/** The whole Python program for `spec`: the same tasks, run the way the spec's mode runs them. */
export function pythonProgram(spec: ProgramSpec, options: ProgramOptions = {}): string {
  if (spec.workload === 'convoy') return convoyProgram(spec);
  const p = plan(spec, options);
  return `${header(p)}\n\n${imports(p)}\n\n${constants(p)}\n\n\n${helpers(p)}\n\n\n${driver(p)}\n`;
}
