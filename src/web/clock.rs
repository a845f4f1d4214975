//! The run's clock in the browser: `performance.timeOrigin + performance.now()`, callable from the
//! engine worker and from every pool thread.

use crate::core::platform::Clock;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    fn epoch_now() -> f64;
}

pub struct WebClock;

impl Clock for WebClock {
    fn now_ms(&self) -> f64 {
        epoch_now()
    }
}
