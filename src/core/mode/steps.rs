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

/// How the lab's Python program writes what a task waits on (replay shows it): `{task}`, `{seconds}`
/// and `{timeout}` to fill, `{call}` the call a timeout wraps. In the catalogue (`rules.calls`), so that
/// replay writes the same for a record made without events (www/src/replay/derive.ts); `other*` is what
/// it says of a wait the spans do not name.
#[derive(Clone, Copy, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallTexts {
    /// A coroutine's request, and a thread's.
    pub fetch_await: &'static str,
    pub fetch_call: &'static str,
    /// A coroutine's timer, and a thread's sleep (also a `convoy` blocking call).
    pub sleep_await: &'static str,
    pub sleep_call: &'static str,
    /// An await under `timeoutMs` (threads apply the timeout inside the call).
    pub timeout_await: &'static str,
    pub other_await: &'static str,
    pub other_call: &'static str,
}

pub const CALL_TEXTS: CallTexts = CallTexts {
    fetch_await: "session.get(url_for({task}))",
    fetch_call: "urlopen(url_for({task}))",
    sleep_await: "asyncio.sleep({seconds})",
    sleep_call: "time.sleep({seconds})",
    timeout_await: "asyncio.wait_for({call}, timeout={timeout})",
    other_await: "I/O",
    other_call: "a blocking call",
};

/// What an I/O step waits on, as the lab's Python program writes it (replay shows it): a coroutine's
/// await under `asyncio`, a blocking call elsewhere. `fetch`: a request (else a sleep of `ms`).
pub fn io_text(spec: &Spec, id: u32, fetch: bool, ms: u32, asyncio: bool) -> String {
    let t = &CALL_TEXTS;
    let template = match (fetch, asyncio) {
        (true, true) => t.fetch_await,
        (true, false) => t.fetch_call,
        (false, true) => t.sleep_await,
        (false, false) => t.sleep_call,
    };
    let call = template.replace("{task}", &id.to_string()).replace("{seconds}", &secs(f64::from(ms)));
    match spec.timeout_ms {
        Some(timeout) if asyncio => t.timeout_await.replace("{call}", &call).replace("{timeout}", &secs(f64::from(timeout))),
        _ => call,
    }
}

/// A blocking call of `us` microseconds (`convoy`), as Python writes it.
pub fn block_text(us: u32) -> String {
    CALL_TEXTS.sleep_call.replace("{seconds}", &secs(f64::from(us) / 1000.0))
}
