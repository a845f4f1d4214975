//! `cpu-primes`: count the primes below N by plain trial division, the loop a learner would write in
//! Python:
//!
//! ```python
//! def is_prime(n):
//!     if n < 2: return False
//!     if n % 2 == 0: return n == 2
//!     d = 3
//!     while d * d <= n:
//!         if n % d == 0: return False
//!         d += 2
//!     return True
//! ```
//!
//! Numbers are 32-bit in every implementation (the lab, the benchmark's JavaScript and Python), so that
//! the comparison is like for like: a 64-bit division is much slower in wasm than a 32-bit one.

use super::calibration::{Calibration, TARGET_MS};
use super::class::Class;
use super::types::{split_range, CpuKernel, FieldInfo, Params, Step, Workload};
#[cfg(test)]
use super::types::CHUNK_MS;

pub struct CpuPrimes;

const SIZE: FieldInfo = FieldInfo {
    name: "size",
    label: "N (count primes below N)",
    min: 2,
    max: 2_000_000_000,
    default: 2_000_000,
    doc: "Count the primes below N; the numbers 0..N are split into one contiguous range per task. \
          The default is calibrated on this machine so that a sequential run takes about 0.6 s.",
};

/// Trial divisions in a millisecond, about, a little under what the development machine does (about
/// 400,000 natively; a 32-bit remainder is the costly part). Chunks are priced at the worst case.
pub(super) const DIVISIONS_PER_MS: f64 = 250_000.0;

/// Numbers tested in a chunk of `ms` starting at `n`, so a chunk stays in its time whatever the numbers'
/// size: testing an odd n costs up to sqrt(n)/2 divisions (a prime), priced at the chunk's far end, and
/// an even one none (`n % 2` ends it), so a chunk of L numbers holds at most L/2 + 1 costly ones. At
/// least one number, at most 8192. (Priced as if every number were a prime, chunks took a tenth of their
/// time and the engine's work between them, a clock read and a Stop check, cost 2 to 3% of a run.)
fn chunk_len(n: u32, ms: f64) -> u32 {
    let worst = (f64::from(n.saturating_add(8192)).sqrt() / 2.0).max(1.0);
    let odd = (ms * DIVISIONS_PER_MS / worst).floor();
    (2.0 * odd - 1.0).clamp(1.0, 8192.0) as u32
}

impl Workload for CpuPrimes {
    fn name(&self) -> &'static str {
        "cpu-primes"
    }
    fn title(&self) -> &'static str {
        "CPU-bound: count primes"
    }
    fn doc(&self) -> &'static str {
        "Pure computation: each task counts the primes in its share of 0..N by trial division. \
         Nothing waits, so only running on several cores at once can make it faster."
    }
    fn class(&self) -> Class {
        Class::Cpu
    }
    fn fields(&self) -> &'static [FieldInfo] {
        &[SIZE]
    }
    fn calibration(&self) -> Option<Calibration> {
        // Trial division up to sqrt(n) for each n, primes rarer as n grows: about N^1.4 from 1e6 to 1e8.
        Some(Calibration { field: "size", probe: 600_000, exponent: 1.4, min: 200_000, max: 200_000_000, target_ms: TARGET_MS })
    }
    fn task(&self, params: &Params, tasks: u32, id: u32) -> Vec<Step> {
        let n = params["size"] as u64;
        let (lo, hi) = split_range(0, n, tasks, id);
        vec![Step::Cpu(Box::new(PrimeCount::new(lo as u32, hi as u32)))]
    }
}

/// Counts primes in `next..end`, a chunk at a time.
pub struct PrimeCount {
    next: u32,
    end: u32,
    count: u64,
}

impl PrimeCount {
    pub fn new(lo: u32, hi: u32) -> Self {
        PrimeCount { next: lo, end: hi, count: 0 }
    }
}

impl CpuKernel for PrimeCount {
    fn step(&mut self, ms: f64) -> Option<u64> {
        let stop = self.end.min(self.next.saturating_add(chunk_len(self.next, ms)));
        self.count += u64::from(super::kernels::count_primes(self.next, stop));
        self.next = stop;
        (self.next >= self.end).then_some(self.count)
    }

    fn step_in(&mut self, interp: &mut dyn crate::core::platform::interpreter::Interpreter, ms: f64) -> Option<u64> {
        let stop = self.end.min(self.next.saturating_add(chunk_len(self.next, ms)));
        self.count += u64::from(interp.count_primes(self.next, stop));
        self.next = stop;
        (self.next >= self.end).then_some(self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::workload::kernels::is_prime;

    fn count_below(n: i64, tasks: u32) -> u64 {
        let params = Params::from([("size", n)]);
        (0..tasks)
            .map(|id| match CpuPrimes.task(&params, tasks, id).pop() {
                Some(Step::Cpu(mut k)) => loop {
                    if let Some(v) = k.step(CHUNK_MS) {
                        break v;
                    }
                },
                _ => unreachable!(),
            })
            .sum()
    }

    #[test]
    fn known_prime_counts() {
        // pi(10) = 4, pi(100) = 25, pi(10^4) = 1229, pi(10^6) = 78498.
        assert_eq!(count_below(2, 1), 0);
        assert_eq!(count_below(3, 1), 1);
        assert_eq!(count_below(10, 3), 4);
        assert_eq!(count_below(100, 7), 25);
        assert_eq!(count_below(10_000, 8), 1229);
        assert_eq!(count_below(1_000_000, 13), 78_498);
    }

    #[test]
    fn the_split_does_not_change_the_count() {
        for tasks in [1, 2, 5, 64, 1000] {
            assert_eq!(count_below(30_000, tasks), 3245);
        }
    }

    #[test]
    fn chunks_are_bounded_in_work_at_every_size() {
        // The worst case (every number a prime) of a chunk stays within its time, at any N, for the
        // standard chunk and for the short one a 0.1 ms switch interval asks for; one number is the least.
        for ms in [CHUNK_MS, 0.05] {
            for start in [0u32, 1_000, 1_000_000, 100_000_000, 1_999_000_000] {
                // Every odd number a prime (the worst case); an even number costs no division.
                let worst = (start..start.saturating_add(chunk_len(start, ms))).filter(|n| n % 2 == 1).map(|n| f64::from(n).sqrt() / 2.0).sum::<f64>();
                assert!(worst <= ms * DIVISIONS_PER_MS * 1.01 || chunk_len(start, ms) == 1, "a chunk of {ms} ms from {start} may cost {worst} divisions");
            }
        }
        assert!(chunk_len(0, CHUNK_MS) >= 1000, "small numbers go by the thousand");
        assert_eq!(chunk_len(1_999_999_000, 0.05), 1);
        assert!(chunk_len(1_999_999_000, CHUNK_MS) >= 5);
    }

    #[test]
    fn largest_numbers_do_not_overflow() {
        // 1999999973 is the largest prime below 2e9.
        assert!(is_prime(1_999_999_973));
        assert!(!is_prime(1_999_999_999));
        assert!(is_prime(2) && !is_prime(1) && !is_prime(0) && !is_prime(9));
    }
}
