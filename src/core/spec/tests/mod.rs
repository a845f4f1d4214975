//! The spec's examples: defaults, ranges, labels and error lists, as the page and the URL meet them.

use super::*;
use crate::core::faults::{FaultKind, OnError};
use crate::core::workload;
use serde_json::{json, Value};
use crate::core::error::LabError;
use crate::core::{Build, Capabilities};

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
    for mode in ["free-threaded", "interpreters"] {
        let (field, reason) = field_of(parse(&json!({"workload": "cpu-primes", "mode": mode}), &SINGLE));
        assert_eq!(field, "mode");
        assert!(reason.starts_with(&format!("{mode} needs threads")), "{reason}");
    }
    assert!(parse(&json!({"workload": "io-fetch", "mode": "rayon"}), &THREADS).is_ok());
    // threads-gil runs there, its threads taking turns on one real thread; C code that releases the GIL
    // to run beside them at the same time cannot.
    assert!(parse(&json!({"workload": "io-fetch", "mode": "threads-gil"}), &SINGLE).is_ok());
    assert!(parse(&json!({"workload": "cpu-primes", "mode": "threads-gil", "releasesGil": false}), &SINGLE).is_ok());
    let (field, reason) = field_of(parse(&json!({"workload": "cpu-primes", "mode": "threads-gil", "releasesGil": true}), &SINGLE));
    assert_eq!(field, "releasesGil");
    assert!(reason.contains("cross-origin isolated") && reason.contains("take turns on one real thread"), "{reason}");
    assert!(parse(&json!({"workload": "cpu-primes", "mode": "threads-gil", "releasesGil": true}), &THREADS).is_ok());
    // Where it does not apply (I/O work), it is dropped, not refused.
    assert!(!parse(&json!({"workload": "io-sleep", "mode": "threads-gil", "releasesGil": true}), &SINGLE).unwrap().releases_gil);
}
