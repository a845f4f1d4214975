//! Property tests of spec validation: whatever arrives (from a URL, a message, a script), the answer is
//! a spec or an error naming a field and its allowed values; never a panic.

use crate::core::error::LabError;
use crate::core::spec::{known_fields, parse};
use crate::core::{Build, Capabilities};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

const CAPS: [Capabilities; 2] = [
    Capabilities { build: Build::Threads, pool_threads: 2, cores: 2 },
    Capabilities { build: Build::Single, pool_threads: 0, cores: 8 },
];

fn any_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(|x| json!(x)),
        (0i64..20_000).prop_map(Value::from),
        "[a-z0-9.-]{0,12}".prop_map(Value::from),
        prop::sample::select(vec!["cpu-primes", "cpu-mandelbrot", "io-fetch", "io-sleep", "mixed-pipeline", "sequential", "asyncio", "threads-gil", "processes", "rayon", "status", "hang", "panic", "task-group", "raise", "0.5", "1e3", "-1", ""]).prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| prop::collection::btree_map("[a-z.]{1,6}", inner, 0..4).prop_map(|m| Value::Object(m.into_iter().collect())))
}

fn any_spec() -> impl Strategy<Value = Value> {
    let keys: Vec<&'static str> = known_fields().into_iter().chain(["bogus", "Tasks"]).collect();
    prop::collection::btree_map(prop::sample::select(keys), any_value(), 0..10).prop_map(|m| {
        let mut obj = Map::new();
        for (k, v) in m {
            obj.insert(k.to_string(), v);
        }
        Value::Object(obj)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn any_input_gives_a_spec_or_an_error_naming_a_field(input in any_spec(), caps in prop::sample::select(CAPS.to_vec())) {
        match parse(&input, &caps) {
            Ok(spec) => {
                // What was accepted round-trips: the spec as run is itself a valid spec, unchanged.
                let again = parse(&spec.to_json(), &caps).expect("the spec as run is valid");
                prop_assert_eq!(again.to_json(), spec.to_json());
            }
            Err(LabError::SpecError { field, allowed, message, errors }) => {
                // The error is its first bad field's; every bad field is listed once, each named by
                // its label (the page's name for it) with its range or values.
                prop_assert!(!errors.is_empty());
                prop_assert_eq!((&errors[0].field, &errors[0].allowed, &errors[0].message), (&field, &allowed, &message));
                let mut seen = std::collections::BTreeSet::new();
                for e in &errors {
                    prop_assert!(!e.field.is_empty() && !e.label.is_empty() && !e.allowed.is_empty());
                    prop_assert!(e.message.contains(&e.label), "{} does not name {}", e.message, e.label);
                    prop_assert!(seen.insert(e.field.clone()), "{} is listed twice", e.field);
                }
                // Each key the lab does not know is among them.
                let known = known_fields();
                for k in input.as_object().unwrap().keys().filter(|k| !known.contains(&k.as_str())) {
                    prop_assert!(errors.iter().any(|e| &e.field == k), "unknown {} not listed", k);
                }
            }
            Err(LabError::Unavailable { field, reason, .. }) => {
                // A mode this build cannot run, or C code beside the threads where they take turns.
                prop_assert!(field == "mode" || (field == "releasesGil" && caps.build == Build::Single), "{}", field);
                prop_assert!(!reason.is_empty());
            }
            Err(e) => prop_assert!(false, "unexpected {:?}", e),
        }
    }

    #[test]
    fn any_json_at_all_is_answered(input in any_value()) {
        let _ = parse(&input, &CAPS[0]);
    }
}
