//! The spec: one run's description, defined and validated here once. The page's form, the URL,
//! `window.lab` and embed messages all pass through [`parse`], so every limit a user sees comes from here.

use super::calibrate::Defaults;
use super::error::LabError;
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
}

/// One task's plan: its steps, and the fault it is to suffer, if any.
pub struct TaskPlan {
    pub steps: Vec<Step>,
    pub fault: Option<FaultKind>,
}

/// `spec.timeoutMs`: per request, in ms.
pub const TIMEOUT_MS: FieldInfo = FieldInfo {
    name: "timeoutMs",
    label: "Timeout (ms)",
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

/// Fields that are part of the spec's language without being run parameters.
const META_FIELDS: &[&str] = &["v"];

/// Every field name the lab knows, for catching typos.
pub fn known_fields() -> Vec<&'static str> {
    let mut names = vec![
        "workload", "mode", TASKS.name, "workers", "switchIntervalMs", "faults", "faults.kind", "faults.rate", "faults.seed",
        "timeoutMs", "onError",
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
pub fn parse_with(input: &Value, caps: &Capabilities, defaults: &Defaults) -> Result<Spec, LabError> {
    let obj = input
        .as_object()
        .ok_or_else(|| LabError::spec("spec", "an object", "the spec must be an object like {\"workload\": \"cpu-primes\", \"mode\": \"sequential\"}"))?;
    let known = known_fields();
    if let Some(unknown) = obj.keys().find(|k| !known.contains(&k.as_str())) {
        let allowed = known.join(", ");
        return Err(LabError::spec(unknown, allowed.clone(), format!("unknown field \"{unknown}\"; the spec's fields are {allowed}")));
    }

    let workload = {
        let names: Vec<_> = workload::ALL.iter().map(|w| w.name()).collect();
        let allowed = names.join(", ");
        let name = required_str(obj, "workload", &allowed)?;
        workload::by_name(name)
            .ok_or_else(|| LabError::spec("workload", allowed.clone(), format!("workload must be one of {allowed} (got \"{name}\")")))?
    };
    let mode = {
        let allowed = Mode::ALL.map(Mode::name).join(", ");
        let name = required_str(obj, "mode", &allowed)?;
        Mode::parse(name).ok_or_else(|| LabError::spec("mode", allowed.clone(), format!("mode must be one of {allowed} (got \"{name}\")")))?
    };
    let tasks = int_field(obj, &TASKS)? as u32;
    let mut params = Params::new();
    for f in workload.fields() {
        let f = FieldInfo { default: defaults.of(workload.name(), f), ..*f };
        params.insert(f.name, int_field(obj, &f)?);
    }
    let workers = match mode.workers(caps) {
        None => None,
        Some(range) => {
            let info = FieldInfo {
                name: "workers",
                label: "Workers",
                min: range.min.into(),
                max: range.max.into(),
                default: range.default.into(),
                doc: "",
            };
            Some(int_field(obj, &info)? as u32)
        }
    };
    let switch_interval_ms = match mode {
        Mode::ThreadsGil => Some(num_field(obj, "switchIntervalMs", SWITCH_INTERVAL)?),
        _ => None,
    };
    let on_error = {
        let allowed = OnError::ALL.map(OnError::name).join(", ");
        match obj.get("onError") {
            None | Some(Value::Null) => OnError::Raise,
            Some(Value::String(s)) => OnError::parse(s)
                .ok_or_else(|| LabError::spec("onError", allowed.clone(), format!("onError must be one of {allowed} (got \"{s}\")")))?,
            Some(other) => return Err(LabError::spec("onError", allowed.clone(), format!("onError must be one of {allowed} (got {other})"))),
        }
    };
    if on_error == OnError::TaskGroup && mode != Mode::Asyncio {
        return Err(LabError::spec(
            "onError",
            "raise, return-exceptions",
            format!("onError \"task-group\" is asyncio's alone (asyncio.TaskGroup); {} takes raise or return-exceptions", mode.name()),
        ));
    }
    let io_work = matches!(workload.class(), Class::Io | Class::Mixed);
    let timeout_ms = match obj.get("timeoutMs") {
        Some(v) if io_work && !v.is_null() => Some(int_field(obj, &TIMEOUT_MS)? as u32),
        _ => None,
    };
    let faults = parse_faults(obj)?.filter(|f| !f.kind.is_network() || workload.uses_network());
    let (needs, field) = workload.memory_needs(&params, tasks);
    let limit = caps.run_memory_limit();
    if needs > limit {
        let mib = |b: u64| b as f64 / f64::from(1 << 20);
        return Err(LabError::spec(
            field,
            format!("a run needing at most {:.0} MiB", mib(limit)),
            format!("{field} = {} needs {:.0} MiB of engine memory; a run here may use at most {:.0} MiB: choose a smaller {field}", params.get(field).copied().unwrap_or(i64::from(tasks)), mib(needs), mib(limit)),
        ));
    }
    if let Some(reason) = mode.unavailable(caps) {
        return Err(LabError::unavailable("mode", reason));
    }
    if let Some(reason) = mode.unsupported(workload.class()) {
        return Err(LabError::unavailable("mode", format!("{} with {}: {reason}", mode.name(), workload.name())));
    }
    Ok(Spec { workload, mode, tasks, params, workers, switch_interval_ms, faults, timeout_ms, on_error })
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

fn required_str<'a>(obj: &'a Map<String, Value>, field: &str, allowed: &str) -> Result<&'a str, LabError> {
    match obj.get(field) {
        None | Some(Value::Null) => Err(LabError::spec(field, allowed, format!("{field} is required: one of {allowed}"))),
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(LabError::spec(field, allowed, format!("{field} must be one of {allowed} (got {other})"))),
    }
}

/// `faults` as an object, or as the URL's `faults.kind`, `faults.rate`, `faults.seed`.
fn parse_faults(obj: &Map<String, Value>) -> Result<Option<Faults>, LabError> {
    let mut f = Map::new();
    match obj.get("faults") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, v) in m {
                if !["kind", "rate", "seed"].contains(&k.as_str()) {
                    let name = format!("faults.{k}");
                    return Err(LabError::spec(&name, "kind, rate, seed", format!("unknown field \"{name}\"; faults has kind, rate, seed")));
                }
                f.insert(format!("faults.{k}"), v.clone());
            }
        }
        Some(other) => return Err(LabError::spec("faults", "an object { kind, rate, seed }", format!("faults must be an object {{ kind, rate, seed }} (got {other})"))),
    }
    for k in ["faults.kind", "faults.rate", "faults.seed"] {
        if let Some(v) = obj.get(k) {
            f.insert(k.to_string(), v.clone());
        }
    }
    if f.values().all(Value::is_null) {
        return Ok(None);
    }
    let kinds = FaultKind::ALL.map(FaultKind::name).join(", ");
    let kind = match f.get("faults.kind") {
        Some(Value::String(s)) => FaultKind::parse(s)
            .ok_or_else(|| LabError::spec("faults.kind", kinds.clone(), format!("faults.kind must be one of {kinds} (got \"{s}\")")))?,
        other => {
            let got = other.map_or("nothing".to_string(), Value::to_string);
            return Err(LabError::spec("faults.kind", kinds.clone(), format!("faults.kind must be one of {kinds} (got {got})")));
        }
    };
    let rate = num_field(&f, "faults.rate", (0.0, 1.0, 0.0))?;
    let seed = int_field(&f, &FieldInfo { name: "faults.seed", label: "Seed", min: 0, max: 9_007_199_254_740_991, default: 1, doc: "" })? as u64;
    Ok(Some(Faults { kind, rate, seed }))
}

/// Reads a decimal number field, or its default when absent.
fn num_field(obj: &Map<String, Value>, name: &str, (min, max, default): (f64, f64, f64)) -> Result<f64, LabError> {
    let allowed = format!("{min}..{max}");
    let bad = |got: &dyn std::fmt::Display| LabError::spec(name, allowed.clone(), format!("{name} must be a number in {allowed} (got {got})"));
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

/// Reads an integer field, or its default when absent.
fn int_field(obj: &Map<String, Value>, f: &FieldInfo) -> Result<i64, LabError> {
    let allowed = format!("{}..{}", f.min, f.max);
    let bad = |got: &dyn std::fmt::Display| {
        LabError::spec(f.name, allowed.clone(), format!("{} must be a whole number in {} (got {})", f.name, allowed, got))
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
    fn a_run_too_big_for_the_engine_is_refused_naming_the_field_and_the_limit() {
        let (field, allowed) = field_of(parse(&json!({"workload": "cpu-mandelbrot", "mode": "sequential", "size": 16_384}), &THREADS));
        assert_eq!((field.as_str(), allowed.as_str()), ("size", "a run needing at most 128 MiB"));
        assert!(parse(&json!({"workload": "cpu-mandelbrot", "mode": "sequential", "size": 4096}), &THREADS).is_ok());
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
