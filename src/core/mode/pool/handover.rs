//! The GIL on a pool thread: taken and dropped with the events the timeline shows (waits, drop
//! requests, drops and why), and dropped around each blocking call, taken back to handle its result.

use super::shared::PoolRun;
use crate::core::events::{DropReason, EventKind};
use crate::core::gil::ThreadId;
use crate::core::mode::steps;
use crate::core::platform::{BlockingIo, IoError};
use crate::core::record::{SpanKind, TaskRecorder};

impl PoolRun {
    /// Takes the GIL (if any), recording the wait. `false`: cancelled while waiting.
    pub(super) fn take_gil(&self, me: ThreadId, rec: &mut TaskRecorder) -> bool {
        let Some(gil) = self.gil_of(me).filter(|g| g.is_enabled()) else { return !self.cancel.is_cancelled() };
        let start = self.now();
        let mut requests = Vec::new();
        let held = gil.take_noting(me, &mut |at, holder| requests.push((at, holder)));
        let end = self.now();
        rec.span(SpanKind::GilWait, start, end);
        self.note_wait(me, rec, start, &requests, end, held);
        held
    }

    /// The events of one wait for the GIL: asked at `start`, the drop requests this thread made meanwhile
    /// (and whom they asked), then taken at `end` (or given up: a Stop).
    pub(super) fn note_wait(&self, me: ThreadId, rec: &mut TaskRecorder, start: f64, requests: &[(f64, Option<ThreadId>)], end: f64, held: bool) {
        let requests: Vec<(f64, Option<String>)> = {
            let lanes = self.lanes.lock().unwrap_or_else(|e| e.into_inner());
            requests.iter().map(|&(at, holder)| (at, holder.and_then(|h| lanes.get(h).cloned()))).collect()
        };
        record_wait(rec, self.gil_name(me), start, &requests, end, held);
    }

    /// The name of thread `me`'s GIL in events: its interpreter's lane under `interpreters`, none for the
    /// process's one GIL.
    pub(super) fn gil_name(&self, me: ThreadId) -> Option<String> {
        if self.lane_gils.is_empty() {
            return None;
        }
        self.lanes.lock().unwrap_or_else(|e| e.into_inner()).get(me).cloned()
    }

    /// Drops the GIL (if any), recording why.
    pub(super) fn drop_gil(&self, me: ThreadId, rec: &mut TaskRecorder, reason: DropReason) {
        if let Some(gil) = self.gil_of(me) {
            if gil.is_enabled() {
                record_drop(rec, self.gil_name(me), self.now(), reason);
            }
            gil.drop_gil(me);
        }
    }

    /// Short blocking calls one after another (`convoy`'s I/O thread), each timed from its start until
    /// the thread holds the GIL again: the call itself, then the wait to win the GIL back.
    pub(super) fn blocking_calls(&self, me: ThreadId, rec: &mut TaskRecorder, held: &mut bool, calls: u32, us: u32) -> Result<u64, IoError> {
        for _ in 0..calls {
            if self.cancel.is_cancelled() {
                return Err(IoError::Cancelled);
            }
            let start = self.now();
            self.blocking(me, rec, held, steps::block_text(us), |io| {
                io.block_us(us);
                Ok(0)
            })?;
            rec.add_call(self.now() - start);
        }
        Ok(u64::from(calls))
    }

    /// A blocking call: drop the GIL, wait, take it back.
    pub(super) fn blocking(
        &self,
        me: ThreadId,
        rec: &mut TaskRecorder,
        held: &mut bool,
        text: String,
        call: impl FnOnce(&dyn BlockingIo) -> Result<u64, IoError>,
    ) -> Result<u64, IoError> {
        self.drop_gil(me, rec, DropReason::Io);
        *held = false;
        let start = self.now();
        rec.io_text(text, false);
        let r = call(self.io.as_ref());
        rec.span(SpanKind::IoWait, start, self.now());
        if !matches!(r, Err(IoError::Cancelled)) {
            // The exception (or the result) is handled in Python code: the GIL is needed again.
            *held = self.take_gil(me, rec);
            if !*held {
                return Err(IoError::Cancelled);
            }
        }
        r
    }
}

/// The events of one wait for a GIL (`gil`: its name under `interpreters`, else none): asked at `start`,
/// the drop requests the waiter made meanwhile with the lane each asked, then taken at `end` (or given up:
/// a Stop). Every runner of the GIL records its waits so (the real threads here, the single build's turns
/// in `mode/turns`), so the timeline and replay read them alike.
pub fn record_wait(rec: &mut TaskRecorder, gil: Option<String>, start: f64, requests: &[(f64, Option<String>)], end: f64, held: bool) {
    rec.event(EventKind::GilWait, start).gil = gil.clone();
    for (at, holder) in requests {
        let e = rec.event(EventKind::GilDropRequest, *at);
        e.gil = gil.clone();
        e.holder = holder.clone();
    }
    rec.event(if held { EventKind::GilTake } else { EventKind::GilWaitEnd }, end).gil = gil;
}

/// The holder dropped a GIL at `at`, for `reason`.
pub fn record_drop(rec: &mut TaskRecorder, gil: Option<String>, at: f64, reason: DropReason) {
    let e = rec.event(EventKind::GilDrop, at);
    e.reason = Some(reason);
    e.gil = gil;
}
