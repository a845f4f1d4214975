//! `processes`: `with multiprocessing.Pool(workers) as pool: pool.map(work, range(tasks), chunksize=1)`
//! (the spawn start method). A pool of worker processes started afresh for the run, each a new instance
//! of the engine with its own memory (the platform starts them: in the browser a Worker with its own
//! instance of the single build); each is handed the next task when it is free, by the same
//! `Executor.map` rule as the thread modes ([`MapQueue`]). A task's arguments travel to its process and
//! its record back as messages (this model's pickling).
//!
//! Recorded like every other mode: the timeline shows each process's start-up (span `start`, events
//! `process-start`/`process-ready`) on its first task, and the messages that carry each task out and its
//! record back (spans `message`, events `message-send`/`message-receive`), around the task's own record
//! and events as the process ran it. A Stop ends the processes; a process that dies ends the run.

use super::exec::LoopCtx;
use super::pool::{fill_unfinished, MapQueue};
use crate::core::events::{Crossing, EventKind};
use crate::core::platform::{ProcessFailure, Processes};
use crate::core::record::{Span, SpanKind, TaskRecord};
use crate::core::spec::Spec;
use futures_util::future::{join_all, select, Either};
use std::cell::RefCell;

/// The parent, as messages name it (`multiprocessing.current_process().name`).
pub const MAIN_PROCESS: &str = "MainProcess";

/// A pool process's name, as `multiprocessing` gives it (`ForkPoolWorker-1` under fork; the lab names
/// them by their place).
pub fn lane(i: usize) -> String {
    format!("Process-{}", i + 1)
}

/// Runs every task in `processes`' workers: every task's record, in task order (a task that never came
/// back is cancelled: the run was stopped, or `map` raised first). `Err`: a process failed (which one, and why), and the run ends with it.
pub async fn run(ctx: &LoopCtx<'_>, spec: &Spec, processes: &dyn Processes) -> Result<Vec<TaskRecord>, String> {
    let k = spec.worker_count().min(spec.tasks) as usize;
    let queue = RefCell::new(MapQueue::new(spec));
    let records = RefCell::new(Vec::with_capacity(spec.tasks as usize));
    // The first failure ends the run at once: the other processes' tasks are not waited for.
    let (fail, failed) = futures_channel::oneshot::channel::<String>();
    let fail = RefCell::new(Some(fail));
    let died = |why: String| {
        if let Some(tx) = fail.borrow_mut().take() {
            let _ = tx.send(why);
        }
    };
    let worker = |i: usize| {
        let (queue, records, died) = (&queue, &records, &died);
        async move {
            let lane = lane(i);
            let spawned = ctx.clock.now_ms();
            let (process, ready) = match processes.start(&lane).await {
                Ok(started) => started,
                Err(ProcessFailure::Died(why)) => return died(why),
                Err(ProcessFailure::Stopped) => return,
            };
            // The first task of each process carries the process's start-up, so its lane shows it.
            let mut start_up = Some((spawned, ready));
            loop {
                if ctx.cancel.is_cancelled() {
                    break;
                }
                let next = queue.borrow_mut().take();
                let Some(id) = next else { break };
                let sent = ctx.clock.now_ms();
                match process.run_task(spec, id, ctx.t0, &lane).await {
                    Ok((mut record, output)) => {
                        let received = ctx.clock.now_ms();
                        carried(&mut record, start_up.take(), sent, received, ctx.t0);
                        queue.borrow_mut().finish(id, record.status);
                        ctx.progress.task_done(&record, output);
                        records.borrow_mut().push(record);
                    }
                    Err(ProcessFailure::Died(why)) => return died(why),
                    Err(ProcessFailure::Stopped) => break,
                }
            }
        }
    };
    let failure = {
        let all = Box::pin(join_all((0..k).map(worker)));
        let outcome = select(all, failed).await;
        match outcome {
            Either::Left(_) => None,
            Either::Right((Ok(why), _)) => Some(why),
            // The sender lives as long as the run: kept for completeness, the workers are waited for.
            Either::Right((Err(_), all)) => {
                all.await;
                None
            }
        }
    };
    match failure {
        Some(why) => Err(why),
        // In task order; those never handed out (the run was stopped, or `map` raised) are cancelled.
        None => Ok(fill_unfinished(spec.tasks, records.into_inner(), ctx.clock.now_ms() - ctx.t0)),
    }
}

/// Adds to a task's record what its trip to the process cost, as the parent saw it: the message that
/// carried the task out (sent at `sent`, received when the task started), the one that carried the record
/// back (from the task's end until `received`), and on a process's first task its start-up (`start_up`:
/// spawned, ready). Times are absolute on the run's clock; the record's are from `t0`.
fn carried(record: &mut TaskRecord, start_up: Option<(f64, f64)>, sent: f64, received: f64, t0: f64) {
    let (task_start, task_end) = (record.start_ms, record.end_ms);
    let (sent, received) = (sent - t0, received - t0);
    let mut spans = Vec::with_capacity(record.spans.len() + 3);
    if let Some((spawned, ready)) = start_up {
        spans.push(Span { kind: SpanKind::Start, start_ms: spawned - t0, end_ms: ready - t0 });
    }
    spans.push(Span { kind: SpanKind::Message, start_ms: sent, end_ms: task_start });
    spans.append(&mut record.spans);
    spans.push(Span { kind: SpanKind::Message, start_ms: task_end, end_ms: received });
    record.spans = spans;
    let lane = (!record.lane.is_empty()).then(|| record.lane.clone());
    let mut note = |kind: EventKind, at: f64, what: Option<Crossing>| {
        let mut e = crate::core::events::Event::new(kind, at);
        e.lane = lane.clone();
        e.task_id = Some(record.id);
        if let Some(what) = what {
            let (from, to) = (Some(MAIN_PROCESS.to_string()), lane.clone());
            (e.from, e.to) = if what == Crossing::Task { (from, to) } else { (to, from) };
            e.what = Some(what);
        }
        record.events.push(e);
    };
    if let Some((spawned, ready)) = start_up {
        note(EventKind::ProcessStart, spawned - t0, None);
        note(EventKind::ProcessReady, ready - t0, None);
    }
    note(EventKind::MessageSend, sent, Some(Crossing::Task));
    note(EventKind::MessageReceive, task_start, Some(Crossing::Task));
    note(EventKind::MessageSend, task_end, Some(Crossing::Result));
    note(EventKind::MessageReceive, received, Some(Crossing::Result));
}

#[cfg(test)]
mod tests {
    use crate::core::events::{Crossing, EventKind};
    use crate::core::platform::native::{native_spec as spec, run_on_loop, VirtualIo};
    use crate::core::platform::NoProgress;
    use crate::core::record::{SpanKind, Status};
    use crate::core::run::RunResult;
    use crate::core::Build;
    use serde_json::json;

    fn run(v: serde_json::Value) -> RunResult {
        let io = VirtualIo::new();
        io.drive(run_on_loop(&spec(v), Build::Native, &io, &io, &io.cancel, &NoProgress))
    }

    #[test]
    fn each_process_starts_once_and_every_task_travels_out_and_back_with_its_events() {
        let r = run(json!({"workload": "io-sleep", "mode": "processes", "tasks": 5, "workers": 2, "latencyMs": 100}));
        assert!(r.error.is_none(), "{:?}", r.error);
        assert_eq!(r.value, 500);
        let lanes: std::collections::BTreeSet<_> = r.tasks.iter().map(|t| t.lane.clone()).collect();
        assert_eq!(lanes.into_iter().collect::<Vec<_>>(), ["Process-1", "Process-2"]);
        let starts = r.tasks.iter().filter(|t| t.spans.iter().any(|s| s.kind == SpanKind::Start)).count();
        assert_eq!(starts, 2, "one start-up per process, on its first task");
        for t in &r.tasks {
            let kinds: Vec<_> = t.spans.iter().map(|s| s.kind).filter(|k| *k != SpanKind::Start).collect();
            assert_eq!(kinds.first(), Some(&SpanKind::Message), "task {}: the task travels out first", t.id);
            assert_eq!(kinds.last(), Some(&SpanKind::Message), "task {}: its record travels back last", t.id);
        }
        let events = &r.events.as_ref().expect("processes record events like every other mode").list;
        let count = |k: EventKind| events.iter().filter(|e| e.kind == k).count();
        assert_eq!((count(EventKind::ProcessStart), count(EventKind::ProcessReady)), (2, 2));
        assert_eq!((count(EventKind::MessageSend), count(EventKind::MessageReceive)), (10, 10));
        assert_eq!((count(EventKind::TaskStart), count(EventKind::TaskEnd)), (5, 5));
        let out = events.iter().find(|e| e.kind == EventKind::MessageSend && e.what == Some(Crossing::Task)).unwrap();
        assert_eq!(out.from.as_deref(), Some(super::MAIN_PROCESS));
        assert!(out.to.as_deref().is_some_and(|l| l.starts_with("Process-")));
    }

    #[test]
    fn pool_map_raises_at_the_first_failure_in_task_order_and_starts_nothing_after_it() {
        let r = run(json!({"workload": "io-fetch", "mode": "processes", "tasks": 5, "latencyMs": 20, "workers": 1,
            "faults": {"kind": "status", "rate": 0.2, "seed": 6}}));
        let failed = r.tasks.iter().position(|t| t.status == Status::Error).expect("one task fails");
        assert_eq!(r.error.as_ref().and_then(|e| e.task_id), Some(failed as u32));
        assert!(r.tasks[..failed].iter().all(|t| t.status == Status::Ok));
        assert!(r.tasks[failed + 1..].iter().all(|t| t.status == Status::Cancelled), "{:?}", r.tasks.iter().map(|t| t.status).collect::<Vec<_>>());
    }
}
