//! The `#[wasm_bindgen]` surface the engine worker calls: configure, describe, validate, run, cancel.
//! It converts types and calls the core; specs and results cross as JSON text.

use super::clock::WebClock;
use super::io::WebIo;
use crate::core::cancel::CancelToken;
use crate::core::calibrate::Defaults;
use crate::core::catalogue::catalogue_with as describe;
use crate::core::error::LabError;
use crate::core::mode::pool::{fill_unfinished, MapQueue};
use crate::core::mode::Mode;
use crate::core::run::{run_on_loop, RunResult};
use crate::core::spec::{self, Spec};
use crate::core::{Build, Capabilities};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use web_sys::AbortController;

// Exported to JavaScript as `initThreadPool` by the crate itself; named here so the dependency is used.
#[cfg(feature = "threads")]
#[allow(unused_imports)]
pub use wasm_bindgen_rayon::init_thread_pool;

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    fn report_panic(engine_id: u32, message: &str);
}

/// Tags panic reports so the page restarts only its own engine (in shared memory: every thread sees it).
static ENGINE_ID: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// The engine id given to `start` (what every worker of this engine tags its crash reports with).
pub(crate) fn engine_id() -> u32 {
    ENGINE_ID.load(std::sync::atomic::Ordering::Relaxed)
}

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
}

const BUILD: Build = if cfg!(feature = "threads") { Build::Threads } else { Build::Single };

struct Engine {
    caps: Capabilities,
    /// Defaults calibrated on this machine (`setDefaults`).
    defaults: Defaults,
    endpoint: String,
    /// The run in progress: its cancel flag (read by CPU work) and abort controller (fetches, sleeps).
    current: Option<(CancelToken, AbortController)>,
}

thread_local! {
    static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
}

/// Sets the engine up: `base_url` is the page's address (the endpoint is `api/delay` relative to it),
/// `cores` is `navigator.hardwareConcurrency`, `pool_threads` the size of the pool just started (0 in the
/// single build), `engine_id` tags this engine's panic reports. Returns the catalogue as JSON.
#[wasm_bindgen]
pub fn start(base_url: &str, cores: u32, pool_threads: u32, engine_id: u32) -> Result<String, JsValue> {
    ENGINE_ID.store(engine_id, std::sync::atomic::Ordering::Relaxed);
    std::panic::set_hook(Box::new(|info| {
        let message = match info.payload().downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| info.payload().downcast_ref::<String>().cloned()) {
            Some(text) => format!("{text} (at {})", info.location().map_or("?".into(), |l| format!("{}:{}", l.file(), l.line()))),
            None => info.to_string(),
        };
        // The JavaScript side adds which worker panicked (its name).
        report_panic(self::engine_id(), &message);
    }));
    let endpoint = web_sys::Url::new_with_base("api/delay", base_url)?.href();
    let caps = Capabilities { build: BUILD, pool_threads: if BUILD == Build::Threads { pool_threads } else { 0 }, cores: cores.max(1) };
    ENGINE.with(|e| *e.borrow_mut() = Some(Engine { caps, defaults: Defaults::default(), endpoint, current: None }));
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

/// Runs a spec. Resolves to the Result as JSON; rejects with a JSON error object
/// (`SpecError`, `Unavailable`, or `AbortError` with the partial `result`). `on_task(recordJson, output)`
/// is called as each task finishes.
#[wasm_bindgen]
pub async fn run(spec_json: String, on_task: Option<js_sys::Function>) -> Result<String, JsValue> {
    let spec = parse(&spec_json).map_err(|e| JsValue::from_str(&e.to_json()))?;
    let cancel = CancelToken::new();
    let controller = AbortController::new()?;
    let (endpoint, busy) = with_engine(|e| (e.endpoint.clone(), e.current.is_some()));
    if busy {
        let e = LabError::EngineError { message: "a run is already in progress in this engine".into() };
        return Err(JsValue::from_str(&e.to_json()));
    }
    if spec.mode == Mode::Processes {
        let e = LabError::EngineError { message: "processes are run by the engine worker, a task at a time (runTask)".into() };
        return Err(JsValue::from_str(&e.to_json()));
    }
    ENGINE.with(|e| e.borrow_mut().as_mut().expect("started").current = Some((cancel.clone(), controller.clone())));
    let (sink, events) = super::progress::channel();
    let io = WebIo { endpoint, controller: controller.clone() };
    let work = async move {
        // sequential, asyncio, and threads-gil in the single build (its threads take turns) run here.
        let result = if spec.mode.runs_on_loop(BUILD) {
            Ok(run_on_loop(&spec, BUILD, &io, &WebClock, &cancel, &*sink).await)
        } else {
            run_on_threads(spec, cancel, io, sink.clone()).await
        };
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

/// Runs task `id` of a spec on this instance's event loop (a `processes` worker's job). `t0` is the
/// parent's run start on the shared clock. Resolves to the task record as JSON.
#[wasm_bindgen(js_name = runTask)]
pub async fn run_task(spec_json: String, id: u32, t0: f64, lane: String, on_task: Option<js_sys::Function>) -> Result<String, JsValue> {
    let spec = parse(&spec_json).map_err(|e| JsValue::from_str(&e.to_json()))?;
    let endpoint = with_engine(|e| e.endpoint.clone());
    // A process is stopped by terminating its worker, so its own I/O is never aborted from here.
    let io = WebIo { endpoint, controller: AbortController::new()? };
    let (sink, events) = super::progress::channel();
    let work = async move { crate::core::run::run_one_task(&spec, id, &lane, t0, &io, &WebClock, &*sink).await };
    let (record, ()) = futures_util::future::join(work, super::progress::deliver(events, on_task)).await;
    serde_json::to_string(&record).map_err(|e| JsValue::from_str(&e.to_string()))
}

/// Assembles the Result of a run whose tasks ran in worker processes, with the core's error rules:
/// `records_json` holds the tasks that came back (the others never started: cancelled). Rejects like
/// `run` does (an `AbortError` with the result when `cancelled`).
#[wasm_bindgen]
pub fn finish(spec_json: &str, records_json: &str, wall_ms: f64, cancelled: bool) -> Result<String, JsValue> {
    let spec = parse(spec_json).map_err(|e| JsValue::from_str(&e.to_json()))?;
    let records = fill_unfinished(spec.tasks, parse_records(records_json)?, wall_ms);
    let result = crate::core::run::assemble_records(&spec, BUILD, wall_ms, records, cancelled);
    if result.cancelled {
        return Err(JsValue::from_str(&aborted(&result)));
    }
    Ok(result.to_json())
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

/// `Pool.map` handing tasks to the `processes` workers: the core's [`MapQueue`], so the rule for when
/// to stop handing out tasks lives in one place for every mode.
#[wasm_bindgen]
pub struct TaskQueue(MapQueue);

#[wasm_bindgen]
impl TaskQueue {
    /// The queue of a validated spec (`validate`'s output).
    #[wasm_bindgen(constructor)]
    pub fn new(spec_json: &str) -> Result<TaskQueue, JsValue> {
        let spec = parse(spec_json).map_err(|e| JsValue::from_str(&e.to_json()))?;
        Ok(TaskQueue(MapQueue::new(&spec)))
    }

    /// The next task to hand to a free process, or `undefined`: all handed out, or `map` has raised.
    pub fn take(&mut self) -> Option<u32> {
        self.0.take()
    }

    /// Task `id` came back with `status` (`"ok"`, `"error"`, `"timeout"`, `"cancelled"`).
    pub fn finish(&mut self, id: u32, status: &str) -> Result<(), JsValue> {
        let status = serde_json::from_value(serde_json::Value::String(status.into())).map_err(|e| JsValue::from_str(&format!("bad status {status:?}: {e}")))?;
        self.0.finish(id, status);
        Ok(())
    }
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
        serde_json::from_str(spec_json).map_err(|e| LabError::spec("spec", "a JSON object", format!("the spec is not valid JSON: {e}")))?;
    with_engine(|e| spec::parse_with(&value, &e.caps, &e.defaults))
}

/// How many Web Workers the engine owns besides its own: the rayon pool and the Python threads.
#[wasm_bindgen(js_name = threadWorkers)]
pub fn thread_workers() -> u32 {
    let pool = with_engine(|e| e.caps.pool_threads);
    #[cfg(feature = "threads")]
    return pool + super::threads::count() as u32;
    #[cfg(not(feature = "threads"))]
    pool
}

/// Runs a thread mode's spec (`threads-gil`, `free-threaded`, `interpreters`, `rayon`) without blocking this worker: the run's controller goes onto the
/// rayon pool (where blocking is allowed), while this worker's event loop serves the threads' I/O and
/// stays free to hear Stop.
#[cfg(feature = "threads")]
async fn run_on_threads(spec: Spec, cancel: CancelToken, io: WebIo, progress: std::sync::Arc<super::progress::Sink>) -> Result<RunResult, LabError> {
    use crate::core::platform::Clock;
    use crate::core::run::ThreadEnv;
    use futures_util::future::{select, Either};
    use std::sync::Arc;

    if matches!(spec.mode, Mode::ThreadsGil | Mode::FreeThreaded | Mode::Interpreters) {
        super::threads::ensure(spec.worker_count().min(spec.tasks) as usize, &|| cancel.is_cancelled())
            .await
            .map_err(|e| LabError::EngineError { message: format!("could not start Python threads: {e:?}") })?;
        if cancel.is_cancelled() {
            // Stopped while its threads were starting: the run never started; every task is cancelled.
            let tasks = crate::core::mode::pool::fill_unfinished(spec.tasks, Vec::new(), 0.0);
            return Ok(crate::core::run::assemble_records(&spec, BUILD, 0.0, tasks, true));
        }
    }
    let (bridge, requests) = super::bridge::bridge();
    let (tx, rx) = futures_channel::oneshot::channel();
    rayon::spawn(move || {
        let clock: Arc<dyn Clock> = Arc::new(WebClock);
        let env = ThreadEnv { clock, io: Arc::new(bridge), threads: &super::threads::WebThreads, progress };
        let result = crate::core::run::run_on_threads(&spec, BUILD, &env, &cancel);
        drop(env); // closes the bridge, so the event loop's server ends too
        let _ = tx.send(result);
    });
    let serving = Box::pin(super::bridge::serve(requests, &io));
    let result = match select(rx, serving).await {
        Either::Left((r, _)) => r,
        Either::Right(((), rx)) => rx.await,
    };
    result.map_err(|_| LabError::EngineError { message: "the run's controller thread died".into() })
}

#[cfg(not(feature = "threads"))]
async fn run_on_threads(_spec: Spec, _cancel: CancelToken, _io: WebIo, _progress: std::sync::Arc<super::progress::Sink>) -> Result<RunResult, LabError> {
    unreachable!("validation refuses the modes that need real threads in the single build, and threads-gil runs on the loop")
}
