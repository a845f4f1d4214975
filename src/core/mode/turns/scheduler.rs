//! How the turns run: every thread a future, polled round after round in the threads' order until a
//! round changes nothing ([`Turns`]); a thread that must let the others act at this instant hops
//! ([`Hop`]), one that waits for a change looks again later ([`Later`]).

use crate::core::platform::LocalFuture;
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Pending once, waking nobody: the thread looks again in the next round of [`Turns`], which comes
/// when another thread has changed something.
#[derive(Default)]
pub(super) struct Later(bool);

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

/// Pending once, asking to be polled again at once: every thread looks in the next round, in order.
pub(super) type Hop = crate::core::platform::YieldOnce;

/// A round that keeps changing something this often in one poll hands the engine's loop a turn anyway.
pub(super) const MAX_ROUNDS: usize = 256;

/// Polls every thread, round after round, until a round changes nothing (or all have ended).
pub(super) struct Turns<'a> {
    pub(super) threads: Vec<Option<LocalFuture<'a, ()>>>,
    pub(super) changes: &'a Cell<u64>,
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
