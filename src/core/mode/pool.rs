//! Running tasks on real threads that may block: shared by `threads-gil` (with a GIL) and `rayon`
//! (without). Each thread pulls the next task in order from a shared [`MapQueue`], as `Executor.map`
//! hands items to its workers; `processes` hands tasks to its worker processes from the same queue
//! (`mode/processes.rs`), so `Executor.map`'s failure rule lives here only.
//!
//! This file holds a worker thread's task loop; `shared.rs` one run's shared state (and the [`TaskHook`]
//! a mode adds around each task); `overhead.rs` free-threaded Python's cost; `queue.rs` is `Executor.map`'s
//! hand-out and failure rule, `handover.rs` the GIL taken and dropped (around blocking calls too), and
//! `cpu.rs` CPU work in chunks between which the GIL may change hands. This file stays at `pool.rs`
//! (beside its folder, not `pool/mod.rs`) because the catalogue's `source` of `free-threaded` links here.

mod cpu;
mod handover;
pub mod overhead;
mod queue;
mod shared;

pub use handover::{record_drop, record_wait};
pub use queue::{fill_unfinished, MapQueue};
pub use shared::{InterpreterSlot, PoolRun, TaskHook};

use super::steps;
use crate::core::events::DropReason;
use crate::core::gil::ThreadId;
use crate::core::platform::IoError;
use crate::core::record::{Status, TaskRecord, TaskRecorder};
use crate::core::spec::TaskPlan;
use crate::core::workload::types::{CpuKernel, Step};
use cpu::Until;
use std::sync::atomic::Ordering;

impl PoolRun {
    /// One worker thread's life: take the next task until none is left (or `map` has raised).
    pub fn worker(&self, me: ThreadId, lane: &str) {
        // `interpreters`: this thread's own interpreter, started with its first task, gone with the run.
        let mut interp: InterpreterSlot = None;
        {
            let mut lanes = self.lanes.lock().unwrap_or_else(|e| e.into_inner());
            if lanes.len() <= me {
                lanes.resize(me + 1, String::new());
            }
            lanes[me] = lane.to_string();
        }
        loop {
            // Its own statement: the queue's lock must not be held while the task runs.
            let next = self.queue.lock().unwrap_or_else(|e| e.into_inner()).take();
            let Some(id) = next else { break };
            let record = self.run_task(me, id, lane, &mut interp);
            if let Some(done) = self.finished.get(id as usize) {
                done.store(true, Ordering::Release);
            }
            self.queue.lock().unwrap_or_else(|e| e.into_inner()).finish(id, record.status);
            self.records.lock().unwrap_or_else(|e| e.into_inner()).push(record);
        }
    }

    fn run_task(&self, me: ThreadId, id: u32, lane: &str, interp: &mut InterpreterSlot) -> TaskRecord {
        if self.cancel.is_cancelled() {
            return TaskRecord::cancelled(id, lane, self.now() - self.t0);
        }
        let mut rec = TaskRecorder::start(id, lane, self.t0, self.now());
        if let Some(hook) = &self.hook {
            if let Err(e) = hook.arrive(self, interp, id, &mut rec) {
                let (status, error) = steps::failure(e);
                let (record, output) = rec.finish_with_output(status, error, self.now());
                self.progress.task_done(&record, output);
                return record;
            }
        }
        // A pool thread picks up a work item holding the GIL and runs it as Python code.
        let mut held = self.take_gil(me, &mut rec);
        let mut outcome = if held { Ok(()) } else { Err(IoError::Cancelled) };
        let TaskPlan { steps: plan, fault } = self.spec.plan(id);
        if held {
            steps::crash_if_planned(fault, id);
        }
        // The last CPU kernel and what it computed, for its result's way back from an interpreter.
        let mut computed: Option<(Box<dyn CpuKernel>, u64)> = None;
        for step in plan {
            if outcome.is_err() {
                break;
            }
            let r = match step {
                Step::Cpu(mut kernel) => {
                    let r = self.cpu(me, &mut rec, &mut kernel, &mut held, interp);
                    let before = computed.as_ref().map_or(0, |c| c.1);
                    computed = Some((kernel, before + r.as_ref().map_or(0, |v| *v)));
                    r
                }
                Step::Fetch { ms } => {
                    let req = steps::fetch(&self.spec, fault, id, ms);
                    let text = steps::io_text(&self.spec, id, true, ms, false);
                    self.blocking(me, &mut rec, &mut held, text, |io| io.fetch_delay(req))
                }
                Step::Sleep { ms } => {
                    let (wait, timeout) = steps::sleep_plan(&self.spec, ms);
                    let text = steps::io_text(&self.spec, id, false, ms, false);
                    self.blocking(me, &mut rec, &mut held, text, |io| io.sleep(wait).and_then(|()| timeout.map_or(Ok(u64::from(ms)), Err)))
                }
                Step::BlockingCalls { calls, us } => self.blocking_calls(me, &mut rec, &mut held, calls, us),
                Step::CpuUntil { kernel, task } => {
                    let done = self.finished.clone();
                    let until = Until { kernel, done: move || done.get(task as usize).is_none_or(|d| d.load(Ordering::Acquire)) };
                    let mut until: Box<dyn CpuKernel> = Box::new(until);
                    self.cpu(me, &mut rec, &mut until, &mut held, interp)
                }
            };
            outcome = r.map(|v| rec.add_value(v));
        }
        if let (Some(hook), Some(i), true) = (&self.hook, interp.as_deref_mut(), outcome.is_ok()) {
            outcome = hook.depart(self, i, computed, &mut rec);
        }
        // Back to `queue.get()`, which blocks: the GIL is released (or the thread ends).
        if held {
            self.drop_gil(me, &mut rec, DropReason::End);
        }
        let now = self.now();
        let (record, output) = match outcome {
            Ok(()) => rec.finish_with_output(Status::Ok, None, now),
            Err(e) => {
                let (status, error) = steps::failure(e);
                rec.finish_with_output(status, error, now)
            }
        };
        self.progress.task_done(&record, output);
        record
    }
}
