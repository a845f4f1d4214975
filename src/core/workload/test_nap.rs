//! `test-nap` (`--features test-workload` only, never in a build the page loads): each task naps
//! `napMs`. A workload the front end has never heard of, so the tests can show that one needs no
//! front-end change: its fields, ranges and rules reach the page through the catalogue, and its Python
//! program comes from the engine (crate::core::python).

use super::class::Class;
use super::types::{FieldInfo, Params, Step, Workload};

pub struct TestNap;

const NAP_MS: FieldInfo = FieldInfo { name: "napMs", label: "Nap (ms)", min: 0, max: 1000, default: 10, doc: "How long each task naps." };

impl Workload for TestNap {
    fn name(&self) -> &'static str {
        "test-nap"
    }
    fn title(&self) -> &'static str {
        "Test only: a nap"
    }
    fn doc(&self) -> &'static str {
        "Each task naps napMs on a timer (a test-only workload)."
    }
    fn class(&self) -> Class {
        Class::Io
    }
    fn fields(&self) -> &'static [FieldInfo] {
        &[NAP_MS]
    }
    fn task(&self, params: &Params, _tasks: u32, _id: u32) -> Vec<Step> {
        vec![Step::Sleep { ms: params["napMs"] as u32 }]
    }
}
