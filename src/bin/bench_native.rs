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
//! core's GIL on the host's clock (`testkit::run_on_host`, as the native tests do); their line also
//! carries the tasks with their spans, so the bench can time each GIL hand-over exactly as it does the
//! browser's. Their I/O (a `mixed-pipeline` request) is a sleep; the other modes run CPU work only.

use concurrency_lab::core::cancel::CancelToken;
use concurrency_lab::core::mode::Mode;
use concurrency_lab::core::run::RunResult;
use concurrency_lab::core::spec;
use concurrency_lab::core::testkit::run_on_host;
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
    if matches!(asked.mode, Mode::ThreadsGil | Mode::FreeThreaded) {
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
        other => return Err(format!("the native benchmark runs sequential, rayon, threads-gil and free-threaded, not {}", other.name())),
    }
    let spec = spec::parse(&input, &caps).map_err(|e| e.to_json())?;
    let mut result = run_on_host(&spec, &CancelToken::new());
    result.spec["mode"] = json!(asked.mode.name());
    Ok(result)
}

fn main() {
    let Some(spec_json) = std::env::args().nth(1) else {
        eprintln!("usage: bench_native '<spec as JSON>'   e.g. '{{\"workload\":\"cpu-primes\",\"mode\":\"rayon\",\"size\":1000000}}'");
        std::process::exit(2);
    };
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
            if r.spec["mode"] == "threads-gil" || r.spec["mode"] == "free-threaded" {
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
