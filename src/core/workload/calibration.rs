//! How a workload's amount of work is calibrated to the machine (its cost model): the workloads declare
//! it, `calibrate.rs` turns what the engine measured into defaults with it.

use serde::Serialize;

/// What a sequential run at the calibrated default should take: long enough that starting worker
/// processes (tens of ms) is a small part, short enough that a Compare of every mode in several rounds
/// stays within about 20 s.
pub const TARGET_MS: f64 = 600.0;

/// How a workload's amount of work is calibrated.
#[derive(Clone, Copy, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Calibration {
    /// The field that sets the amount of work (`size`).
    pub field: &'static str,
    /// The value to time at start-up: a run of a few tens of ms (20-45 ms on the 2-core machine of
    /// 2026-12-08; probes of twice that work read the same defaults within the spread from one fresh page to
    /// the next, and cost a cold start 170 ms more: docs/PERFORMANCE.md).
    pub probe: i64,
    /// The time grows as `value ^ exponent` (trial division up to N: about N^1.4 over this range; an
    /// image's pixels: size^2).
    pub exponent: f64,
    /// The bounds the calibrated value stays in (a readable picture; memory).
    pub min: i64,
    pub max: i64,
    /// The sequential CPU time aimed at, in ms (the spans of kind `run`; waits not counted).
    pub target_ms: f64,
}

impl Calibration {
    /// The value that makes the work take `target_ms`, given that `probe` took `probe_ms`: rounded to two
    /// significant digits and kept in bounds.
    pub fn value_for(&self, probe_ms: f64) -> i64 {
        if !(probe_ms.is_finite() && probe_ms > 0.0) {
            return self.probe;
        }
        let raw = self.probe as f64 * (self.target_ms / probe_ms).powf(1.0 / self.exponent);
        round2(raw).clamp(self.min, self.max)
    }
}

/// Two significant digits: 4,734,112 -> 4,700,000; 873 -> 870.
pub fn round2(x: f64) -> i64 {
    if !(x.is_finite() && x >= 1.0) {
        return 1;
    }
    let digits = x.log10().floor() as i32;
    let unit = 10f64.powi((digits - 1).max(0));
    ((x / unit).round() * unit) as i64
}
