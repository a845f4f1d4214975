//! Python threads in the browser (threads build only): wasm threads on Web Workers sharing the engine's
//! memory, started on demand and kept for the engine's life, each running jobs from its own channel.
//! Started from the engine worker and awaited before a run, so thread start-up is not in the timings
//! (CPython's threads start in microseconds).

use crate::core::platform::PythonThreads;
use crate::core::platform::channel::{channel, Receiver, Sender};
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
    while let Some(job) = rx.recv() {
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
                // Python threads live as long as the engine: the receiver is always there.
                t.send(Box::new(move || {
                    job(i);
                    drop(job);
                    done.send(());
                }));
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

/// The thread modes' runs in the browser (`ThreadHost`): the run's controller goes onto the rayon pool
/// (where blocking is allowed), while the engine worker's event loop serves the threads' I/O and stays
/// free to hear Stop.
pub struct Host<'a> {
    pub io: &'a super::io::WebIo,
    pub progress: Arc<super::progress::Sink>,
}

impl crate::core::platform::ThreadHost for Host<'_> {
    fn run<'a>(
        &'a self,
        python_threads: usize,
        cancel: &'a crate::core::cancel::CancelToken,
        job: crate::core::platform::ThreadJob,
    ) -> crate::core::platform::LocalFuture<'a, Result<Option<(Vec<crate::core::record::TaskRecord>, f64)>, String>> {
        use crate::core::platform::{Clock, ThreadEnv};
        use futures_util::future::{select, Either};
        Box::pin(async move {
            if python_threads > 0 {
                ensure(python_threads, &|| cancel.is_cancelled()).await.map_err(|e| format!("could not start Python threads: {e:?}"))?;
                if cancel.is_cancelled() {
                    return Ok(None);
                }
            }
            let (bridge, requests) = super::bridge::bridge();
            let (tx, rx) = futures_channel::oneshot::channel();
            let progress = self.progress.clone();
            rayon::spawn(move || {
                let clock: Arc<dyn Clock> = Arc::new(super::clock::WebClock);
                let env = ThreadEnv { clock, io: Arc::new(bridge), threads: &WebThreads, progress };
                let done = job(&env);
                drop(env); // closes the bridge, so the event loop's server ends too
                let _ = tx.send(done);
            });
            let serving = Box::pin(super::bridge::serve(requests, self.io));
            let done = match select(rx, serving).await {
                Either::Left((r, _)) => r,
                Either::Right(((), rx)) => rx.await,
            };
            done.map(Some).map_err(|_| "the run's controller thread died".to_string())
        })
    }
}
