//! One timeline for the threads of one memory, whatever each thread's clock says.
//!
//! In the browser each worker's clock is `performance.timeOrigin + performance.now()`, and each worker's
//! `timeOrigin` is the browser's own estimate, made once as the worker starts, of where its monotonic
//! clock stands against the wall clock. On a busy machine that estimate can be off by milliseconds (the
//! two clock reads behind it are taken a preemption apart): measured here, two pool threads 2.5 ms apart
//! for a page's whole life, so a GIL hand-over showed the thread that took the GIL starting to run
//! before the one that dropped it had stopped.
//!
//! The fix reads clocks by cause and effect. Every reading of any thread of the memory is published in
//! one atomic, `latest`; a thread whose own reading is earlier than a reading already published (by a
//! thread that read before it, in real time: the atomic orders them) knows its clock is behind, by at
//! least that much, and moves its own offset forward by it. So a stamp taken after another thread's
//! stamp (a GIL taken after it was dropped) is never earlier than it. A reading can also be earlier only
//! because the thread was preempted between reading its clock and comparing (another thread read and
//! published meanwhile): so a deficit is judged on a second reading, taken after `latest` was seen; only
//! a clock still behind then is corrected, and by what the second reading lacks. Corrected by the first
//! reading, every preemption on a busy machine moved a thread's clock forward by the time it lost, and
//! the others after it: the engine's timeline ran ahead of the real clock by 4-93 ms after some hundreds
//! of runs on a shared machine (seen as `processes`' start spans, timed on a process's own clock, read
//! negative). A deficit under [`SLACK_MS`] is left
//! alone: aligned clocks disagree by the browser's clamping of `now()` (5 µs where the page is isolated),
//! and correcting those would only ratchet every clock forward. Each thread's clock still only moves
//! forward, and time within a thread is its own clock's (an offset changes only by a whole correction).

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

/// A thread's reading earlier than the latest published by this much or more is corrected. Ten times
/// `performance.now()`'s clamp in an isolated page, and under the end-to-end tests' 0.05 ms tolerance.
pub const SLACK_MS: f64 = 0.04;

/// The latest reading any thread of this memory published (`f64` bits; 0 = none yet).
pub struct Aligned {
    latest: AtomicU64,
}

impl Default for Aligned {
    fn default() -> Self {
        Self::new()
    }
}

impl Aligned {
    pub const fn new() -> Self {
        Self { latest: AtomicU64::new(0) }
    }

    /// The time on the shared timeline for a thread whose own clock reads `own()` and whose correction so
    /// far is `behind` (that thread's own cell, which this may raise). No thread's correction ever takes it
    /// past the clock furthest ahead: each is what a reading taken after another's lacks of it.
    pub fn read(&self, own: impl Fn() -> f64, behind: &Cell<f64>) -> f64 {
        let mut t = own() + behind.get();
        let mut seen = self.latest.load(Ordering::Acquire);
        loop {
            let latest = f64::from_bits(seen);
            if t < latest {
                if latest - t < SLACK_MS {
                    // Within the clamp's noise: this reading stands, and `latest` stays the later one.
                    return t;
                }
                // Read again, now that `latest` is known to be published: if this thread was only
                // preempted after its first reading, the second is not behind.
                let again = own() + behind.get();
                if latest - again >= SLACK_MS {
                    behind.set(behind.get() + (latest - again));
                    return latest;
                }
                if again < latest {
                    return again;
                }
                t = again;
            }
            match self.latest.compare_exchange_weak(seen, t.to_bits(), Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return t,
                Err(now) => seen = now,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn a_thread_whose_clock_is_behind_is_moved_forward_at_its_first_reading_after_another_threads() {
        let clock = Aligned::new();
        let (a, b) = (Cell::new(0.0), Cell::new(0.0));
        // True time 100: A's clock is right, B's reads 2.5 ms early.
        assert_eq!(clock.read(|| 100.0, &a), 100.0);
        // B reads after A (true time 101): its own 98.5 is behind A's published 100.
        assert_eq!(clock.read(|| 98.5, &b), 100.0);
        assert_eq!(b.get(), 1.5);
        // From then on B's readings carry the correction: true 102 reads 101.5 + ... = its own + 1.5.
        assert_eq!(clock.read(|| 99.5, &b), 101.0);
        // A is never moved back, and moves on on its own clock.
        assert_eq!(clock.read(|| 102.0, &a), 102.0);
        assert_eq!(a.get(), 0.0);
    }

    #[test]
    fn a_thread_preempted_between_its_reading_and_the_comparison_is_not_moved() {
        // A reads its clock (100, right), then loses its core; meanwhile B reads 105 (right) and publishes
        // it. A's first reading is behind B's only because it is older: its second reading is not behind,
        // and A's clock stays as it is (corrected by the first, every preemption pushed the timeline on).
        let clock = Aligned::new();
        let (a, b) = (Cell::new(0.0), Cell::new(0.0));
        let reads = Cell::new(0);
        let a_own = || {
            reads.set(reads.get() + 1);
            if reads.get() == 1 {
                assert_eq!(clock.read(|| 105.0, &b), 105.0);
                100.0
            } else {
                106.0
            }
        };
        assert_eq!(clock.read(a_own, &a), 106.0);
        assert_eq!(a.get(), 0.0);
        assert_eq!(b.get(), 0.0);
        // A clock truly behind is still moved, by what its second reading lacks: C reads 101 at 106.5.
        let c = Cell::new(0.0);
        assert_eq!(clock.read(|| 101.0, &c), 106.0);
        assert_eq!(c.get(), 5.0);
    }

    #[test]
    fn the_clamps_noise_moves_nothing() {
        let clock = Aligned::new();
        let (a, b) = (Cell::new(0.0), Cell::new(0.0));
        assert_eq!(clock.read(|| 100.005, &a), 100.005);
        // B's reading 5 µs earlier (one clamp step): it stands, uncorrected, and `latest` keeps A's.
        assert_eq!(clock.read(|| 100.0, &b), 100.0);
        assert_eq!(b.get(), 0.0);
        assert_eq!(clock.read(|| 100.004, &a), 100.004);
        assert_eq!(a.get(), 0.0);
    }

    #[test]
    fn after_a_hand_over_under_a_mutex_the_taker_never_stamps_before_the_dropper() {
        // Two threads with clocks 3 ms apart hand a token to each other 2,000 times, as the GIL does: the
        // holder stamps its end, then hands over; the taker stamps its start once it holds the token.
        let clock = Arc::new(Aligned::new());
        let token = Arc::new(Mutex::new((0usize, 0.0f64))); // (whose turn, the dropper's end stamp)
        let start = std::time::Instant::now();
        let threads: Vec<_> = [0.0, -3.0]
            .into_iter()
            .enumerate()
            .map(|(me, skew)| {
                let (clock, token) = (clock.clone(), token.clone());
                std::thread::spawn(move || {
                    let behind = Cell::new(0.0);
                    let own = || start.elapsed().as_secs_f64() * 1000.0 + 1000.0 + skew;
                    let mut worst = f64::INFINITY;
                    let mut turns = 0;
                    while turns < 1000 {
                        let mut t = token.lock().unwrap();
                        if t.0 != me {
                            drop(t);
                            std::thread::yield_now();
                            continue;
                        }
                        let began = clock.read(&own, &behind);
                        worst = worst.min(began - t.1);
                        let ended = clock.read(&own, &behind);
                        *t = (1 - me, ended);
                        turns += 1;
                    }
                    (worst, behind.get())
                })
            })
            .collect();
        let out: Vec<(f64, f64)> = threads.into_iter().map(|h| h.join().unwrap()).collect();
        for (who, (worst, _)) in out.iter().enumerate() {
            assert!(*worst > -SLACK_MS, "thread {who} stamped its start {worst} ms before the other's end");
        }
        // The thread 3 ms behind was moved forward by about that much; the other not at all.
        assert_eq!(out[0].1, 0.0);
        assert!((2.9..3.2).contains(&out[1].1), "thread 1 moved by {} ms", out[1].1);
    }
}
