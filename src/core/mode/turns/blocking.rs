//! Blocking calls on a turns thread: a request or a sleep is a real future of the engine's loop (the
//! waits overlap); a short call is a wait on the clock while the others run, or spun out when nothing
//! else can run.

use super::cpu::ENGINE_TURN_EVERY_MS;
use super::scheduler::{Hop, Later};
use super::shared::Pool;
use crate::core::events::DropReason;
use crate::core::gil::ThreadId;
use crate::core::mode::steps;
use crate::core::platform::{IoError, LocalFuture};
use crate::core::record::{SpanKind, TaskRecorder};

impl Pool<'_> {
    /// Whether a thread's short blocking call ended before `now`, when thread `me`'s chunk ends (it should
    /// ask for the GIL first). Things of one instant happen in the threads' order, as in the scripted model.
    pub(super) fn blocked_due(&self, now: f64, me: ThreadId) -> bool {
        self.first_back(now).is_some_and(|(u, t)| (u, t) < (now, me))
    }

    /// Of the threads whose short blocking call has ended by `now`, the one whose call ended first (the
    /// first in the threads' order, of those that ended at one instant), with when: it asks first.
    pub(super) fn first_back(&self, now: f64) -> Option<(f64, ThreadId)> {
        let slots = self.slots.borrow();
        let back = slots.iter().enumerate().filter_map(|(t, s)| s.blocked_until.filter(|&u| u <= now).map(|u| (u, t)));
        back.min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
    }

    /// Whether another thread holds the GIL or is to take it: something else runs Python.
    pub(super) fn others_run(&self) -> bool {
        let gil = self.gil.borrow();
        gil.holder().is_some() || !gil.waiters().is_empty()
    }

    /// A blocking call: drop the GIL, make the call (`call` starts it once the GIL is dropped), take the
    /// GIL back to handle its result.
    pub(super) async fn blocking<'f>(
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
    pub(super) async fn blocking_calls(&self, me: ThreadId, rec: &mut TaskRecorder, held: &mut bool, calls: u32, us: u32) -> Result<u64, IoError> {
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
    pub(super) async fn block(&self, me: ThreadId, us: u32) -> Result<u64, IoError> {
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
