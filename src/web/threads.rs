//! Python threads in the browser (threads build only): wasm threads on Web Workers sharing the engine's
//! memory, started on demand and kept for the engine's life, each running jobs from its own channel.
//! Started from the engine worker and awaited before a run, so thread start-up is not in the timings
//! (CPython's threads start in microseconds).

use crate::core::platform::PythonThreads;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

type Job = Box<dyn FnOnce() + Send>;

#[wasm_bindgen(module = "/src/web/threads.js")]
extern "C" {
    fn spawn_thread(module: JsValue, memory: JsValue, main_js: &str, receiver: u32, index: u32, engine_id: u32) -> js_sys::Promise;
}

#[wasm_bindgen]
extern "C" {
    // The URL of the engine's JS module, for the new worker to import (as wasm-bindgen-rayon does).
    #[wasm_bindgen(thread_local_v2, js_namespace = ["import", "meta"], js_name = url)]
    static MAIN_JS: js_sys::JsString;
}

/// The started threads' job queues.
static THREADS: Mutex<Vec<Sender<Job>>> = Mutex::new(Vec::new());

/// How many Python threads exist now.
pub fn count() -> usize {
    THREADS.lock().map(|t| t.len()).unwrap_or(0)
}

/// Makes sure at least `k` threads run. Call on the engine worker.
/// Starts threads until `k` are running, one at a time; stops early once `stopped()` holds (a Stop while
/// the threads start is heard within one thread's start-up, not after all of them).
pub async fn ensure(k: usize, stopped: &dyn Fn() -> bool) -> Result<(), JsValue> {
    while count() < k && !stopped() {
        let (tx, rx) = channel::<Job>();
        let receiver = Box::into_raw(Box::new(rx)) as u32;
        let main_js = MAIN_JS.with(|u| String::from(u));
        let index = count() as u32;
        JsFuture::from(spawn_thread(wasm_bindgen::module(), wasm_bindgen::memory(), &main_js, receiver, index, super::panic::engine_id())).await?;
        THREADS.lock().map_err(|_| JsValue::from_str("thread list poisoned"))?.push(tx);
    }
    Ok(())
}

/// A thread's life: run jobs until the engine goes away.
#[wasm_bindgen]
pub fn lab_thread_main(receiver: u32) {
    // SAFETY: `receiver` is the Box made in `ensure` for this thread alone, handed over exactly once.
    let rx: Box<Receiver<Job>> = unsafe { Box::from_raw(receiver as *mut Receiver<Job>) };
    for job in rx.iter() {
        job();
    }
}

/// The started threads, as the core's `PythonThreads`.
pub struct WebThreads;

impl PythonThreads for WebThreads {
    fn run(&self, k: usize, job: Arc<dyn Fn(usize) + Send + Sync>) {
        let (done_tx, done_rx) = channel::<()>();
        {
            let threads = THREADS.lock().expect("thread list");
            assert!(threads.len() >= k, "ensure({k}) runs before a run");
            for (i, t) in threads.iter().take(k).enumerate() {
                let (job, done) = (job.clone(), done_tx.clone());
                t.send(Box::new(move || {
                    job(i);
                    drop(job);
                    let _ = done.send(());
                }))
                .expect("Python threads live as long as the engine");
            }
        }
        for _ in 0..k {
            done_rx.recv().expect("every job reports");
        }
    }

    fn interpreters(&self) -> Option<crate::core::platform::StartInterpreter> {
        Some(super::interpreter::start)
    }
}
