//! A sample of specs, every workload under every mode that runs natively (and `processes`, task by task as
//! its workers run them), at small sizes: each Result's value and shape (the spec as run, the class, the
//! error raised, each task's status, value and error) must stay what `tests/fixtures/sample-results.json`
//! holds. The fixture was written from main before issue 21's restructuring (`SAMPLE_WRITE=1 cargo test
//! --features parallel --test sample_values`), so a move of code that changes a result fails here.
#![cfg(not(target_arch = "wasm32"))]

use concurrency_lab::core::cancel::CancelToken;
use concurrency_lab::core::run::RunResult;
use concurrency_lab::core::platform::native::VirtualIo;
use serde_json::{json, Value};

const FIXTURE: &str = "tests/fixtures/sample-results.json";

fn specs() -> Vec<Value> {
    let workloads = [
        json!({"workload": "cpu-primes", "size": 20_000}),
        json!({"workload": "cpu-mandelbrot", "size": 32, "iterations": 100}),
        json!({"workload": "io-fetch", "latencyMs": 4}),
        json!({"workload": "io-sleep", "latencyMs": 4}),
        json!({"workload": "mixed-pipeline", "latencyMs": 4, "size": 20_000}),
        json!({"workload": "convoy", "calls": 20, "cpuThreads": 1, "blockingUs": 50}),
    ];
    let modes = ["sequential", "asyncio", "threads-gil", "free-threaded", "interpreters", "processes", "rayon"];
    let mut out = Vec::new();
    for w in &workloads {
        for m in modes {
            let mut s = w.clone();
            s["mode"] = json!(m);
            s["tasks"] = json!(3);
            if !matches!(m, "sequential" | "asyncio") {
                s["workers"] = json!(2);
            }
            out.push(s);
        }
    }
    // Python's error rules, mode by mode: a failing task under each onError.
    for m in ["sequential", "asyncio", "threads-gil", "processes"] {
        for on_error in ["raise", "return-exceptions", "task-group"] {
            let mut s = json!({"workload": "io-fetch", "latencyMs": 4, "tasks": 4, "mode": m, "onError": on_error,
                "faults": {"kind": "status", "rate": 0.5, "seed": 7}});
            if m != "sequential" && m != "asyncio" {
                s["workers"] = json!(2);
            }
            out.push(s);
        }
    }
    out
}

/// Runs a spec natively the way the lab runs it: the run's one entry.
fn run(raw: &Value) -> Option<RunResult> {
    let spec = concurrency_lab::core::spec::parse(raw, &concurrency_lab::core::platform::native::NATIVE_CAPS).ok()?;
    let io = VirtualIo::new();
    Some(concurrency_lab::core::platform::native::run_native(&spec, &io, &CancelToken::new()))
}

/// What must not change: no times, no lanes (which thread takes which task is the machine's).
fn shape(r: &RunResult) -> Value {
    let mut tasks: Vec<Value> = r.tasks.iter().map(|t| json!({"id": t.id, "status": t.status, "value": t.value, "error": t.error})).collect();
    tasks.sort_by_key(|t| t["id"].as_u64());
    json!({
        "spec": r.spec,
        "class": r.class,
        "value": r.value,
        "error": r.error.as_ref().map(|e| json!({"name": e.name, "message": e.message, "taskId": e.task_id, "exceptions": e.exceptions})),
        "tasks": tasks,
        "events": r.events.is_some(),
    })
}

#[test]
fn a_sample_of_specs_gives_the_values_and_shapes_it_gave_before() {
    let got: Vec<Value> = specs().iter().map(|s| json!({"in": s, "out": run(s).map(|r| shape(&r))})).collect();
    if std::env::var_os("SAMPLE_WRITE").is_some() {
        std::fs::write(FIXTURE, serde_json::to_string_pretty(&got).unwrap() + "\n").unwrap();
        return;
    }
    let want: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(FIXTURE).expect("the fixture")).unwrap();
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w, "spec {}", w["in"]);
    }
}
