//! A program's first parts: the header (what ran, what it needs, where Python differs from the lab's
//! row), the imports (the standard library first, aiohttp apart), and the run's values as constants.

use super::text::{comment, join, py_num, seconds, when};
use super::plan::Plan;

/// The header: what ran, what it needs, and where the Python is not what the lab ran.
pub fn header(p: &Plan) -> String {
    let spec = p.spec;
    let tasks = spec.num("tasks");
    let needs = [
        Some(format!("Python 3.11 or newer{}.", if p.mode == "interpreters" { " (this mode: 3.14 or newer)" } else { "" })),
        when(p.network && p.is_async, "Needs aiohttp (pip install aiohttp)."),
        when(p.network, "Calls the lab's own web server at BASE_URL, which answers each request after LATENCY_MS."),
    ];
    let mut parts = vec![
        comment(&format!(
            "{} {} {}, {}.",
            spec.show("tasks"),
            if tasks == Some(1.0) { "task" } else { "tasks" },
            what_each_does(&p.workload),
            how_they_run(&p.mode)
        )),
        comment("The Concurrency Lab ran this work in your browser; this is the Python program it stands for."),
        comment(&join(&needs, " ")),
    ];
    if p.mode == "rayon" {
        parts.push("#".into());
        parts.push(comment(
            "The lab's \"rayon\" row is not Python: it is native parallel code (Rust threads sharing memory, \
             no GIL), the hardware's ceiling. This is the closest Python, the ThreadPoolExecutor of the \
             \"threads-gil\" row. On CPU work it gets rayon's speedup only on the free-threaded build \
             (python3.14t), or when the work is C code that releases the GIL (NumPy, for one).",
        ));
    }
    if p.mode == "free-threaded" {
        parts.push("#".into());
        parts.push(comment(
            "Run it with the free-threaded build (python3.14t): with no GIL the threads run Python in \
             parallel. On a default build it still runs, one thread at a time.",
        ));
    }
    if p.fault_kind.as_deref() == Some("panic") {
        parts.push("#".into());
        parts.push(comment(
            "faults.kind = \"panic\" makes the lab's run crash (the lab then starts again by itself). In Python \
             it is an ordinary exception, raised where the lab crashes: at the start of each failing task.",
        ));
    }
    parts.join("\n")
}

/// What each task does, in the learner's words (the header's first line).
fn what_each_does(workload: &str) -> &'static str {
    match workload {
        "cpu-primes" => "counting primes (CPU-bound: pure computing)",
        "cpu-mandelbrot" => "drawing rows of the Mandelbrot set (CPU-bound: pure computing)",
        "io-fetch" => "each making one web request and waiting for its answer (I/O-bound)",
        "io-sleep" => "each waiting (I/O-bound: a sleep stands for a wait on the network or a disk)",
        "mixed-pipeline" => "each making a web request, then counting primes (I/O and computing mixed)",
        super::work::TEST_WORKLOAD => "each taking a nap (a test of the lab's own)",
        _ => "of work",
    }
}

/// How the mode runs the tasks, in the learner's words (the header's first line).
fn how_they_run(mode: &str) -> &'static str {
    match mode {
        "sequential" => "one after another on one thread",
        "threads-gil" => "on a pool of threads that take turns holding the GIL",
        "free-threaded" => "on a pool of threads with no GIL (the free-threaded build, python3.14t)",
        "processes" => "on a pool of processes, each with its own interpreter and its own GIL",
        "asyncio" => "as coroutines on one thread, under asyncio's event loop",
        "interpreters" => "on a pool of subinterpreters in one process, each with its own GIL (Python 3.14)",
        "rayon" => "on native threads with no Python in them (the hardware's ceiling; see below)",
        _ => "as the lab ran them",
    }
}

/// The imports, sorted, with aiohttp (the one that is not the standard library) apart.
pub fn imports(p: &Plan) -> String {
    let mut plain = std::collections::BTreeSet::from(["time"]);
    if p.is_async {
        plain.insert("asyncio");
    }
    if p.network && !p.is_async {
        plain.insert("json");
        plain.insert("urllib.request");
        if p.mode == "processes" && p.fault_kind.as_deref() == Some("status") {
            plain.insert("urllib.error");
        }
    }
    if p.mode == "processes" {
        plain.insert("multiprocessing");
    }
    if p.mode == "threads-gil" && p.switch_interval().is_some() {
        plain.insert("sys");
    }
    let mut lines: Vec<String> = plain.iter().map(|m| format!("import {m}")).collect();
    if p.is_thread_mode() {
        let executor = if p.mode == "interpreters" { "InterpreterPoolExecutor" } else { "ThreadPoolExecutor" };
        lines.push(format!("from concurrent.futures import {executor}"));
    }
    let stdlib = lines.join("\n");
    if p.network && p.is_async {
        format!("{stdlib}\n\nimport aiohttp")
    } else {
        stdlib
    }
}

/// The constant a workload's field becomes in its program (the catalogue's `pythonConstants`: the page
/// notes a size it scaled for real Python above it).
pub fn constant_of(workload: &str, field: &str) -> Option<&'static str> {
    Some(match (workload, field) {
        ("cpu-primes", "size") => "N",
        ("cpu-mandelbrot", "size") => "SIZE",
        ("cpu-mandelbrot", "iterations") => "MAX_ITER",
        ("io-fetch" | "io-sleep" | "mixed-pipeline", "latencyMs") => "LATENCY_MS",
        ("mixed-pipeline", "size") => "WINDOW",
        (super::work::TEST_WORKLOAD, "napMs") => "NAP_MS",
        _ => return None,
    })
}

/// The run's values as Python constants, with FAILING when tasks fail.
pub fn constants(p: &Plan) -> String {
    let spec = p.spec;
    // `NAME = value` and its comment, for the workload's `field`.
    let line = |field: &str, note: &str| format!("{} = {}{note}", constant_of(&p.workload, field).unwrap_or(field), spec.show(field));
    let mut lines = vec![format!("TASKS = {}", spec.show("tasks"))];
    match p.workload.as_str() {
        "cpu-primes" => lines.push(line("size", "  # count the primes below N")),
        "cpu-mandelbrot" => {
            lines.push(line("size", "  # the image is SIZE x SIZE pixels"));
            lines.push(line("iterations", ""));
            lines.push("X0, Y0, SPAN = -2.1, -1.3, 2.6  # the square of the complex plane drawn".into());
        }
        "io-fetch" | "io-sleep" => lines.push(line("latencyMs", "")),
        "mixed-pipeline" => {
            lines.push(line("latencyMs", ""));
            lines.push(line("size", "  # task i counts the primes in [i * WINDOW, (i + 1) * WINDOW)"));
        }
        super::work::TEST_WORKLOAD => lines.push(line("napMs", "  # each task naps this long")),
        _ => {}
    }
    if p.mode != "sequential" && p.mode != "asyncio" && spec.num("workers").is_some() {
        lines.push(format!("WORKERS = {}", spec.show("workers")));
    }
    if p.input_items() != 0.0 {
        lines.push(format!(
            "INPUT_ITEMS = {}  # integers each task receives: pickled into its interpreter, item by item",
            py_num(p.input_items())
        ));
        lines.push("DATA = list(range(INPUT_ITEMS))".into());
    }
    if p.timeout {
        let ms = spec.num("timeoutMs").unwrap_or(0.0);
        lines.push(format!("TIMEOUT_S = {}  # per {}", seconds(ms), if p.network { "request" } else { "sleep" }));
    }
    if p.network {
        lines.push(format!("BASE_URL = {}", serde_json::to_string(&p.base_url).unwrap_or_default()));
    }
    if let (Some(failing), Some(faults)) = (&p.failing, p.spec.get("faults")) {
        lines.push(comment(&format!(
            "The tasks that fail: round({} x {}) = {}, picked as the lab picks them (seed {}).",
            faults.show("rate"),
            spec.show("tasks"),
            failing.len(),
            faults.show("seed")
        )));
        let ids: Vec<String> = failing.iter().map(u32::to_string).collect();
        lines.push(format!("FAILING = {}", if ids.is_empty() { "set()".to_string() } else { format!("{{{}}}", ids.join(", ")) }));
    }
    lines.join("\n")
}
