//! `asyncio`: one thread, one event loop, `await asyncio.gather(*(work(i) for i in range(tasks)))`.
//!
//! As in CPython, only one task runs Python at a time, and tasks switch only at real awaits (a fetch, a
//! sleep): a coroutine that never awaits runs to its end before the next one starts, so CPU-bound tasks
//! run one after another and take as long together as sequentially. The loop is a [`LoopLock`]: a task
//! gives it up when it awaits I/O, and gets it back, first in first out among the ready tasks, once the
//! I/O has completed and the task running now reaches an await or ends. That wait, ready but not
//! running, is drawn as `loop-wait`.

use super::exec::{run_task_on, LoopCtx, LoopLock};
use crate::core::faults::OnError;
use crate::core::record::{Status, TaskRecord};
use crate::core::spec::Spec;
use futures_util::future::join_all;

pub const LANE: &str = "event-loop";

/// CPU work hands the engine's own event loop a turn this often. Not an await: the task keeps the
/// asyncio loop, so no other task runs. It lets the engine hear a Stop and notice completed I/O, so the
/// moment a task became ready (the start of its `loop-wait`) is known to about this precision.
const YIELD_EVERY_MS: f64 = 1.0;

pub async fn run(ctx: &LoopCtx<'_>, spec: &Spec) -> Vec<TaskRecord> {
    let event_loop = LoopLock::new();
    let event_loop = &event_loop;
    // `gather` makes every coroutine a task now, each ready from this moment, in the order given; the
    // loop runs them one at a time, first in, first out (each future's first poll queues it, in order).
    let created = ctx.clock.now_ms();
    join_all((0..spec.tasks).map(|id| async move {
        let record = run_task_on(ctx, spec, id, LANE, YIELD_EVERY_MS, event_loop, created).await;
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
