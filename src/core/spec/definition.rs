//! What a spec is: its fields, their limits and labels, and what a valid spec gives the modes (its JSON,
//! each task's plan). Its own file, apart from `spec.rs` (which names the spec's files and what they
//! export), so that checking raw input (`validate.rs`, `fields.rs`) depends on it and not the reverse.

use crate::core::error::{FieldError, LabError};
use crate::core::faults::{FaultKind, Faults, OnError};
use crate::core::mode::Mode;
use crate::core::workload::{self, FieldInfo, Params, Step, Workload};
use serde_json::{json, Value};

/// The fields every spec has, whatever the workload.
pub const TASKS: FieldInfo = FieldInfo {
    name: "tasks",
    label: "Tasks",
    min: 1,
    max: 1000,
    default: 8,
    doc: "How many tasks the work is split into (the number of coroutines, or of items given to map).",
};

/// A validated run description, defaults filled in.
#[derive(Clone)]
pub struct Spec {
    pub workload: &'static dyn Workload,
    pub mode: Mode,
    pub tasks: u32,
    /// The workload's own fields (size, latencyMs, ...).
    pub params: Params,
    /// Threads or processes, for modes that have them.
    pub workers: Option<u32>,
    /// `sys.setswitchinterval`, in ms, for `threads-gil`.
    pub switch_interval_ms: Option<f64>,
    /// Injected failures (network kinds apply to workloads that make requests; `panic` to all).
    pub faults: Option<Faults>,
    /// Per-request timeout (`asyncio.wait_for`, aiohttp's `ClientTimeout`), for I/O work.
    pub timeout_ms: Option<u32>,
    pub on_error: OnError,
    /// `releasesGil`: the CPU work is C code that drops the GIL while it runs (NumPy's loops, hashlib,
    /// zlib). Kept only where it applies: CPU or mixed work under `threads-gil`.
    pub releases_gil: bool,
    /// `freeThreadedOverheadPct`, for `free-threaded`: the build's single-thread cost, in percent.
    pub free_threaded_overhead_pct: Option<f64>,
    /// `inputItems`: integers each task receives as its argument; they cross (pickled) under
    /// `interpreters`, and are 0 where nothing crosses.
    pub input_items: u32,
}

/// One task's plan: its steps, and the fault it is to suffer, if any.
pub struct TaskPlan {
    pub steps: Vec<Step>,
    pub fault: Option<FaultKind>,
}

/// `spec.timeoutMs`: per request, in ms.
pub const TIMEOUT_MS: FieldInfo = FieldInfo {
    name: "timeoutMs",
    label: "Timeout per request (ms)",
    min: 1,
    max: 60_000,
    default: 0,
    doc: "Per-request timeout, like asyncio.wait_for or aiohttp's ClientTimeout.",
};

/// CPython's default `sys.getswitchinterval()`, in ms.
pub const DEFAULT_SWITCH_INTERVAL_MS: f64 = 5.0;

/// The GIL's switch interval (`sys.setswitchinterval`), in milliseconds.
pub const SWITCH_INTERVAL: (f64, f64, f64) = (0.1, 100.0, DEFAULT_SWITCH_INTERVAL_MS);

impl std::fmt::Debug for Spec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_json().to_string())
    }
}

/// The single-thread cost of the free-threaded build, in percent: the Python 3.14 docs' figure for
/// x86-64 Linux ("Python support for free threading", 3.14: about 8% on the pyperformance suite).
pub const DEFAULT_OVERHEAD_PCT: f64 = 8.0;

/// `freeThreadedOverheadPct`: 0..50 %, default the 3.14 docs' figure.
pub const FREE_THREADED_OVERHEAD_PCT: (f64, f64, f64) = (0.0, 50.0, DEFAULT_OVERHEAD_PCT);

/// `inputItems`: how many integers cross to each task with its arguments (a list the task receives).
pub const INPUT_ITEMS: FieldInfo = FieldInfo {
    name: "inputItems",
    label: "Items passed to each task",
    min: 0,
    max: 1_000_000,
    default: 0,
    doc: "How many integers each task receives as its argument (a list). Under interpreters (and processes) \
          they are pickled, copied across and unpickled, item by item; threads share memory, so nothing crosses.",
};

/// Fields that are part of the spec's language without being run parameters.
const META_FIELDS: &[&str] = &["v"];

/// Every field name the lab knows, for catching typos.
pub fn known_fields() -> Vec<&'static str> {
    let mut names = vec![
        "workload", "mode", TASKS.name, "workers", "switchIntervalMs", "faults", "faults.kind", "faults.rate", "faults.seed",
        "timeoutMs", "onError", "releasesGil", "freeThreadedOverheadPct", "inputItems",
    ];
    names.extend(META_FIELDS);
    for w in workload::ALL {
        for f in w.fields() {
            if !names.contains(&f.name) {
                names.push(f.name);
            }
        }
    }
    names
}

/// The name the page shows for a spec field (`Image size (px)` for mandelbrot's `size`): the field's
/// label in `workload` when given, else a common field's, else the first workload's that has the field.
/// `None` for a name the lab does not know.
pub fn label_of(field: &str, workload: Option<&dyn Workload>) -> Option<&'static str> {
    let common = match field {
        "spec" => Some("Spec"),
        "workload" => Some("Workload"),
        "mode" => Some("Mode"),
        "tasks" => Some(TASKS.label),
        "workers" => Some("Workers"),
        "switchIntervalMs" => Some("Switch interval (ms)"),
        "releasesGil" => Some("C code that releases the GIL"),
        "freeThreadedOverheadPct" => Some("Free-threaded single-thread cost (%)"),
        "inputItems" => Some(INPUT_ITEMS.label),
        "faults" | "faults.kind" => Some("Inject faults"),
        "faults.rate" => Some("Share of tasks that fail"),
        "faults.seed" => Some("Seed (which tasks)"),
        "timeoutMs" => Some(TIMEOUT_MS.label),
        "onError" => Some("When a task raises (onError)"),
        _ => None,
    };
    let of = |w: &dyn Workload| w.fields().iter().find(|f| f.name == field).map(|f| f.label);
    workload.and_then(of).or(common).or_else(|| workload::ALL.iter().find_map(|w| of(*w)))
}

/// A `SpecError` about one field, labelled as the page shows it.
pub fn error(field: &str, allowed: impl Into<String>, message: impl Into<String>) -> LabError {
    LabError::spec_errors(vec![FieldError::new(field, label_of(field, None).unwrap_or(field), allowed, message)])
}

impl Spec {
    /// The spec as run, with every applicable field (defaults filled in).
    pub fn to_json(&self) -> Value {
        let mut out = json!({
            "workload": self.workload.name(),
            "mode": self.mode.name(),
            "tasks": self.tasks,
        });
        let map = out.as_object_mut().expect("object");
        for (k, v) in &self.params {
            map.insert((*k).to_string(), json!(v));
        }
        if let Some(w) = self.workers {
            map.insert("workers".into(), json!(w));
        }
        if let Some(s) = self.switch_interval_ms {
            map.insert("switchIntervalMs".into(), json!(s));
        }
        if let Some(f) = &self.faults {
            map.insert("faults".into(), json!({"kind": f.kind, "rate": f.rate, "seed": f.seed}));
        }
        if let Some(t) = self.timeout_ms {
            map.insert("timeoutMs".into(), json!(t));
        }
        map.insert("onError".into(), json!(self.on_error));
        if self.releases_gil {
            map.insert("releasesGil".into(), json!(true));
        }
        if let Some(p) = self.free_threaded_overhead_pct {
            map.insert("freeThreadedOverheadPct".into(), json!(p));
        }
        if self.mode == Mode::Interpreters {
            map.insert("inputItems".into(), json!(self.input_items));
        }
        out
    }

    /// Task `id`'s steps and fault. Every mode runs exactly this plan.
    pub fn plan(&self, id: u32) -> TaskPlan {
        let fault = self.faults.filter(|f| f.failing(self.tasks)[id as usize]).map(|f| f.kind);
        TaskPlan { steps: self.workload.task(&self.params, self.tasks, id), fault }
    }

    /// The number of workers the run uses (1 for modes without workers).
    pub fn worker_count(&self) -> u32 {
        self.workers.unwrap_or(1)
    }
}
