//! Work sized for this machine. The lesson's claims show only when the work is large next to the costs
//! around it (a process's start-up, a timer's resolution) and small enough to wait for. A fixed default
//! cannot be both on a phone and on a workstation, so each CPU workload names the field that sets its
//! amount of work and how the time grows with it; the engine times one small run at start-up and sets
//! the default so that a sequential run takes about [`TARGET_MS`].
//!
//! The defaults found are rounded (two significant digits) and kept by the page per browser profile, so
//! tabs and reloads agree and a share link carries the number.

use super::workload::{self, FieldInfo};
use serde_json::{json, Map, Value};

pub use super::workload::calibration::{round2, Calibration, TARGET_MS};

/// Calibrated defaults, by workload and field. Empty until the engine has calibrated (native tests and
/// the benchmark use the static defaults). One pair per calibrated workload, in the order of
/// `workload::ALL` (a `Vec`, not a `BTreeMap`: issue 25, the map's code in the wasm).
#[derive(Clone, Debug, Default)]
pub struct Defaults(Vec<((&'static str, &'static str), i64)>);

impl Defaults {
    /// The default of `field` of `workload`: calibrated if it was, else the static one.
    pub fn of(&self, workload: &str, field: &FieldInfo) -> i64 {
        self.0.iter().find(|((w, f), _)| *w == workload && *f == field.name).map_or(field.default, |(_, v)| *v)
    }

    pub fn is_calibrated(&self, workload: &str, field: &str) -> bool {
        self.0.iter().any(|((w, f), _)| *w == workload && *f == field)
    }

    /// Reads `{ "cpu-primes": { "size": 4700000 }, ... }`. Only calibrated fields of known workloads are
    /// taken, each kept within its calibration's bounds; anything else (a store from another version) is
    /// ignored rather than trusted.
    pub fn from_json(v: &Value) -> Defaults {
        let mut out = Vec::new();
        for w in workload::ALL {
            let (Some(c), Some(n)) = (w.calibration(), v.get(w.name()).and_then(|o| o.get(w.calibration().map_or("", |c| c.field))).and_then(Value::as_i64))
            else {
                continue;
            };
            if let Some(f) = w.fields().iter().find(|f| f.name == c.field) {
                out.push(((w.name(), f.name), n.clamp(c.min.max(f.min), c.max.min(f.max))));
            }
        }
        Defaults(out)
    }

    /// The defaults for what the engine measured: `{ "cpu-primes": 61.5, ... }`, each workload's probe
    /// run's CPU time in ms (see [`Calibration::value_for`]).
    pub fn from_measurements(v: &Value) -> Defaults {
        let mut out = Vec::new();
        for w in workload::ALL {
            let (Some(c), Some(ms)) = (w.calibration(), v.get(w.name()).and_then(Value::as_f64)) else { continue };
            if let Some(f) = w.fields().iter().find(|f| f.name == c.field) {
                out.push(((w.name(), f.name), c.value_for(ms).clamp(f.min, f.max)));
            }
        }
        Defaults(out)
    }

    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        for ((w, f), v) in &self.0 {
            out.entry(w.to_string()).or_insert_with(|| json!({})).as_object_mut().expect("object").insert(f.to_string(), json!(v));
        }
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_keeps_two_digits() {
        assert_eq!(round2(4_734_112.0), 4_700_000);
        assert_eq!(round2(4_750_000.0), 4_800_000);
        assert_eq!(round2(873.0), 870);
        assert_eq!(round2(12.4), 12);
        assert_eq!(round2(7.0), 7);
    }

    #[test]
    fn the_value_scales_with_the_cost_model() {
        let c = Calibration { field: "size", probe: 1_000_000, exponent: 2.0, min: 1, max: 1 << 40, target_ms: 400.0 };
        // Four times the time at exponent 2: twice the value.
        assert_eq!(c.value_for(100.0), 2_000_000);
        // Bounds hold; a nonsense time keeps the probe.
        let c = Calibration { max: 1_500_000, ..c };
        assert_eq!(c.value_for(1.0), 1_500_000);
        assert_eq!(c.value_for(0.0), 1_000_000);
        assert_eq!(c.value_for(f64::NAN), 1_000_000);
    }

    #[test]
    fn defaults_round_trip_and_ignore_what_they_do_not_know() {
        let d = Defaults::from_json(&json!({ "cpu-primes": { "size": 4_700_000, "other": 3 }, "nope": { "size": 1 }, "io-fetch": { "latencyMs": 5 } }));
        let primes = workload::by_name("cpu-primes").unwrap();
        let size = primes.fields().iter().find(|f| f.name == "size").unwrap();
        assert_eq!(d.of("cpu-primes", size), 4_700_000);
        assert!(d.is_calibrated("cpu-primes", "size"));
        assert!(!d.is_calibrated("io-fetch", "latencyMs"));
        assert_eq!(d.to_json(), json!({ "cpu-primes": { "size": 4_700_000 } }));
        // Out of bounds is brought back in.
        let d = Defaults::from_json(&json!({ "cpu-primes": { "size": 3 } }));
        assert_eq!(d.of("cpu-primes", size), primes.calibration().unwrap().min);
        assert_eq!(Defaults::default().of("cpu-primes", size), size.default);
    }

    #[test]
    fn measurements_become_rounded_defaults() {
        // cpu-primes' probe (600,000) took 60 ms: 10x the time at exponent 1.4 is about 5.2x the N.
        let d = Defaults::from_measurements(&json!({ "cpu-primes": 60.0, "io-fetch": 3.0 }));
        let primes = workload::by_name("cpu-primes").unwrap();
        let size = primes.fields().iter().find(|f| f.name == "size").unwrap();
        assert_eq!(d.of("cpu-primes", size), 3_100_000);
        assert_eq!(d.to_json().as_object().unwrap().len(), 1);
    }
}
