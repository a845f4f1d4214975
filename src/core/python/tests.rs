//! The programs are the ones the page wrote before they moved here, byte for byte: tests/fixtures/
//! programs.json holds 1225 specs (every workload x mode, each onError, faults, timeouts, convoy, the
//! presets, options, key orders) with the program (or the error) www/src/python/programs.ts gave for
//! each, and 648 failing-task sets of its SplitMix64 port, recorded at 9a67c7c by
//! tests/fixtures/record-before.mjs.

use super::text::Json;
use super::{program, Options};
use crate::core::faults::failing_tasks;
use serde::Deserialize;

#[derive(Deserialize)]
struct Case {
    /// Read with its keys in their order, as the page sent it.
    spec: Json,
    options: Json,
    program: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct Failing {
    tasks: u32,
    rate: f64,
    seed: u64,
    failing: Vec<u32>,
}

#[derive(Deserialize)]
struct Fixture {
    cases: Vec<Case>,
    failing: Vec<Failing>,
}

fn fixture() -> Fixture {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/programs.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("tests/fixtures/programs.json")).expect("the fixture's JSON")
}

#[test]
fn every_program_is_the_one_the_page_wrote_before_byte_for_byte() {
    let f = fixture();
    assert!(f.cases.len() > 1000);
    let mut wrong = Vec::new();
    let mut all = Vec::new();
    for c in &f.cases {
        let spec = c.spec.stringify();
        let got = program(&spec, &Options::from_json(&c.options.stringify()).unwrap()).map_err(|e| e.message);
        let want = match (&c.program, &c.error) {
            (Some(p), _) => Ok(p.clone()),
            (None, e) => Err(e.clone().unwrap_or_default()),
        };
        all.push(match &got {
            Ok(p) => serde_json::json!({ "program": p }),
            Err(e) => serde_json::json!({ "error": e }),
        });
        if got != want {
            let show = |r: &Result<String, String>| r.clone().unwrap_or_else(|e| format!("error: {e}"));
            wrong.push(format!("{spec}\n--- got ---\n{}\n--- want ---\n{}", show(&got), show(&want)));
        }
    }
    // UPDATE_FIXTURES=1: the programs as written now, for tests/fixtures/update-programs.mjs to put in
    // the fixture (after a deliberate change to the programs' text).
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/target/programs-now.json");
        std::fs::write(path, serde_json::to_string(&all).unwrap()).expect("target/programs-now.json");
        return;
    }
    assert!(wrong.is_empty(), "{} of {} programs differ (after a deliberate change: UPDATE_FIXTURES=1 cargo test, then node tests/fixtures/update-programs.mjs); the first:\n{}", wrong.len(), f.cases.len(), wrong.first().map_or("", |s| s));
}

#[test]
fn the_failing_tasks_are_the_ones_the_page_picked_before() {
    let f = fixture();
    assert!(f.failing.len() > 600);
    for s in &f.failing {
        let got: Vec<u32> = failing_tasks(s.rate, s.seed, s.tasks).iter().enumerate().filter(|(_, &x)| x).map(|(i, _)| i as u32).collect();
        assert_eq!(got, s.failing, "rate {} of {}, seed {}", s.rate, s.tasks, s.seed);
    }
}

#[test]
fn a_spec_keeps_its_key_order_and_numbers_read_as_javascript_writes_them() {
    let spec = Json::parse(r#"{"workload":"io-fetch","mode":"asyncio","faults":{"rate":0.5,"kind":"status","seed":9007199254740991},"latencyMs":-1}"#).unwrap();
    assert_eq!(super::text::spec_text(&spec), r#"{"workload": "io-fetch", "mode": "asyncio", "faults": {"rate": 0.5, "kind": "status", "seed": 9007199254740991}, "latencyMs": -1}"#);
    for (x, js) in [(0.2, "0.2"), (1.0, "1"), (0.0001, "0.0001"), (1e-7, "1e-7"), (2_000_000_000.0, "2000000000"), (0.34, "0.34")] {
        assert_eq!(super::text::py_num(x), js);
    }
}
