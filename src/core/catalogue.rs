//! `window.lab.workloads()`: every workload, mode and field with its range and default, as this engine
//! defines them. The UI builds its form from this, so no limit is copied into JavaScript; and every rule
//! of the model the page needs besides (which workloads make requests and what each waits on, which GIL
//! each mode has, the event kinds and their version, how the lab's Python writes a wait, the browser's
//! connections per host), so that none is written again in TypeScript (www/src/rules.ts reads them).

use super::faults::{FaultKind, OnError};
use super::mode::Mode;
use super::spec::{label_of, FREE_THREADED_OVERHEAD_PCT, TIMEOUT_MS};
use super::spec::TASKS;
use super::calibrate::Defaults;
use super::workload::{accepted, Params, Step, Workload, ALL};
use super::Capabilities;
use serde_json::{json, Value};

/// The fields a mode adds to the spec (shown with the mode in the form). A field this engine cannot
/// take says why (`unavailable`).
fn mode_fields(m: Mode, caps: &Capabilities) -> Value {
    let (min, max, default) = FREE_THREADED_OVERHEAD_PCT;
    match m {
        Mode::ThreadsGil => json!([{
            "name": "releasesGil",
            "type": "boolean",
            "label": label_of("releasesGil", None),
            "default": false,
            "classes": ["cpu", "mixed"],
            "doc": "The CPU work is C code that releases the GIL while it runs, as NumPy's array loops, hashlib and \
                    zlib do: the threads then compute in parallel, and take the GIL only at the call's ends.",
            "unavailable": m.releases_gil_unavailable(caps),
        }]),
        Mode::FreeThreaded => json!([{
            "name": "freeThreadedOverheadPct",
            "label": label_of("freeThreadedOverheadPct", None),
            "min": min,
            "max": max,
            "default": default,
            "doc": "What the free-threaded build costs one thread, spent as real CPU work beside each chunk: about 8% \
                    on x86-64 Linux (Python 3.14 docs, free-threading HOWTO), \"roughly 5-10%\" (What's New in 3.14).",
        }]),
        Mode::Interpreters => {
            let items = super::spec::INPUT_ITEMS;
            json!([{
                "name": items.name,
                "label": items.label,
                "min": items.min,
                "max": items.max,
                "default": items.default,
                "doc": items.doc,
            }, {
                "name": "releasesGil",
                "type": "boolean",
                "label": label_of("releasesGil", None),
                "default": false,
                "classes": ["cpu", "mixed"],
                "doc": "The CPU work is C code that releases its interpreter's GIL while it runs (hashlib, zlib: NumPy \
                        cannot be imported in a subinterpreter yet). Each interpreter has a GIL of its own, so this changes \
                        what the timeline shows, not the speed.",
            }])
        }
        _ => json!([]),
    }
}

/// Which GIL a mode's threads take: `one` for the process (`threads-gil`), `per-lane` (each
/// subinterpreter its own, named by its lane), or `none` (no GIL to wait for: one thread, no GIL, or a
/// process each, whose own GIL nobody else wants).
pub fn gil_kind(m: Mode) -> &'static str {
    match m {
        Mode::ThreadsGil => "one",
        Mode::Interpreters => "per-lane",
        Mode::Sequential | Mode::Asyncio | Mode::Processes | Mode::Rayon | Mode::FreeThreaded => "none",
    }
}

/// What a task of `w` waits on, if it waits on a request or a timer: `{ on: "fetch" | "sleep", msField }`
/// (the field its length comes from), read from the workload's own steps, so a new workload says it by
/// its task alone. `null` for work that waits on neither.
fn waits(w: &dyn Workload, params: &Params) -> Value {
    // Many tasks, so that a CPU step's share (and what it allocates) is small.
    let wait = |p: &Params| {
        w.task(p, 1000, 0).into_iter().find_map(|s| match s {
            Step::Fetch { ms } => Some(("fetch", ms)),
            Step::Sleep { ms } => Some(("sleep", ms)),
            _ => None,
        })
    };
    let Some((on, ms)) = wait(params) else { return Value::Null };
    let field = w.fields().iter().map(|f| f.name).find(|&name| {
        let mut p = params.clone();
        p.insert(name, p[name] + 1);
        wait(&p).map(|(_, m)| m) != Some(ms)
    });
    json!({ "on": on, "msField": field })
}

/// The rules of the model the page reads besides the fields (www/src/rules.ts).
fn rules() -> Value {
    use super::events::{EventKind, EVENTS_VERSION};
    json!({
        "events": {
            "v": EVENTS_VERSION,
            "kinds": EventKind::ALL.iter().map(|k| json!({ "name": k, "rank": k.rank() })).collect::<Vec<_>>(),
        },
        "calls": super::mode::steps::CALL_TEXTS,
        "connectionsPerHost": super::estimate::CONNECTIONS_PER_HOST,
    })
}

pub fn catalogue(caps: &Capabilities) -> Value {
    catalogue_with(caps, &Defaults::default())
}

/// The catalogue with the defaults calibrated on this machine (each such field says so, and gives the
/// static default it replaced as `uncalibrated`).
pub fn catalogue_with(caps: &Capabilities, defaults: &Defaults) -> Value {
    let limit = caps.run_memory_limit();
    let workloads: Vec<Value> = ALL
        .iter()
        .map(|w| {
            let fields: Vec<Value> = w
                .fields()
                .iter()
                .map(|f| {
                    // The range validation accepts: a maximum lowered to what a run's memory holds.
                    let f = &accepted(*w, f, limit);
                    let mut v = json!(f);
                    if defaults.is_calibrated(w.name(), f.name) {
                        v["default"] = json!(defaults.of(w.name(), f));
                        v["calibrated"] = json!(true);
                        v["uncalibrated"] = json!(f.default);
                    }
                    v
                })
                .collect();
            let params: Params = w.fields().iter().map(|f| (f.name, defaults.of(w.name(), f))).collect();
            json!({
                "name": w.name(),
                "title": w.title(),
                "doc": w.doc(),
                "class": w.class(),
                "network": w.uses_network(),
                "waits": waits(*w, &params),
                // The constant each field becomes in the workload's Python program.
                "pythonConstants": w.fields().iter().filter_map(|f| super::python::constant_of(w.name(), f.name).map(|c| (f.name.to_string(), json!(c)))).collect::<serde_json::Map<_, _>>(),
                "fields": fields,
                "calibration": w.calibration(),
                "presets": w.presets(&params),
                // Set for a workload that fixes its tasks (and workers) itself: the form shows this in their place.
                "ownTasks": w.own_tasks_doc(),
                "modes": Mode::ALL.iter().map(|m| json!({
                    "mode": m.name(),
                    "unsupported": m.unsupported(w.class()).or_else(|| w.modes().filter(|(ms, _)| !ms.contains(m)).map(|(_, why)| why.to_string())),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let modes: Vec<Value> = Mode::ALL
        .iter()
        .map(|m| {
            json!({
                "name": m.name(),
                "title": m.title(),
                "python": m.python(),
                "source": m.source(),
                "workers": m.workers(caps),
                "unavailable": m.unavailable(caps),
                "gil": gil_kind(*m),
                "fields": mode_fields(*m, caps),
            })
        })
        .collect();
    let on_error: Vec<Value> = OnError::ALL
        .iter()
        .map(|o| {
            let python: serde_json::Map<String, Value> =
                Mode::ALL.iter().filter_map(|m| o.python(*m).map(|p| (m.name().to_string(), json!(p)))).collect();
            json!({ "name": o.name(), "python": python })
        })
        .collect();
    let faults: Vec<Value> = FaultKind::ALL.iter().map(|k| json!({ "name": k.name(), "doc": k.doc(), "network": k.is_network() })).collect();
    json!({
        "v": super::SCHEMA_VERSION,
        "labVersion": super::LAB_VERSION,
        "modelVersion": super::MODEL_VERSION,
        "calibrationTargetMs": super::calibrate::TARGET_MS,
        "build": caps.build,
        "fields": [TASKS],
        "errors": {
            "onError": on_error,
            "faults": faults,
            "rate": { "min": 0, "max": 1, "default": 0 },
            "seed": { "min": 0, "max": 9_007_199_254_740_991u64, "default": 1 },
            "timeoutMs": { "min": TIMEOUT_MS.min, "max": TIMEOUT_MS.max },
        },
        "workloads": workloads,
        "modes": modes,
        "rules": rules(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::Build;

    #[test]
    fn the_catalogue_lists_every_workload_and_mode_with_ranges() {
        let caps = Capabilities { build: Build::Single, pool_threads: 0, cores: 4 };
        let c = catalogue(&caps);
        assert_eq!(c["workloads"].as_array().unwrap().len(), ALL.len());
        assert_eq!(c["workloads"][0]["fields"][0]["max"], 2_000_000_000i64);
        let rayon = c["modes"].as_array().unwrap().iter().find(|m| m["name"] == "rayon").unwrap();
        assert!(rayon["unavailable"].as_str().unwrap().contains("isolated"));
        // threads-gil runs in the single build (its threads take turns); C code beside them cannot.
        let gil = c["modes"].as_array().unwrap().iter().find(|m| m["name"] == "threads-gil").unwrap();
        assert!(gil["unavailable"].is_null());
        assert!(gil["fields"][0]["unavailable"].as_str().unwrap().contains("take turns on one real thread"));
        let threads = catalogue(&Capabilities { build: Build::Threads, pool_threads: 2, cores: 2 });
        let gil = threads["modes"].as_array().unwrap().iter().find(|m| m["name"] == "threads-gil").unwrap();
        assert!(gil["fields"][0]["unavailable"].is_null());
        assert_eq!(c["fields"][0]["name"], "tasks");
        // A workload that fixes its own tasks says so (and how), for the form to show in their place.
        for w in c["workloads"].as_array().unwrap() {
            let wl = crate::core::workload::by_name(w["name"].as_str().unwrap()).unwrap();
            let fixes = wl.own_tasks(&wl.fields().iter().map(|f| (f.name, f.default)).collect()).is_some();
            assert_eq!(w["ownTasks"].is_string(), fixes, "{}", w["name"]);
        }
        let convoy = c["workloads"].as_array().unwrap().iter().find(|w| w["name"] == "convoy").unwrap();
        assert!(convoy["ownTasks"].as_str().unwrap().contains("cpuThreads + 1"));
    }

    /// tests/unit/fixtures/catalogue.json is what node's tests of the page take for the engine's catalogue
    /// (tests/unit/load-ts.mjs): this engine's (threads build, 2 cores, uncalibrated), with the test-only
    /// workload `test-nap`. `UPDATE_FIXTURES=1 cargo test --features parallel,test-workload` rewrites it.
    #[test]
    fn the_page_tests_read_this_engines_catalogue() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/unit/fixtures/catalogue.json");
        let c = catalogue(&Capabilities { build: Build::Threads, pool_threads: 2, cores: 2 });
        if cfg!(feature = "test-workload") && std::env::var_os("UPDATE_FIXTURES").is_some() {
            std::fs::write(path, format!("{}\n", serde_json::to_string_pretty(&c).unwrap())).unwrap();
        }
        let mut fixture: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("the catalogue fixture")).unwrap();
        let nap = |w: &Value| w["name"] == crate::core::python::TEST_WORKLOAD;
        assert!(fixture["workloads"].as_array().unwrap().iter().any(nap), "the fixture holds the test-only workload");
        if !cfg!(feature = "test-workload") {
            fixture["workloads"].as_array_mut().unwrap().retain(|w| !nap(w));
        }
        assert_eq!(fixture, c, "tests/unit/fixtures/catalogue.json is this engine's catalogue (UPDATE_FIXTURES=1 with --features test-workload)");
    }

    #[test]
    fn the_rules_the_page_reads_are_the_engines() {
        let c = catalogue(&Capabilities { build: Build::Threads, pool_threads: 2, cores: 2 });
        let rules = &c["rules"];
        assert_eq!(rules["connectionsPerHost"], 6);
        assert_eq!(rules["events"]["v"], crate::core::events::EVENTS_VERSION);
        assert_eq!(rules["events"]["kinds"].as_array().unwrap().len(), crate::core::events::EventKind::ALL.len());
        assert_eq!(rules["events"]["kinds"][0], json!({ "name": "task-start", "rank": 2 }));
        let w = |name: &str| c["workloads"].as_array().unwrap().iter().find(|w| w["name"] == name).unwrap().clone();
        for (name, network, waits) in [
            ("cpu-primes", false, Value::Null),
            ("io-fetch", true, json!({ "on": "fetch", "msField": "latencyMs" })),
            ("io-sleep", false, json!({ "on": "sleep", "msField": "latencyMs" })),
            ("mixed-pipeline", true, json!({ "on": "fetch", "msField": "latencyMs" })),
            ("convoy", false, Value::Null),
        ] {
            assert_eq!((w(name)["network"].clone(), w(name)["waits"].clone()), (json!(network), waits), "{name}");
        }
        assert_eq!(w("cpu-primes")["pythonConstants"], json!({ "size": "N" }));
        assert_eq!(w("mixed-pipeline")["pythonConstants"], json!({ "latencyMs": "LATENCY_MS", "size": "WINDOW" }));
        let gil = |name: &str| c["modes"].as_array().unwrap().iter().find(|m| m["name"] == name).unwrap()["gil"].clone();
        assert_eq!((gil("threads-gil"), gil("interpreters"), gil("free-threaded"), gil("processes")), (json!("one"), json!("per-lane"), json!("none"), json!("none")));
    }

    /// The test-only workload: one the page has never heard of gets its entry and its program here.
    #[cfg(feature = "test-workload")]
    #[test]
    fn a_new_workload_brings_its_catalogue_entry_and_its_program() {
        let c = catalogue(&Capabilities { build: Build::Threads, pool_threads: 2, cores: 2 });
        let nap = c["workloads"].as_array().unwrap().iter().find(|w| w["name"] == "test-nap").unwrap();
        assert_eq!(nap["waits"], json!({ "on": "sleep", "msField": "napMs" }));
        assert_eq!(nap["network"], false);
        assert_eq!(nap["pythonConstants"], json!({ "napMs": "NAP_MS" }));
        let options = crate::core::python::Options::default();
        for mode in ["sequential", "asyncio", "threads-gil", "processes", "interpreters"] {
            let spec = json!({ "workload": "test-nap", "mode": mode, "tasks": 3, "napMs": 40, "workers": 2, "onError": "raise" });
            let program = crate::core::python::program(&spec.to_string(), &options).unwrap();
            assert!(program.contains("NAP_MS = 40  # each task naps this long"), "{program}");
            assert!(program.contains(if mode == "asyncio" { "await asyncio.sleep(NAP_MS / 1000)" } else { "time.sleep(NAP_MS / 1000)" }), "{program}");
            assert!(program.contains(r#"print(f"napped (ms): {sum(results)}")"#), "{program}");
        }
        // The engine takes its specs as any workload's.
        let spec = crate::core::spec::parse(&json!({ "workload": "test-nap", "mode": "sequential", "tasks": 3, "napMs": 5 }), &Capabilities { build: Build::Native, pool_threads: 2, cores: 2 }).unwrap();
        assert_eq!((spec.workload.name(), spec.params["napMs"]), ("test-nap", 5));
    }

    #[test]
    fn the_ranges_shown_are_the_ranges_accepted() {
        let caps = Capabilities { build: Build::Threads, pool_threads: 2, cores: 2 };
        let c = catalogue(&caps);
        let mandelbrot = c["workloads"].as_array().unwrap().iter().find(|w| w["name"] == "cpu-mandelbrot").unwrap();
        let size = mandelbrot["fields"].as_array().unwrap().iter().find(|f| f["name"] == "size").unwrap();
        assert_eq!((size["min"].as_i64(), size["max"].as_i64()), (Some(16), Some(5792)));
        for w in c["workloads"].as_array().unwrap() {
            for f in w["fields"].as_array().unwrap() {
                let spec = |v: &Value| json!({"workload": w["name"], "mode": "sequential", "tasks": 1, f["name"].as_str().unwrap(): v});
                for ok in [&f["min"], &f["max"], &f["default"]] {
                    assert!(crate::core::spec::parse(&spec(ok), &caps).is_ok(), "{} {} = {ok}", w["name"], f["name"]);
                }
                for bad in [json!(f["min"].as_i64().unwrap() - 1), json!(f["max"].as_i64().unwrap() + 1)] {
                    let Err(crate::core::error::LabError::SpecError { field, allowed, .. }) = crate::core::spec::parse(&spec(&bad), &caps) else {
                        panic!("{} {} = {bad} is refused", w["name"], f["name"])
                    };
                    assert_eq!((field.as_str(), allowed), (f["name"].as_str().unwrap(), format!("{}..{}", f["min"], f["max"])));
                }
            }
        }
    }
}
