//! Concurrency Lab: the lesson's claims about Python concurrency (the GIL, threads for I/O, processes for
//! CPU, asyncio) as experiments a learner runs in the browser.
//!
//! - [`core`]: the pure model (spec, workloads, modes, records), no browser in it; tested natively.
//! - `web` (wasm only): the browser's clock, fetch and timers, and the `#[wasm_bindgen]` facade the
//!   engine worker calls.

pub mod core;

#[cfg(target_arch = "wasm32")]
pub mod web;
