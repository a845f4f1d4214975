//! One run from start to result: dispatch to the mode, then assemble the [`RunResult`] the page draws.

use super::cancel::CancelToken;
use super::faults::OnError;
use super::mode::exec::LoopCtx;
use super::mode::{asyncio, sequential, threads_gil, turns, Mode};
use super::platform::{AsyncIo, Clock, Progress, ThreadEnv};
use super::record::{Status, TaskRecord};
use super::spec::Spec;
use super::{Build, SCHEMA_VERSION};
use serde::Serialize;
use serde_json::Value;

/// What the run raised, as the Python caller would see it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunError {
    pub name: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_ms: Option<f64>,
    /// Every exception a TaskGroup collected (its `ExceptionGroup`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exceptions: Option<Vec<TaskException>>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskException {
    pub task_id: u32,
    pub message: String,
}

/// One run's outcome: the public Result of `window.lab.run`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunResult {
    pub v: u32,
    /// Which lab and which model of Python produced it.
    pub lab_version: &'static str,
    pub model_version: u32,
    pub spec: Value,
    pub build: Build,
    /// The work's class (CPU, I/O, mixed), as its workload declares it.
    pub class: super::workload::Class,
    /// How long the Python caller waited: until the loop, `gather` or `map` returned or raised.
    pub wall_ms: f64,
    /// When the last task ended (at least `wall_ms`).
    pub end_ms: f64,
    pub value: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<RunError>,
    pub tasks: Vec<TaskRecord>,
    /// What happened, as it happened (replay's record; `src/core/events.rs`). Absent where the tasks'
    /// records came from elsewhere (`processes`: replay then reads the spans).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<super::events::EventRecord>,
    /// Whether a Stop cut the run short (the facade then rejects with an `AbortError` carrying this).
    #[serde(skip)]
    pub cancelled: bool,
}

impl RunResult {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("results serialise")
    }
}

/// Runs a spec whose mode runs on the caller's event loop ([`Mode::runs_on_loop`]): `sequential`,
/// `asyncio`, and `threads-gil` with its threads taking turns (where there is no shared memory).
pub async fn run_on_loop(spec: &Spec, build: Build, io: &dyn AsyncIo, clock: &dyn Clock, cancel: &CancelToken, progress: &dyn Progress) -> RunResult {
    let t0 = clock.now_ms();
    let ctx = LoopCtx { io, clock, cancel, t0, progress, group: CancelToken::new() };
    let records = match spec.mode {
        Mode::Sequential => sequential::run(&ctx, spec).await,
        Mode::Asyncio => asyncio::run(&ctx, spec).await,
        Mode::ThreadsGil => turns::run(&ctx, spec).await,
        other => unreachable!("{} does not run on the event loop", other.name()),
    };
    assemble(spec, build, clock.now_ms() - t0, records, cancel)
}

/// Runs one task of a spec on this event loop: what a `processes` worker does with each task it is
/// sent. `t0` is the parent's run start on the shared clock, so every process's lane lines up.
pub async fn run_one_task(spec: &Spec, id: u32, lane: &str, t0: f64, io: &dyn AsyncIo, clock: &dyn Clock, progress: &dyn Progress) -> TaskRecord {
    let cancel = CancelToken::new();
    let ctx = LoopCtx { io, clock, cancel: &cancel, t0, progress, group: CancelToken::new() };
    super::mode::exec::run_task(&ctx, spec, id, lane, f64::INFINITY).await
}

/// Runs a `threads-gil` or `rayon` spec, blocking the calling thread until it ends (`rayon` runs on the
/// current rayon pool).
pub fn run_on_threads(spec: &Spec, build: Build, env: &ThreadEnv<'_>, cancel: &CancelToken) -> RunResult {
    let t0 = env.clock.now_ms();
    let records = match spec.mode {
        Mode::ThreadsGil => threads_gil::run(spec, env, cancel.clone(), t0),
        Mode::FreeThreaded => super::mode::free_threaded::run(spec, env, cancel.clone(), t0),
        Mode::Interpreters => super::mode::interpreters::run(spec, env, cancel.clone(), t0),
        #[cfg(feature = "parallel")]
        Mode::Rayon => super::mode::rayon::run(spec, env, cancel.clone(), t0),
        other => unreachable!("{} does not run on threads in this build", other.name()),
    };
    assemble(spec, build, env.clock.now_ms() - t0, records, cancel)
}

/// Assembles the Result of a run whose tasks ran elsewhere (the `processes` mode: each worker process
/// returns its records), with the same error rules as every other mode.
pub fn assemble_records(spec: &Spec, build: Build, wall_ms: f64, tasks: Vec<TaskRecord>, cancelled: bool) -> RunResult {
    let cancel = CancelToken::new();
    if cancelled {
        cancel.cancel();
    }
    assemble(spec, build, wall_ms, tasks, &cancel)
}

/// Puts the records together. Failures follow the mode's Python counterpart (API.md, "onError, mode by
/// mode"): a plain loop raises the failure that stopped it; `Executor.map` raises the first failure in
/// task order once the caller reaches it (the running tasks then finish); `gather` raises the first
/// failure in time while the rest run on; a TaskGroup raises all of them together.
fn assemble(spec: &Spec, build: Build, elapsed_ms: f64, mut tasks: Vec<TaskRecord>, cancel: &CancelToken) -> RunResult {
    let events = super::events::merge(tasks.iter_mut().map(|t| std::mem::take(&mut t.events)));
    let events = (!events.is_empty()).then_some(super::events::EventRecord { v: super::events::EVENTS_VERSION, list: events });
    let end_ms = tasks.iter().map(|t| t.end_ms).fold(0.0, f64::max).min(elapsed_ms).max(0.0);
    let failed: Vec<&TaskRecord> = tasks.iter().filter(|t| matches!(t.status, Status::Error | Status::Timeout)).collect();
    let first_in_time = failed.iter().copied().min_by(|a, b| a.end_ms.total_cmp(&b.end_ms));
    let first_in_order = failed.iter().copied().min_by_key(|t| t.id);
    let raised = |t: &TaskRecord, at_ms: f64| {
        let (name, message) = split_exception(t.error.as_deref().unwrap_or_default());
        RunError { name, message, task_id: Some(t.id), at_ms: Some(at_ms), exceptions: None }
    };
    let error = match (spec.on_error, spec.mode) {
        (OnError::ReturnExceptions, _) => None,
        (OnError::TaskGroup, _) => first_in_time.map(|first| RunError {
            name: "ExceptionGroup".into(),
            message: format!("unhandled errors in a TaskGroup ({} sub-exception{})", failed.len(), if failed.len() == 1 { "" } else { "s" }),
            task_id: None,
            at_ms: Some(first.end_ms),
            exceptions: Some(failed.iter().map(|t| TaskException { task_id: t.id, message: t.error.clone().unwrap_or_default() }).collect()),
        }),
        (OnError::Raise, Mode::Asyncio) => first_in_time.map(|t| raised(t, t.end_ms)),
        (OnError::Raise, Mode::Sequential) => first_in_order.map(|t| raised(t, t.end_ms)),
        (OnError::Raise, _) => first_in_order.map(|t| {
            // The caller iterates the results in order: it reaches task i once tasks 0..=i are done.
            let reached = tasks.iter().filter(|r| r.id <= t.id).map(|r| r.end_ms).fold(t.end_ms, f64::max);
            raised(t, reached)
        }),
    };
    // gather returns (raising) at the first failure; every other caller waits for the end.
    let wall_ms = match (&error, spec.mode, spec.on_error) {
        (Some(e), Mode::Asyncio, OnError::Raise) => e.at_ms.unwrap_or(elapsed_ms),
        _ => elapsed_ms,
    };
    RunResult {
        v: SCHEMA_VERSION,
        lab_version: super::LAB_VERSION,
        model_version: super::MODEL_VERSION,
        spec: spec.to_json(),
        build,
        class: spec.workload.class(),
        wall_ms,
        end_ms: end_ms.max(wall_ms),
        value: tasks.iter().map(|t| t.value).sum(),
        error,
        tasks,
        events,
        cancelled: cancel.is_cancelled(),
    }
}

/// `"ClientResponseError: 503, ..."` -> (`ClientResponseError`, `503, ...`).
fn split_exception(text: &str) -> (String, String) {
    match text.split_once(": ") {
        Some((name, message)) if !name.is_empty() && !name.contains(' ') => (name.to_string(), message.to_string()),
        _ => ("Exception".to_string(), text.to_string()),
    }
}
