//! `mixed-pipeline`: each task fetches (waits on the network), then computes on what it got: count the
//! primes in its own window of `size` numbers. Part waiting, part computing, so which mode wins depends
//! on the mix, as the lesson's summary says: a data pipeline whose computing dominates is work for
//! `multiprocessing`; one whose waiting dominates (API calls with a little parsing) is work for `asyncio`.
//! The default is the computing-heavy pipeline, sized on this machine; the presets give both.

use super::cpu_primes::PrimeCount;
use super::class::Class;
use super::types::{FieldInfo, Params, Preset, Step, Workload};
use super::calibration::{round2, Calibration};

pub struct MixedPipeline;

const LATENCY_MS: FieldInfo = FieldInfo {
    name: "latencyMs",
    label: "Latency (ms)",
    min: 0,
    max: 10_000,
    default: 25,
    doc: "How long each task's request waits, in milliseconds.",
};

const SIZE: FieldInfo = FieldInfo {
    name: "size",
    label: "Numbers per task",
    min: 1,
    max: 10_000_000,
    default: 300_000,
    doc: "After its request, each task counts the primes among this many numbers (its own window). \
          The default is calibrated on this machine so that the computing takes about 0.6 s in all.",
};

/// The I/O-heavy preset computes this share of the numbers of the computing-heavy one (about 1/18 of
/// its CPU time, a few ms per task: parsing a response).
const IO_HEAVY_SHARE: f64 = 0.125;

impl Workload for MixedPipeline {
    fn name(&self) -> &'static str {
        "mixed-pipeline"
    }
    fn title(&self) -> &'static str {
        "Mixed: fetch, then compute"
    }
    fn doc(&self) -> &'static str {
        "Each task makes one request (latencyMs), then counts primes in a window of its own (size \
         numbers): a pipeline that waits and computes, like downloading then parsing."
    }
    fn uses_network(&self) -> bool {
        true
    }
    fn class(&self) -> Class {
        Class::Mixed
    }
    fn fields(&self) -> &'static [FieldInfo] {
        &[LATENCY_MS, SIZE]
    }
    fn calibration(&self) -> Option<Calibration> {
        // The windows of all tasks together are 0..tasks*size: the cost grows as in cpu-primes. The
        // computing (0.6 s in all, about 75 ms a task) outweighs the waiting (8 x 25 ms) by far, so two
        // processes beat one event loop by about 1.5x, and the whole sequential run stays near 0.8 s (a
        // chapter fits a warm-up and three rounds of four modes in its 14 s).
        Some(Calibration { field: "size", probe: 60_000, exponent: 1.4, min: 20_000, max: 10_000_000, target_ms: 600.0 })
    }
    fn cpu_cost(&self, params: &Params, tasks: u32) -> f64 {
        // The windows of all tasks together are 0..tasks*size.
        (f64::from(tasks) * params["size"] as f64).powf(1.4)
    }
    fn presets(&self, defaults: &Params) -> Vec<Preset> {
        let size = defaults.get("size").copied().unwrap_or(SIZE.default);
        vec![
            Preset {
                name: "cpu-heavy",
                title: "Data pipeline (computing-heavy)",
                doc: "Short requests, then heavy computing on each response: the lesson's \"multiprocessing for data preprocessing pipelines\".",
                values: Params::from([("latencyMs", LATENCY_MS.default), ("size", size)]),
            },
            Preset {
                name: "io-heavy",
                title: "API calls (waiting-heavy)",
                doc: "Slow requests, then a little parsing of each response: the lesson's \"asyncio for web/API integration\".",
                values: Params::from([("latencyMs", 200), ("size", round2(size as f64 * IO_HEAVY_SHARE).max(SIZE.min))]),
            },
        ]
    }
    fn task(&self, params: &Params, _tasks: u32, id: u32) -> Vec<Step> {
        let size = params["size"] as u64;
        let lo = (u64::from(id) * size).min(u64::from(u32::MAX));
        let hi = (lo + size).min(u64::from(u32::MAX));
        vec![Step::Fetch { ms: params["latencyMs"] as u32 }, Step::Cpu(Box::new(PrimeCount::new(lo as u32, hi as u32)))]
    }
}
