//! One run from start to result: the one entry ([`run`]), where each mode says how it runs ([`runner`]),
//! then the [`RunResult`] the page draws, assembled by Python's error rules.

use super::cancel::CancelToken;
use super::error::LabError;
use super::faults::OnError;
use super::mode::exec::LoopCtx;
use super::mode::pool::fill_unfinished;
#[cfg(feature = "parallel")]
use super::mode::rayon;
use super::mode::{asyncio, free_threaded, interpreters, processes, sequential, threads_gil, turns, Mode};
use super::platform::{AsyncIo, Clock, Platform, Progress, ThreadEnv, ThreadJob};
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
    /// What happened, as it happened (replay's record; `src/core/events.rs`). Absent only in records
    /// made before every mode recorded events (replay then reads the spans).
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

/// How a mode runs. Each mode says it once, in [`runner`]; [`run`] follows it.
pub enum Runner {
    /// On the caller's event loop.
    Loop(OnLoop),
    /// On real threads (`run` on the controller thread the platform gives), with the run's Python
    /// threads started first where `python_threads`.
    Threads { run: fn(&Spec, &ThreadEnv<'_>, CancelToken, f64) -> Vec<TaskRecord>, python_threads: bool },
    /// In worker processes the platform starts (`mode/processes.rs`).
    Processes,
    /// Not in this build, and why.
    Unavailable(&'static str),
}

/// The modes that run on the caller's event loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnLoop {
    Sequential,
    Asyncio,
    /// `threads-gil` where the platform has no real threads: its threads take turns ([`turns`]).
    Turns,
}

/// How `mode` runs on a platform with real threads (`real_threads`) or without.
pub fn runner(mode: Mode, real_threads: bool) -> Runner {
    match mode {
        Mode::Sequential => Runner::Loop(OnLoop::Sequential),
        Mode::Asyncio => Runner::Loop(OnLoop::Asyncio),
        Mode::ThreadsGil if !real_threads => Runner::Loop(OnLoop::Turns),
        Mode::ThreadsGil => Runner::Threads { run: threads_gil::run, python_threads: true },
        Mode::FreeThreaded => Runner::Threads { run: free_threaded::run, python_threads: true },
        Mode::Interpreters => Runner::Threads { run: interpreters::run, python_threads: true },
        #[cfg(feature = "parallel")]
        Mode::Rayon => Runner::Threads { run: rayon::run, python_threads: false },
        #[cfg(not(feature = "parallel"))]
        Mode::Rayon => Runner::Unavailable("rayon is not part of this build (no shared-memory pool)"),
        Mode::Processes => Runner::Processes,
    }
}

/// Runs a spec on `platform`, the one way every run goes: the mode's [`runner`] says where its tasks run,
/// then the Result is assembled by Python's rules. `Err`: the run could not go on (its threads or a
/// process failed, or the platform lacks what the mode needs).
pub async fn run(spec: &Spec, build: Build, platform: &Platform<'_>, cancel: &CancelToken) -> Result<RunResult, LabError> {
    let clock = platform.clock;
    let t0 = clock.now_ms();
    let ctx = LoopCtx { io: platform.io, clock, cancel, t0, progress: platform.progress, group: CancelToken::new() };
    let unavailable = || LabError::unavailable("mode", format!("{} cannot run on this platform", spec.mode.name()));
    let (records, elapsed_ms) = match runner(spec.mode, platform.threads.is_some()) {
        Runner::Loop(how) => {
            let records = match how {
                OnLoop::Sequential => sequential::run(&ctx, spec).await,
                OnLoop::Asyncio => asyncio::run(&ctx, spec).await,
                OnLoop::Turns => turns::run(&ctx, spec).await,
            };
            (records, clock.now_ms() - t0)
        }
        Runner::Threads { run, python_threads } => {
            let host = platform.threads.ok_or_else(unavailable)?;
            let k = if python_threads { spec.worker_count().min(spec.tasks) as usize } else { 0 };
            let (job_spec, job_cancel) = (spec.clone(), cancel.clone());
            let job: ThreadJob = Box::new(move |env| {
                let t0 = env.clock.now_ms();
                let records = run(&job_spec, env, job_cancel, t0);
                (records, env.clock.now_ms() - t0)
            });
            match host.run(k, ctx.cancel, job).await.map_err(|message| LabError::EngineError { message })? {
                Some(done) => done,
                // Stopped while its threads were starting: the run never started; every task is cancelled.
                None => (fill_unfinished(spec.tasks, Vec::new(), 0.0), 0.0),
            }
        }
        Runner::Processes => {
            let pool = platform.processes.ok_or_else(unavailable)?;
            let records = processes::run(&ctx, spec, pool).await.map_err(|message| LabError::EngineError { message })?;
            (records, clock.now_ms() - t0)
        }
        Runner::Unavailable(why) => return Err(LabError::unavailable("mode", why)),
    };
    Ok(assemble(spec, build, elapsed_ms, records, cancel))
}

/// Runs one task of a spec on this event loop: what a `processes` worker does with each task it is
/// sent. `t0` is the parent's run start on the shared clock, so every process's lane lines up.
pub async fn run_one_task(spec: &Spec, id: u32, lane: &str, t0: f64, io: &dyn AsyncIo, clock: &dyn Clock, progress: &dyn Progress) -> TaskRecord {
    let cancel = CancelToken::new();
    let ctx = LoopCtx { io, clock, cancel: &cancel, t0, progress, group: CancelToken::new() };
    super::mode::exec::run_task(&ctx, spec, id, lane, f64::INFINITY).await
}

/// Assembles the Result of a run from records that came from elsewhere (a crashed run's, kept by the
/// page), with the same error rules as every other run.
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
