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
