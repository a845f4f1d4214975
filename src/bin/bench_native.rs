//! The benchmark's native reference: the lab's own pure core compiled for the host, so the same
//! workloads, the same split into tasks and the same modes run here as in the browser, on the machine's
//! real cores. `bench/run.mjs` calls it once per repetition (so its runs interleave with the browser's).
//!
//! ```sh
//! bench_native '{"workload":"cpu-primes","mode":"rayon","size":3000000,"tasks":8}'
//! ```
//! prints one line of JSON: `{"build":"native","mode":"rayon","threads":2,"workers":2,"wallMs":...,"value":...}`.
//! `rayon` runs on a native rayon pool with one thread per core; `sequential` runs the same task code on
//! one thread. `threads-gil` and `free-threaded` run the lab's Python threads as OS threads with the
//! core's GIL on the host's clock (`platform::native::run_on_host`, as the native tests do); their line also
//! carries the tasks with their spans, so the bench can time each GIL hand-over exactly as it does the
//! browser's; `interpreters` too (its spans show what crossing costs). Their I/O (a `mixed-pipeline`
//! request) is a sleep; the other modes run CPU work only.
//!
//! ```sh
//! bench_native '{"gilHandovers":{"threads":2,"intervalMs":5,"runMs":1000}}'
//! ```
//! runs CPU-bound threads under the core's GIL alone (`platform::native::gil_handovers`) and prints each wait after a
//! forced switch and each hand-over (a drop to the next holder's take): `{"waitsMs":[...],"handoversMs":[...],...}`.

use concurrency_lab::core::cancel::CancelToken;
use concurrency_lab::core::mode::Mode;
use concurrency_lab::core::run::RunResult;
use concurrency_lab::core::spec;
use concurrency_lab::core::platform::native::run_on_host;
use concurrency_lab::core::workload::Class;
use concurrency_lab::core::{Build, Capabilities};
use serde_json::{json, Value};

fn run(spec_json: &str) -> Result<RunResult, String> {
    let mut input: Value = serde_json::from_str(spec_json).map_err(|e| format!("the spec is not JSON: {e}"))?;
    let threads = rayon::current_num_threads() as u32;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
    let caps = Capabilities { build: Build::Native, pool_threads: threads, cores };
    let asked = spec::parse(&input, &caps).map_err(|e| e.to_json())?;
    // Python threads on OS threads: any workload (I/O is a sleep on the host).
    if matches!(asked.mode, Mode::ThreadsGil | Mode::FreeThreaded | Mode::Interpreters) {
        return Ok(run_on_host(&asked, &CancelToken::new()));
    }
    if asked.workload.class() != Class::Cpu {
        return Err(format!("{} is not CPU work; the native benchmark runs CPU work only", asked.workload.name()));
    }
    // `sequential` is the same task code on one thread, one task after another: the rayon mode with one
    // worker. (The engine's event loop would only add free yields here: there is nothing else to run.)
    match asked.mode {
        Mode::Sequential => {
            input["mode"] = json!("rayon");
            input["workers"] = json!(1);
        }
        Mode::Rayon => {}
        other => return Err(format!("the native benchmark runs sequential, rayon, threads-gil, free-threaded and interpreters, not {}", other.name())),
    }
    let spec = spec::parse(&input, &caps).map_err(|e| e.to_json())?;
    let mut result = run_on_host(&spec, &CancelToken::new());
    result.spec["mode"] = json!(asked.mode.name());
    Ok(result)
}

/// The kernel alone, natively, on one thread: the contract's algorithm as a plain program would run it,
/// with none of the core's chunks, clock reads or Stop checks (the same split into tasks, the same
/// functions: src/core/workload/kernels.rs). `{"plain":true,"workload":"cpu-primes","size":N,"tasks":T}`;
/// mandelbrot also takes `iterations` and `scalar`.
fn plain(o: &serde_json::Map<String, Value>) -> Value {
    use concurrency_lab::core::workload::{kernels, split_range};
    let num = |k: &str, d: u64| o.get(k).and_then(Value::as_u64).unwrap_or(d);
    let (size, tasks) = (num("size", 1_000_000), num("tasks", 8) as u32);
    let t0 = std::time::Instant::now();
    let value: u64 = match o.get("workload").and_then(Value::as_str) {
        // `"scalar":true`: one pixel at a time (`escape`), to compare with a scalar build; otherwise two
        // at a time (`escape2`, SSE2's f64x2), as the lab's own kernel does.
        Some("cpu-mandelbrot") if o.get("scalar") == Some(&Value::Bool(true)) => {
            let (n, max_iter) = (size as u32, num("iterations", 1000) as u32);
            let scale = kernels::SPAN / f64::from(n);
            (0..n).map(|row| (0..n).map(|px| u64::from(kernels::escape(kernels::X0 + f64::from(px) * scale, kernels::Y0 + f64::from(row) * scale, max_iter))).sum::<u64>()).sum()
        }
        Some("cpu-mandelbrot") => {
            let max_iter = num("iterations", 1000) as u32;
            (0..tasks)
                .map(|id| {
                    let (y0, y1) = split_range(0, size, tasks, id);
                    (y0..y1).map(|row| kernels::mandelbrot_pixels(size as u32, max_iter, row as u32, 0, size as u32, |_| {})).sum::<u64>()
                })
                .sum()
        }
        _ => (0..tasks)
            .map(|id| {
                let (lo, hi) = split_range(0, size, tasks, id);
                u64::from(kernels::count_primes(lo as u32, hi as u32))
            })
            .sum(),
    };
    let wall_ms = t0.elapsed().as_secs_f64() * 1000.0;
    json!({"build": "native-plain", "mode": "sequential", "threads": 1, "workers": 1, "wallMs": wall_ms, "value": std::hint::black_box(value)})
}

fn main() {
    let Some(spec_json) = std::env::args().nth(1) else {
        eprintln!("usage: bench_native '<spec as JSON>'   e.g. '{{\"workload\":\"cpu-primes\",\"mode\":\"rayon\",\"size\":1000000}}'");
        std::process::exit(2);
    };
    // The GIL alone, on the host's threads: its waits and hand-overs.
    if let Ok(Value::Object(o)) = serde_json::from_str::<Value>(&spec_json) {
        if o.get("plain") == Some(&Value::Bool(true)) {
            println!("{}", plain(&o));
            return;
        }
        if let Some(g) = o.get("gilHandovers") {
            let num = |k: &str, d: f64| g.get(k).and_then(Value::as_f64).unwrap_or(d);
            let h = concurrency_lab::core::platform::native::gil_handovers(num("threads", 2.0) as usize, num("intervalMs", 5.0), num("runMs", 1000.0));
            println!("{}", json!({"build": "native", "waitsMs": h.waits_ms, "handoversMs": h.handovers_ms, "forcedSwitches": h.forced_switches}));
            return;
        }
    }
    match run(&spec_json) {
        Ok(r) if r.error.is_none() => {
            let mut out = json!({
                "build": "native",
                "mode": r.spec["mode"],
                "threads": rayon::current_num_threads(),
                "workers": r.spec.get("workers").cloned().unwrap_or(json!(1)),
                "wallMs": r.wall_ms,
                "value": r.value,
            });
            if ["threads-gil", "free-threaded", "interpreters"].iter().any(|m| r.spec["mode"] == *m) {
                out["tasks"] = serde_json::to_value(&r.tasks).expect("task records serialise");
            }
            println!("{out}");
        }
        Ok(r) => {
            eprintln!("the run failed: {:?}", r.error);
            std::process::exit(1);
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    }
}
