//! The browser side of the engine (wasm only): the clock, fetch and timers the core's modes run on, and
//! the `#[wasm_bindgen]` facade the engine worker (`www/src/engine/worker.ts`) calls.

#[cfg(feature = "threads")]
mod bridge;
mod clock;
pub mod facade;
#[cfg(feature = "threads")]
pub mod interpreter;
mod io;
mod panic;
mod processes;
mod progress;
#[cfg(feature = "threads")]
mod threads;
