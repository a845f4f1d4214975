//! `io-fetch`: each task makes one HTTP GET of the lab's latency endpoint (`api/delay?ms=M`), the
//! lesson's "waiting for an API response". The value is the sum of the delays the server reports.

use super::class::Class;
use super::types::{FieldInfo, Params, Step, Workload, LATENCY_MS};

pub struct IoFetch;

impl Workload for IoFetch {
    fn name(&self) -> &'static str {
        "io-fetch"
    }
    fn title(&self) -> &'static str {
        "I/O-bound: HTTP requests"
    }
    fn doc(&self) -> &'static str {
        "Each task sends one request to the lab's latency endpoint, which answers after latencyMs. \
         The task spends its time waiting, so overlapping the waits is what speeds it up."
    }
    fn uses_network(&self) -> bool {
        true
    }
    fn class(&self) -> Class {
        Class::Io
    }
    fn fields(&self) -> &'static [FieldInfo] {
        &[LATENCY_MS]
    }
    fn task(&self, params: &Params, _tasks: u32, _id: u32) -> Vec<Step> {
        vec![Step::Fetch { ms: params["latencyMs"] as u32 }]
    }
}
