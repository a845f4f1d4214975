//! Running tasks on real threads that may block: shared by `threads-gil` (with a GIL) and `rayon`
//! (without). Each thread pulls the next task in order from a shared counter, as `Executor.map` hands
//! items to its workers.

use crate::core::cancel::CancelToken;
use crate::core::gil::{Gil, ThreadId};
use crate::core::platform::{BlockingIo, Clock, IoError, Progress};
use crate::core::record::{SpanKind, Status, TaskRecord, TaskRecorder};
use crate::core::run::ThreadEnv;
use super::steps;
use crate::core::faults::OnError;
use crate::core::spec::{Spec, TaskPlan};
use crate::core::workload::{CpuKernel, Step};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

/// What every thread of one run shares.
pub struct PoolRun {
    pub spec: Spec,
    pub clock: Arc<dyn Clock>,
    pub cancel: CancelToken,
    pub io: Arc<dyn BlockingIo>,
    /// `None` where no GIL exists at all (rayon); a disabled `Gil` models free-threaded Python.
    pub gil: Option<Arc<Gil>>,
    pub t0: f64,
    pub progress: Arc<dyn Progress>,
    next: AtomicU32,
    records: Mutex<Vec<TaskRecord>>,
    /// `Executor.map` raised: tasks not yet started are cancelled, running ones finish.
    map_raised: AtomicBool,
}

impl PoolRun {
    pub fn new(spec: Spec, env: &ThreadEnv<'_>, cancel: CancelToken, gil: Option<Arc<Gil>>, t0: f64) -> Self {
        let capacity = spec.tasks as usize;
        let (clock, io, progress) = (env.clock.clone(), env.io.clone(), env.progress.clone());
        PoolRun { spec, clock, cancel, io, gil, t0, progress, next: AtomicU32::new(0), records: Mutex::new(Vec::with_capacity(capacity)), map_raised: AtomicBool::new(false) }
    }

    /// One worker thread's life: take the next task until none is left.
    pub fn worker(&self, me: ThreadId, lane: &str) {
        loop {
            let id = self.next.fetch_add(1, Ordering::Relaxed);
            if id >= self.spec.tasks {
                break;
            }
            let record = if self.map_raised.load(Ordering::Acquire) {
                TaskRecord::cancelled(id, lane, self.now() - self.t0)
            } else {
                self.run_task(me, id, lane)
            };
            let mut records = self.records.lock().unwrap_or_else(|e| e.into_inner());
            records.push(record);
            if self.spec.on_error == OnError::Raise && map_reached_failure(&records) {
                self.map_raised.store(true, Ordering::Release);
            }
        }
    }

    /// The records, in task order (call once every worker has returned).
    pub fn take_records(&self) -> Vec<TaskRecord> {
        let mut records = std::mem::take(&mut *self.records.lock().unwrap_or_else(|e| e.into_inner()));
        records.sort_by_key(|r| r.id);
        records
    }

    fn now(&self) -> f64 {
        self.clock.now_ms()
    }

    /// Takes the GIL (if any), recording the wait. `false`: cancelled while waiting.
    fn take_gil(&self, me: ThreadId, rec: &mut TaskRecorder) -> bool {
        let Some(gil) = self.gil.as_deref().filter(|g| g.is_enabled()) else { return !self.cancel.is_cancelled() };
        let start = self.now();
        let held = gil.take(me);
        rec.span(SpanKind::GilWait, start, self.now());
        held
    }

    fn drop_gil(&self, me: ThreadId) {
        if let Some(gil) = &self.gil {
            gil.drop_gil(me);
        }
    }

    fn run_task(&self, me: ThreadId, id: u32, lane: &str) -> TaskRecord {
        if self.cancel.is_cancelled() {
            return TaskRecord::cancelled(id, lane, self.now() - self.t0);
        }
        let mut rec = TaskRecorder::start(id, lane, self.t0, self.now());
        // A pool thread picks up a work item holding the GIL and runs it as Python code.
        let mut held = self.take_gil(me, &mut rec);
        let mut outcome = if held { Ok(()) } else { Err(IoError::Cancelled) };
        let TaskPlan { steps: plan, fault } = self.spec.plan(id);
        if held {
            steps::maybe_panic(fault, id);
        }
        for step in plan {
            if outcome.is_err() {
                break;
            }
            let r = match step {
                Step::Cpu(kernel) => self.cpu(me, &mut rec, kernel, &mut held),
                Step::Fetch { ms } => {
                    let req = steps::fetch(&self.spec, fault, id, ms);
                    self.blocking(me, &mut rec, &mut held, |io| io.fetch_delay(req))
                }
                Step::Sleep { ms } => {
                    let (wait, timeout) = steps::sleep_plan(&self.spec, ms);
                    self.blocking(me, &mut rec, &mut held, |io| io.sleep(wait).and_then(|()| timeout.map_or(Ok(u64::from(ms)), Err)))
                }
            };
            outcome = r.map(|v| rec.add_value(v));
        }
        // Back to `queue.get()`, which blocks: the GIL is released (or the thread ends).
        if held {
            self.drop_gil(me);
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

    /// CPU work holding the GIL; between chunks (CPython: between bytecodes) the eval breaker may hand
    /// it to a waiting thread.
    fn cpu(&self, me: ThreadId, rec: &mut TaskRecorder, mut kernel: Box<dyn CpuKernel>, held: &mut bool) -> Result<u64, IoError> {
        let gil = self.gil.as_deref();
        let mut start = self.now();
        loop {
            if self.cancel.is_cancelled() {
                rec.span(SpanKind::Run, start, self.now());
                return Err(IoError::Cancelled);
            }
            if let Some(v) = kernel.step() {
                rec.span(SpanKind::Run, start, self.now());
                rec.output = kernel.take_output();
                return Ok(v);
            }
            if let Some(gil) = gil {
                let before = self.now();
                if let Some(again) = gil.check(me) {
                    rec.span(SpanKind::Run, start, before);
                    start = self.now();
                    rec.span(SpanKind::GilWait, before, start);
                    *held = again;
                    if !again {
                        return Err(IoError::Cancelled);
                    }
                }
            }
        }
    }

    /// A blocking call: drop the GIL, wait, take it back.
    fn blocking(
        &self,
        me: ThreadId,
        rec: &mut TaskRecorder,
        held: &mut bool,
        call: impl FnOnce(&dyn BlockingIo) -> Result<u64, IoError>,
    ) -> Result<u64, IoError> {
        self.drop_gil(me);
        *held = false;
        let start = self.now();
        let r = call(self.io.as_ref());
        rec.span(SpanKind::IoWait, start, self.now());
        if !matches!(r, Err(IoError::Cancelled)) {
            // The exception (or the result) is handled in Python code: the GIL is needed again.
            *held = self.take_gil(me, rec);
            if !*held {
                return Err(IoError::Cancelled);
            }
        }
        r
    }
}

/// Whether the caller iterating `Executor.map`'s results in order has reached a failed task: every task
/// up to the first failure (in task order) has finished.
fn map_reached_failure(records: &[TaskRecord]) -> bool {
    let Some(first) = records.iter().filter(|r| matches!(r.status, Status::Error | Status::Timeout)).map(|r| r.id).min() else {
        return false;
    };
    let mut done = vec![false; first as usize + 1];
    for r in records.iter().filter(|r| r.id <= first) {
        done[r.id as usize] = true;
    }
    done.into_iter().all(|d| d)
}
