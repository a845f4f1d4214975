//! The event loop's I/O in the browser: `fetch` of the latency endpoint through web-sys, timers through
//! gloo-timers, and a turn of the loop through a MessageChannel. Every wait also ends when the run's
//! AbortSignal fires, so a Stop frees the loop at once.

use crate::core::platform::{AsyncIo, Fetch, IoError, LocalFuture};
use futures_util::future::{select, Either};
use gloo_timers::future::TimeoutFuture;
use js_sys::{Promise, Reflect};
use std::cell::Cell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, RequestCache, RequestInit, Response, WorkerGlobalScope};

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    fn yield_now() -> Promise;
    fn engine_turn() -> Promise;
    fn when_aborted(signal: &AbortSignal) -> Promise;
    fn request_signal(run: &AbortSignal, timeout_ms: u32) -> AbortSignal;
}

thread_local! {
    /// Numbers every request, so no two concurrent requests share a URL (see `fetch_delay`).
    static REQUEST_SEQ: Cell<u64> = const { Cell::new(0) };
}

pub struct WebIo {
    /// The absolute URL of the latency endpoint, resolved against the page (so sub-paths work).
    pub endpoint: String,
    /// The run's: aborted by Stop, or by a TaskGroup cancelling its tasks.
    pub controller: web_sys::AbortController,
}

impl WebIo {
    async fn aborted(&self) {
        let _ = JsFuture::from(when_aborted(&self.controller.signal())).await;
    }

    async fn fetch(&self, req: Fetch) -> Result<u64, IoError> {
        let Fetch { ms, tag, fail, timeout_ms } = req;
        let seq = REQUEST_SEQ.with(|s| {
            s.set(s.get() + 1);
            s.get()
        });
        // Chromium serialises concurrent GETs of the identical URL behind its HTTP cache lock: eight
        // "parallel" requests would take as long as eight in a row. A unique URL and no-store avoid it.
        let fault = fail.map(|k| format!("&fail={}", k.name())).unwrap_or_default();
        let url = format!("{}?ms={ms}{fault}&task={tag}&n={seq}-{}", self.endpoint, js_sys::Date::now() as u64);
        let run = self.controller.signal();
        let signal = request_signal(&run, timeout_ms.unwrap_or(0));
        let init = RequestInit::new();
        init.set_method("GET");
        init.set_cache(RequestCache::NoStore);
        init.set_signal(Some(&signal));
        let scope: WorkerGlobalScope = js_sys::global().unchecked_into();
        let failed = |e: JsValue| {
            if run.aborted() {
                IoError::Cancelled
            } else if signal.aborted() {
                IoError::request_timeout(timeout_ms.unwrap_or_default())
            } else {
                // The browser says only "Failed to fetch" for a reset, a refusal or a drop.
                IoError::disconnected(&describe(&e))
            }
        };
        let response: Response = JsFuture::from(scope.fetch_with_str_and_init(&url, &init)).await.map_err(failed)?.unchecked_into();
        if !response.ok() {
            return Err(IoError::http_status(response.status(), &response.status_text()));
        }
        let body = JsFuture::from(response.json().map_err(failed)?).await.map_err(failed)?;
        let delay = Reflect::get(&body, &"delayMs".into()).ok().and_then(|v| v.as_f64());
        delay.map(|d| d as u64).ok_or_else(|| IoError::failed("ContentTypeError", "the endpoint's answer has no delayMs"))
    }
}

fn describe(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_else(|| format!("{e:?}"))
}

impl AsyncIo for WebIo {
    fn sleep(&self, ms: u32) -> LocalFuture<'_, Result<(), IoError>> {
        Box::pin(async move {
            let timer = TimeoutFuture::new(ms);
            let aborted = Box::pin(self.aborted());
            match select(timer, aborted).await {
                Either::Left(_) => Ok(()),
                Either::Right(_) => Err(IoError::Cancelled),
            }
        })
    }

    fn fetch_delay(&self, req: Fetch) -> LocalFuture<'_, Result<u64, IoError>> {
        Box::pin(self.fetch(req))
    }

    fn abort_all(&self) {
        self.controller.abort();
    }

    /// Blocks this worker for `us`: an atomic wait with a timeout where memory is shared (the std sleep);
    /// the single build has no atomics, so it watches the clock (nothing else runs here meanwhile).
    fn block_us(&self, us: u32) {
        #[cfg(feature = "threads")]
        std::thread::sleep(std::time::Duration::from_micros(u64::from(us)));
        #[cfg(not(feature = "threads"))]
        {
            use crate::core::platform::Clock;
            let until = super::clock::WebClock.now_ms() + f64::from(us) / 1000.0;
            while super::clock::WebClock.now_ms() < until {
                std::hint::spin_loop();
            }
        }
    }

    fn yield_now(&self) -> LocalFuture<'_, ()> {
        Box::pin(async {
            let _ = JsFuture::from(yield_now()).await;
        })
    }

    fn engine_turn(&self) -> LocalFuture<'_, ()> {
        Box::pin(async {
            let _ = JsFuture::from(engine_turn()).await;
        })
    }
}
