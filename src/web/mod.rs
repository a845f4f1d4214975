//! The browser side of the engine (wasm only): the clock, fetch and timers the core's modes run on, and
//! the `#[wasm_bindgen]` facade the engine worker (`www/src/engine/worker.ts`) calls. With the feature
//! `program`, only [`program`]: the Python program module, a wasm of its own (none of the engine).

#[cfg(feature = "threads")]
mod bridge;
#[cfg(not(feature = "program"))]
mod clock;
#[cfg(not(feature = "program"))]
pub mod facade;
#[cfg(feature = "threads")]
pub mod interpreter;
#[cfg(not(feature = "program"))]
mod io;
#[cfg(not(feature = "program"))]
mod panic;
#[cfg(not(feature = "program"))]
mod processes;
#[cfg(not(feature = "program"))]
mod progress;
#[cfg(feature = "threads")]
mod threads;
#[cfg(feature = "program")]
pub mod program;
