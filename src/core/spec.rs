//! The spec: one run's description, defined and validated here once. The page's form, the URL,
//! `window.lab` and embed messages all pass through [`parse`], so every limit a user sees comes from here.

use super::calibrate::Defaults;
use super::error::{FieldError, LabError};
use super::faults::{FaultKind, Faults, OnError};
use super::mode::Mode;
use super::workload::{self, Class, FieldInfo, Params, Step, Workload};
use super::Capabilities;
use serde_json::{json, Map, Value};

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

/// The GIL's switch interval (`sys.setswitchinterval`), in milliseconds.
pub const SWITCH_INTERVAL: (f64, f64, f64) = (0.1, 100.0, crate::core::mode::threads_gil::DEFAULT_SWITCH_INTERVAL_MS);

impl std::fmt::Debug for Spec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_json().to_string())
    }
}

/// `freeThreadedOverheadPct`: 0..50 %, default the 3.14 docs' figure.
pub const FREE_THREADED_OVERHEAD_PCT: (f64, f64, f64) = (0.0, 50.0, crate::core::mode::free_threaded::DEFAULT_OVERHEAD_PCT);

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

/// Validates `input` (a JSON object; integers may also be given as decimal strings, as a URL carries
/// them) against what this engine can run.
pub fn parse(input: &Value, caps: &Capabilities) -> Result<Spec, LabError> {
    parse_with(input, caps, &Defaults::default())
}

/// [`parse`], with the defaults calibrated on this machine for the fields that are left out.
///
/// Every bad field is reported at once (a `SpecError` whose `errors` lists them in the form's order): an
/// unknown workload or mode does not stop the checks of the fields that do not depend on it, and each
/// unknown field name is listed too. A mode this engine cannot run is `Unavailable`, reported only for a
/// spec without bad fields.
pub fn parse_with(input: &Value, caps: &Capabilities, defaults: &Defaults) -> Result<Spec, LabError> {
    let obj = input
        .as_object()
        .ok_or_else(|| LabError::spec("spec", "an object", "the spec must be an object like {\"workload\": \"cpu-primes\", \"mode\": \"sequential\"}"))?;
    let mut errors = Vec::new();

    let workload = {
        let allowed = workload::ALL.iter().map(|w| w.name()).collect::<Vec<_>>().join(", ");
        ok(&mut errors, required_str(obj, "workload", &allowed).and_then(|name| {
            workload::by_name(name).ok_or_else(|| one_of("workload", &allowed, &format!("\"{name}\"")))
        }))
    };
    let mode = {
        let allowed = Mode::ALL.map(Mode::name).join(", ");
        ok(&mut errors, required_str(obj, "mode", &allowed)
            .and_then(|name| Mode::parse(name).ok_or_else(|| one_of("mode", &allowed, &format!("\"{name}\"")))))
    };
    let tasks = ok(&mut errors, int_field(obj, &TASKS)).map(|n| n as u32);
    // `None` once a field of the workload is bad (the run's memory is then not checked).
    let mut params = Some(Params::new());
    if let Some(w) = workload {
        let limit = caps.run_memory_limit();
        for f in w.fields() {
            let f = workload::accepted(w, f, limit);
            let f = FieldInfo { default: defaults.of(w.name(), &f).clamp(f.min, f.max), ..f };
            match (ok(&mut errors, int_field(obj, &f)), params.as_mut()) {
                (Some(v), Some(p)) => {
                    p.insert(f.name, v);
                }
                (v, _) => params = params.filter(|_| v.is_some()),
            }
        }
    }
    let workers = match mode.and_then(|m| m.workers(caps)) {
        None => None,
        Some(range) => {
            let info = FieldInfo {
                name: "workers",
                label: label_of("workers", None).unwrap_or_default(),
                min: range.min.into(),
                max: range.max.into(),
                default: range.default.into(),
                doc: "",
            };
            ok(&mut errors, int_field(obj, &info)).map(|n| n as u32)
        }
    };
    // A workload whose tasks are threads of its own (`convoy`) fixes the tasks, one thread each; it may
    // run in some modes only.
    let own_tasks = workload.zip(params.as_ref()).and_then(|(w, p)| w.own_tasks(p));
    let tasks = own_tasks.or(tasks);
    let workers = own_tasks.filter(|_| workers.is_some()).or(workers);
    if let (Some(w), Some(m)) = (workload, mode) {
        if let Some((modes, why)) = w.modes().filter(|(modes, _)| !modes.contains(&m)) {
            let allowed = modes.iter().map(|m| m.name()).collect::<Vec<_>>().join(", ");
            let label = label_of("mode", None).unwrap_or_default();
            errors.push(FieldError::new("mode", label, &allowed, format!("{label}: {} runs under {allowed} (got \"{}\"): {why}", w.name(), m.name())));
        }
    }
    let switch_interval_ms = match mode {
        Some(Mode::ThreadsGil) => ok(&mut errors, num_field(obj, "switchIntervalMs", SWITCH_INTERVAL)),
        _ => None,
    };
    let free_threaded_overhead_pct = match mode {
        Some(Mode::FreeThreaded) => ok(&mut errors, num_field(obj, "freeThreadedOverheadPct", FREE_THREADED_OVERHEAD_PCT)),
        _ => None,
    };
    // Checked wherever it is given (a typo'd value is caught), kept only where it applies.
    let input_items = match obj.get("inputItems") {
        Some(v) if !v.is_null() => ok(&mut errors, int_field(obj, &crate::core::mode::interpreters::INPUT_ITEMS)).map(|n| n as u32),
        _ => None,
    };
    let input_items = if matches!(mode, Some(Mode::Interpreters)) { input_items.unwrap_or(0) } else { 0 };
    let releases_gil = ok(&mut errors, bool_field(obj, "releasesGil")).unwrap_or(false)
        && matches!(mode, Some(Mode::ThreadsGil | Mode::Interpreters))
        && workload.is_some_and(|w| matches!(w.class(), Class::Cpu | Class::Mixed));
    let on_error = {
        let allowed = OnError::ALL.map(OnError::name).join(", ");
        ok(&mut errors, match obj.get("onError") {
            None | Some(Value::Null) => Ok(OnError::Raise),
            Some(Value::String(s)) => OnError::parse(s).ok_or_else(|| one_of("onError", &allowed, &format!("\"{s}\""))),
            Some(other) => Err(one_of("onError", &allowed, &other.to_string())),
        })
    };
    if let (Some(OnError::TaskGroup), Some(mode)) = (on_error, mode) {
        if mode != Mode::Asyncio {
            let label = label_of("onError", None).unwrap_or_default();
            errors.push(FieldError::new(
                "onError",
                label,
                "raise, return-exceptions",
                format!("{label}: \"task-group\" is asyncio's alone (asyncio.TaskGroup); {} takes raise or return-exceptions", mode.name()),
            ));
        }
    }
    let io_work = workload.is_some_and(|w| matches!(w.class(), Class::Io | Class::Mixed));
    let timeout_ms = match obj.get("timeoutMs") {
        Some(v) if io_work && !v.is_null() => ok(&mut errors, int_field(obj, &TIMEOUT_MS)).map(|n| n as u32),
        _ => None,
    };
    let faults = parse_faults(obj, &mut errors);
    let known = known_fields();
    let allowed = known.join(", ");
    for unknown in obj.keys().filter(|k| !known.contains(&k.as_str())) {
        errors.push(FieldError::new(unknown, unknown, allowed.clone(), format!("unknown field \"{unknown}\"; the spec's fields are {allowed}")));
    }
    if let (Some(w), Some(tasks), Some(params)) = (workload, tasks, &params) {
        let (needs, field) = w.memory_needs(params, tasks);
        let limit = caps.run_memory_limit();
        if needs > limit {
            let mib = |b: u64| b as f64 / f64::from(1 << 20);
            let label = label_of(field, Some(w)).unwrap_or(field);
            let value = params.get(field).copied().unwrap_or(i64::from(tasks));
            errors.push(FieldError::new(
                field,
                label,
                format!("a run needing at most {:.0} MiB", mib(limit)),
                format!("{label} = {value} needs {:.0} MiB of engine memory; a run here may use at most {:.0} MiB: choose a smaller {label}", mib(needs), mib(limit)),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(LabError::spec_errors(errors));
    }
    let (Some(workload), Some(mode), Some(tasks), Some(params), Some(on_error), Some(faults)) = (workload, mode, tasks, params, on_error, faults) else {
        unreachable!("every field that failed left an error");
    };
    if let Some(reason) = mode.unavailable(caps) {
        return Err(LabError::unavailable("mode", reason));
    }
    if let Some(reason) = mode.unsupported(workload.class()) {
        return Err(LabError::unavailable("mode", format!("{} with {}: {reason}", mode.name(), workload.name())));
    }
    let faults = faults.filter(|f| !f.kind.is_network() || workload.uses_network());
    Ok(Spec { workload, mode, tasks, params, workers, switch_interval_ms, faults, timeout_ms, on_error, releases_gil, free_threaded_overhead_pct, input_items })
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
        "inputItems" => Some(crate::core::mode::interpreters::INPUT_ITEMS.label),
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

/// The value, or `None` with its error kept.
fn ok<T>(errors: &mut Vec<FieldError>, r: Result<T, FieldError>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

/// The error of a field that takes one of a list of names.
fn one_of(field: &str, allowed: &str, got: &str) -> FieldError {
    let label = label_of(field, None).unwrap_or(field);
    FieldError::new(field, label, allowed, format!("{label} must be one of {allowed} (got {got})"))
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

fn required_str<'a>(obj: &'a Map<String, Value>, field: &str, allowed: &str) -> Result<&'a str, FieldError> {
    match obj.get(field) {
        None | Some(Value::Null) => {
            let label = label_of(field, None).unwrap_or(field);
            Err(FieldError::new(field, label, allowed, format!("{label} is required: one of {allowed}")))
        }
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(one_of(field, allowed, &other.to_string())),
    }
}

/// `faults` as an object, or as the URL's `faults.kind`, `faults.rate`, `faults.seed`; `None` (with its
/// errors pushed) when they are bad.
fn parse_faults(obj: &Map<String, Value>, errors: &mut Vec<FieldError>) -> Option<Option<Faults>> {
    let before = errors.len();
    let mut f = Map::new();
    match obj.get("faults") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, v) in m {
                let name = format!("faults.{k}");
                if !["kind", "rate", "seed"].contains(&k.as_str()) {
                    errors.push(FieldError::new(&name, &name, "kind, rate, seed", format!("unknown field \"{name}\"; faults has kind, rate, seed")));
                    continue;
                }
                f.insert(name, v.clone());
            }
        }
        Some(other) => {
            let label = label_of("faults", None).unwrap_or_default();
            errors.push(FieldError::new(
                "faults",
                label,
                "an object { kind, rate, seed }",
                format!("{label} (faults) must be an object {{ kind, rate, seed }} (got {other})"),
            ));
        }
    }
    for k in ["faults.kind", "faults.rate", "faults.seed"] {
        if let Some(v) = obj.get(k) {
            f.insert(k.to_string(), v.clone());
        }
    }
    if f.values().all(Value::is_null) {
        return (errors.len() == before).then_some(None);
    }
    let kinds = FaultKind::ALL.map(FaultKind::name).join(", ");
    let kind = match f.get("faults.kind") {
        Some(Value::String(s)) => FaultKind::parse(s).ok_or_else(|| one_of("faults.kind", &kinds, &format!("\"{s}\""))),
        other => Err(one_of("faults.kind", &kinds, &other.map_or("nothing".to_string(), Value::to_string))),
    };
    let rate = num_field(&f, "faults.rate", (0.0, 1.0, 0.0));
    let seed_info = FieldInfo { name: "faults.seed", label: label_of("faults.seed", None).unwrap_or_default(), min: 0, max: 9_007_199_254_740_991, default: 1, doc: "" };
    let seed = int_field(&f, &seed_info);
    match (kind, rate, seed) {
        (Ok(kind), Ok(rate), Ok(seed)) if errors.len() == before => Some(Some(Faults { kind, rate, seed: seed as u64 })),
        (kind, rate, seed) => {
            errors.extend([kind.err(), rate.err(), seed.err()].into_iter().flatten());
            None
        }
    }
}

/// Reads a decimal number field, or its default when absent.
fn num_field(obj: &Map<String, Value>, name: &str, (min, max, default): (f64, f64, f64)) -> Result<f64, FieldError> {
    let allowed = format!("{min}..{max}");
    let label = label_of(name, None).unwrap_or(name);
    let bad = |got: &dyn std::fmt::Display| FieldError::new(name, label, allowed.clone(), format!("{label} must be a number in {allowed} (got {got})"));
    let x = match obj.get(name) {
        None | Some(Value::Null) => return Ok(default),
        Some(Value::Number(n)) => n.as_f64().ok_or_else(|| bad(n))?,
        Some(Value::String(s)) => {
            let t = s.trim();
            let plain = !t.is_empty() && t.len() <= 20 && t.bytes().all(|b| b.is_ascii_digit() || b == b'.') && t.bytes().filter(|&b| b == b'.').count() <= 1;
            if !plain {
                return Err(bad(&format!("\"{s}\"")));
            }
            t.parse::<f64>().map_err(|_| bad(&format!("\"{s}\"")))?
        }
        Some(other) => return Err(bad(other)),
    };
    if !x.is_finite() || x < min || x > max {
        return Err(bad(&x));
    }
    Ok(x)
}

/// Reads a boolean field (`true`/`false`, or the strings a URL carries), `false` when absent.
fn bool_field(obj: &Map<String, Value>, name: &str) -> Result<bool, FieldError> {
    let label = label_of(name, None).unwrap_or(name);
    match obj.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if matches!(s.as_str(), "true" | "1") => Ok(true),
        Some(Value::String(s)) if matches!(s.as_str(), "false" | "0") => Ok(false),
        Some(other) => Err(FieldError::new(name, label, "true, false", format!("{label} must be true or false (got {other})"))),
    }
}

/// Reads an integer field, or its default when absent.
fn int_field(obj: &Map<String, Value>, f: &FieldInfo) -> Result<i64, FieldError> {
    let allowed = format!("{}..{}", f.min, f.max);
    let bad = |got: &dyn std::fmt::Display| {
        FieldError::new(f.name, f.label, allowed.clone(), format!("{} must be a whole number in {} (got {})", f.label, allowed, got))
    };
    let n = match obj.get(f.name) {
        None | Some(Value::Null) => return Ok(f.default),
        Some(Value::Number(n)) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i,
            (None, Some(x)) if x.fract() == 0.0 && x.abs() < 9.0e15 => x as i64,
            _ => return Err(bad(n)),
        },
        Some(Value::String(s)) => {
            let t = s.trim();
            let digits = t.strip_prefix('-').unwrap_or(t);
            if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad(&format!("\"{s}\"")));
            }
            t.parse::<i64>().map_err(|_| bad(&format!("\"{s}\"")))?
        }
        Some(other) => return Err(bad(other)),
    };
    if n < f.min || n > f.max {
        return Err(bad(&n));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::Build;

    const THREADS: Capabilities = Capabilities { build: Build::Threads, pool_threads: 2, cores: 2 };
    const SINGLE: Capabilities = Capabilities { build: Build::Single, pool_threads: 0, cores: 2 };

    fn field_of(r: Result<Spec, LabError>) -> (String, String) {
        match r {
            Err(LabError::SpecError { field, allowed, .. }) => (field, allowed),
            Err(LabError::Unavailable { field, reason, .. }) => (field, reason),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn defaults_are_filled_in() {
        let s = parse(&json!({"workload": "cpu-primes", "mode": "rayon"}), &THREADS).unwrap();
        assert_eq!(s.tasks, 8);
        assert_eq!(s.params["size"], 2_000_000);
        assert_eq!(s.workers, Some(2));
        assert_eq!(s.to_json(), json!({"workload": "cpu-primes", "mode": "rayon", "tasks": 8, "size": 2_000_000, "workers": 2, "onError": "raise"}));
        let s = parse(&json!({"workload": "io-fetch", "mode": "asyncio", "size": 5}), &THREADS).unwrap();
        assert_eq!(s.to_json(), json!({"workload": "io-fetch", "mode": "asyncio", "tasks": 8, "latencyMs": 200, "onError": "raise"}));
    }

    #[test]
    fn strings_from_a_url_are_accepted_when_they_are_whole_numbers() {
        let s = parse(&json!({"workload": "io-sleep", "mode": "sequential", "tasks": "6", "latencyMs": "150"}), &SINGLE).unwrap();
        assert_eq!((s.tasks, s.params["latencyMs"]), (6, 150));
        for bad in ["", "1.5", "abc", "1e3", "0x10", " ", "--1"] {
            let (field, allowed) = field_of(parse(&json!({"workload": "io-sleep", "mode": "sequential", "tasks": bad}), &SINGLE));
            assert_eq!((field.as_str(), allowed.as_str()), ("tasks", "1..1000"), "{bad:?}");
        }
    }

    #[test]
    fn each_bad_field_is_named_with_its_range() {
        let cases = [
            (json!({"mode": "sequential"}), "workload"),
            (json!({"workload": "cpu-primes"}), "mode"),
            (json!({"workload": "cpu-prime", "mode": "sequential"}), "workload"),
            (json!({"workload": "cpu-primes", "mode": "threads"}), "mode"),
            (json!({"workload": "cpu-primes", "mode": "sequential", "tasks": 0}), "tasks"),
            (json!({"workload": "cpu-primes", "mode": "sequential", "tasks": 1001}), "tasks"),
            (json!({"workload": "cpu-primes", "mode": "sequential", "tasks": 2.5}), "tasks"),
            (json!({"workload": "cpu-primes", "mode": "sequential", "tasks": true}), "tasks"),
            (json!({"workload": "cpu-primes", "mode": "sequential", "size": 1}), "size"),
            (json!({"workload": "cpu-primes", "mode": "sequential", "size": 2_000_000_001u64}), "size"),
            (json!({"workload": "io-fetch", "mode": "asyncio", "latencyMs": -1}), "latencyMs"),
            (json!({"workload": "io-fetch", "mode": "asyncio", "latencyMs": 10001}), "latencyMs"),
            (json!({"workload": "cpu-primes", "mode": "rayon", "workers": 3}), "workers"),
            (json!({"workload": "cpu-primes", "mode": "rayon", "workers": 0}), "workers"),
            (json!({"workload": "cpu-primes", "mode": "sequential", "taks": 3}), "taks"),
            (json!("cpu-primes"), "spec"),
        ];
        for (input, expected) in cases {
            let (field, allowed) = field_of(parse(&input, &THREADS));
            assert_eq!(field, expected, "{input}");
            assert!(!allowed.is_empty());
        }
        let (_, allowed) = field_of(parse(&json!({"workload": "cpu-primes", "mode": "sequential", "size": 1}), &THREADS));
        assert_eq!(allowed, "2..2000000000");
    }

    #[test]
    fn threads_gil_takes_pythons_defaults_and_a_switch_interval() {
        let s = parse(&json!({"workload": "cpu-primes", "mode": "threads-gil"}), &THREADS).unwrap();
        assert_eq!((s.workers, s.switch_interval_ms), (Some(6), Some(5.0)), "min(32, cores + 4) and 5 ms");
        let s = parse(&json!({"workload": "cpu-primes", "mode": "threads-gil", "switchIntervalMs": "0.5", "workers": 32}), &THREADS).unwrap();
        assert_eq!((s.workers, s.switch_interval_ms), (Some(32), Some(0.5)));
        for bad in [json!(0.05), json!(101), json!("fast"), json!("1e2"), json!(true)] {
            let (field, allowed) = field_of(parse(&json!({"workload": "cpu-primes", "mode": "threads-gil", "switchIntervalMs": bad}), &THREADS));
            assert_eq!((field.as_str(), allowed.as_str()), ("switchIntervalMs", "0.1..100"));
        }
        let (field, allowed) = field_of(parse(&json!({"workload": "cpu-primes", "mode": "threads-gil", "workers": 33}), &THREADS));
        assert_eq!((field.as_str(), allowed.as_str()), ("workers", "1..32"));
    }

    #[test]
    fn faults_timeouts_and_on_error_are_validated_by_name() {
        let ok = parse(&json!({"workload": "io-fetch", "mode": "asyncio", "faults": {"kind": "reset", "rate": 0.5, "seed": 3}, "timeoutMs": 500, "onError": "task-group"}), &THREADS).unwrap();
        assert_eq!(ok.faults.unwrap().kind, FaultKind::Reset);
        assert_eq!((ok.timeout_ms, ok.on_error), (Some(500), OnError::TaskGroup));
        // The URL's dotted form is the same spec.
        let url = parse(&json!({"workload": "io-fetch", "mode": "asyncio", "faults.kind": "reset", "faults.rate": "0.5", "faults.seed": "3", "timeoutMs": "500", "onError": "task-group"}), &THREADS).unwrap();
        assert_eq!(url.to_json(), ok.to_json());
        let cases = [
            (json!({"faults": {"kind": "explode", "rate": 0.5}}), "faults.kind"),
            (json!({"faults": {"rate": 0.5}}), "faults.kind"),
            (json!({"faults": {"kind": "status", "rate": 1.5}}), "faults.rate"),
            (json!({"faults": {"kind": "status", "rate": 0.5, "seed": -1}}), "faults.seed"),
            (json!({"faults": {"kind": "status", "speed": 1}}), "faults.speed"),
            (json!({"faults": "status"}), "faults"),
            (json!({"timeoutMs": 0}), "timeoutMs"),
            (json!({"timeoutMs": 60_001}), "timeoutMs"),
            (json!({"onError": "ignore"}), "onError"),
        ];
        for (extra, expected) in cases {
            let mut spec = json!({"workload": "io-fetch", "mode": "asyncio"});
            spec.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            assert_eq!(field_of(parse(&spec, &THREADS)).0, expected, "{spec}");
        }
        let (field, allowed) = field_of(parse(&json!({"workload": "io-fetch", "mode": "threads-gil", "onError": "task-group"}), &THREADS));
        assert_eq!((field.as_str(), allowed.as_str()), ("onError", "raise, return-exceptions"));
    }

    #[test]
    fn faults_that_do_not_apply_are_ignored() {
        let s = parse(&json!({"workload": "io-sleep", "mode": "asyncio", "faults": {"kind": "status", "rate": 1}}), &THREADS).unwrap();
        assert!(s.faults.is_none(), "sleeps make no requests");
        let s = parse(&json!({"workload": "cpu-primes", "mode": "asyncio", "faults": {"kind": "panic", "rate": 1}, "timeoutMs": 5}), &THREADS).unwrap();
        assert_eq!(s.faults.unwrap().kind, FaultKind::Panic, "any work can panic");
        assert_eq!(s.timeout_ms, None, "CPU work has no requests to time out");
    }

    #[test]
    fn a_run_too_big_for_the_engine_is_refused_with_the_range_that_fits() {
        // Mandelbrot's image holds 4 bytes a pixel: the accepted size ends at floor(sqrt(128 MiB / 4)).
        assert!(parse(&json!({"workload": "cpu-mandelbrot", "mode": "sequential", "size": 5792}), &THREADS).is_ok());
        for size in [5793, 16_384] {
            let e = parse(&json!({"workload": "cpu-mandelbrot", "mode": "sequential", "size": size}), &THREADS).unwrap_err();
            let LabError::SpecError { field, allowed, message, errors } = e else { panic!("{e:?}") };
            assert_eq!((field.as_str(), allowed.as_str()), ("size", "16..5792"));
            assert_eq!(message, format!("Image size (px) must be a whole number in 16..5792 (got {size})"));
            assert_eq!(errors.len(), 1);
        }
    }

    fn errors_of(input: Value) -> Vec<(String, String, String)> {
        match parse(&input, &THREADS) {
            Err(LabError::SpecError { field, allowed, message, errors }) => {
                assert_eq!((&errors[0].field, &errors[0].allowed, &errors[0].message), (&field, &allowed, &message), "the error is its first field's");
                errors.into_iter().map(|e| (e.field, e.label, e.allowed)).collect()
            }
            other => panic!("expected a SpecError, got {other:?}"),
        }
    }

    fn row(field: &str, label: &str, allowed: &str) -> (String, String, String) {
        (field.to_string(), label.to_string(), allowed.to_string())
    }

    #[test]
    fn every_bad_field_is_listed_at_once_with_its_label_and_range() {
        let errors = errors_of(json!({
            "workload": "cpu-mandelbrot", "mode": "threads-gil", "tasks": 0, "size": 20_000, "iterations": "many",
            "workers": 40, "switchIntervalMs": 0, "onError": "ignore", "faults": {"kind": "panic", "rate": 2},
        }));
        assert_eq!(errors, [
            row("tasks", "Tasks", "1..1000"),
            row("size", "Image size (px)", "16..5792"),
            row("iterations", "Max iterations", "1..100000"),
            row("workers", "Workers", "1..32"),
            row("switchIntervalMs", "Switch interval (ms)", "0.1..100"),
            row("onError", "When a task raises (onError)", "raise, return-exceptions, task-group"),
            row("faults.rate", "Share of tasks that fail", "0..1"),
        ]);
        let e = parse(&json!({"workload": "cpu-mandelbrot", "mode": "sequential", "size": 20_000, "tasks": 1001}), &THREADS).unwrap_err();
        let LabError::SpecError { errors, .. } = &e else { panic!() };
        assert_eq!(errors[1].message, "Image size (px) must be a whole number in 16..5792 (got 20000)");
        assert_eq!(errors[0].message, "Tasks must be a whole number in 1..1000 (got 1001)");
        let out: Value = serde_json::from_str(&e.to_json()).unwrap();
        assert_eq!(out["name"], "SpecError");
        assert_eq!((out["field"].as_str(), out["errors"][1]["label"].as_str()), (Some("tasks"), Some("Image size (px)")));
        // One bad field: `errors` holds it alone.
        assert_eq!(errors_of(json!({"workload": "io-fetch", "mode": "asyncio", "latencyMs": -1})), [row("latencyMs", "Latency (ms)", "0..10000")]);
        assert_eq!(
            errors_of(json!({"workload": "io-fetch", "mode": "asyncio", "timeoutMs": 0, "faults.kind": "boom", "faults.seed": "x"})),
            [row("timeoutMs", "Timeout per request (ms)", "1..60000"), row("faults.kind", "Inject faults", "status, reset, hang, panic"), row("faults.seed", "Seed (which tasks)", "0..9007199254740991")]
        );
    }

    #[test]
    fn an_unknown_mode_or_workload_does_not_hide_the_other_fields() {
        assert_eq!(
            errors_of(json!({"workload": "cpu-primes", "mode": "threads", "tasks": 5000})),
            [row("mode", "Mode", "sequential, asyncio, threads-gil, free-threaded, interpreters, processes, rayon"), row("tasks", "Tasks", "1..1000")]
        );
        // Without a workload its own fields cannot be checked; the common ones are.
        let errors = errors_of(json!({"workload": "cpu-prime", "mode": "rayon", "tasks": -1, "size": 1, "workers": 9}));
        let fields: Vec<_> = errors.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(fields, ["workload", "tasks", "workers"]);
        assert_eq!(errors[2].2, "1..2");
        let errors = errors_of(json!({"tasks": "lots"}));
        assert_eq!(errors.iter().map(|e| e.1.as_str()).collect::<Vec<_>>(), ["Workload", "Mode", "Tasks"]);
        // task-group is checked against a mode only when the mode is known.
        assert_eq!(errors_of(json!({"workload": "io-fetch", "mode": "nope", "onError": "task-group"})).len(), 1);
    }

    #[test]
    fn each_unknown_field_is_listed() {
        let errors = errors_of(json!({"workload": "cpu-primes", "mode": "sequential", "taks": 3, "wrokers": 2, "tasks": 0, "faults": {"kind": "panic", "speed": 1}}));
        let fields: Vec<_> = errors.iter().map(|e| (e.0.as_str(), e.1.as_str())).collect();
        assert_eq!(fields, [("tasks", "Tasks"), ("faults.speed", "faults.speed"), ("taks", "taks"), ("wrokers", "wrokers")]);
        assert!(errors[2].2.contains("tasks, workers"), "the known fields are listed");
        // A mode this build cannot run is Unavailable only once nothing else is wrong.
        let (field, _) = field_of(parse(&json!({"workload": "cpu-primes", "mode": "rayon", "taks": 3}), &SINGLE));
        assert_eq!(field, "taks");
    }

    #[test]
    fn labels_are_the_pages() {
        let mandelbrot = workload::by_name("cpu-mandelbrot");
        assert_eq!(label_of("size", mandelbrot), Some("Image size (px)"));
        assert_eq!(label_of("size", workload::by_name("cpu-primes")), Some("N (count primes below N)"));
        assert_eq!(label_of("tasks", mandelbrot), Some("Tasks"));
        assert_eq!(label_of("latencyMs", None), Some("Latency (ms)"));
        assert_eq!(label_of("timeoutMs", None), Some("Timeout per request (ms)"));
        assert_eq!(label_of("taks", None), None);
        for f in known_fields().into_iter().filter(|f| *f != "v") {
            assert!(label_of(f, None).is_some(), "{f} has a label");
        }
    }

    #[test]
    fn fields_of_other_workloads_and_modes_are_ignored() {
        // One page state carries every field; only the applicable ones count.
        let s = parse(&json!({"workload": "cpu-primes", "mode": "sequential", "latencyMs": 50, "workers": 99}), &THREADS).unwrap();
        assert_eq!(s.workers, None);
        assert!(!s.params.contains_key("latencyMs"));
    }

    #[test]
    fn a_mode_the_build_cannot_run_says_why() {
        let (field, reason) = field_of(parse(&json!({"workload": "cpu-primes", "mode": "rayon"}), &SINGLE));
        assert_eq!(field, "mode");
        assert!(reason.contains("cross-origin isolated"));
        let (field, reason) = field_of(parse(&json!({"workload": "io-fetch", "mode": "threads-gil"}), &SINGLE));
        assert_eq!(field, "mode");
        assert!(reason.starts_with("threads-gil needs threads"));
        assert!(parse(&json!({"workload": "io-fetch", "mode": "rayon"}), &THREADS).is_ok());
    }
}
