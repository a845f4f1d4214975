//! The Python program that does what a lab run did: from a validated spec (defaults filled in, as
//! `validate` returns it) to a whole, runnable Python 3 program (3.11+) with the run's values in it, for
//! the learner to read, copy and run beside the lab (`lab.python.program`, the page's program panes,
//! tests/python). Written here, in the core, beside the rules it shows (which tasks fail, which workloads
//! make requests, how each mode runs its tasks), so that each rule lives once; the page asks the engine.
//!
//! Each program has the same parts, in this order: a header (what ran, what it needs), the imports, the
//! run's values as constants, the work of one task (as the workload does it: ../workload/*.rs), the driver
//! (as the mode runs the tasks, with onError as Python writes it), and the output (the results, the lab's
//! `value`, the wall time). The Python is written out whole in `${name}` templates in the parts, so that
//! it reads as Python there.
//!
//! Where Python cannot do exactly what the lab models, the program says so in a comment:
//! - `rayon` is native code with no Python in it: the closest Python is the ThreadPoolExecutor of
//!   `threads-gil`, with a note that its speedup needs python3.14t or C code that releases the GIL.
//! - `faults.kind = "panic"` crashes the lab's engine (an EngineError); in Python it is a RuntimeError that
//!   onError handles like any other exception.
//! - `multiprocessing.Pool.map` waits for every task and raises the first failure *in time*; the lab's
//!   `raise` is Executor.map's (the first failure *in task order*, as the caller reaches it), so a run with
//!   faults uses `imap`, which hands the results back in order.
//! - urllib's `HTTPError` cannot be unpickled (it needs five constructor arguments), which would hang
//!   `multiprocessing.Pool`; under `processes` an error status is re-raised as a plain `URLError`.
//! - `time.sleep` takes no timeout: as the lab does, a sleep longer than timeoutMs sleeps the timeout and
//!   raises TimeoutError. urlopen's `timeout` bounds each socket operation, not the whole request (the
//!   endpoint sends its answer in one piece, so here the two agree).
//! - Which tasks fail is the engine's own seeded pick ([`crate::core::faults::failing_tasks`]), written
//!   into the program as the constant FAILING.
//!
//! The parts: [`text`] (the spec as given, numbers, indenting, comments, templates), [`head`] (header,
//! imports, constants), [`work`] (the work of one task), [`driver`] (the driver and the output),
//! [`convoy`] (the convoy effect's own program). The lesson's own snippets stay with the lesson's page
//! (www/src/python/lesson-snippets.ts): they are the lesson's text, not a run's.

mod convoy;
mod driver;
mod head;
mod plan;
pub mod text;
mod work;
pub use head::constant_of;
pub use work::TEST_WORKLOAD;
pub use plan::{NoProgram, Options, DEFAULT_BASE_URL, DEFAULT_SWITCH_INTERVAL_MS};
#[cfg(test)]
mod tests;

use crate::core::workload::by_name;
use plan::plan;
use text::Json;

/// The whole Python program for `spec` (JSON, as the page sends it; its keys are shown in their order);
/// an error names a workload or mode that has no Python program.
pub fn program(spec_json: &str, options: &Options) -> Result<String, NoProgram> {
    let spec = Json::parse(spec_json).map_err(|message| NoProgram { field: "spec", message })?;
    if spec.str("workload") == Some("convoy") {
        return convoy::program(&spec);
    }
    let name = spec.show("workload");
    if !by_name(&name).is_some_and(|w| work::has_program(w.name())) {
        return Err(NoProgram { field: "workload", message: format!("no Python program for workload \"{name}\"") });
    }
    let p = plan(&spec, options)?;
    Ok(format!(
        "{}\n\n{}\n\n{}\n\n\n{}\n\n\n{}\n",
        head::header(&p),
        head::imports(&p),
        head::constants(&p),
        work::helpers(&p).map_err(|message| NoProgram { field: "workload", message })?,
        driver::driver(&p)
    ))
}

