//! The pure core of Concurrency Lab: the spec and its validation, workloads, modes, task records.
//!
//! Nothing here touches the browser (no `web-sys`): the modes reach time and I/O only through the
//! [`platform`] traits, so the same code runs in the wasm engine, in the native benchmark, and in native
//! unit tests on a virtual clock.

pub mod calibrate;
pub mod cancel;
pub mod catalogue;
pub mod crash;
pub mod error;
pub mod estimate;
pub mod events;
pub mod faults;
pub mod gil;
pub mod mode;
pub mod pickle;
pub mod platform;
pub mod python;
pub mod record;
pub mod run;
pub mod spec;
pub mod status;
pub mod workload;

/// Version of the result and history schema (`v` in results, exports and stored history).
pub const SCHEMA_VERSION: u32 = 2;

/// Version of the model of Python the modes implement (`modelVersion` in every Result). Results of
/// different models are never compared with each other without saying so.
/// 1: asyncio interleaved CPU-bound coroutines every ~1 ms; uncalibrated sizes.
/// 2: asyncio runs a coroutine until it awaits (as CPython); CPU sizes calibrated per machine.
pub const MODEL_VERSION: u32 = 2;

/// The lab's version (`labVersion` in every Result).
pub const LAB_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Which build of the engine is running: decides which modes are available.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Build {
    /// wasm with shared memory and a rayon pool on Web Workers (needs cross-origin isolation).
    Threads,
    /// wasm without atomics, for pages that are not cross-origin isolated.
    Single,
    /// The core compiled for the host (tests and the benchmark).
    Native,
}

/// What the running engine can do; given to validation so that a spec the build cannot run is refused
/// before it starts.
#[derive(Clone, Copy, Debug)]
pub struct Capabilities {
    pub build: Build,
    /// Threads in the shared-memory pool (0 where there is none).
    pub pool_threads: u32,
    /// `navigator.hardwareConcurrency` (or the host's CPU count natively).
    pub cores: u32,
}

impl Capabilities {
    /// The most memory one run may ask for, in either build: the threads build's shared memory is
    /// capped at 512 MiB (`--max-memory`) and also holds thread stacks and the page's copies; the
    /// single build could grow further, but phones refuse far less.
    pub fn run_memory_limit(&self) -> u64 {
        128 << 20
    }
}

// The core's own tests, across modules (runs, faults, thread modes; the spec's properties).
#[cfg(test)]
mod tests;
