//! The work of one task, as the workload does it (../workload/*.rs): the kernels (is_prime, escape), the
//! request with its injected fault and its timeout, the panic, and `work(i)` itself, async under asyncio,
//! receiving its data under interpreters. A workload with a program has its arm in [`work_body`] (and, if
//! its constants are its own, in [`constants`]).

use super::text::{fill, indent, join, when};
use super::plan::Plan;
use crate::core::workload::Class;

/// The primes kernel (../workload/kernels.rs `count_primes`), as Python.
pub const IS_PRIME: &str = r##"def is_prime(n):
    """Trial division by 2 and the odd numbers up to the square root."""
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    d = 3
    while d * d <= n:
        if n % d == 0:
            return False
        d += 2
    return True


def count_primes(lo, hi):
    return sum(is_prime(n) for n in range(lo, hi))"##;

const ESCAPE: &str = r##"def escape(cx, cy, max_iter):
    """Iterations before the point leaves the radius-2 disc (max_iter if it never does)."""
    x = y = 0.0
    for i in range(max_iter):
        if x * x + y * y > 4.0:
            return i
        x, y = x * x - y * y + cx, 2 * x * y + cy
    return max_iter"##;

/// Whether the workload has a Python program (convoy has one of its own: ../convoy.rs).
pub fn has_program(workload: &str) -> bool {
    matches!(workload, "cpu-primes" | "cpu-mandelbrot" | "io-fetch" | "io-sleep" | "mixed-pipeline") || cfg!(feature = "test-workload") && workload == TEST_WORKLOAD
}

/// The test-only workload's name (`--features test-workload`, ../workload/test_nap.rs): it proves that a
/// workload the page has never heard of gets its program, and its catalogue entry, from the engine alone.
pub const TEST_WORKLOAD: &str = "test-nap";

fn fault_text(kind: &str) -> &'static str {
    match kind {
        "status" => "the server answers 503",
        "reset" => "the server drops the connection",
        "hang" => "the server never answers",
        _ => "undefined",
    }
}

fn url_for(p: &Plan) -> String {
    let url = r#"f"{BASE_URL}api/delay?ms={LATENCY_MS}&tag={i}""#;
    let kind = p.fault_kind.as_deref().unwrap_or("undefined");
    if p.failing.is_none() || kind == "panic" {
        return fill("def url_for(i):\n    return ${url}", &[("url", url)]);
    }
    fill(
        r##"def url_for(i):
    url = ${url}
    if i in FAILING:
        url += "&fail=${kind}"  # the lab's injected fault: ${why}
    return url"##,
        &[("url", url), ("kind", kind), ("why", fault_text(kind))],
    )
}

fn call_api(p: &Plan) -> String {
    if p.is_async {
        return r##"async def call_api(session, url):
    # One session for all the requests, passed in: it keeps a pool of connections. The lesson's
    # snippet opens a session per call; that works, but is an anti-pattern (a new pool each time).
    async with session.get(url) as response:
        response.raise_for_status()  # an error status raises ClientResponseError
        return await response.json()"##
            .into();
    }
    let open = if p.timeout { "urllib.request.urlopen(url, timeout=TIMEOUT_S)" } else { "urllib.request.urlopen(url)" };
    if p.mode == "processes" && p.fault_kind.as_deref() == Some("status") {
        return fill(
            r##"def call_api(url):
    # urlopen blocks until the answer arrives. It raises HTTPError on a 503, which cannot be
    # unpickled in the parent process (multiprocessing would hang): send a plain URLError instead.
    try:
        with ${open} as response:
            return json.load(response)
    except urllib.error.HTTPError as e:
        raise urllib.error.URLError(f"HTTP Error {e.code}: {e.reason}") from None"##,
            &[("open", open)],
        );
    }
    let releases = if p.mode == "sequential" { "" } else { " (the thread releases the GIL while it waits)" };
    fill(
        r##"def call_api(url):
    # urlopen blocks until the answer arrives${releases}.
    with ${open} as response:
        return json.load(response)"##,
        &[("releases", releases), ("open", open)],
    )
}

fn panic_check(p: &Plan) -> Option<String> {
    when(p.fault_kind.as_deref() == Some("panic"), "if i in FAILING:\n    raise RuntimeError(f\"injected panic in task {i}\")")
}

/// The body of `work(i)` (or `async def work(session, i)`), without its `def` line.
fn work_body(p: &Plan) -> Result<String, String> {
    let fetch = if p.is_async {
        if p.timeout {
            "await asyncio.wait_for(call_api(session, url_for(i)), timeout=TIMEOUT_S)"
        } else {
            "await call_api(session, url_for(i))"
        }
    } else {
        "call_api(url_for(i))"
    };
    Ok(match p.workload.as_str() {
        "cpu-primes" => r##"# Task i's contiguous share of range(N).
lo, hi = N * i // TASKS, N * (i + 1) // TASKS
return count_primes(lo, hi)"##
            .into(),
        "cpu-mandelbrot" => r##"# Task i's band of rows; returns the band's total iterations.
scale = SPAN / SIZE
total = 0
for row in range(SIZE * i // TASKS, SIZE * (i + 1) // TASKS):
    cy = Y0 + row * scale
    total += sum(escape(X0 + px * scale, cy, MAX_ITER) for px in range(SIZE))
return total"##
            .into(),
        "io-fetch" => format!("return {fetch}"),
        "io-sleep" if p.is_async => {
            let sleep = "asyncio.sleep(LATENCY_MS / 1000)";
            let wait = if p.timeout { format!("await asyncio.wait_for({sleep}, timeout=TIMEOUT_S)") } else { format!("await {sleep}") };
            format!("# A timer, not a blocked thread: the event loop runs the other tasks meanwhile.\n{wait}\nreturn LATENCY_MS")
        }
        "io-sleep" => join(
            &[
                when(
                    p.timeout,
                    r##"# time.sleep takes no timeout: as the lab does, sleep for the timeout, then raise.
if LATENCY_MS / 1000 > TIMEOUT_S:
    time.sleep(TIMEOUT_S)
    raise TimeoutError(f"the sleep of {LATENCY_MS} ms outlasted the timeout")"##,
                ),
                Some(format!(
                    "time.sleep(LATENCY_MS / 1000){}\nreturn LATENCY_MS",
                    if p.mode == "sequential" { "" } else { "  # releases the GIL while it sleeps" }
                )),
            ],
            "\n",
        ),
        "mixed-pipeline" => {
            let then = if p.is_async {
                "no await from here on, so this task holds the event loop to the end."
            } else if p.mode == "sequential" {
                "count the primes in this task's own window."
            } else if p.mode == "processes" {
                "each process counts with its own GIL, in parallel."
            } else {
                "Python code holds the GIL while it counts."
            };
            fill(
                r##"reply = ${fetch}
# Then compute on it: ${then}
lo = i * WINDOW
return reply["delayMs"], count_primes(lo, lo + WINDOW)"##,
                &[("fetch", fetch), ("then", then)],
            )
        }
        TEST_WORKLOAD if p.is_async => "await asyncio.sleep(NAP_MS / 1000)\nreturn NAP_MS".into(),
        TEST_WORKLOAD => "time.sleep(NAP_MS / 1000)\nreturn NAP_MS".into(),
        w => return Err(format!("no Python program for workload \"{w}\"")),
    })
}

fn work_def(p: &Plan) -> Result<String, String> {
    let signature = if p.is_async {
        if p.network {
            "async def work(session, i):"
        } else {
            "async def work(i):"
        }
    } else if p.input_items() != 0.0 {
        "def work(i, data):"
    } else {
        "def work(i):"
    };
    let note = if p.is_async && p.class == Class::Cpu {
        Some("# No await inside: a coroutine runs until it awaits, so each task keeps the thread to its end.".to_string())
    } else if p.mode == "processes" {
        Some("# Defined at module level: a worker process finds it by name when it unpickles the task.".to_string())
    } else {
        None
    };
    let received = when(p.input_items() != 0.0, "assert len(data) == INPUT_ITEMS  # a copy, unpickled in this interpreter");
    Ok(format!("{signature}\n{}", indent(&join(&[note, received, panic_check(p), Some(work_body(p)?)], "\n"), 4)))
}

/// Everything before the driver: the kernels the work calls, the request, and `work` itself.
pub fn helpers(p: &Plan) -> Result<String, String> {
    Ok(join(
        &[
            when(p.workload == "cpu-primes" || p.workload == "mixed-pipeline", IS_PRIME),
            when(p.workload == "cpu-mandelbrot", ESCAPE),
            p.network.then(|| url_for(p)),
            p.network.then(|| call_api(p)),
            Some(work_def(p)?),
        ],
        "\n\n\n",
    ))
}
