//! What every mode does the same way with a task's plan: which request to make, how a timeout applies
//! to a sleep, what an injected crash does, and how an I/O failure becomes the task's status.

use crate::core::faults::FaultKind;
use crate::core::platform::{Fetch, IoError};
use crate::core::record::Status;
use crate::core::spec::Spec;

/// The request a fetch step of this task makes.
pub fn fetch(spec: &Spec, fault: Option<FaultKind>, id: u32, ms: u32) -> Fetch {
    Fetch { ms, tag: id.to_string(), fail: fault.filter(|k| k.is_network()), timeout_ms: spec.timeout_ms }
}

/// A sleep under a timeout shorter than itself sleeps the timeout, then raises `TimeoutError`.
pub fn sleep_plan(spec: &Spec, ms: u32) -> (u32, Option<IoError>) {
    match spec.timeout_ms {
        Some(t) if t < ms => (t, Some(IoError::Timeout(format!("the sleep of {ms} ms outlasted timeoutMs = {t}")))),
        _ => (ms, None),
    }
}

/// Crashes the task's thread on purpose when the plan says so: a panic (`faults.kind = "panic"`: the
/// hook reports it, then the thread aborts), or one of the test kinds: a trap (no hook runs and the
/// Worker dies, as on an allocation failure) or a stall (the thread stops answering). How the lab tests
/// its recovery from a dead or stuck worker.
pub fn crash_if_planned(fault: Option<FaultKind>, id: u32) {
    match fault {
        Some(FaultKind::Panic) => panic!("injected panic in task {id} (faults.kind = \"panic\")"),
        Some(FaultKind::Trap) => trap(),
        Some(FaultKind::Stall) => loop {
            std::hint::spin_loop();
        },
        _ => {}
    }
}

/// A real trap: wasm's `unreachable`, which runs no panic hook (natively, an abort).
fn trap() -> ! {
    #[cfg(target_arch = "wasm32")]
    core::arch::wasm32::unreachable();
    #[cfg(not(target_arch = "wasm32"))]
    std::process::abort();
}

/// How a failed step ends the task: its status and the exception as Python prints it.
pub fn failure(e: IoError) -> (Status, Option<String>) {
    match e {
        IoError::Cancelled => (Status::Cancelled, None),
        IoError::Timeout(m) => (Status::Timeout, Some(format!("TimeoutError: {m}"))),
        IoError::Failed { name, message } => (Status::Error, Some(format!("{name}: {message}"))),
    }
}

/// Seconds as the lab's Python programs write them (`0.2`, `1`, `0.0001`).
fn secs(ms: f64) -> String {
    format!("{}", ms / 1000.0)
}

/// What an I/O step waits on, as the lab's Python program writes it (replay shows it): a coroutine's
/// await under `asyncio`, a blocking call elsewhere. `fetch`: a request (else a sleep of `ms`).
pub fn io_text(spec: &Spec, id: u32, fetch: bool, ms: u32, asyncio: bool) -> String {
    let call = match (fetch, asyncio) {
        (true, true) => format!("session.get(url_for({id}))"),
        (true, false) => format!("urlopen(url_for({id}))"),
        (false, true) => format!("asyncio.sleep({})", secs(f64::from(ms))),
        (false, false) => format!("time.sleep({})", secs(f64::from(ms))),
    };
    match spec.timeout_ms {
        Some(t) if asyncio => format!("asyncio.wait_for({call}, timeout={})", secs(f64::from(t))),
        _ => call,
    }
}

/// A blocking call of `us` microseconds (`convoy`), as Python writes it.
pub fn block_text(us: u32) -> String {
    format!("time.sleep({})", secs(f64::from(us) / 1000.0))
}
