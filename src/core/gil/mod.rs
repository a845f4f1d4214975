//! The emulated Global Interpreter Lock, following CPython's "new GIL" (`Python/ceval_gil.c`, 3.2+).
//!
//! Contract, in Python's words:
//! - A thread runs Python code only while it holds the GIL ([`Gil::take`]).
//! - A thread that wants the GIL waits up to the *switch interval*; if the holder has not let go by then
//!   (no switch happened meanwhile), the waiter sets the *drop request*.
//! - The holder looks at the drop request between bytecodes (here: between chunks of CPU work,
//!   [`Gil::check`]); when set it drops the GIL and, because of *forced switching*, waits until another
//!   thread has actually taken it, so it cannot grab it straight back. Then it queues for it again.
//! - A thread drops the GIL around every blocking call ([`Gil::drop_gil`] before, [`Gil::take`] after):
//!   I/O, `time.sleep`, and C code that chooses to (NumPy's loops: "kernels that release the GIL").
//!
//! The rules themselves are one state machine driven by a clock, [`GilState`] (`state.rs`), with no
//! waiting in it; it also says who takes the GIL on a drop (the longest waiter). This file is the
//! real-thread runner of those rules: a `GilState` behind a mutex, each thread sleeping on a condition
//! variable until its switch interval ends or the GIL is dropped. The tests of the rules run the state
//! machine on a clock they move (`tests/rules.rs`, `tests/scripted.rs`); `tests/threads.rs` checks order
//! and progress on real threads, and how long a hand-over takes is the bench's figure.
//!
//! Variants the lab builds on: [`Gil::free_threaded`] is the switch that turns it off (Python 3.13t/3.14t:
//! every call is a no-op); one `Gil` per worker models subinterpreters (3.14's `InterpreterPoolExecutor`).
//!
//! Waits are sliced (at most [`SLICE`]) so that a cancelled run never leaves a thread blocked here.

mod state;
pub use state::{DropRequest, GilState, Released, ThreadId, Turn};

// The rules on a virtual clock (`tests/rules.rs`, with `tests/scripted.rs`), real threads (`tests/threads.rs`).
#[cfg(test)]
pub(crate) mod tests;

use super::cancel::CancelToken;
use super::events::DropReason;
use super::platform::Clock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// The longest a thread blocks in one wait before it looks at the cancel flag.
const SLICE: Duration = Duration::from_millis(20);

/// The GIL of one interpreter, on real threads.
pub struct Gil {
    enabled: bool,
    interval_ms: f64,
    state: Mutex<GilState>,
    /// Signalled when the GIL is dropped (CPython's `gil->cond`).
    cond: Condvar,
    /// Signalled when the GIL is taken (CPython's `gil->switch_cond`, for forced switching).
    switch_cond: Condvar,
    /// The eval breaker's bit: whether a drop request is pending, kept with the state under its mutex and
    /// read by the holder between chunks without taking it.
    drop_request: AtomicBool,
    clock: Arc<dyn Clock>,
    cancel: CancelToken,
}

impl Gil {
    /// A GIL with CPython's rules; `switch_interval_ms` is `sys.getswitchinterval()` in ms (default 5).
    pub fn new(switch_interval_ms: f64, clock: Arc<dyn Clock>, cancel: CancelToken) -> Self {
        Self::over(GilState::new(switch_interval_ms), clock, cancel)
    }

    /// No GIL at all (free-threaded CPython): taking, checking and dropping cost nothing.
    pub fn free_threaded(clock: Arc<dyn Clock>, cancel: CancelToken) -> Self {
        Self::over(GilState::free_threaded(), clock, cancel)
    }

    fn over(state: GilState, clock: Arc<dyn Clock>, cancel: CancelToken) -> Self {
        Gil {
            enabled: state.is_enabled(),
            interval_ms: state.interval_ms(),
            state: Mutex::new(state),
            cond: Condvar::new(),
            switch_cond: Condvar::new(),
            drop_request: AtomicBool::new(false),
            clock,
            cancel,
        }
    }

    /// `sys.getswitchinterval()`, in ms.
    pub fn interval_ms(&self) -> f64 {
        self.interval_ms
    }

    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// How long a holder computes between two [`check`](Self::check)s, ms ([`GilState::chunk_ms`]).
    pub fn chunk_ms(&self) -> f64 {
        self.lock().chunk_ms()
    }

    /// How many times a holder was made to drop the GIL by a waiter's request.
    pub fn forced_switches(&self) -> u64 {
        self.lock().forced_switches()
    }

    /// The threads waiting for the GIL now, in the order they will take it.
    pub fn waiters(&self) -> Vec<ThreadId> {
        self.lock().waiters()
    }

    fn lock(&self) -> MutexGuard<'_, GilState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keeps the eval breaker's bit with the state (called with the mutex held).
    fn publish(&self, st: &GilState) {
        self.drop_request.store(st.drop_request().is_some(), Ordering::Release);
    }

    /// Blocks until `me` holds the GIL. Returns `false` (without the GIL) if the run was cancelled.
    pub fn take(&self, me: ThreadId) -> bool {
        self.take_noting(me, &mut |_, _| {})
    }

    /// [`take`](Self::take), telling `on_request(at_ms, holder)` each time this waiter sets the drop
    /// request (a whole interval passed with no hand-over), and whom it asked: replay's record.
    pub fn take_noting(&self, me: ThreadId, on_request: &mut dyn FnMut(f64, Option<ThreadId>)) -> bool {
        if !self.enabled {
            return !self.cancel.is_cancelled();
        }
        let mut st = self.lock();
        let mut turn = st.request(me, self.clock.now_ms());
        while let Turn::Wait { until } = turn {
            if self.cancel.is_cancelled() {
                st.leave(me);
                // A drop may have named this thread: the next waiter is named instead, and a dropper in
                // forced switching may have nobody left to wait for.
                self.cond.notify_all();
                self.switch_cond.notify_all();
                return false;
            }
            // Sleep until the interval ends or the GIL is dropped, in slices that look at the cancel flag.
            let left = until - self.clock.now_ms();
            if left > 0.0 {
                let wait = SLICE.min(Duration::from_secs_f64(left / 1000.0));
                st = self.cond.wait_timeout(st, wait).unwrap_or_else(|e| e.into_inner()).0;
            }
            let (next, asked) = st.poll(me, self.clock.now_ms());
            if let Some(r) = asked {
                self.publish(&st);
                on_request(r.at_ms, Some(r.holder));
            }
            turn = next;
        }
        // Taken: the request is spent, and a dropper waiting for the switch may go on.
        self.publish(&st);
        self.switch_cond.notify_all();
        true
    }

    /// Drops the GIL (around a blocking call or C code that releases it, or at the end of the work); the
    /// longest waiter takes it next. With a drop request pending it waits until that thread has taken the
    /// GIL (forced switching).
    pub fn drop_gil(&self, me: ThreadId) {
        self.release(me, DropReason::Io);
    }

    fn release(&self, me: ThreadId, why: DropReason) {
        if !self.enabled {
            return;
        }
        let mut st = self.lock();
        debug_assert_eq!(st.holder(), Some(me), "only the holder drops the GIL");
        let released = st.release(me, why);
        self.publish(&st);
        if released.next.is_some() {
            self.cond.notify_all();
        }
        while released.must_wait && st.awaits_switch(me) && !self.cancel.is_cancelled() {
            st = self.switch_cond.wait_timeout(st, SLICE).unwrap_or_else(|e| e.into_inner()).0;
        }
    }

    /// The eval breaker, between chunks of Python work: if another thread asked for the GIL, let it
    /// run and queue for the GIL again. Returns `None` if nothing was asked, otherwise whether the GIL
    /// is held again (`false`: the run was cancelled meanwhile).
    #[inline]
    pub fn check(&self, me: ThreadId) -> Option<bool> {
        self.check_noting(me, &mut |_, _| {})
    }

    /// [`check`](Self::check), telling `on_request` of the drop requests this thread makes while it
    /// queues for the GIL again (see [`take_noting`](Self::take_noting)).
    #[inline]
    pub fn check_noting(&self, me: ThreadId, on_request: &mut dyn FnMut(f64, Option<ThreadId>)) -> Option<bool> {
        if !self.enabled || !self.drop_request.load(Ordering::Acquire) {
            return None;
        }
        self.release(me, DropReason::Switch);
        Some(self.take_noting(me, on_request))
    }
}
