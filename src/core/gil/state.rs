//! The GIL's rules as one state machine on a clock: who holds it, who waits and in what order, when a
//! waiter asks the holder to drop it, and who takes it next. Nothing here blocks, sleeps or reads a
//! clock: every decision is a plain call that is told the time (`now`, ms), so the real-thread runner
//! ([`super::Gil`]), a single-threaded scheduler and the tests (on a clock they move) all drive the same
//! rules.
//!
//! The rules are CPython's "new GIL" (`Python/ceval_gil.c`, 3.2 to 3.14):
//! - A thread that asks for a free GIL takes it ([`GilState::request`] answers [`Turn::Granted`]).
//! - Otherwise it waits up to the *switch interval* (`sys.getswitchinterval()`, [`Turn::Wait`] until the
//!   interval's end). If the interval passes with no switch (no other thread took the GIL meanwhile), it
//!   sets the *drop request*, naming the holder it asks ([`GilState::poll`], [`GilState::tick`]); then it
//!   waits another interval, and asks again if still nothing happened.
//! - The holder looks at the request between bytecodes (CPython's eval breaker; here between chunks of
//!   work: [`GilState::check`]) and drops the GIL ([`GilState::release`]). Because of *forced switching*
//!   it then waits until another thread has actually taken it ([`GilState::awaits_switch`]), so it cannot
//!   grab it straight back.
//! - A thread drops the GIL around every blocking call (I/O, `time.sleep`) and around C code that
//!   releases it (NumPy's loops, hashlib, zlib): with no request pending, a waiter takes it at once and
//!   the dropper waits for nothing. (CPython's `drop_gil` does not ask why it is called: with a request
//!   pending, a drop for I/O waits for the switch too.)
//!
//! Where the model departs from CPython, on purpose:
//! - **Who takes the GIL on a drop.** In CPython whichever thread locks the GIL's mutex first: the waiter
//!   the drop woke, or a thread that just came back from I/O and never waited. Here it is deterministic:
//!   the waiter that has waited longest (first in, first out) is named at the drop
//!   ([`Released::next`]) and nobody else may take it before that waiter has; a thread that asks
//!   meanwhile queues. The naming is the switch (CPython counts it at the take).
//! - **A holder that drops on request queues again as the switch happens**, its interval starting then
//!   (CPython: it calls `take_gil` when its forced wait ends, a wake-up later).
//! - So the convoy effect forms at every call of an I/O thread once a CPU-bound thread is computing,
//!   however late the operating system wakes either thread (in CPython it almost always forms: 196 ms for
//!   200 calls on this machine).
//! - A hand-over takes no time here; a real thread takes a wake-up to notice it (the bench measures it).
//!
//! # Driving it
//! A driver keeps, per thread, what it is doing, and calls the state machine at each point where CPython
//! would look at the GIL:
//! - a thread that needs the GIL (to start Python, after a blocking call) calls [`request`](GilState::request);
//!   when told to wait, it calls [`poll`](GilState::poll) when its `until` comes or the GIL was dropped
//!   (and stops waiting when [`Turn::Granted`]);
//! - the holder calls [`check`](GilState::check) between chunks, and [`release`](GilState::release) to
//!   drop (asked, before a blocking call, around C code, at the end of its work); after a release with
//!   `must_wait`, it waits while [`awaits_switch`](GilState::awaits_switch), then (asked) requests the GIL
//!   again, or (for I/O) makes its call;
//! - a cancelled waiter calls [`leave`](GilState::leave).
//!
//! The real-thread runner ([`super::Gil`]) holds a `GilState` in a mutex: each thread drives its own part
//! and sleeps on a condition variable until its `until` or a drop. The single build (no shared memory)
//! is to run `threads-gil`'s threads cooperatively on one real thread with the same rules: its scheduler
//! runs one thread at a time and never sleeps inside a thread. Between two chunks of the thread it runs,
//! it calls [`tick`](GilState::tick) (a waiter's interval passes whether or not that waiter runs), then
//! `check`; on a drop it runs [`Released::next`] next; when no thread can run, it waits until the earliest
//! of [`next_deadline`](GilState::next_deadline) and the next I/O completion. Forced switching needs
//! nothing more there: the dropper is not run until `next` has taken the GIL. The tests drive it the same
//! way on a virtual clock (`tests/scripted.rs`).

use crate::core::events::DropReason;
use crate::core::workload::CHUNK_MS;
use std::collections::VecDeque;

/// Identifies a Python thread to the GIL (its index in the pool).
pub type ThreadId = usize;

/// The answer to a thread that wants the GIL.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Turn {
    /// The thread holds the GIL: it may run Python.
    Granted,
    /// Not yet. Ask again ([`GilState::poll`]) at `until` (the end of this thread's switch interval), or
    /// as soon as the GIL is dropped.
    Wait { until: f64 },
}

/// A waiter asking the holder to drop the GIL: its interval passed with no switch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DropRequest {
    /// The waiter that asked.
    pub by: ThreadId,
    /// The holder it asked.
    pub holder: ThreadId,
    pub at_ms: f64,
}

/// What a drop decided.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Released {
    /// The waiter that takes the GIL next: the one that has waited longest. `None`: nobody waits, the GIL
    /// is free for whoever asks first.
    pub next: Option<ThreadId>,
    /// Forced switching: the dropper answered a drop request, so it may not ask for the GIL again until
    /// `next` has taken it ([`GilState::awaits_switch`]).
    pub must_wait: bool,
}

#[derive(Clone, Copy, Debug)]
struct Forced {
    thread: ThreadId,
    /// The takes counted at its drop: the next take is the switch it waits for.
    takes: u64,
    /// It dropped the GIL on request, to run Python again: it queues as the switch happens.
    queues: bool,
}

#[derive(Clone, Copy, Debug)]
struct Waiter {
    thread: ThreadId,
    /// The switch number when this interval began: a waiter asks only if no switch happened since.
    saved: u64,
    /// When this interval ends.
    deadline: f64,
}

/// One interpreter's GIL, as state. Free-threaded Python has none ([`GilState::free_threaded`]):
/// every thread is granted at once and never asked to drop anything.
#[derive(Clone, Debug)]
pub struct GilState {
    enabled: bool,
    interval_ms: f64,
    holder: Option<ThreadId>,
    /// The thread that held it last (CPython's `gil->last_holder`), or was named to take it next.
    last_holder: Option<ThreadId>,
    /// Counts switches: the GIL going to a thread other than its last holder. A drop that names a waiter
    /// is the switch (the waiter's own take is not another one), so a thread that queues between the
    /// drop and that take waits for a holder that has not switched.
    switch_number: u64,
    /// Threads waiting for the GIL, the longest-waiting first.
    waiters: VecDeque<Waiter>,
    /// The waiter named by the last drop: the GIL is free, and only it may take it.
    next: Option<ThreadId>,
    /// The pending drop request (the eval breaker's bit), if any.
    drop_request: Option<DropRequest>,
    /// Counts takes, for forced switching.
    takes: u64,
    /// A dropper in forced switching.
    forced: Option<Forced>,
    forced_switches: u64,
}

impl GilState {
    /// A GIL with CPython's rules; `switch_interval_ms` is `sys.getswitchinterval()` in ms (default 5).
    pub fn new(switch_interval_ms: f64) -> Self {
        GilState {
            enabled: true,
            interval_ms: switch_interval_ms,
            holder: None,
            last_holder: None,
            switch_number: 0,
            waiters: VecDeque::new(),
            next: None,
            drop_request: None,
            takes: 0,
            forced: None,
            forced_switches: 0,
        }
    }

    /// No GIL at all (free-threaded CPython, `python3.14t`): every request is granted at once.
    pub fn free_threaded() -> Self {
        GilState { enabled: false, ..GilState::new(5.0) }
    }

    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// `sys.getswitchinterval()`, in ms.
    pub fn interval_ms(&self) -> f64 {
        self.interval_ms
    }

    /// How long the holder computes between two looks at the eval breaker, ms: the lab's chunk
    /// ([`CHUNK_MS`]), or half the switch interval under a shorter one, so that a drop request is heard in
    /// time (CPython looks every few bytecodes, far more often than any interval).
    pub fn chunk_ms(&self) -> f64 {
        if self.enabled {
            CHUNK_MS.min(self.interval_ms / 2.0)
        } else {
            CHUNK_MS
        }
    }

    /// The thread that holds the GIL now.
    pub fn holder(&self) -> Option<ThreadId> {
        self.holder
    }

    /// How many times the GIL went to a thread other than its last holder.
    pub fn switch_number(&self) -> u64 {
        self.switch_number
    }

    /// The threads waiting for the GIL, in the order they take it: the one named by the last drop first.
    pub fn waiters(&self) -> Vec<ThreadId> {
        self.next.into_iter().chain(self.waiters.iter().map(|w| w.thread)).collect()
    }

    /// The pending drop request, if any.
    pub fn drop_request(&self) -> Option<DropRequest> {
        self.drop_request
    }

    /// How many drops answered a drop request.
    pub fn forced_switches(&self) -> u64 {
        self.forced_switches
    }

    /// When the earliest waiter's interval ends: the next moment a drop request may be set.
    pub fn next_deadline(&self) -> Option<f64> {
        self.waiters.iter().map(|w| w.deadline).reduce(f64::min)
    }

    /// Thread `me` asks for the GIL at `now` (to run Python). Granted if it is free and nobody was named
    /// to take it; otherwise `me` queues behind the other waiters and its switch interval starts.
    pub fn request(&mut self, me: ThreadId, now: f64) -> Turn {
        if !self.enabled || self.holder == Some(me) {
            return Turn::Granted;
        }
        if self.forced.is_some_and(|f| f.thread == me) {
            self.forced = None;
        }
        // Free and nobody named: whoever asks first takes it (nobody waits then: a drop names a waiter).
        if self.next == Some(me) || (self.holder.is_none() && self.next.is_none()) {
            self.take(me, now);
            return Turn::Granted;
        }
        if let Some(w) = self.waiters.iter().find(|w| w.thread == me) {
            return Turn::Wait { until: w.deadline };
        }
        let deadline = now + self.interval_ms;
        self.waiters.push_back(Waiter { thread: me, saved: self.switch_number, deadline });
        Turn::Wait { until: deadline }
    }

    /// A waiting thread looks again at `now`: it takes the GIL if a drop named it; if its interval has
    /// passed, it sets the drop request (returned) when no switch happened meanwhile, and starts another
    /// interval either way.
    pub fn poll(&mut self, me: ThreadId, now: f64) -> (Turn, Option<DropRequest>) {
        if !self.enabled || self.holder == Some(me) {
            return (Turn::Granted, None);
        }
        if self.next == Some(me) {
            self.take(me, now);
            return (Turn::Granted, None);
        }
        let Some(i) = self.waiters.iter().position(|w| w.thread == me) else {
            return (self.request(me, now), None);
        };
        let asked = if now >= self.waiters[i].deadline { self.interval_passed(i, now) } else { None };
        (Turn::Wait { until: self.waiters[i].deadline }, asked)
    }

    /// Every waiter whose interval has passed by `now` does what [`poll`](Self::poll) would: the drop
    /// requests set, in the waiters' order. For a driver that does not run each waiter by itself.
    pub fn tick(&mut self, now: f64) -> Vec<DropRequest> {
        let mut asked = Vec::new();
        for i in 0..self.waiters.len() {
            if now >= self.waiters[i].deadline {
                asked.extend(self.interval_passed(i, now));
            }
        }
        asked
    }

    /// The eval breaker, between chunks of the holder's work: has a waiter asked `me` to drop the GIL?
    pub fn check(&self, me: ThreadId) -> bool {
        self.enabled && self.holder == Some(me) && self.drop_request.is_some_and(|r| r.holder == me)
    }

    /// The holder `me` drops the GIL, for `why`: asked to ([`DropReason::Switch`]), before a blocking call,
    /// around C code that releases it, or at the end of its work. The waiter that has waited longest is
    /// named to take it. A holder that drops on request wants the GIL back to go on with its Python: it
    /// queues for it as the named waiter takes it (CPython: it calls `take_gil` as its forced wait ends),
    /// so it is first in line behind the threads that were already waiting.
    pub fn release(&mut self, me: ThreadId, why: DropReason) -> Released {
        if !self.enabled || self.holder != Some(me) {
            debug_assert!(!self.enabled, "only the holder drops the GIL");
            return Released { next: None, must_wait: false };
        }
        self.holder = None;
        // CPython resets the request as the dropper starts its forced wait.
        let asked = self.drop_request.take().is_some_and(|r| r.holder == me);
        self.forced_switches += u64::from(asked);
        self.name_next();
        let must_wait = asked && self.next.is_some();
        self.forced = must_wait.then_some(Forced { thread: me, takes: self.takes, queues: why == DropReason::Switch });
        Released { next: self.next, must_wait }
    }

    /// Forced switching: whether `me`, having dropped the GIL on request, must still wait because no
    /// other thread has taken it yet. It waits for nothing once nobody is left to take it.
    pub fn awaits_switch(&self, me: ThreadId) -> bool {
        self.forced.is_some_and(|f| f.thread == me && f.takes == self.takes) && self.next.is_some()
    }

    /// `me` gives up waiting (the run was cancelled). If a drop had named it, the next waiter is named.
    pub fn leave(&mut self, me: ThreadId) {
        self.waiters.retain(|w| w.thread != me);
        if self.next == Some(me) {
            self.name_next();
        }
        if self.forced.is_some_and(|f| f.thread == me) {
            self.forced = None;
        }
    }

    /// The GIL is free: the longest waiter is named to take it (a switch), if anyone waits.
    fn name_next(&mut self) {
        self.next = self.waiters.pop_front().map(|w| w.thread);
        if let Some(n) = self.next {
            self.switch_to(n);
        }
    }

    fn switch_to(&mut self, t: ThreadId) {
        if self.last_holder != Some(t) {
            self.last_holder = Some(t);
            self.switch_number += 1;
        }
    }

    fn take(&mut self, me: ThreadId, now: f64) {
        self.waiters.retain(|w| w.thread != me);
        if self.next == Some(me) {
            self.next = None;
        }
        self.holder = Some(me);
        self.takes += 1;
        self.switch_to(me);
        // The switch a dropper on request waited for: it queues now, its interval starting.
        if let Some(f) = self.forced.filter(|f| f.queues && f.takes + 1 == self.takes && f.thread != me) {
            self.waiters.push_back(Waiter { thread: f.thread, saved: self.switch_number, deadline: now + self.interval_ms });
        }
        // The new holder was not the one asked: the request is spent (a waiter asks again after its
        // own interval).
        self.drop_request = None;
    }

    /// Waiter `i`'s interval has passed at `now`: ask the holder to drop the GIL if nobody took it
    /// meanwhile, and start the next interval.
    fn interval_passed(&mut self, i: usize, now: f64) -> Option<DropRequest> {
        let w = self.waiters[i];
        let asked = match self.holder {
            Some(holder) if w.saved == self.switch_number => Some(DropRequest { by: w.thread, holder, at_ms: now }),
            _ => None,
        };
        if asked.is_some() {
            self.drop_request = asked;
        }
        self.waiters[i].saved = self.switch_number;
        self.waiters[i].deadline = now + self.interval_ms;
        asked
    }
}
