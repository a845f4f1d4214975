//! How long a run should take, before it starts: the calibration says how long the default amount of CPU
//! work takes on this machine ([`super::calibrate::TARGET_MS`]), each workload how its work grows with its
//! fields ([`Workload::cpu_cost`]), and each mode how much of the work and the waiting it overlaps. The
//! page warns before a run it expects to take more than [`LONG_RUN_MS`] (the run stays stoppable).
//!
//! An estimate, not a prediction: within a factor of about two at sizes far from the defaults.

use super::calibrate::Defaults;
use super::mode::Mode;
use super::spec::Spec;
use super::workload::{Params, Workload};

/// A run expected to take longer than this is announced before it starts.
pub const LONG_RUN_MS: f64 = 60_000.0;

/// The browser's connections per host (HTTP/1.1): requests to one endpoint go at most this many at a time.
/// The one place this is written: the page and the bench read it from the catalogue (`rules.connectionsPerHost`).
pub const CONNECTIONS_PER_HOST: u32 = 6;

/// The estimated wall time of `spec`, in ms, on a machine with `cores` cores.
pub fn estimate_ms(spec: &Spec, defaults: &Defaults, cores: u32) -> f64 {
    let w = spec.workload;
    // A run that lasts as long as one thread's waits (`convoy`): the GIL, where there is one, adds a
    // switch interval to each.
    let gil_interval = match spec.mode {
        // CPU-bound threads in C code that releases the GIL leave it free for the calls.
        Mode::ThreadsGil if !spec.releases_gil => Some(spec.switch_interval_ms.unwrap_or(super::spec::DEFAULT_SWITCH_INTERVAL_MS)),
        _ => None,
    };
    if let Some(ms) = w.own_time_ms(&spec.params, gil_interval) {
        return ms;
    }
    let cpu = cpu_ms(w, &spec.params, spec.tasks, defaults);
    let wait = spec.params.get("latencyMs").map_or(0.0, |v| *v as f64);
    let tasks = spec.tasks.max(1);
    let net = |n: u32| if w.uses_network() { n.min(CONNECTIONS_PER_HOST) } else { n };
    let workers = spec.worker_count().max(1);
    // Modes that compute on several cores share the CPU work among as many as they have.
    let on_cores = f64::from(workers.min(cores.max(1)));
    // Waits overlap in waves of as many as can wait at once.
    let waves = |at_once: u32| f64::from(tasks.div_ceil(at_once.max(1)));
    match spec.mode {
        Mode::Sequential => cpu + f64::from(tasks) * wait,
        Mode::Asyncio => cpu + waves(net(tasks)) * wait,
        // One thread runs Python at a time: the CPU work adds up as in a loop.
        Mode::ThreadsGil if spec.releases_gil => cpu / on_cores + waves(net(workers)) * wait,
        Mode::ThreadsGil => cpu + waves(net(workers)) * wait,
        Mode::Processes | Mode::Rayon => cpu / on_cores + waves(net(workers)) * wait,
        // A GIL each: in parallel as processes, plus the items' crossing (about 20 ns an item each way
        // measured in the browser; a rough figure, the estimate is for warnings only).
        Mode::Interpreters => cpu / on_cores + waves(net(workers)) * wait + f64::from(spec.input_items) * f64::from(tasks) * 2e-5 / on_cores,
        Mode::FreeThreaded => {
            let pct = spec.free_threaded_overhead_pct.unwrap_or(0.0);
            cpu * (1.0 + pct / 100.0) / on_cores + waves(net(workers)) * wait
        }
    }
}

/// The sequential CPU time of the work, ms: the calibration's target scaled by the work's cost over the
/// cost at the defaults (8 tasks). Zero for work that only waits.
fn cpu_ms(w: &dyn Workload, params: &Params, tasks: u32, defaults: &Defaults) -> f64 {
    let Some(c) = w.calibration() else { return 0.0 };
    let at_defaults: Params = w.fields().iter().map(|f| (f.name, defaults.of(w.name(), f))).collect();
    let base = w.cpu_cost(&at_defaults, 8);
    if base <= 0.0 {
        return 0.0;
    }
    c.target_ms * w.cpu_cost(params, tasks) / base
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::spec::parse;
    use crate::core::{Build, Capabilities};
    use serde_json::json;

    fn est(v: serde_json::Value) -> f64 {
        let caps = Capabilities { build: Build::Native, pool_threads: 2, cores: 2 };
        estimate_ms(&parse(&v, &caps).unwrap(), &Defaults::default(), caps.cores)
    }

    #[test]
    fn the_defaults_take_the_calibration_target() {
        for w in ["cpu-primes", "cpu-mandelbrot", "mixed-pipeline"] {
            let ms = est(json!({ "workload": w, "mode": "sequential", "tasks": 8, "latencyMs": 0 }));
            assert!((ms - 600.0).abs() < 1.0, "{w}: {ms}");
        }
    }

    #[test]
    fn work_grows_with_its_fields_and_modes_overlap_what_they_can() {
        // N ten times as large: 10^1.4 times the time.
        let big = est(json!({ "workload": "cpu-primes", "mode": "sequential", "size": 20_000_000 }));
        let small = est(json!({ "workload": "cpu-primes", "mode": "sequential", "size": 2_000_000 }));
        assert!((big / small - 10f64.powf(1.4)).abs() < 0.01);
        // Processes share CPU work among the cores; threads under the GIL do not.
        let spec = |mode: &str| json!({ "workload": "cpu-primes", "mode": mode, "size": 20_000_000, "workers": 2 });
        assert!((est(spec("processes")) - big / 2.0).abs() < 1.0);
        assert!((est(spec("threads-gil")) - big).abs() < 1.0);
        // Waiting: one after another, or six at a time to one host.
        let io = |mode: &str| est(json!({ "workload": "io-fetch", "mode": mode, "tasks": 12, "latencyMs": 1000 }));
        assert_eq!(io("sequential"), 12_000.0);
        assert_eq!(io("asyncio"), 2_000.0);
        let sleep = est(json!({ "workload": "io-sleep", "mode": "asyncio", "tasks": 12, "latencyMs": 1000 }));
        assert_eq!(sleep, 1_000.0);
    }

    #[test]
    fn a_convoy_takes_its_calls_and_under_the_gil_a_switch_interval_each() {
        let convoy = |extra: serde_json::Value| {
            let mut v = json!({ "workload": "convoy", "calls": 200, "blockingUs": 100, "cpuThreads": 1 });
            v.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            est(v)
        };
        // Alone: 200 calls of 0.1 ms and their wake-ups (CPython 3.11: 34 ms).
        let alone = convoy(json!({ "mode": "sequential" }));
        assert!((30.0..40.0).contains(&alone), "{alone}");
        assert_eq!(convoy(json!({ "mode": "free-threaded" })), alone, "no GIL to wait for");
        assert_eq!(convoy(json!({ "mode": "threads-gil", "cpuThreads": 0 })), alone, "no thread holding the GIL");
        assert_eq!(convoy(json!({ "mode": "threads-gil", "releasesGil": true })), alone, "CPU-bound threads in C code that releases it");
        // Beside a CPU-bound thread: about an interval more a call (CPython 3.11: 1015 ms at 5 ms, 255 at 1 ms).
        let at5 = convoy(json!({ "mode": "threads-gil" }));
        assert!((900.0..1100.0).contains(&at5), "{at5}");
        let at1 = convoy(json!({ "mode": "threads-gil", "switchIntervalMs": 1 }));
        assert!((200.0..300.0).contains(&at1), "{at1}");
        // The largest: 5,000 calls of 10 ms, each waiting 100 ms for the GIL.
        let most = convoy(json!({ "mode": "threads-gil", "calls": 5000, "blockingUs": 10_000, "switchIntervalMs": 100 }));
        assert!(most > 5.0 * LONG_RUN_MS, "{most}");
        assert!(convoy(json!({ "mode": "sequential", "calls": 5000, "blockingUs": 10_000 })) < LONG_RUN_MS);
    }

    #[test]
    fn interpreters_share_the_work_and_pay_for_the_items_that_cross() {
        let spec = |items: u32| json!({ "workload": "cpu-primes", "mode": "interpreters", "workers": 2, "tasks": 8, "inputItems": items });
        let seq = est(json!({ "workload": "cpu-primes", "mode": "sequential", "tasks": 8 }));
        assert!((est(spec(0)) - seq / 2.0).abs() < 1.0, "a GIL each: on both cores");
        // A million items to each of 8 tasks: 8e6 items at 20 ns, on two cores.
        assert!((est(spec(1_000_000)) - est(spec(0)) - 80.0).abs() < 1.0);
    }

    #[test]
    fn a_huge_mixed_run_is_announced() {
        // 1,000 tasks of 10 million numbers: about 1e10 trial divisions.
        let ms = est(json!({ "workload": "mixed-pipeline", "mode": "asyncio", "tasks": 1000, "size": 10_000_000 }));
        assert!(ms > 100.0 * LONG_RUN_MS, "{ms}");
        let ms = est(json!({ "workload": "mixed-pipeline", "mode": "asyncio" }));
        assert!(ms < LONG_RUN_MS, "{ms}");
    }
}
