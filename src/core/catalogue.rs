//! `window.lab.workloads()`: every workload, mode and field with its range and default, as this engine
//! defines them. The UI builds its form from this, so no limit is copied into JavaScript.

use super::faults::{FaultKind, OnError};
use super::mode::Mode;
use super::spec::{label_of, FREE_THREADED_OVERHEAD_PCT, TIMEOUT_MS};
use super::spec::TASKS;
use super::calibrate::Defaults;
use super::workload::{accepted, Params, ALL};
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
