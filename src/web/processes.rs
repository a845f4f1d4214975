//! The `processes` mode's workers in the browser (the core's `Processes`): each a Worker with its own
//! instance of the single build, started through `processes.js` (the page makes the Worker). The run's
//! pool, its hand-out of tasks and its records are the core's (`src/core/mode/processes.rs`).

use super::io::WebIo;
use crate::core::platform::{Clock, LocalFuture, Process, ProcessFailure, Processes};
use crate::core::record::TaskRecord;
use crate::core::spec::Spec;
use crate::core::workload::types::TaskOutput;
use futures_util::future::{select, Either};
use js_sys::{Object, Promise, Reflect, Uint32Array};
use std::cell::{Cell, RefCell};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(module = "/src/web/processes.js")]
extern "C" {
    fn start_process(url: &str, name: &str, init: &JsValue) -> JsValue;
    fn process_ready(handle: &JsValue) -> Promise;
    fn process_run_task(handle: &JsValue, spec: &str, id: u32, t0: f64, lane: &str) -> Promise;
    fn end_process(handle: &JsValue);
}

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    fn when_aborted(signal: &web_sys::AbortSignal) -> Promise;
    fn report_crash(engine_id: u32, message: &str);
}

/// What every process is started with: its script's URL and the single build, compiled once by the
/// engine worker (a process instantiates it with its own memory but does not compile it again).
struct Setup {
    url: String,
    module: JsValue,
}

thread_local! {
    static SETUP: RefCell<Option<Setup>> = const { RefCell::new(None) };
    /// Whether the processes accept the test-only fault kinds (the page's test flag).
    static TEST_FAULTS: Cell<bool> = const { Cell::new(false) };
    /// Processes alive now (the engine's worker count).
    static LIVE: Cell<u32> = const { Cell::new(0) };
}

/// Keeps the process script's URL and the compiled single build.
pub fn set_worker(url: String, module: JsValue) {
    SETUP.with(|s| *s.borrow_mut() = Some(Setup { url, module }));
}

pub fn allow_test_faults(on: bool) {
    TEST_FAULTS.with(|t| t.set(on));
}

/// Processes alive now.
pub fn count() -> u32 {
    LIVE.with(Cell::get)
}

/// The run's processes: started with the page's address and cores, ended by the run's Stop.
pub struct WebProcesses<'a> {
    pub io: &'a WebIo,
    pub base_url: String,
    pub cores: u32,
}

struct WebProcess<'a> {
    handle: JsValue,
    io: &'a WebIo,
}

impl Drop for WebProcess<'_> {
    fn drop(&mut self) {
        end_process(&self.handle);
        LIVE.with(|l| l.set(l.get().saturating_sub(1)));
    }
}

/// Waits for `promise` unless the run is stopped first; a rejection is the process's death, reported on
/// the engine's crash channel (the page rejects the run, keeping its tasks, and restarts the engine).
async fn until_stopped(io: &WebIo, promise: Promise) -> Result<JsValue, ProcessFailure> {
    let stopped = JsFuture::from(when_aborted(&io.controller.signal()));
    match select(JsFuture::from(promise), stopped).await {
        Either::Left((Ok(v), _)) => Ok(v),
        Either::Left((Err(e), _)) => {
            let why = e.as_string().unwrap_or_else(|| format!("{e:?}"));
            report_crash(super::panic::engine_id(), &why);
            Err(ProcessFailure::Died(why))
        }
        Either::Right(_) => Err(ProcessFailure::Stopped),
    }
}

impl Processes for WebProcesses<'_> {
    fn start<'a>(&'a self, lane: &'a str) -> LocalFuture<'a, Result<(Box<dyn Process + 'a>, f64), ProcessFailure>> {
        Box::pin(async move {
            let Some((url, module)) = SETUP.with(|s| s.borrow().as_ref().map(|s| (s.url.clone(), s.module.clone()))) else {
                return Err(ProcessFailure::Died("the engine has no process script (setProcessWorker)".into()));
            };
            let init = Object::new();
            let set = |k: &str, v: JsValue| {
                let _ = Reflect::set(&init, &JsValue::from_str(k), &v);
            };
            set("type", "start".into());
            set("baseUrl", self.base_url.as_str().into());
            set("cores", self.cores.into());
            set("module", module);
            set("engineId", super::panic::engine_id().into());
            set("testFaults", TEST_FAULTS.with(Cell::get).into());
            // Named for what it is: a crash report or a panic says "process Process-2".
            let handle = start_process(&url, &format!("process {lane}"), &init);
            LIVE.with(|l| l.set(l.get() + 1));
            // Ended when dropped: on a Stop or a failure during its start-up too.
            let process = WebProcess { handle, io: self.io };
            let ready = until_stopped(self.io, process_ready(&process.handle)).await?;
            let ready = ready.as_f64().unwrap_or_else(|| super::clock::WebClock.now_ms());
            Ok((Box::new(process) as Box<dyn Process + 'a>, ready))
        })
    }
}

impl Process for WebProcess<'_> {
    fn run_task<'a>(&'a self, spec: &'a Spec, id: u32, t0: f64, lane: &'a str) -> LocalFuture<'a, Result<(TaskRecord, Option<TaskOutput>), ProcessFailure>> {
        Box::pin(async move {
            let reply = until_stopped(self.io, process_run_task(&self.handle, &spec.to_json().to_string(), id, t0, lane)).await?;
            let json = Reflect::get(&reply, &"record".into()).ok().and_then(|r| r.as_string()).unwrap_or_default();
            let record = TaskRecord::from_carried_json(&json).map_err(|e| ProcessFailure::Died(format!("process {lane} sent a bad record: {e}")))?;
            let output = Reflect::get(&reply, &"output".into()).ok().filter(|o| !o.is_undefined()).and_then(|o| output_from_js(&o));
            Ok((record, output))
        })
    }
}

/// A task's output as a process sent it (`{ kind, offset, width, max, data: Uint32Array }`).
fn output_from_js(o: &JsValue) -> Option<TaskOutput> {
    let num = |k: &str| Reflect::get(o, &k.into()).ok().and_then(|v| v.as_f64()).map(|v| v as u32);
    let kind = Reflect::get(o, &"kind".into()).ok()?.as_string()?;
    let kind = match kind.as_str() {
        "image-rows" => "image-rows",
        _ => return None,
    };
    let data: Uint32Array = Reflect::get(o, &"data".into()).ok()?.dyn_into().ok()?;
    Some(TaskOutput { kind, offset: num("offset")?, width: num("width")?, max: num("max")?, data: data.to_vec() })
}
