//! `mixed-pipeline`: each task fetches (waits on the network), then computes on what it got: count the
//! primes in its own window of `size` numbers. Part waiting, part computing, so which mode wins depends
//! on the mix: asyncio overlaps the waits but not the work, processes overlap both at a start-up cost.

use super::cpu_primes::PrimeCount;
use super::{Class, FieldInfo, Params, Step, Workload, LATENCY_MS};

pub struct MixedPipeline;

const SIZE: FieldInfo = FieldInfo {
    name: "size",
    label: "Numbers per task",
    min: 1,
    max: 10_000_000,
    default: 300_000,
    doc: "After its request, each task counts the primes among this many numbers (its own window).",
};

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
    fn task(&self, params: &Params, _tasks: u32, id: u32) -> Vec<Step> {
        let size = params["size"] as u64;
        let lo = (u64::from(id) * size).min(u64::from(u32::MAX));
        let hi = (lo + size).min(u64::from(u32::MAX));
        vec![Step::Fetch { ms: params["latencyMs"] as u32 }, Step::Cpu(Box::new(PrimeCount::new(lo as u32, hi as u32)))]
    }
}
