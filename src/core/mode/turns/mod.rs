//! `threads-gil` where the page cannot have threads over shared memory (the single build): the pool's
//! Python threads take turns on the engine's one real thread, under the same GIL state machine the real
//! threads use ([`GilState`]; `src/core/gil/state.rs`, "Driving it"). Under the GIL only one thread runs
//! Python at a time anyway, so the rules, the records and the timeline are those of the real threads:
//! - the thread holding the GIL computes in chunks ([`GilState::chunk_ms`]); between two chunks the
//!   waiters whose switch interval has passed set the drop request ([`GilState::tick`]), and the holder
//!   looks at its eval breaker ([`GilState::check`]): asked, it drops the GIL to the longest waiter, waits
//!   until that thread has taken it (forced switching) and queues for it again;
//! - a thread in a blocking call has dropped the GIL and lets the others run: a request or `time.sleep`
//!   is a real browser future (the engine's async I/O, as under `asyncio`), so the waits overlap; a
//!   short blocking call (`convoy`'s, 10 µs to 10 ms) is a wait on the clock while the others run; with
//!   nothing else to run the thread spins it out (a browser timer would take a millisecond or more), a
//!   chunk at a time, the engine's loop having its turns between;
//! - `Executor.map` hands out the tasks and raises by the pool's own rule ([`MapQueue`]).
//!
//! How it runs: each Python thread is a future, and [`Turns`] polls all of them, round after round (in
//! the threads' order), until a round changes nothing. Only the GIL's holder computes, inside its poll,
//! chunk after chunk; the others look at the state and wait for a later round. What happens at one
//! instant happens in the threads' order, as in the scripted model of the rules (`gil/scripted.rs`): a
//! thread about to compute, or to spin, first lets every other thread do what it does at that instant
//! ([`Hop`]); a thread whose short call ended during the holder's chunk asks for the GIL before that
//! chunk's end decides anything, as of when its call ended; a waiter's drop request is dated when its
//! interval ended. The tests hold the turns to that model, time for time, whatever the threads do.
//!
//! The holder gives the engine's own event loop a turn (keeping the GIL) every [`ENGINE_TURN_EVERY_MS`]
//! (one chunk), so a Stop and the page's watchdog are answered within about one chunk, and the threads
//! whose I/O has completed ask for the GIL then. A turn is the cheapest the browser has (`engine_turn`:
//! 0.025 ms on average in WebKitGTK, where a MessageChannel's costs 0.3); where turns still cost more than
//! [`ENGINE_TURN_SHARE`] of the time and no thread waits on I/O, they are spaced to cost that, at most
//! [`QUIET_ENGINE_TURN_EVERY_MS`] (10 ms, as `sequential`'s) apart; on a clock too coarse to time them,
//! [`COARSE_ENGINE_TURN_EVERY_MS`] apart. Nothing waits without a way out: a round that changes nothing ends
//! with the holder in a turn of the engine's loop, a thread spinning, or every thread in I/O, whose
//! completion wakes the run.

// Its parts: `shared.rs` (the run's state), `handover.rs` (the GIL taken and dropped), `cpu.rs` (CPU
// work in chunks), `blocking.rs` (blocking calls), `scheduler.rs` (the rounds of polls); this file runs a
// spec and holds a thread's task loop.
mod blocking;
mod cpu;
mod handover;
mod scheduler;
mod shared;
#[cfg(test)]
mod tests;

pub use cpu::{COARSE_ENGINE_TURN_EVERY_MS, ENGINE_TURN_EVERY_MS, ENGINE_TURN_SHARE, QUIET_ENGINE_TURN_EVERY_MS};

use super::exec::LoopCtx;
use super::pool::{fill_unfinished, MapQueue};
use super::steps;
use super::threads_gil::{lane, DEFAULT_SWITCH_INTERVAL_MS};
use crate::core::events::DropReason;
use crate::core::gil::{GilState, ThreadId};
use crate::core::platform::{IoError, LocalFuture};
use crate::core::record::{Status, TaskRecord, TaskRecorder};
use crate::core::spec::{Spec, TaskPlan};
use crate::core::workload::types::Step;
use scheduler::Turns;
use shared::{InOrder, Pool, Slot};
use std::cell::{Cell, RefCell};
use std::sync::atomic::AtomicU64;

/// Runs a `threads-gil` spec with its threads taking turns on this event loop.
pub async fn run(ctx: &LoopCtx<'_>, spec: &Spec) -> Vec<TaskRecord> {
    run_plans(ctx, spec, &|id| spec.plan(id)).await
}

/// [`run`], with each task's plan from `plan` (the tests give kernels of their own).
pub(crate) async fn run_plans(ctx: &LoopCtx<'_>, spec: &Spec, plan: &dyn Fn(u32) -> TaskPlan) -> Vec<TaskRecord> {
    debug_assert!(!spec.releases_gil, "C code running beside the threads needs real threads (validation refuses it here)");
    let clock = InOrder { clock: ctx.clock, last: AtomicU64::new(f64::NEG_INFINITY.to_bits()) };
    let rules = ctx.clock;
    let ctx = &LoopCtx { io: ctx.io, clock: &clock, cancel: ctx.cancel, t0: ctx.t0, progress: ctx.progress, group: ctx.group.clone() };
    let gil = GilState::new(spec.switch_interval_ms.unwrap_or(DEFAULT_SWITCH_INTERVAL_MS));
    let k = spec.worker_count().min(spec.tasks) as usize;
    let run = Pool {
        ctx,
        rules,
        spec,
        plan,
        chunk_ms: gil.chunk_ms(),
        gil: RefCell::new(gil),
        queue: RefCell::new(MapQueue::new(spec)),
        finished: RefCell::new(vec![false; spec.tasks as usize]),
        records: RefCell::new(Vec::with_capacity(spec.tasks as usize)),
        slots: RefCell::new((0..k).map(|_| Slot::default()).collect()),
        lanes: (0..k).map(lane).collect(),
        changes: Cell::new(0),
        in_io: Cell::new(0),
        engine_turn_ms: Cell::new(0.0),
        last_reading: Cell::new(rules.now_ms()),
        clock_step: Cell::new(f64::INFINITY),
        engine_turn_at: Cell::new(rules.now_ms()),
        chunk_end: Cell::new(None),
    };
    let threads = (0..k).map(|me| Some(Box::pin(run.thread(me)) as LocalFuture<'_, ()>)).collect();
    Turns { threads, changes: &run.changes }.await;
    let records = run.records.take();
    fill_unfinished(spec.tasks, records, ctx.clock.now_ms() - ctx.t0)
}

impl Pool<'_> {
    /// One worker thread's life: take the next task until none is left (or `map` has raised).
    pub(super) async fn thread(&self, me: ThreadId) {
        loop {
            let next = self.queue.borrow_mut().take();
            let Some(id) = next else { break };
            let record = self.task(me, id).await;
            if let Some(done) = self.finished.borrow_mut().get_mut(id as usize) {
                *done = true;
            }
            self.queue.borrow_mut().finish(id, record.status);
            self.records.borrow_mut().push(record);
            self.changed();
            // Many short tasks one after another must not keep the engine's loop waiting either.
            if self.engine_turn_due(self.rule_now()) {
                self.engine_turn().await;
            }
        }
    }

    /// Task `id` on thread `me`, as a pool thread runs it (`pool.rs`, `run_task`).
    pub(super) async fn task(&self, me: ThreadId, id: u32) -> TaskRecord {
        let lane = &self.lanes[me];
        if self.stopped() {
            return TaskRecord::cancelled(id, lane, self.now() - self.ctx.t0);
        }
        let mut rec = TaskRecorder::start(id, lane, self.ctx.t0, self.now());
        // A pool thread picks up a work item holding the GIL and runs it as Python code.
        let mut held = self.take_gil(me, &mut rec).await;
        let mut outcome = if held { Ok(()) } else { Err(IoError::Cancelled) };
        let TaskPlan { steps: plan, fault } = (self.plan)(id);
        if held {
            steps::crash_if_planned(fault, id);
        }
        let spec = self.spec;
        for step in plan {
            if outcome.is_err() {
                break;
            }
            let r = match step {
                Step::Cpu(kernel) => self.cpu(me, &mut rec, kernel, None, &mut held).await,
                Step::CpuUntil { kernel, task } => self.cpu(me, &mut rec, kernel, Some(task), &mut held).await,
                Step::Fetch { ms } => {
                    let req = steps::fetch(spec, fault, id, ms);
                    let text = steps::io_text(spec, id, true, ms, false);
                    self.blocking(me, &mut rec, &mut held, text, || Box::pin(self.waiting_on_io(self.ctx.io.fetch_delay(req)))).await
                }
                Step::Sleep { ms } => {
                    let (wait, timeout) = steps::sleep_plan(spec, ms);
                    let text = steps::io_text(spec, id, false, ms, false);
                    let io = self.ctx.io;
                    self.blocking(me, &mut rec, &mut held, text, move || {
                        Box::pin(self.waiting_on_io(Box::pin(async move { io.sleep(wait).await.and_then(|()| timeout.map_or(Ok(u64::from(ms)), Err)) })))
                    })
                    .await
                }
                Step::BlockingCalls { calls, us } => self.blocking_calls(me, &mut rec, &mut held, calls, us).await,
            };
            outcome = r.map(|v| rec.add_value(v));
        }
        // Back to `queue.get()`, which blocks: the GIL is released.
        if held {
            self.drop_gil(me, &mut rec, DropReason::End).await;
        }
        let now = self.now();
        let (record, output) = match outcome {
            Ok(()) => rec.finish_with_output(Status::Ok, None, now),
            Err(e) => {
                let (status, error) = steps::failure(e);
                rec.finish_with_output(status, error, now)
            }
        };
        self.ctx.progress.task_done(&record, output);
        record
    }
}
