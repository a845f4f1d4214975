//! `sequential`: the plain loop, `results = [work(i) for i in range(tasks)]`. One task after another
//! on one thread; the first failure stops the loop and the later tasks never start.

use super::exec::{run_task, LoopCtx};
use crate::core::faults::OnError;
use crate::core::record::{Status, TaskRecord};
use crate::core::spec::Spec;

/// The lane name: Python's own name for the thread that runs a script.
pub const LANE: &str = "MainThread";

/// CPU work checks for a Stop this often; the loop itself never interleaves tasks. (The single build's
/// `threads-gil` gives the engine's loop its turns as often while no thread waits on I/O: `turns/cpu.rs`.)
pub(crate) const RESPONSIVE_MS: f64 = 10.0;

pub async fn run(ctx: &LoopCtx<'_>, spec: &Spec) -> Vec<TaskRecord> {
    let mut records = Vec::with_capacity(spec.tasks as usize);
    let mut stopped = false;
    for id in 0..spec.tasks {
        if stopped {
            records.push(TaskRecord::cancelled(id, LANE, ctx.clock.now_ms() - ctx.t0));
            continue;
        }
        let record = run_task(ctx, spec, id, LANE, RESPONSIVE_MS).await;
        // An exception leaves the loop: nothing after the failing task runs (unless try/except catches
        // it in the loop: return-exceptions). A Stop ends it either way.
        stopped = match record.status {
            Status::Ok => false,
            Status::Cancelled => true,
            Status::Error | Status::Timeout => spec.on_error == OnError::Raise,
        };
        records.push(record);
    }
    records
}
