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

#[cfg(test)]
mod tests {
    /// A clock that moves only when it is read: `step` ms per reading, as if each reading took that long.
    fn stepping_clock(step: f64) -> impl Fn() -> f64 {
        let t = std::cell::Cell::new(0.0_f64);
        move || {
            t.set(t.get() + step);
            t.get()
        }
    }

    #[test]
    fn the_debt_is_paid_in_proportion_to_the_work_and_settled_at_the_end() {
        // 1000 chunks of 0.1 ms at 8%: 8 ms owed, paid as it goes in payments of at least PAY_FROM_MS,
        // the rest at settle.
        let now = stepping_clock(0.001);
        let mut owed = super::Overhead::default();
        let start = now();
        for _ in 0..500 {
            owed.accrue(0.1 * 0.08, false, &now);
        }
        // Half way, half is paid already (not all of it at the end), and what is still owed is less
        // than one payment.
        let halfway = now() - start;
        assert!((halfway - 4.0).abs() < super::PAY_FROM_MS + 0.05, "4 ms owed half way, {halfway:.3} ms paid");
        assert!(owed.owed_ms < super::PAY_FROM_MS, "still owed half way: {}", owed.owed_ms);
        for i in 500..1000 {
            owed.accrue(0.1 * 0.08, i == 999, &now);
        }
        let paid = now() - start;
        assert!((paid - 8.0).abs() < 0.05, "8 ms owed, {paid:.3} ms paid");
        assert!(owed.owed_ms <= 0.0 && owed.owed_ms > -0.01, "nothing left owed once settled: {}", owed.owed_ms);
        // Too little to be worth paying yet is carried, not paid nor lost.
        let mut small = super::Overhead::default();
        small.accrue(0.1, false, &now);
        assert!((small.owed_ms - 0.1).abs() < 1e-12);
        // A clock that ticks every 0.3 ms (time runs on underneath it, 1 us a reading): a payment ends at
        // the tick past what it owed. 100 debts of 0.5 ms: 50 ms owed, and what was spent stays within
        // about two ticks of it (the first reading's tick, the last overshoot), as each overshoot is taken
        // off the next payment; paying each in full would spend up to 30 ms more.
        let fine = stepping_clock(0.001);
        let coarse = || (fine() / 0.3).floor() * 0.3;
        let mut o = super::Overhead::default();
        let before = fine();
        for i in 0..100 {
            o.accrue(0.5, i == 99, &coarse);
        }
        let spent = fine() - before;
        assert!(o.owed_ms <= 0.0 && o.owed_ms > -0.31, "an overshoot is carried as credit: {:.2}", o.owed_ms);
        assert!((spent - 50.0).abs() < 0.65, "50 ms owed, {spent:.2} ms spent");
    }
}
