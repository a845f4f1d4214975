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
//! The holder gives the engine's own event loop a turn every [`ENGINE_TURN_EVERY_MS`] (keeping the GIL),
//! so a Stop and the page's watchdog are answered within about one chunk, and the threads whose I/O has
//! completed ask for the GIL then. Nothing waits without a way out: a round that changes nothing ends
//! with the holder in a turn of the engine's loop, a thread spinning, or every thread in I/O, whose
//! completion wakes the run.

#[cfg(test)]
mod tests;

use super::exec::LoopCtx;
use super::pool::{fill_unfinished, record_drop, record_wait, MapQueue};
use super::steps;
use super::threads_gil::{lane, DEFAULT_SWITCH_INTERVAL_MS};
use crate::core::events::DropReason;
use crate::core::gil::{GilState, ThreadId, Turn};
use crate::core::platform::{Clock, IoError, LocalFuture};
use crate::core::record::{SpanKind, Status, TaskRecord, TaskRecorder};
use crate::core::spec::{Spec, TaskPlan};
use crate::core::workload::{CpuKernel, Step, CHUNK_MS};
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

/// The engine's own event loop gets a turn this often while a thread computes, ms: one chunk.
pub const ENGINE_TURN_EVERY_MS: f64 = CHUNK_MS;

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
        engine_turn_at: Cell::new(rules.now_ms()),
        chunk_end: Cell::new(None),
    };
    let threads = (0..k).map(|me| Some(Box::pin(run.thread(me)) as LocalFuture<'_, ()>)).collect();
    Turns { threads, changes: &run.changes }.await;
    let records = run.records.take();
    fill_unfinished(spec.tasks, records, ctx.clock.now_ms() - ctx.t0)
}

/// The run's clock, each reading later than the one before. One real thread reads it, in the order things
/// happen, so events of one instant keep that order: the browser's clock outside cross-origin isolation
/// ticks every 100 µs, and a thread that takes the GIL and drops it for a request within one tick would
/// otherwise seem to drop it before it took it once the run's events are merged (by time, then by kind).
/// A reading moves on by the least a float can (far below a microsecond) when the clock has not.
struct InOrder<'a> {
    clock: &'a dyn Clock,
    last: AtomicU64,
}

impl Clock for InOrder<'_> {
    fn now_ms(&self) -> f64 {
        let last = f64::from_bits(self.last.load(Ordering::Relaxed));
        let now = self.clock.now_ms().max(last.next_up());
        self.last.store(now.to_bits(), Ordering::Relaxed);
        now
    }
}

/// What the scheduler knows of one thread besides the GIL's state.
#[derive(Default)]
struct Slot {
    /// In a short blocking call until then.
    blocked_until: Option<f64>,
    /// When the short blocking call just made ended: noticed up to a chunk later (at the holder's next
    /// look), the thread asks for the GIL as of then, as a thread of its own would have.
    back_at: Option<f64>,
    /// The drop requests this thread made while it waits, and whom each asked: recorded when its wait ends.
    requests: Vec<(f64, ThreadId)>,
}

/// One run's threads and what they share. Single-threaded: no borrow is held across an await.
struct Pool<'a> {
    /// Its clock reads in order ([`InOrder`]): what the records read.
    ctx: &'a LoopCtx<'a>,
    /// The clock as it is: what the GIL's rules and the scheduler read (a reading made in order may be a
    /// hair later than the clock, which would move a deadline past the chunk's end that meets it).
    rules: &'a dyn Clock,
    spec: &'a Spec,
    plan: &'a dyn Fn(u32) -> TaskPlan,
    chunk_ms: f64,
    gil: RefCell<GilState>,
    queue: RefCell<MapQueue>,
    /// Which tasks have finished (`Step::CpuUntil` computes until its task has).
    finished: RefCell<Vec<bool>>,
    records: RefCell<Vec<TaskRecord>>,
    slots: RefCell<Vec<Slot>>,
    lanes: Vec<String>,
    /// Counts the changes another thread may be waiting for: a round of [`Turns`] that changes nothing ends.
    changes: Cell<u64>,
    /// When the engine's event loop last had a turn.
    engine_turn_at: Cell<f64>,
    /// The holder's chunk that has just ended (when, whose), while the threads back from short calls
    /// before it ask first: one back later waits until the holder has done what it does then.
    chunk_end: Cell<Option<(f64, ThreadId)>>,
}

impl Pool<'_> {
    /// The time, for the records.
    fn now(&self) -> f64 {
        self.ctx.clock.now_ms()
    }

    /// The time, for the rules.
    fn rule_now(&self) -> f64 {
        self.rules.now_ms()
    }

    fn stopped(&self) -> bool {
        self.ctx.cancel.is_cancelled()
    }

    fn changed(&self) {
        self.changes.set(self.changes.get() + 1);
    }

    /// One worker thread's life: take the next task until none is left (or `map` has raised).
    async fn thread(&self, me: ThreadId) {
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
    async fn task(&self, me: ThreadId, id: u32) -> TaskRecord {
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
                    self.blocking(me, &mut rec, &mut held, text, || self.ctx.io.fetch_delay(req)).await
                }
                Step::Sleep { ms } => {
                    let (wait, timeout) = steps::sleep_plan(spec, ms);
                    let text = steps::io_text(spec, id, false, ms, false);
                    let io = self.ctx.io;
                    self.blocking(me, &mut rec, &mut held, text, move || {
                        Box::pin(async move { io.sleep(wait).await.and_then(|()| timeout.map_or(Ok(u64::from(ms)), Err)) })
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

    /// Takes the GIL for thread `me`, recording the wait. `false`: a Stop came first.
    async fn take_gil(&self, me: ThreadId, rec: &mut TaskRecorder) -> bool {
        self.take_gil_from(me, rec, None).await
    }

    /// [`take_gil`](Self::take_gil), asking now or, `back`, when a short blocking call ended.
    async fn take_gil_from(&self, me: ThreadId, rec: &mut TaskRecorder, back: Option<f64>) -> bool {
        let (start, at) = back.map_or_else(|| (self.now(), self.rule_now()), |t| (t, t));
        let held = self.acquire(me, at).await;
        let end = self.now();
        rec.span(SpanKind::GilWait, start, end);
        self.note_wait(me, rec, start, end, held);
        held
    }

    /// Thread `me` asks for the GIL and waits until it holds it (`false`: a Stop came first). A waiter's
    /// drop requests are made by the holder's [`tick`](Self::tick) between its chunks, or here.
    async fn acquire(&self, me: ThreadId, at: f64) -> bool {
        let turn = self.gil.borrow_mut().request(me, at);
        self.changed();
        if turn == Turn::Granted {
            return true;
        }
        loop {
            if self.stopped() {
                // A drop may have named this thread: the next waiter is named instead.
                self.gil.borrow_mut().leave(me);
                self.changed();
                return false;
            }
            // Every interval that has passed, at the moment it ended (as a thread of its own would look).
            let now = self.rule_now();
            self.tick(now);
            let (turn, asked) = self.gil.borrow_mut().poll(me, now);
            if let Some(r) = asked {
                self.slots.borrow_mut()[me].requests.push((r.at_ms, r.holder));
            }
            if turn == Turn::Granted {
                self.changed();
                return true;
            }
            Later::default().await;
        }
    }

    /// Drops the GIL, recording why; with a drop request pending, waits until the thread named has taken
    /// it (forced switching).
    async fn drop_gil(&self, me: ThreadId, rec: &mut TaskRecorder, reason: DropReason) {
        record_drop(rec, None, self.now(), reason);
        let released = self.gil.borrow_mut().release(me, reason);
        self.changed();
        if released.must_wait {
            self.switched(me).await;
        }
    }

    /// Forced switching: waits until another thread has taken the GIL `me` dropped on request.
    async fn switched(&self, me: ThreadId) {
        while !self.stopped() && self.gil.borrow().awaits_switch(me) {
            Later::default().await;
        }
    }

    /// The events of one wait, with the drop requests `me` made meanwhile.
    fn note_wait(&self, me: ThreadId, rec: &mut TaskRecorder, start: f64, end: f64, held: bool) {
        let requests = std::mem::take(&mut self.slots.borrow_mut()[me].requests);
        let requests: Vec<(f64, Option<String>)> = requests.into_iter().map(|(at, holder)| (at, self.lanes.get(holder).cloned())).collect();
        record_wait(rec, None, start, &requests, end, held);
    }

    /// Every waiter whose interval has passed by `now` sets the drop request (kept for its record), at
    /// the moment its interval ended, as a thread of its own would have (the holder looks between chunks).
    fn tick(&self, now: f64) {
        let mut gil = self.gil.borrow_mut();
        let mut slots = self.slots.borrow_mut();
        while let Some(due) = gil.next_deadline().filter(|&d| d <= now) {
            for r in gil.tick(due) {
                slots[r.by].requests.push((r.at_ms, r.holder));
            }
        }
    }

    /// CPU work holding the GIL, in chunks; between them (CPython: between bytecodes) the eval breaker,
    /// and now and then a turn of the engine's loop. `until`: the work ends once that task has finished
    /// (`convoy`'s CPU-bound threads), looked at before each chunk.
    async fn cpu(&self, me: ThreadId, rec: &mut TaskRecorder, mut kernel: Box<dyn CpuKernel>, until: Option<u32>, held: &mut bool) -> Result<u64, IoError> {
        // Its first chunk takes time: what the other threads do at this instant comes first (the pool's
        // threads, starting together, queue for the GIL before the first holder's chunk ends).
        Hop::default().await;
        let mut start = self.now();
        loop {
            if self.stopped() {
                rec.span(SpanKind::Run, start, self.now());
                return Err(IoError::Cancelled);
            }
            let done = match until {
                Some(task) if self.finished.borrow().get(task as usize).is_none_or(|&d| d) => Some(0),
                _ => kernel.step(self.chunk_ms),
            };
            // A thread whose short blocking call ended during this chunk asks for the GIL first (as of when
            // its call ended): it queues before anything this chunk's end decides.
            let end = self.rule_now();
            self.chunk_end.set(Some((end, me)));
            while self.blocked_due(end, me) {
                Hop::default().await;
            }
            self.chunk_end.set(None);
            // The waiters' intervals pass whether or not the work goes on.
            let before = self.now();
            let rule_now = self.rule_now();
            self.tick(rule_now);
            if let Some(v) = done {
                rec.span(SpanKind::Run, start, before);
                if until.is_none() {
                    rec.output = kernel.take_output();
                }
                return Ok(v);
            }
            if self.gil.borrow().check(me) {
                rec.span(SpanKind::Run, start, before);
                record_drop(rec, None, before, DropReason::Switch);
                let released = self.gil.borrow_mut().release(me, DropReason::Switch);
                self.changed();
                if released.must_wait {
                    self.switched(me).await;
                }
                let again = self.acquire(me, self.rule_now()).await;
                if again {
                    // Held again, it computes on: what the others do at this instant comes first (a
                    // dropper waiting for this switch goes on).
                    Hop::default().await;
                }
                start = self.now();
                rec.span(SpanKind::GilWait, before, start);
                self.note_wait(me, rec, before, start, again);
                *held = again;
                if !again {
                    return Err(IoError::Cancelled);
                }
            } else if self.engine_turn_due(rule_now) {
                // Not Python's: the thread keeps the GIL, and no other thread runs Python meanwhile.
                self.engine_turn().await;
            }
        }
    }

    /// A turn of the engine's own event loop: a Stop, the page's watchdog, completed I/O.
    async fn engine_turn(&self) {
        self.ctx.io.yield_now().await;
        self.engine_turn_at.set(self.rule_now());
    }

    /// Whether the engine's loop should have a turn by `now`.
    fn engine_turn_due(&self, now: f64) -> bool {
        now - self.engine_turn_at.get() >= ENGINE_TURN_EVERY_MS
    }

    /// Whether a thread's short blocking call ended before `now`, when thread `me`'s chunk ends (it should
    /// ask for the GIL first). Things of one instant happen in the threads' order, as in the scripted model.
    fn blocked_due(&self, now: f64, me: ThreadId) -> bool {
        self.first_back(now).is_some_and(|(u, t)| (u, t) < (now, me))
    }

    /// Of the threads whose short blocking call has ended by `now`, the one whose call ended first (the
    /// first in the threads' order, of those that ended at one instant), with when: it asks first.
    fn first_back(&self, now: f64) -> Option<(f64, ThreadId)> {
        let slots = self.slots.borrow();
        let back = slots.iter().enumerate().filter_map(|(t, s)| s.blocked_until.filter(|&u| u <= now).map(|u| (u, t)));
        back.min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
    }

    /// Whether another thread holds the GIL or is to take it: something else runs Python.
    fn others_run(&self) -> bool {
        let gil = self.gil.borrow();
        gil.holder().is_some() || !gil.waiters().is_empty()
    }

    /// A blocking call: drop the GIL, make the call (`call` starts it once the GIL is dropped), take the
    /// GIL back to handle its result.
    async fn blocking<'f>(
        &'f self,
        me: ThreadId,
        rec: &mut TaskRecorder,
        held: &mut bool,
        text: String,
        call: impl FnOnce() -> LocalFuture<'f, Result<u64, IoError>>,
    ) -> Result<u64, IoError> {
        self.drop_gil(me, rec, DropReason::Io).await;
        *held = false;
        let start = self.now();
        rec.io_text(text, false);
        let r = call().await;
        let back = self.slots.borrow_mut()[me].back_at.take();
        rec.span(SpanKind::IoWait, start, back.unwrap_or_else(|| self.now()));
        if r != Err(IoError::Cancelled) {
            // The exception (or the result) is handled in Python code: the GIL is needed again.
            *held = self.take_gil_from(me, rec, back).await;
            if !*held {
                return Err(IoError::Cancelled);
            }
        }
        r
    }

    /// Short blocking calls one after another (`convoy`'s I/O thread), each timed from its start until the
    /// thread holds the GIL again.
    async fn blocking_calls(&self, me: ThreadId, rec: &mut TaskRecorder, held: &mut bool, calls: u32, us: u32) -> Result<u64, IoError> {
        for _ in 0..calls {
            if self.stopped() {
                return Err(IoError::Cancelled);
            }
            let start = self.now();
            self.blocking(me, rec, held, steps::block_text(us), || Box::pin(self.block(me, us))).await?;
            rec.add_call(self.now() - start);
        }
        Ok(u64::from(calls))
    }

    /// One short blocking call of `us` microseconds without the GIL: the others run meanwhile; with
    /// nothing else to run, the thread spins what is left of it, a chunk at a time, with the engine's
    /// loop's turns between (a timer would wake it a millisecond or more late).
    async fn block(&self, me: ThreadId, us: u32) -> Result<u64, IoError> {
        let until = self.rule_now() + f64::from(us) / 1000.0;
        self.slots.borrow_mut()[me].blocked_until = Some(until);
        // What the other threads do at this instant comes first (one may be about to run).
        Hop::default().await;
        let r = loop {
            if self.stopped() {
                break Err(IoError::Cancelled);
            }
            let now = self.rule_now();
            let left = until - now;
            if left <= 0.0 {
                // Another thread's call ended first (or at the same instant, and it comes first), or the
                // holder's chunk did: that thread acts first.
                let before_me = |(u, t): (f64, ThreadId)| u.total_cmp(&until).then(t.cmp(&me)).is_lt();
                if self.first_back(now).is_some_and(|(_, t)| t != me) || self.chunk_end.get().is_some_and(before_me) {
                    Hop::default().await;
                    continue;
                }
                self.slots.borrow_mut()[me].back_at = Some(until);
                break Ok(0);
            }
            if self.others_run() {
                // The holder lets this thread in at its first chunk's end after `until`.
                Later::default().await;
            } else {
                // Nothing runs Python. Once every thread has done what it does at this instant (a round that
                // changes nothing), spin until the first call of any thread ends: then each thread whose call
                // has ended looks, in the threads' order (as threads woken together would race for the GIL).
                let seen = self.changes.get();
                Hop::default().await;
                if self.changes.get() != seen || self.others_run() {
                    continue;
                }
                let first = self.slots.borrow().iter().filter_map(|s| s.blocked_until).fold(until, f64::min);
                let spin = (first - self.rule_now()).min(ENGINE_TURN_EVERY_MS);
                if spin > 0.0 {
                    self.ctx.io.block_us((spin * 1000.0).ceil() as u32);
                }
                if self.engine_turn_due(self.rule_now()) {
                    self.engine_turn().await;
                } else {
                    Hop::default().await;
                }
            }
        };
        self.slots.borrow_mut()[me].blocked_until = None;
        r
    }
}

/// Pending once, waking nobody: the thread looks again in the next round of [`Turns`], which comes
/// when another thread has changed something.
#[derive(Default)]
struct Later(bool);

impl Future for Later {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        Poll::Pending
    }
}

/// Pending once, asking to be polled again at once (a microtask in the browser, no turn of its loop):
/// every thread looks in the next round, in order.
#[derive(Default)]
struct Hop(bool);

impl Future for Hop {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// A round that keeps changing something this often in one poll hands the engine's loop a turn anyway.
const MAX_ROUNDS: usize = 256;

/// Polls every thread, round after round, until a round changes nothing (or all have ended).
struct Turns<'a> {
    threads: Vec<Option<LocalFuture<'a, ()>>>,
    changes: &'a Cell<u64>,
}

impl Future for Turns<'_> {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        for _ in 0..MAX_ROUNDS {
            let before = this.changes.get();
            for slot in this.threads.iter_mut() {
                if slot.as_mut().is_some_and(|t| t.as_mut().poll(cx).is_ready()) {
                    *slot = None;
                    this.changes.set(this.changes.get() + 1);
                }
            }
            if this.threads.iter().all(Option::is_none) {
                return Poll::Ready(());
            }
            if this.changes.get() == before {
                return Poll::Pending;
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
