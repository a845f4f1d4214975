//! What every mode does the same way with a task's plan: which request to make, how a timeout applies
//! to a sleep, what an injected panic says, and how an I/O failure becomes the task's status.

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

/// Panics on purpose when the plan says so (`faults.kind = "panic"`): how the lab tests its recovery.
pub fn maybe_panic(fault: Option<FaultKind>, id: u32) {
    if fault == Some(FaultKind::Panic) {
        panic!("injected panic in task {id} (faults.kind = \"panic\")");
    }
}

/// How a failed step ends the task: its status and the exception as Python prints it.
pub fn failure(e: IoError) -> (Status, Option<String>) {
    match e {
        IoError::Cancelled => (Status::Cancelled, None),
        IoError::Timeout(m) => (Status::Timeout, Some(format!("TimeoutError: {m}"))),
        IoError::Failed { name, message } => (Status::Error, Some(format!("{name}: {message}"))),
    }
}
