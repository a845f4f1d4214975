//! CPU work on a turns thread, in chunks: between them the eval breaker, and now and then a turn of the
//! engine's own event loop.

use super::scheduler::Hop;
use super::shared::Pool;
use crate::core::events::DropReason;
use crate::core::gil::ThreadId;
use crate::core::mode::pool::record_drop;
use crate::core::platform::{IoError, LocalFuture};
use crate::core::record::{SpanKind, TaskRecorder};
use crate::core::workload::types::{CpuKernel, CHUNK_MS};

/// The engine's own event loop gets a turn this often while a thread computes, ms: one chunk, so a Stop,
/// the watchdog and a completed request are heard within one chunk ...
pub const ENGINE_TURN_EVERY_MS: f64 = CHUNK_MS;

/// ... where a turn is cheap. A turn is not free: in WebKitGTK's engine worker a MessageChannel round trip
/// cost 0.25-0.3 ms after half a millisecond of work (Chromium's 0.02), and one every chunk made this mode run
/// CPU work at 0.35-0.6x of `sequential` there (CPython's threads under the GIL run it at about 0.9-1x). The
/// browser's turn is now the cheapest each engine has (`src/web/glue.js`, `engine_turn`: timers, and a post
/// every fifth turn; 0.025 ms on average in WebKitGTK), and the turns are spaced so their mean cost (of the
/// last few, [`TURN_COST_WEIGHT`]) is at most this share of the time: a turn every other chunk in WebKitGTK,
/// every chunk in Chromium and Firefox ...
pub const ENGINE_TURN_SHARE: f64 = 0.03;

/// ... and at least this often, ms: as often as `sequential` gives the loop a turn (a Stop heard within
/// 10 ms in both; a turn as dear as the MessageChannel's in WebKitGTK comes this seldom). While a thread
/// waits on a request or a sleep, a turn every chunk whatever it costs: its completion comes in one.
pub const QUIET_ENGINE_TURN_EVERY_MS: f64 = crate::core::mode::sequential::RESPONSIVE_MS;

/// Each turn's weight in the mean cost of the turns: the browser's turns are not all alike (four timers
/// next to free, then a post of 0.1 ms in WebKitGTK), so one turn's cost would space the next by chance.
pub const TURN_COST_WEIGHT: f64 = 0.125;

/// A clock whose smallest step is this long or longer, ms, cannot time a turn of the loop: a browser's clock
/// outside cross-origin isolation (WebKitGTK's and Firefox's move in 1 ms steps). A turn taken just after the
/// clock has moved (that is when one falls due) reads 0 nearly every time, whatever it costs, and judged by
/// that turns came every chunk. There they come every [`COARSE_ENGINE_TURN_EVERY_MS`] ...
pub const COARSE_CLOCK_STEP_MS: f64 = 0.9;

/// ... two clock steps: the browser's cheap turn costs next to nothing then (0.025 ms in WebKitGTK), and a
/// Stop is heard within two milliseconds or three (it was 10 ms while the turn was a MessageChannel's). One
/// every step (1 ms) cost more in Firefox's course-page frame than the bare turn suggests: the `gil`
/// chapter's threads-gil at 0.95-0.97x of sequential there, against 0.97-0.99x with turns 10 ms apart.
pub const COARSE_ENGINE_TURN_EVERY_MS: f64 = 2.0;

impl Pool<'_> {
    /// CPU work holding the GIL, in chunks; between them (CPython: between bytecodes) the eval breaker,
    /// and now and then a turn of the engine's loop. `until`: the work ends once that task has finished
    /// (`convoy`'s CPU-bound threads), looked at before each chunk.
    pub(super) async fn cpu(&self, me: ThreadId, rec: &mut TaskRecorder, mut kernel: Box<dyn CpuKernel>, until: Option<u32>, held: &mut bool) -> Result<u64, IoError> {
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
    pub(super) async fn engine_turn(&self) {
        let before = self.rule_now();
        self.ctx.io.engine_turn().await;
        let after = self.rule_now();
        self.engine_turn_at.set(after);
        let mean = self.engine_turn_ms.get();
        self.engine_turn_ms.set(mean + (after - before - mean) * TURN_COST_WEIGHT);
    }

    /// Whether the engine's loop should have a turn by `now`: every chunk while a thread waits on the
    /// engine's I/O (its completion comes in a turn) or while a turn costs little; else spaced so the turns'
    /// mean cost is [`ENGINE_TURN_SHARE`] of the time, at most [`QUIET_ENGINE_TURN_EVERY_MS`] apart (and
    /// [`COARSE_ENGINE_TURN_EVERY_MS`] apart on a clock too coarse to time a turn: [`COARSE_CLOCK_STEP_MS`]).
    pub(super) fn engine_turn_due(&self, now: f64) -> bool {
        let every = if self.in_io.get() > 0 {
            ENGINE_TURN_EVERY_MS
        } else if self.clock_step.get().is_finite() && self.clock_step.get() >= COARSE_CLOCK_STEP_MS {
            COARSE_ENGINE_TURN_EVERY_MS
        } else {
            (self.engine_turn_ms.get() / ENGINE_TURN_SHARE).clamp(ENGINE_TURN_EVERY_MS, QUIET_ENGINE_TURN_EVERY_MS)
        };
        now - self.engine_turn_at.get() >= every
    }

    /// `io`, counted as a thread waiting on the engine's I/O while it runs.
    pub(super) async fn waiting_on_io<T>(&self, io: LocalFuture<'_, T>) -> T {
        self.in_io.set(self.in_io.get() + 1);
        let r = io.await;
        self.in_io.set(self.in_io.get() - 1);
        r
    }
}
