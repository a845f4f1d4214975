//! The GIL on a turns thread: taken (a wait, the drop requests made meanwhile), dropped, and handed over
//! at a forced switch, by the same `GilState` the real threads drive.

use super::scheduler::Later;
use super::shared::Pool;
use crate::core::events::DropReason;
use crate::core::gil::{ThreadId, Turn};
use crate::core::mode::pool::{record_drop, record_wait};
use crate::core::record::{SpanKind, TaskRecorder};

impl Pool<'_> {
    /// Takes the GIL for thread `me`, recording the wait. `false`: a Stop came first.
    pub(super) async fn take_gil(&self, me: ThreadId, rec: &mut TaskRecorder) -> bool {
        self.take_gil_from(me, rec, None).await
    }

    /// [`take_gil`](Self::take_gil), asking now or, `back`, when a short blocking call ended.
    pub(super) async fn take_gil_from(&self, me: ThreadId, rec: &mut TaskRecorder, back: Option<f64>) -> bool {
        let (start, at) = back.map_or_else(|| (self.now(), self.rule_now()), |t| (t, t));
        let held = self.acquire(me, at).await;
        let end = self.now();
        rec.span(SpanKind::GilWait, start, end);
        self.note_wait(me, rec, start, end, held);
        held
    }

    /// Thread `me` asks for the GIL and waits until it holds it (`false`: a Stop came first). A waiter's
    /// drop requests are made by the holder's [`tick`](Self::tick) between its chunks, or here.
    pub(super) async fn acquire(&self, me: ThreadId, at: f64) -> bool {
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
    pub(super) async fn drop_gil(&self, me: ThreadId, rec: &mut TaskRecorder, reason: DropReason) {
        record_drop(rec, None, self.now(), reason);
        let released = self.gil.borrow_mut().release(me, reason);
        self.changed();
        if released.must_wait {
            self.switched(me).await;
        }
    }

    /// Forced switching: waits until another thread has taken the GIL `me` dropped on request.
    pub(super) async fn switched(&self, me: ThreadId) {
        while !self.stopped() && self.gil.borrow().awaits_switch(me) {
            Later::default().await;
        }
    }

    /// The events of one wait, with the drop requests `me` made meanwhile.
    pub(super) fn note_wait(&self, me: ThreadId, rec: &mut TaskRecorder, start: f64, end: f64, held: bool) {
        let requests = std::mem::take(&mut self.slots.borrow_mut()[me].requests);
        let requests: Vec<(f64, Option<String>)> = requests.into_iter().map(|(at, holder)| (at, self.lanes.get(holder).cloned())).collect();
        record_wait(rec, None, start, &requests, end, held);
    }

    /// Every waiter whose interval has passed by `now` sets the drop request (kept for its record), at
    /// the moment its interval ended, as a thread of its own would have (the holder looks between chunks).
    pub(super) fn tick(&self, now: f64) {
        let mut gil = self.gil.borrow_mut();
        let mut slots = self.slots.borrow_mut();
        while let Some(due) = gil.next_deadline().filter(|&d| d <= now) {
            for r in gil.tick(due) {
                slots[r.by].requests.push((r.at_ms, r.holder));
            }
        }
    }
}
