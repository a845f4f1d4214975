//! The wasm facade in a real browser (headless Chromium, in a dedicated worker like the lab's engine):
//! the async paths through browser futures, fetch of the real latency endpoint, timers, errors.
//! Run by `scripts/test.sh`, which starts the lab's server and passes its address in LAB_TEST_SERVER.
#![cfg(target_arch = "wasm32")]

use concurrency_lab::web::facade;
use serde_json::{json, Value};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

fn server() -> &'static str {
    option_env!("LAB_TEST_SERVER").expect("LAB_TEST_SERVER names the running lab server")
}

fn start() {
    let catalogue: Value = serde_json::from_str(&facade::start(server(), 2, 0, 1).unwrap()).unwrap();
    assert_eq!(catalogue["build"], "single");
}

async fn run(spec: Value) -> Result<Value, Value> {
    match facade::run(spec.to_string(), None).await {
        Ok(json) => Ok(serde_json::from_str(&json).unwrap()),
        Err(e) => Err(serde_json::from_str(&e.as_string().unwrap()).unwrap()),
    }
}

#[wasm_bindgen_test]
async fn asyncio_fetches_overlap_against_the_real_endpoint() {
    start();
    let r = run(json!({"workload": "io-fetch", "mode": "asyncio", "tasks": 4, "latencyMs": 150})).await.unwrap();
    assert_eq!(r["value"], 600, "each answer reports the delay it applied");
    let wall = r["wallMs"].as_f64().unwrap();
    assert!((150.0..500.0).contains(&wall), "4 overlapping 150 ms requests took {wall} ms");
    assert_eq!(r["tasks"].as_array().unwrap().len(), 4);
    assert!(r["tasks"][0]["ioWaitMs"].as_f64().unwrap() >= 150.0);
}

#[wasm_bindgen_test]
async fn sequential_fetches_add_up() {
    start();
    let r = run(json!({"workload": "io-fetch", "mode": "sequential", "tasks": 3, "latencyMs": 100})).await.unwrap();
    let wall = r["wallMs"].as_f64().unwrap();
    assert!(wall >= 300.0, "three 100 ms requests one after another took only {wall} ms");
    let t = r["tasks"].as_array().unwrap();
    assert!(t[1]["startMs"].as_f64() >= t[0]["endMs"].as_f64());
}

#[wasm_bindgen_test]
async fn sleeps_overlap_under_asyncio() {
    start();
    let r = run(json!({"workload": "io-sleep", "mode": "asyncio", "tasks": 50, "latencyMs": 100})).await.unwrap();
    let wall = r["wallMs"].as_f64().unwrap();
    assert!((99.0..400.0).contains(&wall), "50 sleeps of 100 ms took {wall} ms");
    assert_eq!(r["value"], 5000);
}

#[wasm_bindgen_test]
async fn cpu_work_runs_and_agrees() {
    start();
    let a = run(json!({"workload": "cpu-primes", "mode": "asyncio", "tasks": 4, "size": 100000})).await.unwrap();
    let s = run(json!({"workload": "cpu-primes", "mode": "sequential", "tasks": 4, "size": 100000})).await.unwrap();
    assert_eq!(a["value"], 9592);
    assert_eq!(s["value"], 9592);
    assert_eq!(s["tasks"][0]["lane"], "MainThread");
}

#[wasm_bindgen_test]
async fn bad_specs_and_unavailable_modes_are_refused_by_name() {
    start();
    let e = run(json!({"workload": "io-fetch", "mode": "asyncio", "latencyMs": 10001})).await.unwrap_err();
    assert_eq!((e["name"].as_str(), e["field"].as_str(), e["allowed"].as_str()), (Some("SpecError"), Some("latencyMs"), Some("0..10000")));
    let e = run(json!({"workload": "cpu-primes", "mode": "rayon"})).await.unwrap_err();
    assert_eq!((e["name"].as_str(), e["field"].as_str()), (Some("Unavailable"), Some("mode")));
    let e = facade::validate("{not json").unwrap_err();
    assert!(e.as_string().unwrap().contains("SpecError"));
}

#[wasm_bindgen_test]
async fn a_failing_request_is_reported_as_the_task_error() {
    start();
    // Nothing listens on the discard port: every request fails as a refused connection would.
    facade::start("http://127.0.0.1:9/", 2, 0, 1).unwrap();
    let r = run(json!({"workload": "io-fetch", "mode": "sequential", "tasks": 3, "latencyMs": 0})).await.unwrap();
    assert_eq!(r["error"]["taskId"], 0);
    assert!(r["error"]["message"].as_str().unwrap().contains("fetch"), "{}", r["error"]);
    assert_eq!(r["tasks"][0]["status"], "error");
    assert_eq!(r["tasks"][1]["status"], "cancelled", "a plain loop stops at the first exception");
}

/// The `run` spans of a Result, as (start, end), sorted by start.
fn run_spans(r: &Value) -> Vec<(f64, f64)> {
    let mut spans: Vec<(f64, f64)> = r["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["spans"].as_array().unwrap().iter().filter(|s| s["kind"] == "run").map(|s| (s["startMs"].as_f64().unwrap(), s["endMs"].as_f64().unwrap())))
        .collect();
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    spans
}

#[wasm_bindgen_test]
async fn threads_gil_runs_in_the_single_build_its_threads_taking_turns() {
    start();
    // CPU work: the same count as one task after another, on the pool's lanes, never two threads at once,
    // and the GIL changing hands on request (switch interval 1 ms).
    let r = run(json!({"workload": "cpu-primes", "mode": "threads-gil", "tasks": 4, "workers": 4, "size": 2_000_000, "switchIntervalMs": 1})).await.unwrap();
    assert_eq!((r["value"].as_u64(), r["build"].as_str()), (Some(148_933), Some("single")));
    let lanes: std::collections::BTreeSet<&str> = r["tasks"].as_array().unwrap().iter().map(|t| t["lane"].as_str().unwrap()).collect();
    assert_eq!(lanes.into_iter().collect::<Vec<_>>(), ["ThreadPool-0", "ThreadPool-1", "ThreadPool-2", "ThreadPool-3"]);
    let spans = run_spans(&r);
    assert!(spans.windows(2).all(|w| w[1].0 >= w[0].1), "two threads ran Python at once: {spans:?}");
    let events = r["events"]["list"].as_array().unwrap();
    assert!(events.iter().any(|e| e["kind"] == "gil-drop-request" && e["holder"].as_str().is_some_and(|h| h.starts_with("ThreadPool-"))));
    assert!(events.iter().any(|e| e["kind"] == "gil-drop" && e["reason"] == "switch"));

    // I/O: six requests of 200 ms, each dropping the GIL, are all in flight at once.
    let r = run(json!({"workload": "io-fetch", "mode": "threads-gil", "tasks": 6, "workers": 6, "latencyMs": 200})).await.unwrap();
    assert_eq!(r["value"], 1200);
    let waits: Vec<(f64, f64)> = r["tasks"].as_array().unwrap().iter().map(|t| {
        let s = t["spans"].as_array().unwrap().iter().find(|s| s["kind"] == "io-wait").expect("an io-wait span");
        (s["startMs"].as_f64().unwrap(), s["endMs"].as_f64().unwrap())
    }).collect();
    let last_start = waits.iter().map(|w| w.0).fold(f64::MIN, f64::max);
    let first_end = waits.iter().map(|w| w.1).fold(f64::MAX, f64::min);
    assert!(last_start < first_end, "the six requests were not all in flight at once: {waits:?}");

    // C code running beside the threads needs real threads: refused with the reason.
    let e = run(json!({"workload": "cpu-primes", "mode": "threads-gil", "releasesGil": true})).await.unwrap_err();
    assert_eq!((e["name"].as_str(), e["field"].as_str()), (Some("Unavailable"), Some("releasesGil")));
}

#[wasm_bindgen_test]
async fn a_stop_reaches_threads_gil_in_the_single_build_while_it_computes() {
    start();
    // The Stop comes from a timer of this worker's event loop: it fires only if the run gives the loop
    // turns while its threads compute (a run that did not would end with every task done, seconds later).
    let stop = async {
        gloo_timers::future::TimeoutFuture::new(150).await;
        facade::cancel();
    };
    let spec = json!({"workload": "cpu-primes", "mode": "threads-gil", "tasks": 4, "workers": 4, "size": 30_000_000});
    let (r, ()) = futures_util::future::join(run(spec), stop).await;
    let e = r.unwrap_err();
    assert_eq!(e["name"], "AbortError");
    let tasks = e["result"]["tasks"].as_array().unwrap();
    assert!(tasks.iter().all(|t| t["status"] == "cancelled"), "{tasks:?}");
}
