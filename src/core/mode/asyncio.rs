//! `asyncio`: one thread, one event loop, `await asyncio.gather(*(work(i) for i in range(tasks)))`.
//! Waits overlap; CPU work interleaves only at await points (after each chunk of about a millisecond),
//! so CPU-bound tasks take as long together as one after another.

use super::exec::{run_task, LoopCtx};
use crate::core::faults::OnError;
use crate::core::record::{Status, TaskRecord};
use crate::core::spec::Spec;
use futures_util::future::join_all;

pub const LANE: &str = "event-loop";

/// A CPU-bound coroutine that awaits between chunks gives the loop a turn about this often.
const AWAIT_EVERY_MS: f64 = 1.0;

pub async fn run(ctx: &LoopCtx<'_>, spec: &Spec) -> Vec<TaskRecord> {
    // `gather` schedules every coroutine as a task; the loop runs ready tasks first in, first out.
    join_all((0..spec.tasks).map(|id| async move {
        let record = run_task(ctx, spec, id, LANE, AWAIT_EVERY_MS).await;
        // A TaskGroup cancels every task still running at its first failure. (gather does not:
        // under `raise` the others run on after gather has raised.)
        if spec.on_error == OnError::TaskGroup && matches!(record.status, Status::Error | Status::Timeout) && !ctx.group.is_cancelled() {
            ctx.group.cancel();
            ctx.io.abort_all();
        }
        record
    }))
    .await
}
