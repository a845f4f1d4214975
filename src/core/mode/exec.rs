//! Running one task's steps on an event loop: shared by `sequential` (awaits one task at a time) and
//! `asyncio` (awaits them all together). They differ only in how often CPU work gives the loop a turn.

use crate::core::cancel::CancelToken;
use super::steps;
use crate::core::platform::{AsyncIo, Clock, IoError, Progress};
use crate::core::record::{SpanKind, Status, TaskRecord, TaskRecorder};
use crate::core::spec::{Spec, TaskPlan};
use crate::core::workload::{CpuKernel, Step, TaskOutput};

/// What a task running on the engine's event loop can reach.
pub struct LoopCtx<'a> {
    pub io: &'a dyn AsyncIo,
    pub clock: &'a dyn Clock,
    pub cancel: &'a CancelToken,
    /// The run's start, on `clock`.
    pub t0: f64,
    pub progress: &'a dyn Progress,
    /// Set when a TaskGroup cancels its remaining tasks (not a Stop: the run goes on).
    pub group: CancelToken,
}

impl LoopCtx<'_> {
    fn stopped(&self) -> bool {
        self.cancel.is_cancelled() || self.group.is_cancelled()
    }
}

/// Runs task `id` on the event loop. CPU steps give the loop a turn once `yield_every_ms` of work has
/// passed: under `asyncio` that is the await point between chunks; under `sequential` it only keeps the
/// engine able to hear a Stop, and is long enough to cost nothing measurable.
pub async fn run_task(ctx: &LoopCtx<'_>, spec: &Spec, id: u32, lane: &str, yield_every_ms: f64) -> TaskRecord {
    let (record, output) = steps(ctx, spec, id, lane, yield_every_ms).await;
    ctx.progress.task_done(&record, output);
    record
}

async fn steps(ctx: &LoopCtx<'_>, spec: &Spec, id: u32, lane: &str, yield_every_ms: f64) -> (TaskRecord, Option<TaskOutput>) {
    let now = || ctx.clock.now_ms();
    if ctx.stopped() {
        return (TaskRecord::cancelled(id, lane, now() - ctx.t0), None);
    }
    let mut rec = TaskRecorder::start(id, lane, ctx.t0, now());
    let TaskPlan { steps: plan, fault } = spec.plan(id);
    steps::maybe_panic(fault, id);
    for step in plan {
        let outcome = match step {
            Step::Cpu(kernel) => cpu(ctx, &mut rec, kernel, yield_every_ms).await,
            Step::Fetch { ms } => {
                let start = now();
                let r = ctx.io.fetch_delay(steps::fetch(spec, fault, id, ms)).await;
                rec.span(SpanKind::IoWait, start, now());
                r
            }
            Step::Sleep { ms } => {
                let start = now();
                let (wait, timeout) = steps::sleep_plan(spec, ms);
                let r = ctx.io.sleep(wait).await.and_then(|()| timeout.map_or(Ok(u64::from(ms)), Err));
                rec.span(SpanKind::IoWait, start, now());
                r
            }
        };
        match outcome {
            Ok(v) => rec.add_value(v),
            Err(e) => {
                let (status, error) = steps::failure(e);
                return rec.finish_with_output(status, error, now());
            }
        }
    }
    rec.finish_with_output(Status::Ok, None, now())
}

async fn cpu(ctx: &LoopCtx<'_>, rec: &mut TaskRecorder, mut kernel: Box<dyn CpuKernel>, yield_every_ms: f64) -> Result<u64, IoError> {
    let mut start = ctx.clock.now_ms();
    loop {
        if ctx.stopped() {
            rec.span(SpanKind::Run, start, ctx.clock.now_ms());
            return Err(IoError::Cancelled);
        }
        if let Some(v) = kernel.step() {
            rec.span(SpanKind::Run, start, ctx.clock.now_ms());
            rec.output = kernel.take_output();
            return Ok(v);
        }
        let now = ctx.clock.now_ms();
        if now - start >= yield_every_ms {
            rec.span(SpanKind::Run, start, now);
            ctx.io.yield_now().await;
            start = ctx.clock.now_ms();
        }
    }
}
