//! `io-sleep`: each task sleeps for the latency, the lesson's `await asyncio.sleep(2)`. The value is
//! the total time slept.

use super::class::Class;
use super::types::{FieldInfo, Params, Step, Workload, LATENCY_MS};

pub struct IoSleep;

impl Workload for IoSleep {
    fn name(&self) -> &'static str {
        "io-sleep"
    }
    fn title(&self) -> &'static str {
        "I/O-bound: sleep"
    }
    fn doc(&self) -> &'static str {
        "Each task waits latencyMs on a timer (asyncio.sleep): pure waiting, no network, no CPU."
    }
    fn class(&self) -> Class {
        Class::Io
    }
    fn fields(&self) -> &'static [FieldInfo] {
        &[LATENCY_MS]
    }
    fn task(&self, params: &Params, _tasks: u32, _id: u32) -> Vec<Step> {
        vec![Step::Sleep { ms: params["latencyMs"] as u32 }]
    }
}
