//! Free-threaded Python's single-thread cost (`free-threaded`, `freeThreadedOverheadPct`), paid by the
//! pool's CPU work chunk by chunk (`cpu.rs`): in the pool, which runs it, rather than in the mode's file,
//! which starts the pool.

/// The free-threaded build's extra cost as it accrues: each chunk of work adds its share, and the debt is
/// paid in real CPU work once it is worth a clock's resolution many times over (a browser's clock ticks
/// in microseconds; paying a microsecond at a time would overshoot every payment to the next tick). What
/// was paid is measured, so an overshoot is taken off the next payment.
#[derive(Default)]
pub struct Overhead {
    owed_ms: f64,
}

/// Debt paid at once, ms: 50 clock ticks of the browser's 5 us.
const PAY_FROM_MS: f64 = 0.25;

impl Overhead {
    /// Adds `ms` of debt, and pays it when it has grown large enough, or all of it when `settle` (the work
    /// has ended).
    pub fn accrue(&mut self, ms: f64, settle: bool, now: &dyn Fn() -> f64) {
        self.owed_ms += ms.max(0.0);
        if self.owed_ms >= PAY_FROM_MS || (settle && self.owed_ms > 0.0) {
            self.owed_ms -= spend(self.owed_ms, now);
        }
    }
}

/// Spends about `ms` of real CPU work whose result is thrown away: the free-threaded interpreter's extra
/// cost per unit of Python work (reference counting with atomics, per-object locks), beside the work
/// itself. The work is plain arithmetic kept from being optimised away; it never touches the task's
/// value. Returns the time it took.
pub fn spend(ms: f64, now: &dyn Fn() -> f64) -> f64 {
    if !(ms > 0.0) {
        return 0.0;
    }
    let start = now();
    let until = start + ms;
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    while now() < until {
        for _ in 0..64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }
        std::hint::black_box(x);
    }
    now() - start
}
