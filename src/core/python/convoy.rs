//! The convoy effect's program (../workload/convoy.rs): task 0 is the I/O thread, tasks 1..=cpuThreads
//! the CPU-bound threads, all run at once (one thread each), as the lab runs them.

use super::text::{comment, fill, indent, join, py_num, seconds, when, Json};
use super::work::IS_PRIME;
use super::plan::DEFAULT_SWITCH_INTERVAL_MS;

/// The whole convoy program for `spec` (sequential, threads-gil or free-threaded).
pub fn program(spec: &Json) -> Result<String, super::plan::NoProgram> {
    let mode = spec.show("mode");
    if !["sequential", "threads-gil", "free-threaded"].contains(&mode.as_str()) {
        return Err(super::plan::NoProgram { field: "mode", message: format!("no Python program for convoy under mode \"{mode}\"") });
    }
    let cpu = spec.num("cpuThreads").unwrap_or(f64::NAN);
    let us = spec.num("blockingUs").unwrap_or(f64::NAN);
    let threads = mode != "sequential";
    let gil = mode == "threads-gil";
    let interval = spec.num("switchIntervalMs").unwrap_or(DEFAULT_SWITCH_INTERVAL_MS);
    let mut parts = vec![
        comment(&format!(
            "One I/O thread making {} short blocking calls beside {} CPU-bound thread{}, {}.",
            spec.show("calls"),
            py_num(cpu),
            if cpu == 1.0 { "" } else { "s" },
            match mode.as_str() {
                "sequential" => "run with no threads (the calls first, alone)",
                "free-threaded" => "all at once on threads with no GIL (python3.14t)",
                _ => "all at once on threads that share the GIL",
            }
        )),
        comment("The Concurrency Lab ran this work in your browser; this is the Python program it stands for."),
        comment(
            "Python 3.11 or newer. The convoy effect (Beazley, 2010; bpo-7946): each blocking call gives up the GIL, \
             and the I/O thread must win it back from a CPU-bound thread, which may keep it for a whole switch interval.",
        ),
    ];
    if mode == "free-threaded" {
        parts.push("#".into());
        parts.push(comment("Run it with the free-threaded build (python3.14t): with no GIL the I/O thread waits for no one."));
    }
    if mode == "sequential" {
        parts.push("#".into());
        parts.push(comment("No threads: the calls run alone on the main thread, and the CPU-bound loops find them done."));
    }
    let header = parts.join("\n");
    let imports = join(
        &[
            Some("import math".into()),
            when(gil, "import sys"),
            Some("import threading".into()),
            Some("import time".into()),
            when(threads, "from concurrent.futures import ThreadPoolExecutor"),
        ],
        "\n",
    );
    let which = if cpu == 1.0 {
        ", task 1 the CPU-bound one".to_string()
    } else if cpu > 1.0 {
        format!(", tasks 1..{} the CPU-bound ones", py_num(cpu))
    } else {
        String::new()
    };
    let constants = join(
        &[
            Some(format!("TASKS = {}  # task 0 is the I/O thread{which}", spec.show("tasks"))),
            Some(format!("CALLS = {}", spec.show("calls"))),
            Some(format!("BLOCKING_S = {}  # each blocking call: {} µs", py_num(us / 1e6), py_num(us))),
            when(threads, format!("WORKERS = {}  # one thread per task: all run at once", spec.show("tasks"))),
        ],
        "\n",
    );
    let is_prime = IS_PRIME.split("\n\n\n").next().unwrap_or_default();
    let work = fill(
        r##"done = threading.Event()
latencies = []  # each call's, ms: from its start until the thread runs Python again
io_ms = []


${is_prime}


def work(i):
    if i == 0:
        # The I/O thread: short blocking calls, one after another.
        io_start = time.perf_counter()
        for _ in range(CALLS):
            start = time.perf_counter()
            time.sleep(BLOCKING_S)  # blocks${releases}
            # This line runs only once the thread ${again}.
            latencies.append((time.perf_counter() - start) * 1000)
        io_ms.append((time.perf_counter() - io_start) * 1000)
        done.set()
        return CALLS
    # A CPU-bound thread: pure Python until the I/O thread is done.${lets_go}
    n = 2 + i
    while not done.is_set():
        is_prime(n)
        n = 2 if n >= 65535 else n + 1
    return 0


def percentile(xs, q):
    s = sorted(xs)
    return s[max(0, math.ceil(q * len(s)) - 1)]"##,
        &[
            ("is_prime", is_prime),
            ("releases", if threads { ", and releases the GIL while it waits" } else { "" }),
            ("again", if gil { "holds the GIL again" } else { "runs Python again" }),
            ("lets_go", if gil { "\n    # It holds the GIL, and lets go when a waiting thread asks (after the switch interval)." } else { "" }),
        ],
    );
    let run = if threads {
        "with ThreadPoolExecutor(max_workers=WORKERS) as pool:\n    results = list(pool.map(work, range(TASKS)))"
    } else {
        "results = [work(i) for i in range(TASKS)]"
    };
    let set_interval =
        if gil { format!("    sys.setswitchinterval({})  # the GIL's hand-over interval (default 0.005 s)\n", seconds(interval)) } else { String::new() };
    let main = fill(
        r##"def main():
${interval}    start = time.perf_counter()
${run}
    elapsed = time.perf_counter() - start
    p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    print(f"I/O thread: {io_ms[0]:.1f} ms in all; per call p50 {p50:.3f} ms, p99 {p99:.3f} ms")
    print(f"calls made: {sum(results)}")
    print(f"wall time: {elapsed:.3f} s")


if __name__ == "__main__":
    main()"##,
        &[("interval", &set_interval), ("run", &indent(run, 4))],
    );
    Ok(format!("{header}\n\n{imports}\n\n{constants}\n\n\n{work}\n\n\n{main}\n"))
}
