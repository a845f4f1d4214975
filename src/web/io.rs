//! The event loop's I/O in the browser: `fetch` of the latency endpoint through web-sys, timers through
//! gloo-timers, and a turn of the loop through a MessageChannel. Every wait also ends when the run's
//! AbortSignal fires, so a Stop frees the loop at once.

use crate::core::platform::{AsyncIo, IoError, LocalFuture};
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
    fn when_aborted(signal: &AbortSignal) -> Promise;
}

thread_local! {
    /// Numbers every request, so no two concurrent requests share a URL (see `fetch_delay`).
    static REQUEST_SEQ: Cell<u64> = const { Cell::new(0) };
}

pub struct WebIo {
    /// The absolute URL of the latency endpoint, resolved against the page (so sub-paths work).
    pub endpoint: String,
    pub signal: AbortSignal,
}

impl WebIo {
    async fn aborted(&self) {
        let _ = JsFuture::from(when_aborted(&self.signal)).await;
    }

    async fn fetch(&self, ms: u32, tag: String) -> Result<u64, IoError> {
        let seq = REQUEST_SEQ.with(|s| {
            s.set(s.get() + 1);
            s.get()
        });
        // Chromium serialises concurrent GETs of the identical URL behind its HTTP cache lock: eight
        // "parallel" requests would take as long as eight in a row. A unique URL and no-store avoid it.
        let url = format!("{}?ms={ms}&task={tag}&n={seq}-{}", self.endpoint, js_sys::Date::now() as u64);
        let init = RequestInit::new();
        init.set_method("GET");
        init.set_cache(RequestCache::NoStore);
        init.set_signal(Some(&self.signal));
        let scope: WorkerGlobalScope = js_sys::global().unchecked_into();
        let failed = |e: JsValue| {
            if self.signal.aborted() {
                IoError::Cancelled
            } else {
                IoError::Failed(describe(&e))
            }
        };
        let response: Response = JsFuture::from(scope.fetch_with_str_and_init(&url, &init)).await.map_err(failed)?.unchecked_into();
        if !response.ok() {
            return Err(IoError::Failed(format!("HTTP {} {} from {}", response.status(), response.status_text(), self.endpoint)));
        }
        let body = JsFuture::from(response.json().map_err(failed)?).await.map_err(failed)?;
        let delay = Reflect::get(&body, &"delayMs".into()).ok().and_then(|v| v.as_f64());
        delay.map(|d| d as u64).ok_or_else(|| IoError::Failed("the endpoint's answer has no delayMs".into()))
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

    fn fetch_delay(&self, ms: u32, tag: String) -> LocalFuture<'_, Result<u64, IoError>> {
        Box::pin(self.fetch(ms, tag))
    }

    fn yield_now(&self) -> LocalFuture<'_, ()> {
        Box::pin(async {
            let _ = JsFuture::from(yield_now()).await;
        })
    }
}
