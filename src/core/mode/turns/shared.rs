//! One turns run's shared state: the threads' clock read in order, what the scheduler knows of each
//! thread, and the pool they share (the GIL's state, the queue, the records).

use crate::core::gil::{GilState, ThreadId};
use crate::core::mode::exec::LoopCtx;
use crate::core::mode::pool::MapQueue;
use crate::core::platform::Clock;
use crate::core::record::TaskRecord;
use crate::core::spec::{Spec, TaskPlan};
use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicU64, Ordering};

/// The run's clock, each reading later than the one before. One real thread reads it, in the order things
/// happen, so events of one instant keep that order: the browser's clock outside cross-origin isolation
/// ticks every 100 µs, and a thread that takes the GIL and drops it for a request within one tick would
/// otherwise seem to drop it before it took it once the run's events are merged (by time, then by kind).
/// A reading moves on by the least a float can (far below a microsecond) when the clock has not.
pub(super) struct InOrder<'a> {
    pub(super) clock: &'a dyn Clock,
    pub(super) last: AtomicU64,
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
pub(super) struct Slot {
    /// In a short blocking call until then.
    pub(super) blocked_until: Option<f64>,
    /// When the short blocking call just made ended: noticed up to a chunk later (at the holder's next
    /// look), the thread asks for the GIL as of then, as a thread of its own would have.
    pub(super) back_at: Option<f64>,
    /// The drop requests this thread made while it waits, and whom each asked: recorded when its wait ends.
    pub(super) requests: Vec<(f64, ThreadId)>,
}

/// One run's threads and what they share. Single-threaded: no borrow is held across an await.
pub(super) struct Pool<'a> {
    /// Its clock reads in order ([`InOrder`]): what the records read.
    pub(super) ctx: &'a LoopCtx<'a>,
    /// The clock as it is: what the GIL's rules and the scheduler read (a reading made in order may be a
    /// hair later than the clock, which would move a deadline past the chunk's end that meets it).
    pub(super) rules: &'a dyn Clock,
    pub(super) spec: &'a Spec,
    pub(super) plan: &'a dyn Fn(u32) -> TaskPlan,
    pub(super) chunk_ms: f64,
    pub(super) gil: RefCell<GilState>,
    pub(super) queue: RefCell<MapQueue>,
    /// Which tasks have finished (`Step::CpuUntil` computes until its task has).
    pub(super) finished: RefCell<Vec<bool>>,
    pub(super) records: RefCell<Vec<TaskRecord>>,
    pub(super) slots: RefCell<Vec<Slot>>,
    pub(super) lanes: Vec<String>,
    /// Counts the changes another thread may be waiting for: a round of [`Turns`] that changes nothing ends.
    pub(super) changes: Cell<u64>,
    /// When the engine's event loop last had a turn.
    pub(super) engine_turn_at: Cell<f64>,
    /// What the engine loop's turns take, ms: their mean, recent turns weighing most (a turn costs more in
    /// some browsers than in others, and the browser's are not all alike).
    pub(super) engine_turn_ms: Cell<f64>,
    /// The rules' clock's last reading, and the smallest step between two readings seen (infinite until
    /// it has moved): a clock that moves in steps as long as a chunk cannot time a turn of the loop.
    pub(super) last_reading: Cell<f64>,
    pub(super) clock_step: Cell<f64>,
    /// How many threads wait on the engine's I/O now (a request, a sleep): while any does, the engine's
    /// loop gets a turn every chunk, to hear its completion.
    pub(super) in_io: Cell<u32>,
    /// The holder's chunk that has just ended (when, whose), while the threads back from short calls
    /// before it ask first: one back later waits until the holder has done what it does then.
    pub(super) chunk_end: Cell<Option<(f64, ThreadId)>>,
}

impl Pool<'_> {
    /// The time, for the records.
    pub(super) fn now(&self) -> f64 {
        self.ctx.clock.now_ms()
    }

    /// The time, for the rules.
    pub(super) fn rule_now(&self) -> f64 {
        let now = self.rules.now_ms();
        let step = now - self.last_reading.replace(now);
        if step > 0.0 && step < self.clock_step.get() {
            self.clock_step.set(step);
        }
        now
    }

    pub(super) fn stopped(&self) -> bool {
        self.ctx.cancel.is_cancelled()
    }

    pub(super) fn changed(&self) {
        self.changes.set(self.changes.get() + 1);
    }
}
