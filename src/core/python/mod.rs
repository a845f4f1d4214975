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
pub mod text;
mod work;
pub use head::constant_of;
pub use work::TEST_WORKLOAD;
#[cfg(test)]
mod tests;

use super::faults::failing_tasks;
use super::workload::{by_name, Class};
use text::Json;

/// Where the program calls the lab's latency endpoint when the caller does not say.
pub const DEFAULT_BASE_URL: &str = "http://127.0.0.1:8080/";

/// Python's default switch interval (`sys.getswitchinterval()`), in ms.
pub const DEFAULT_SWITCH_INTERVAL_MS: f64 = 5.0;

/// The modes whose Python is an executor of threads (an interpreter each, under `interpreters`).
const THREAD_MODES: [&str; 4] = ["threads-gil", "free-threaded", "rayon", "interpreters"];

/// What the caller may add: the lab's address (the program calls `<baseUrl>api/delay?ms=M&tag=ID`), and
/// the failing tasks when they are known already (by default the engine's pick from `spec.faults`).
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub base_url: Option<String>,
    pub failing: Option<Vec<u32>>,
}

impl Options {
    /// From `{ baseUrl?, failing? }` (JSON, as the page sends it); anything else is left out.
    pub fn from_json(text: &str) -> Result<Options, String> {
        let o = Json::parse(text)?;
        let failing = match o.get("failing") {
            Some(Json::Arr(ids)) => Some(ids.iter().filter_map(|id| if let Json::Num(n) = id { n.as_u64().map(|n| n as u32) } else { None }).collect()),
            _ => None,
        };
        Ok(Options { base_url: o.str("baseUrl").map(String::from), failing })
    }
}

/// Why a spec has no program: the field at fault (`workload`, `mode`, or `spec` when it is no JSON
/// object) and the reason.
#[derive(Clone, Debug, PartialEq)]
pub struct NoProgram {
    pub field: &'static str,
    pub message: String,
}

impl NoProgram {
    /// As the engine's other errors cross to the page: `{ name: "SpecError", message, field }`.
    pub fn to_json(&self) -> String {
        serde_json::json!({ "name": "SpecError", "message": self.message, "field": self.field }).to_string()
    }
}

/// The whole Python program for `spec` (JSON, as the page sends it; its keys are shown in their order);
/// an error names a workload or mode that has no Python program.
pub fn program(spec_json: &str, options: &Options) -> Result<String, NoProgram> {
    let spec = Json::parse(spec_json).map_err(|message| NoProgram { field: "spec", message })?;
    if spec.str("workload") == Some("convoy") {
        return convoy::program(&spec);
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

/// What every part of a program reads: the spec, and what follows from it.
pub(crate) struct Plan<'a> {
    pub spec: &'a Json,
    pub workload: String,
    pub mode: String,
    /// The workload's kind of work (CPU, I/O, mixed).
    pub class: Class,
    pub is_async: bool,
    /// It calls the latency endpoint (`Workload::uses_network`).
    pub network: bool,
    pub on_error: String,
    pub fault_kind: Option<String>,
    pub failing: Option<Vec<u32>>,
    pub timeout: bool,
    pub base_url: String,
}

impl Plan<'_> {
    pub fn is_thread_mode(&self) -> bool {
        THREAD_MODES.contains(&self.mode.as_str())
    }

    /// The switch interval a `threads-gil` program sets, in ms: only one that is not Python's default.
    pub fn switch_interval(&self) -> Option<f64> {
        let ms = self.spec.num("switchIntervalMs")?;
        (self.mode == "threads-gil" && ms != DEFAULT_SWITCH_INTERVAL_MS).then_some(ms)
    }

    /// `inputItems`: the integers each task receives, where they cross (`interpreters`); 0 elsewhere.
    pub fn input_items(&self) -> f64 {
        if self.mode == "interpreters" {
            self.spec.num("inputItems").unwrap_or(0.0)
        } else {
            0.0
        }
    }
}

fn plan<'a>(spec: &'a Json, options: &Options) -> Result<Plan<'a>, NoProgram> {
    let name = spec.show("workload");
    let workload = by_name(&name)
        .filter(|w| work::has_program(w.name()))
        .ok_or_else(|| NoProgram { field: "workload", message: format!("no Python program for workload \"{name}\"") })?;
    let mode = spec.show("mode");
    if !["sequential", "asyncio", "processes"].contains(&mode.as_str()) && !THREAD_MODES.contains(&mode.as_str()) {
        return Err(NoProgram { field: "mode", message: format!("no Python program for mode \"{mode}\"") });
    }
    let network = workload.uses_network();
    let io = network || workload.class() == Class::Io;
    // The engine keeps network faults only for workloads that make requests; `panic` applies to all.
    let faults = spec.get("faults").filter(|f| f.str("kind") == Some("panic") || network);
    let tasks = spec.num("tasks").unwrap_or(0.0);
    let failing = faults.map(|f| {
        let mut ids = options.failing.clone().unwrap_or_else(|| {
            let picked = failing_tasks(f.num("rate").unwrap_or(0.0), seed(f), tasks as u32);
            picked.iter().enumerate().filter(|(_, &x)| x).map(|(i, _)| i as u32).collect()
        });
        ids.sort_unstable();
        ids
    });
    let base_url = options.base_url.clone().unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
    Ok(Plan {
        spec,
        workload: name.clone(),
        is_async: mode == "asyncio",
        mode,
        class: workload.class(),
        network,
        on_error: spec.str("onError").unwrap_or("raise").to_string(),
        fault_kind: faults.map(|f| f.show("kind")),
        failing,
        timeout: io && spec.num("timeoutMs").is_some(),
        base_url: if base_url.ends_with('/') { base_url } else { format!("{base_url}/") },
    })
}

/// The seed as the spec gives it (an integer up to 2^53 - 1, or any u64 from Rust).
fn seed(faults: &Json) -> u64 {
    match faults.get("seed") {
        Some(Json::Num(n)) => n.as_u64().unwrap_or_else(|| n.as_f64().unwrap_or(0.0) as u64),
        _ => 0,
    }
}
