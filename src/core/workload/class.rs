//! The class of a workload's work (CPU, I/O, mixed): what modes and the page sort work by. Its own file:
//! the modes name it, and the workloads' shared types name the modes.

use serde::Serialize;

/// What kind of work this is: the lesson's central distinction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// Waiting on nothing but the CPU: the GIL serialises it; processes and native threads speed it up.
    Cpu,
    /// Mostly waiting: threads and asyncio overlap the waits.
    Io,
    /// Some of each.
    Mixed,
}
