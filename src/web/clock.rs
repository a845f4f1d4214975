//! The run's clock in the browser: `performance.timeOrigin + performance.now()`, callable from the
//! engine worker and from every pool thread, read through one [`Aligned`] per memory so that a worker
//! whose `timeOrigin` the browser misjudged (by milliseconds, on a busy machine) is put back on the
//! others' timeline (`src/core/platform/aligned.rs`).

use crate::core::platform::aligned::Aligned;
use crate::core::platform::Clock;
use std::cell::Cell;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    fn epoch_now() -> f64;
}

/// Shared by every thread of this wasm memory (the engine worker and its pool threads).
static TIMELINE: Aligned = Aligned::new();

thread_local! {
    /// How far this thread's clock has been found behind the others'.
    static BEHIND: Cell<f64> = const { Cell::new(0.0) };
}

pub struct WebClock;

impl Clock for WebClock {
    fn now_ms(&self) -> f64 {
        BEHIND.with(|behind| TIMELINE.read(epoch_now, behind))
    }
}
