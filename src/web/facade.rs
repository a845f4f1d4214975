//! The `#[wasm_bindgen]` surface the engine worker calls: configure, describe, validate, run, cancel
//! (and `runTask`, what a `processes` worker runs).
//! It converts types and calls the core; specs and results cross as JSON text.

use super::clock::WebClock;
use super::io::WebIo;
use crate::core::cancel::CancelToken;
use crate::core::calibrate::Defaults;
use crate::core::catalogue::catalogue_with as describe;
use crate::core::error::LabError;
use crate::core::platform::Platform;
use crate::core::run::RunResult;
use crate::core::spec::{self, Spec};
use crate::core::{Build, Capabilities};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use web_sys::AbortController;

// Exported to JavaScript as `initThreadPool` by the crate itself; named here so the dependency is used.
#[cfg(feature = "threads")]
#[allow(unused_imports)]
pub use wasm_bindgen_rayon::init_thread_pool;

/// Lets this engine's specs name the test-only fault kinds `trap` and `stall` (docs/API.md): the page
/// turns it on only under its test flag, so a learner's spec never reaches them.
/// How the single build's Unavailable reasons say what is missing, as the page found it (its capability
/// check, www/src/capabilities/): "because it is not cross-origin isolated (...)" by default; in WebKitGTK at
/// default settings "here: this browser cannot send shared memory to a worker (...)".
#[wasm_bindgen(js_name = setUnavailableWhy)]
pub fn set_unavailable_why(why: &str) {
    crate::core::mode::set_no_shared_memory_why(why);
}

#[wasm_bindgen(js_name = allowTestFaults)]
pub fn allow_test_faults(on: bool) {
    crate::core::faults::allow_test_kinds(on);
    super::processes::allow_test_faults(on);
}

/// Keeps what the `processes` mode starts each worker process with: `url`, the process script (the
/// engine worker's `process-worker.js`), and `module`, the single build compiled once by the engine
/// worker (each process instantiates it with its own memory).
#[wasm_bindgen(js_name = setProcessWorker)]
pub fn set_process_worker(url: String, module: JsValue) {
    super::processes::set_worker(url, module);
}

const BUILD: Build = if cfg!(feature = "threads") { Build::Threads } else { Build::Single };

struct Engine {
    caps: Capabilities,
    /// Defaults calibrated on this machine (`setDefaults`).
    defaults: Defaults,
    endpoint: String,
    /// The page's address (what the `processes` workers are started with).
    base_url: String,
    /// The run in progress: its cancel flag (read by CPU work) and abort controller (fetches, sleeps).
    current: Option<(CancelToken, AbortController)>,
}

thread_local! {
    static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
    /// In a `processes` worker: the spec of its run, as sent and as parsed.
    static PROCESS_SPEC: RefCell<Option<(String, Spec)>> = const { RefCell::new(None) };
}

/// Sets the engine up: `base_url` is the page's address (the endpoint is `api/delay` relative to it),
/// `cores` is `navigator.hardwareConcurrency`, `pool_threads` the size of the pool just started (0 in the
/// single build), `engine_id` tags this engine's panic reports. Returns the catalogue as JSON.
#[wasm_bindgen]
pub fn start(base_url: &str, cores: u32, pool_threads: u32, engine_id: u32) -> Result<String, JsValue> {
    super::panic::install(engine_id);
    let endpoint = web_sys::Url::new_with_base("api/delay", base_url)?.href();
    let caps = Capabilities { build: BUILD, pool_threads: if BUILD == Build::Threads { pool_threads } else { 0 }, cores: cores.max(1) };
    ENGINE.with(|e| *e.borrow_mut() = Some(Engine { caps, defaults: Defaults::default(), endpoint, base_url: base_url.to_string(), current: None }));
    Ok(catalogue())
}

/// Keeps the subinterpreters' raw module (`pkg/interpreter.wasm`), fetched by the engine worker: each
/// interpreter of an `interpreters` run compiles and instantiates it anew (threads build only).
#[wasm_bindgen(js_name = setInterpreterKernel)]
pub fn set_interpreter_kernel(bytes: Vec<u8>) {
    #[cfg(feature = "threads")]
    super::interpreter::set_kernel(bytes);
    #[cfg(not(feature = "threads"))]
    drop(bytes);
}

/// `"threads"` or `"single"`.
#[wasm_bindgen]
pub fn build() -> String {
    serde_json::to_value(BUILD).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

/// Every workload, mode and field with its range and default (`window.lab.workloads()`).
#[wasm_bindgen]
pub fn catalogue() -> String {
    with_engine(|e| describe(&e.caps, &e.defaults).to_string())
}

/// Calibrates from what the engine measured at start-up (`{ "cpu-primes": probeMs, ... }`: each
/// workload's probe run's CPU time) and sets the defaults. Returns them as JSON, for the page to keep.
#[wasm_bindgen]
pub fn calibrate(measurements_json: &str) -> Result<String, JsValue> {
    let value: serde_json::Value = serde_json::from_str(measurements_json).map_err(|e| JsValue::from_str(&e.to_string()))?;
    set_defaults(&Defaults::from_measurements(&value).to_json().to_string())
}

/// Sets the defaults calibrated on this machine (`{ "cpu-primes": { "size": 4700000 }, ... }`; what is
/// not a calibrated field is ignored). Returns the defaults as taken, as JSON.
#[wasm_bindgen(js_name = setDefaults)]
pub fn set_defaults(defaults_json: &str) -> Result<String, JsValue> {
    let value: serde_json::Value = serde_json::from_str(defaults_json).map_err(|e| JsValue::from_str(&e.to_string()))?;
    let defaults = Defaults::from_json(&value);
    let out = defaults.to_json().to_string();
    ENGINE.with(|e| e.borrow_mut().as_mut().expect("started").defaults = defaults);
    Ok(out)
}

/// Validates a spec; returns it as it would run (defaults filled in), or rejects with a SpecError.
#[wasm_bindgen]
pub fn validate(spec_json: &str) -> Result<String, JsValue> {
    parse(spec_json).map(|s| s.to_json().to_string()).map_err(|e| JsValue::from_str(&e.to_json()))
}

/// How long a spec's run should take here, in ms, from the calibration ([`crate::core::estimate`]); rejects
/// with a SpecError as `validate` does.
#[wasm_bindgen]
pub fn estimate(spec_json: &str) -> Result<f64, JsValue> {
    let spec = parse(spec_json).map_err(|e| JsValue::from_str(&e.to_json()))?;
    Ok(with_engine(|e| crate::core::estimate::estimate_ms(&spec, &e.defaults, e.caps.cores)))
}

/// Runs a spec: the one way every run goes (the core's `run::run`, where each mode says how it runs).
/// Resolves to the Result as JSON; rejects with a JSON error object (`SpecError`, `Unavailable`,
/// `EngineError`, or `AbortError` with the partial `result`). `on_task(recordJson, output)` is called as
/// each task finishes.
#[wasm_bindgen]
pub async fn run(spec_json: String, on_task: Option<js_sys::Function>) -> Result<String, JsValue> {
    let spec = parse(&spec_json).map_err(|e| JsValue::from_str(&e.to_json()))?;
    let cancel = CancelToken::new();
    let controller = AbortController::new()?;
    let (endpoint, base_url, cores, busy) = with_engine(|e| (e.endpoint.clone(), e.base_url.clone(), e.caps.cores, e.current.is_some()));
    if busy {
        let e = LabError::EngineError { message: "a run is already in progress in this engine".into() };
        return Err(JsValue::from_str(&e.to_json()));
    }
    ENGINE.with(|e| e.borrow_mut().as_mut().expect("started").current = Some((cancel.clone(), controller.clone())));
    let (sink, events) = super::progress::channel();
    let io = WebIo { endpoint, controller: controller.clone() };
    let work = async {
        let processes = super::processes::WebProcesses { io: &io, base_url, cores };
        #[cfg(feature = "threads")]
        let host = super::threads::Host { io: &io, progress: sink.clone() };
        #[cfg(feature = "threads")]
        let threads: Option<&dyn crate::core::platform::ThreadHost> = Some(&host);
        // The single build has no threads over shared memory: threads-gil's threads take turns on this loop.
        #[cfg(not(feature = "threads"))]
        let threads: Option<&dyn crate::core::platform::ThreadHost> = None;
        let platform = Platform { clock: &WebClock, io: &io, progress: &*sink, threads, processes: Some(&processes) };
        let result = crate::core::run::run(&spec, BUILD, &platform, &cancel).await;
        drop(platform);
        #[cfg(feature = "threads")]
        drop(host);
        drop(sink); // the last sink: delivery ends once the threads' copies are gone too
        result
    };
    let (result, ()) = futures_util::future::join(work, super::progress::deliver(events, on_task)).await;
    ENGINE.with(|e| e.borrow_mut().as_mut().expect("started").current = None);
    let result = result.map_err(|e| JsValue::from_str(&e.to_json()))?;
    if result.cancelled {
        return Err(JsValue::from_str(&aborted(&result)));
    }
    Ok(result.to_json())
}

/// Runs task `id` of a spec on this instance's event loop: a `processes` worker's job (this instance is
/// the process; the parent's pool is the core's, `mode/processes.rs`). `t0` is the parent's run start on
/// the shared clock. Resolves to the task record, with its events, as JSON.
#[wasm_bindgen(js_name = runTask)]
pub async fn run_task(spec_json: String, id: u32, t0: f64, lane: String, on_task: Option<js_sys::Function>) -> Result<String, JsValue> {
    // A process is sent the same spec with every task of its run: it parses it once.
    let known = PROCESS_SPEC.with(|p| p.borrow().as_ref().filter(|(json, _)| *json == spec_json).map(|(_, spec)| spec.clone()));
    let spec = match known {
        Some(spec) => spec,
        None => {
            let spec = parse(&spec_json).map_err(|e| JsValue::from_str(&e.to_json()))?;
            PROCESS_SPEC.with(|p| *p.borrow_mut() = Some((spec_json.clone(), spec.clone())));
            spec
        }
    };
    let endpoint = with_engine(|e| e.endpoint.clone());
    // A process is stopped by terminating its worker, so its own I/O is never aborted from here.
    let io = WebIo { endpoint, controller: AbortController::new()? };
    let (sink, events) = super::progress::channel();
    let work = async move { crate::core::run::run_one_task(&spec, id, &lane, t0, &io, &WebClock, &*sink).await };
    let (record, ()) = futures_util::future::join(work, super::progress::deliver(events, on_task)).await;
    Ok(record.to_carried_json())
}

/// The Result of a run whose engine crashed under it (`message` names what died), from the task
/// records the page was sent before the crash: called on the fresh engine, so the run is recorded.
#[wasm_bindgen(js_name = finishCrashed)]
pub fn finish_crashed(spec_json: &str, records_json: &str, wall_ms: f64, message: &str) -> Result<String, JsValue> {
    let spec = parse(spec_json).map_err(|e| JsValue::from_str(&e.to_json()))?;
    Ok(crate::core::crash::crashed_run(&spec, BUILD, wall_ms, parse_records(records_json)?, message).to_json())
}

fn parse_records(records_json: &str) -> Result<Vec<crate::core::record::TaskRecord>, JsValue> {
    serde_json::from_str(records_json).map_err(|e| JsValue::from_str(&LabError::EngineError { message: format!("bad task records: {e}") }.to_json()))
}

fn aborted(result: &RunResult) -> String {
    format!(r#"{{"name":"AbortError","message":"the run was cancelled","result":{}}}"#, result.to_json())
}

/// Stops the run in progress: CPU work stops at its next chunk, fetches are aborted, sleeps dropped.
#[wasm_bindgen]
pub fn cancel() {
    ENGINE.with(|e| {
        if let Some((token, controller)) = e.borrow().as_ref().and_then(|e| e.current.as_ref()) {
            token.cancel();
            controller.abort();
        }
    });
}

/// Bytes of wasm memory this engine holds now.
#[wasm_bindgen(js_name = memoryBytes)]
pub fn memory_bytes() -> f64 {
    use wasm_bindgen::JsCast;
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    let buffer = memory.buffer();
    Reflect::get(&buffer, &"byteLength".into()).ok().and_then(|v| v.as_f64()).unwrap_or(0.0)
}

use js_sys::Reflect;

fn with_engine<T>(f: impl FnOnce(&Engine) -> T) -> T {
    ENGINE.with(|e| f(e.borrow().as_ref().expect("start() is called before anything else")))
}

fn parse(spec_json: &str) -> Result<Spec, LabError> {
    let value: serde_json::Value =
        serde_json::from_str(spec_json).map_err(|e| spec::error("spec", "a JSON object", format!("the spec is not valid JSON: {e}")))?;
    with_engine(|e| spec::parse_with(&value, &e.caps, &e.defaults))
}

/// How many Web Workers the engine owns besides its own: the rayon pool, the Python threads and the
/// processes of a `processes` run.
#[wasm_bindgen(js_name = threadWorkers)]
pub fn thread_workers() -> u32 {
    let pool = with_engine(|e| e.caps.pool_threads) + super::processes::count();
    #[cfg(feature = "threads")]
    return pool + super::threads::count() as u32;
    #[cfg(not(feature = "threads"))]
    pool
}
