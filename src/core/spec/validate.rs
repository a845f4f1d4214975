//! Checking a raw spec (a JSON object from the form, a URL, `window.lab` or an embed message) against
//! what this engine can run: every bad field reported at once, each with its label and allowed range.

use super::fields::{bool_field, int_field, num_field, ok, one_of, required_str};
use super::definition::{error, known_fields, label_of, Spec, FREE_THREADED_OVERHEAD_PCT, INPUT_ITEMS, SWITCH_INTERVAL, TASKS, TIMEOUT_MS};
use crate::core::calibrate::Defaults;
use crate::core::error::{FieldError, LabError};
use crate::core::faults::{FaultKind, Faults, OnError};
use crate::core::mode::Mode;
use crate::core::workload::{self, Class, FieldInfo, Params};
use crate::core::Capabilities;
use serde_json::{Map, Value};

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
        .ok_or_else(|| error("spec", "an object", "the spec must be an object like {\"workload\": \"cpu-primes\", \"mode\": \"sequential\"}"))?;
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
        Some(v) if !v.is_null() => ok(&mut errors, int_field(obj, &INPUT_ITEMS)).map(|n| n as u32),
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
    if let Some(reason) = mode.releases_gil_unavailable(caps).filter(|_| releases_gil) {
        return Err(LabError::unavailable("releasesGil", reason));
    }
    if let Some(reason) = mode.unsupported(workload.class()) {
        return Err(LabError::unavailable("mode", format!("{} with {}: {reason}", mode.name(), workload.name())));
    }
    let faults = faults.filter(|f| !f.kind.is_network() || workload.uses_network());
    Ok(Spec { workload, mode, tasks, params, workers, switch_interval_ms, faults, timeout_ms, on_error, releases_gil, free_threaded_overhead_pct, input_items })
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
