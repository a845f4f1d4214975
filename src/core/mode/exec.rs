//! Running one task's steps on an event loop: shared by `sequential` (awaits one task at a time) and
//! `asyncio` (awaits them all together, under `gather`).
//!
//! Under `asyncio` the tasks are futures polled together, but CPython's loop runs one task at a time: a
//! coroutine runs until it awaits something that is not ready, and only then does the loop run the next
//! ready task, first in, first out. [`LoopLock`] is that loop: a task holds it whenever it runs Python
//! (from its start and from the end of each await to its next await or its end) and gives it up while
//! it awaits I/O (fetch, sleep). Waiters are served in the order they became ready. The time a task
//! spends ready but waiting for the lock is recorded as [`SpanKind::LoopWait`].
//!
//! CPU work still hands the *engine's* event loop a turn between chunks (`engine_turn`), so a Stop is heard
//! and the worker stays responsive; under `asyncio` the task keeps the loop lock across those yields, so
//! no other task runs Python there: a CPU step runs to its end, as a coroutine that never awaits does.
//! `sequential` and a `processes` worker run one task at a time anyway and take no lock.

use crate::core::cancel::CancelToken;
use super::steps;
use crate::core::platform::{AsyncIo, Clock, IoError, Progress};
use crate::core::record::{SpanKind, Status, TaskRecord, TaskRecorder};
use crate::core::spec::{Spec, TaskPlan};
use crate::core::workload::{CpuKernel, Step, CHUNK_MS, TaskOutput};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

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

/// Waits for the loop shorter than this are bookkeeping (reading the clock, polling), not a task
/// queued behind another one: they are not recorded.
const MIN_LOOP_WAIT_MS: f64 = 0.05;

/// An asyncio event loop as a lock: at most one task runs Python at a time, and the tasks that are
/// ready get the loop first in, first out. Single-threaded (the tasks are `!Send` futures polled on one
/// thread), so a `RefCell` suffices. On release the loop passes straight to the first waiter, so a task
/// that becomes ready later can never overtake one that has been waiting.
#[derive(Default)]
pub struct LoopLock {
    state: RefCell<LockState>,
    /// When the engine's own event loop last had a turn (see [`take_turn`]).
    engine_turn_at: Cell<f64>,
}

/// While the tasks hand the asyncio loop to one another (a thousand tasks each starting a request, say),
/// the engine's own event loop gets a turn this often, ms: so a Stop is heard at once, not after the
/// last task has started.
const ENGINE_TURN_EVERY_MS: f64 = 2.0;

#[derive(Default)]
struct LockState {
    /// The ticket of the task running Python, if one is.
    owner: Option<u64>,
    next_ticket: u64,
    /// The ready queue: tickets of the tasks waiting for the loop, in the order they became ready.
    /// Invariant: it is empty whenever `owner` is `None` (release hands the loop to its head).
    ready: VecDeque<(u64, Waker)>,
}

impl LoopLock {
    pub fn new() -> Self {
        Self::default()
    }

    /// Waits for the loop. Resolves to `None`, without the loop, as soon as `stopped()` holds when
    /// polled: a Stop (or a TaskGroup's cancel) ends a waiting task at once. Waiters are polled again
    /// when the loop is handed to them, so a Stop reaches each one in turn: the running task sees it at
    /// its next chunk, ends and hands the loop on, and each waiter hands it on at once.
    fn acquire<F: Fn() -> bool + Unpin>(&self, stopped: F) -> Acquire<'_, F> {
        Acquire { lock: self, ticket: None, queued: false, stopped }
    }

    fn release(&self, ticket: u64) {
        let next = {
            let mut st = self.state.borrow_mut();
            debug_assert_eq!(st.owner, Some(ticket), "only the task holding the loop releases it");
            st.owner = None;
            st.ready.pop_front().map(|(t, w)| {
                st.owner = Some(t);
                w
            })
        };
        if let Some(w) = next {
            w.wake();
        }
    }
}

/// The loop, held by one task; dropping it (at an await, at the task's end, on an error, a cancel or a
/// panic) hands the loop to the next ready task.
pub struct LoopTurn<'a> {
    lock: &'a LoopLock,
    ticket: u64,
}

impl Drop for LoopTurn<'_> {
    fn drop(&mut self) {
        self.lock.release(self.ticket);
    }
}

struct Acquire<'a, F> {
    lock: &'a LoopLock,
    /// Our place in the ready queue once we have queued.
    ticket: Option<u64>,
    /// Whether we had to queue (another task held the loop).
    queued: bool,
    stopped: F,
}

impl<F> Acquire<'_, F> {
    /// Leaves the queue, or passes the loop on if it had already been handed to us.
    fn leave(&mut self) {
        if let Some(t) = self.ticket.take() {
            let owner = {
                let mut st = self.lock.state.borrow_mut();
                st.ready.retain(|(x, _)| *x != t);
                st.owner == Some(t)
            };
            if owner {
                self.lock.release(t);
            }
        }
    }
}

impl<'a, F: Fn() -> bool + Unpin> Future for Acquire<'a, F> {
    type Output = Option<LoopTurn<'a>>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if (this.stopped)() {
            this.leave();
            return Poll::Ready(None);
        }
        let lock = this.lock;
        let mut st = lock.state.borrow_mut();
        match this.ticket {
            None => {
                let t = st.next_ticket;
                st.next_ticket += 1;
                if st.owner.is_none() && st.ready.is_empty() {
                    st.owner = Some(t);
                    return Poll::Ready(Some(LoopTurn { lock, ticket: t }));
                }
                st.ready.push_back((t, cx.waker().clone()));
                this.ticket = Some(t);
                this.queued = true;
                Poll::Pending
            }
            Some(t) if st.owner == Some(t) => {
                this.ticket = None;
                Poll::Ready(Some(LoopTurn { lock, ticket: t }))
            }
            Some(t) => {
                if let Some((_, w)) = st.ready.iter_mut().find(|(x, _)| *x == t) {
                    if !w.will_wake(cx.waker()) {
                        *w = cx.waker().clone();
                    }
                }
                Poll::Pending
            }
        }
    }
}

impl<F> Drop for Acquire<'_, F> {
    fn drop(&mut self) {
        self.leave();
    }
}

/// Runs task `id` on the event loop with no other task to share it with (`sequential`, a `processes`
/// worker). CPU steps give the engine's loop a turn once `yield_every_ms` of work has passed, only so
/// the engine can hear a Stop: long enough to cost nothing measurable.
pub async fn run_task(ctx: &LoopCtx<'_>, spec: &Spec, id: u32, lane: &str, yield_every_ms: f64) -> TaskRecord {
    let (record, output) = steps(ctx, spec, id, lane, yield_every_ms, None).await;
    ctx.progress.task_done(&record, output);
    record
}

/// Runs task `id` as an `asyncio` task on `event_loop`: it runs Python only while it holds the loop,
/// and gives it up at each await on I/O (see the module docs). `created` is when `gather` made the task
/// (on `ctx.clock`): it is ready from then, though its future is first polled only when the loop
/// reaches it.
pub async fn run_task_on(ctx: &LoopCtx<'_>, spec: &Spec, id: u32, lane: &str, yield_every_ms: f64, event_loop: &LoopLock, created: f64) -> TaskRecord {
    let (record, output) = steps(ctx, spec, id, lane, yield_every_ms, Some((event_loop, created))).await;
    ctx.progress.task_done(&record, output);
    record
}

async fn steps(ctx: &LoopCtx<'_>, spec: &Spec, id: u32, lane: &str, yield_every_ms: f64, on_loop: Option<(&LoopLock, f64)>) -> (TaskRecord, Option<TaskOutput>) {
    let now = || ctx.clock.now_ms();
    if ctx.stopped() {
        return (TaskRecord::cancelled(id, lane, now() - ctx.t0), None);
    }
    let (event_loop, created) = match on_loop {
        Some((event_loop, created)) => (Some(event_loop), created),
        None => (None, now()),
    };
    let mut rec = TaskRecorder::start(id, lane, ctx.t0, created);
    // `gather` wraps each coroutine in a task that is ready at once: it starts when the loop reaches it.
    let mut turn = match take_turn(ctx, event_loop, &mut rec, created).await {
        Ok(turn) => turn,
        Err(e) => return finish_failed(rec, e, now()),
    };
    let TaskPlan { steps: plan, fault } = spec.plan(id);
    steps::crash_if_planned(fault, id);
    for step in plan {
        let outcome = match step {
            Step::Cpu(kernel) => cpu(ctx, &mut rec, kernel, yield_every_ms, turn.is_some()).await,
            Step::Fetch { ms } => {
                turn = None; // `await`: the loop runs the next ready task while the request is in flight.
                let start = now();
                let asyncio = spec.mode == crate::core::mode::Mode::Asyncio;
                rec.io_text(steps::io_text(spec, id, true, ms, asyncio), asyncio);
                let r = ctx.io.fetch_delay(steps::fetch(spec, fault, id, ms)).await;
                resume(ctx, event_loop, &mut rec, &mut turn, start, r).await
            }
            Step::Sleep { ms } => {
                turn = None;
                let start = now();
                let asyncio = spec.mode == crate::core::mode::Mode::Asyncio;
                rec.io_text(steps::io_text(spec, id, false, ms, asyncio), asyncio);
                let (wait, timeout) = steps::sleep_plan(spec, ms);
                let r = ctx.io.sleep(wait).await.and_then(|()| timeout.map_or(Ok(u64::from(ms)), Err));
                resume(ctx, event_loop, &mut rec, &mut turn, start, r).await
            }
            // Blocking calls on the loop's own thread (`time.sleep` in a plain loop): nothing else runs
            // meanwhile, so each call's latency is the call itself.
            Step::BlockingCalls { calls, us } => {
                let mut made = Ok(u64::from(calls));
                for _ in 0..calls {
                    if ctx.stopped() {
                        made = Err(IoError::Cancelled);
                        break;
                    }
                    let start = now();
                    ctx.io.block_us(us);
                    let end = now();
                    rec.io_text(steps::block_text(us), false);
                    rec.span(SpanKind::IoWait, start, end);
                    rec.add_call(end - start);
                }
                made
            }
            // One thread runs the tasks in order, and the task it waits for never gives the thread up
            // (its calls block): by the time this one starts, that one has finished.
            Step::CpuUntil { .. } => Ok(0),
        };
        match outcome {
            Ok(v) => rec.add_value(v),
            Err(e) => return finish_failed(rec, e, now()),
        }
    }
    // The record ends before `turn` is dropped: the next task gets the loop once this one has ended.
    rec.finish_with_output(Status::Ok, None, now())
}

fn finish_failed(rec: TaskRecorder, e: IoError, now: f64) -> (TaskRecord, Option<TaskOutput>) {
    let (status, error) = steps::failure(e);
    rec.finish_with_output(status, error, now)
}

/// The end of an await on I/O that started at `start`: the task is ready again and waits for the loop
/// to resume it (with the value or the exception). A cancelled wait ends the task at once.
async fn resume<'a>(ctx: &LoopCtx<'_>, event_loop: Option<&'a LoopLock>, rec: &mut TaskRecorder, turn: &mut Option<LoopTurn<'a>>, start: f64, r: Result<u64, IoError>) -> Result<u64, IoError> {
    let ready = ctx.clock.now_ms();
    rec.span(SpanKind::IoWait, start, ready);
    if r == Err(IoError::Cancelled) {
        return r;
    }
    *turn = take_turn(ctx, event_loop, rec, ready).await?;
    r
}

/// Waits for the loop (when there is one to share) from `ready`, when the task became ready, and
/// records that wait. `Err(Cancelled)` when a Stop or a TaskGroup's cancel came first.
async fn take_turn<'a>(ctx: &LoopCtx<'_>, event_loop: Option<&'a LoopLock>, rec: &mut TaskRecorder, ready: f64) -> Result<Option<LoopTurn<'a>>, IoError> {
    let Some(event_loop) = event_loop else { return Ok(None) };
    let mut acquire = event_loop.acquire(|| ctx.stopped());
    // The task is in the loop's ready queue from `ready` until the loop takes it off to run it.
    rec.event(crate::core::events::EventKind::TaskReady, ready);
    let turn = (&mut acquire).await;
    let got = ctx.clock.now_ms();
    // Only a task that queued behind another one waited for the loop; the rest is bookkeeping.
    if acquire.queued && got - ready >= MIN_LOOP_WAIT_MS {
        rec.span(SpanKind::LoopWait, ready, got);
    }
    let turn = turn.ok_or(IoError::Cancelled)?;
    rec.event(crate::core::events::EventKind::TaskScheduled, got);
    // Hand-overs between tasks are wakes within one turn of the engine's loop; every few ms it gets a
    // turn of its own (the task keeps the asyncio loop meanwhile, as during CPU work), to hear a Stop.
    if got - event_loop.engine_turn_at.get() >= ENGINE_TURN_EVERY_MS {
        ctx.io.engine_turn().await;
        event_loop.engine_turn_at.set(ctx.clock.now_ms());
        if ctx.stopped() {
            return Err(IoError::Cancelled);
        }
    }
    Ok(Some(turn))
}

/// Runs a CPU step a chunk at a time, checking for a Stop at every chunk and giving the engine's loop a
/// turn once `yield_every_ms` has passed: the cheap turn (`engine_turn`), as nothing but the page's messages
/// need to get in (a MessageChannel's turn every 10 ms cost WebKitGTK 7-10% of `sequential`'s time, so that
/// `threads-gil`, on the cheap turns, ran CPU work at 1.05-1.10x of it in a course page's frame, where
/// CPython's threads run it at about 0.9x; with the cheap turn 0.93-0.95x). With `holds_loop` (asyncio) those
/// turns are the engine's, not Python's: the task keeps the loop, no other task runs, and the step draws as one `Run` span. Without
/// it (sequential) each stretch between turns is its own span, merged by the recorder when they touch.
async fn cpu(ctx: &LoopCtx<'_>, rec: &mut TaskRecorder, mut kernel: Box<dyn CpuKernel>, yield_every_ms: f64, holds_loop: bool) -> Result<u64, IoError> {
    let mut start = ctx.clock.now_ms();
    let mut last_yield = start;
    loop {
        if ctx.stopped() {
            rec.span(SpanKind::Run, start, ctx.clock.now_ms());
            return Err(IoError::Cancelled);
        }
        if let Some(v) = kernel.step(CHUNK_MS) {
            rec.span(SpanKind::Run, start, ctx.clock.now_ms());
            rec.output = kernel.take_output();
            return Ok(v);
        }
        let now = ctx.clock.now_ms();
        if now - last_yield >= yield_every_ms {
            if !holds_loop {
                rec.span(SpanKind::Run, start, now);
            }
            ctx.io.engine_turn().await;
            if holds_loop {
                last_yield = now;
            } else {
                start = ctx.clock.now_ms();
                last_yield = start;
            }
        }
    }
}
