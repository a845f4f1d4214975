//! What every part of a program reads: the spec as given, and what follows from it (the workload's kind,
//! the failing tasks, the lab's address), with the caller's options and why a spec has no program. Its
//! own file, so the parts (head, work, driver, convoy) and the module that assembles them all depend on it
//! and it on none of them.

use crate::core::faults::failing_tasks;
use crate::core::workload::{by_name, Class};
use super::text::Json;

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

pub(crate) fn plan<'a>(spec: &'a Json, options: &Options) -> Result<Plan<'a>, NoProgram> {
    let name = spec.show("workload");
    // Which workloads have a program at all is the caller's check (work::has_program, in `program`).
    let workload = by_name(&name)
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
