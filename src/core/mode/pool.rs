//! Running tasks on real threads that may block: shared by `threads-gil` (with a GIL) and `rayon`
//! (without). Each thread pulls the next task in order from a shared [`MapQueue`], as `Executor.map`
//! hands items to its workers; `processes` hands tasks to its worker processes from the same queue (the
//! facade's `TaskQueue`), so `Executor.map`'s failure rule lives here only.

use crate::core::cancel::CancelToken;
use crate::core::events::{DropReason, EventKind};
use crate::core::gil::{Gil, ThreadId};
use crate::core::platform::{BlockingIo, Clock, Interpreter, IoError, Progress, StartInterpreter};
use crate::core::record::{SpanKind, Status, TaskRecord, TaskRecorder};
use crate::core::run::ThreadEnv;
use super::steps;
use crate::core::faults::OnError;
use crate::core::spec::{Spec, TaskPlan};
use crate::core::workload::{CpuKernel, Step, CHUNK_MS};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// `Executor.map` (and `Pool.map`) handing out tasks: in task order, the next one to whichever worker is
/// free. Under `onError = raise` the caller iterates the results in order; once it reaches a failed task
/// (every task before it has finished), `map` raises: no further task is started, the running ones
/// finish, and the ones never started are cancelled ([`fill_unfinished`]).
#[derive(Debug)]
pub struct MapQueue {
    tasks: u32,
    next: u32,
    on_error: OnError,
    /// For each finished task, whether it failed.
    finished: Vec<Option<bool>>,
    /// Tasks `0..reached` have all finished: how far the caller has iterated.
    reached: u32,
    raised: bool,
}

impl MapQueue {
    pub fn new(spec: &Spec) -> Self {
        MapQueue { tasks: spec.tasks, next: 0, on_error: spec.on_error, finished: vec![None; spec.tasks as usize], reached: 0, raised: false }
    }

    /// The next task to start, or `None`: every task was handed out, or `map` has raised.
    pub fn take(&mut self) -> Option<u32> {
        if self.raised || self.next >= self.tasks {
            return None;
        }
        self.next += 1;
        Some(self.next - 1)
    }

    /// Task `id` has finished with `status`.
    pub fn finish(&mut self, id: u32, status: Status) {
        let Some(slot) = self.finished.get_mut(id as usize) else { return };
        *slot = Some(matches!(status, Status::Error | Status::Timeout));
        while !self.raised && self.reached < self.tasks {
            match self.finished[self.reached as usize] {
                None => break,
                Some(failed) => {
                    self.raised = failed && self.on_error == OnError::Raise;
                    self.reached += 1;
                }
            }
        }
    }

    /// Whether `map` has raised (the caller reached a failed task).
    pub fn raised(&self) -> bool {
        self.raised
    }
}

/// Every task of a run in task order: the records that came back, and a `cancelled` record (ended at
/// `at_ms`, on no lane) for each task that never finished: never started because `map` raised or Stop
/// came, or lost with a worker that died.
pub fn fill_unfinished(tasks: u32, mut records: Vec<TaskRecord>, at_ms: f64) -> Vec<TaskRecord> {
    records.retain(|r| r.id < tasks);
    records.sort_by_key(|r| r.id);
    records.dedup_by_key(|r| r.id);
    let mut all = Vec::with_capacity(tasks as usize);
    let mut have = records.into_iter().peekable();
    for id in 0..tasks {
        match have.next_if(|r| r.id == id) {
            Some(r) => all.push(r),
            None => all.push(TaskRecord::cancelled(id, "", at_ms)),
        }
    }
    all
}

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
    queue: Mutex<MapQueue>,
    records: Mutex<Vec<TaskRecord>>,
    /// Which tasks have finished, for work that runs until another task is done (`Step::CpuUntil`).
    finished: Arc<Vec<AtomicBool>>,
    /// `interpreters`: each worker thread's own GIL (its interpreter's), by thread; empty otherwise.
    lane_gils: Vec<Arc<Gil>>,
    /// `interpreters`: how a worker thread starts its interpreter (with its first task).
    start_interpreter: Option<StartInterpreter>,
    /// Each worker thread's lane, by thread, for the events that name another thread (a drop request
    /// names the holder).
    lanes: Mutex<Vec<String>>,
}

/// A thread's subinterpreter, once started (`interpreters` only).
pub type InterpreterSlot = Option<Box<dyn Interpreter>>;

impl PoolRun {
    pub fn new(spec: Spec, env: &ThreadEnv<'_>, cancel: CancelToken, gil: Option<Arc<Gil>>, t0: f64) -> Self {
        let capacity = spec.tasks as usize;
        let (clock, io, progress) = (env.clock.clone(), env.io.clone(), env.progress.clone());
        let queue = Mutex::new(MapQueue::new(&spec));
        let finished = Arc::new((0..capacity).map(|_| AtomicBool::new(false)).collect());
        let records = Mutex::new(Vec::with_capacity(capacity));
        PoolRun { spec, clock, cancel, io, gil, t0, progress, queue, records, finished, lane_gils: Vec::new(), start_interpreter: None, lanes: Mutex::new(Vec::new()) }
    }

    /// Runs every task in a subinterpreter of its worker thread, each with its own GIL (`gils[thread]`).
    pub fn with_interpreters(mut self, gils: Vec<Arc<Gil>>, start: StartInterpreter) -> Self {
        self.lane_gils = gils;
        self.start_interpreter = Some(start);
        self
    }

    /// The GIL thread `me` runs under: its interpreter's own, or the process's one (or none).
    fn gil_of(&self, me: ThreadId) -> Option<&Gil> {
        self.lane_gils.get(me).map(|g| &**g).or(self.gil.as_deref())
    }

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

    /// Every task's record, in task order (call once every worker has returned): those never started
    /// are cancelled.
    pub fn take_records(&self) -> Vec<TaskRecord> {
        let records = std::mem::take(&mut *self.records.lock().unwrap_or_else(|e| e.into_inner()));
        fill_unfinished(self.spec.tasks, records, self.now() - self.t0)
    }

    pub(super) fn now(&self) -> f64 {
        self.clock.now_ms()
    }

    /// Takes the GIL (if any), recording the wait. `false`: cancelled while waiting.
    fn take_gil(&self, me: ThreadId, rec: &mut TaskRecorder) -> bool {
        let Some(gil) = self.gil_of(me).filter(|g| g.is_enabled()) else { return !self.cancel.is_cancelled() };
        let start = self.now();
        let mut requests = Vec::new();
        let held = gil.take_noting(me, &mut |at, holder| requests.push((at, holder)));
        let end = self.now();
        rec.span(SpanKind::GilWait, start, end);
        self.note_wait(me, rec, start, &requests, end, held);
        held
    }

    /// The events of one wait for the GIL: asked at `start`, the drop requests this thread made meanwhile
    /// (and whom they asked), then taken at `end` (or given up: a Stop).
    fn note_wait(&self, me: ThreadId, rec: &mut TaskRecorder, start: f64, requests: &[(f64, Option<ThreadId>)], end: f64, held: bool) {
        let gil = self.gil_name(me);
        rec.event(EventKind::GilWait, start).gil = gil.clone();
        for &(at, holder) in requests {
            let lanes = self.lanes.lock().unwrap_or_else(|e| e.into_inner());
            let holder = holder.and_then(|h| lanes.get(h).cloned());
            drop(lanes);
            let e = rec.event(EventKind::GilDropRequest, at);
            e.gil = gil.clone();
            e.holder = holder;
        }
        rec.event(if held { EventKind::GilTake } else { EventKind::GilWaitEnd }, end).gil = gil;
    }

    /// The name of thread `me`'s GIL in events: its interpreter's lane under `interpreters`, none for the
    /// process's one GIL.
    fn gil_name(&self, me: ThreadId) -> Option<String> {
        if self.lane_gils.is_empty() {
            return None;
        }
        self.lanes.lock().unwrap_or_else(|e| e.into_inner()).get(me).cloned()
    }

    /// Drops the GIL (if any), recording why.
    fn drop_gil(&self, me: ThreadId, rec: &mut TaskRecorder, reason: DropReason) {
        if let Some(gil) = self.gil_of(me) {
            if gil.is_enabled() {
                let e = rec.event(EventKind::GilDrop, self.now());
                e.reason = Some(reason);
                e.gil = self.gil_name(me);
            }
            gil.drop_gil(me);
        }
    }

    fn run_task(&self, me: ThreadId, id: u32, lane: &str, interp: &mut InterpreterSlot) -> TaskRecord {
        if self.cancel.is_cancelled() {
            return TaskRecord::cancelled(id, lane, self.now() - self.t0);
        }
        let mut rec = TaskRecorder::start(id, lane, self.t0, self.now());
        if let Some(start) = self.start_interpreter {
            if let Err(e) = super::interpreters::arrive(self, start, interp, id, &mut rec) {
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
        if let (Some(i), true) = (interp.as_deref_mut(), outcome.is_ok()) {
            outcome = super::interpreters::depart(self, i, computed, &mut rec);
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

    /// CPU work holding the GIL; between chunks (CPython: between bytecodes) the eval breaker may hand
    /// it to a waiting thread.
    fn cpu(&self, me: ThreadId, rec: &mut TaskRecorder, kernel: &mut Box<dyn CpuKernel>, held: &mut bool, interp: &mut InterpreterSlot) -> Result<u64, IoError> {
        if self.spec.releases_gil && self.gil_of(me).is_some_and(Gil::is_enabled) {
            return self.cpu_releasing_gil(me, rec, kernel, held, interp);
        }
        // Free-threaded Python's single-thread cost, as a share of each chunk's time.
        let overhead = self.spec.free_threaded_overhead_pct.unwrap_or(0.0) / 100.0;
        let mut owed = super::free_threaded::Overhead::default();
        let gil = self.gil_of(me);
        // Half the switch interval at most, so a waiter's drop request is heard in time (CPython checks
        // its eval breaker every few bytecodes, far more often than any interval).
        let chunk_ms = gil.filter(|g| g.is_enabled()).map_or(CHUNK_MS, |g| CHUNK_MS.min(g.interval_ms() / 2.0));
        let mut start = self.now();
        loop {
            if self.cancel.is_cancelled() {
                rec.span(SpanKind::Run, start, self.now());
                return Err(IoError::Cancelled);
            }
            let chunk_start = self.now();
            let done = step(kernel, interp, chunk_ms);
            if overhead > 0.0 {
                let now = || self.now();
                owed.accrue((self.now() - chunk_start) * overhead, done.is_some(), &now);
            }
            if let Some(v) = done {
                rec.span(SpanKind::Run, start, self.now());
                if interp.is_none() {
                    rec.output = kernel.take_output();
                }
                return Ok(v);
            }
            if let Some(gil) = gil {
                let before = self.now();
                let mut requests = Vec::new();
                if let Some(again) = gil.check_noting(me, &mut |at, holder| requests.push((at, holder))) {
                    rec.span(SpanKind::Run, start, before);
                    start = self.now();
                    rec.span(SpanKind::GilWait, before, start);
                    if gil.is_enabled() {
                        let e = rec.event(EventKind::GilDrop, before);
                        e.reason = Some(DropReason::Switch);
                        e.gil = self.gil_name(me);
                        self.note_wait(me, rec, before, &requests, start, again);
                    }
                    *held = again;
                    if !again {
                        return Err(IoError::Cancelled);
                    }
                }
            }
        }
    }

    /// CPU work in C code that releases the GIL (NumPy's loops, hashlib, zlib): Python holds the GIL to
    /// make the call, the C code drops it (`Py_BEGIN_ALLOW_THREADS`) and runs its kernel beside other
    /// threads, then takes it back to return to Python (`Py_END_ALLOW_THREADS`). The kernel's spans are
    /// `run-nogil`, so `run` keeps meaning "holds the GIL".
    fn cpu_releasing_gil(&self, me: ThreadId, rec: &mut TaskRecorder, kernel: &mut Box<dyn CpuKernel>, held: &mut bool, interp: &mut InterpreterSlot) -> Result<u64, IoError> {
        let called = self.now();
        self.drop_gil(me, rec, DropReason::Released);
        *held = false;
        let start = self.now();
        rec.span(SpanKind::Run, called, start);
        let value = loop {
            if self.cancel.is_cancelled() {
                rec.span(SpanKind::RunNogil, start, self.now());
                return Err(IoError::Cancelled);
            }
            if let Some(v) = step(kernel, interp, CHUNK_MS) {
                break v;
            }
        };
        rec.span(SpanKind::RunNogil, start, self.now());
        if interp.is_none() {
            rec.output = kernel.take_output();
        }
        *held = self.take_gil(me, rec);
        if !*held {
            return Err(IoError::Cancelled);
        }
        Ok(value)
    }

    /// Short blocking calls one after another (`convoy`'s I/O thread), each timed from its start until
    /// the thread holds the GIL again: the call itself, then the wait to win the GIL back.
    fn blocking_calls(&self, me: ThreadId, rec: &mut TaskRecorder, held: &mut bool, calls: u32, us: u32) -> Result<u64, IoError> {
        for _ in 0..calls {
            if self.cancel.is_cancelled() {
                return Err(IoError::Cancelled);
            }
            let start = self.now();
            self.blocking(me, rec, held, steps::block_text(us), |io| {
                io.block_us(us);
                Ok(0)
            })?;
            rec.add_call(self.now() - start);
        }
        Ok(u64::from(calls))
    }

    /// A blocking call: drop the GIL, wait, take it back.
    fn blocking(
        &self,
        me: ThreadId,
        rec: &mut TaskRecorder,
        held: &mut bool,
        text: String,
        call: impl FnOnce(&dyn BlockingIo) -> Result<u64, IoError>,
    ) -> Result<u64, IoError> {
        self.drop_gil(me, rec, DropReason::Io);
        *held = false;
        let start = self.now();
        rec.io_text(text, false);
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

/// CPU work that ends once `done()` says so (another task has finished), whatever its kernel: the
/// kernel itself never ends (`convoy`'s CPU-bound threads). Looked at before every chunk.
struct Until<F> {
    kernel: Box<dyn CpuKernel>,
    done: F,
}

impl<F: Fn() -> bool + Send> CpuKernel for Until<F> {
    fn step(&mut self, ms: f64) -> Option<u64> {
        if (self.done)() {
            return Some(0);
        }
        self.kernel.step(ms).map(|_| 0)
    }
}

/// One chunk of a kernel: inside the thread's interpreter when it has one, else on the thread itself.
fn step(kernel: &mut Box<dyn CpuKernel>, interp: &mut InterpreterSlot, ms: f64) -> Option<u64> {
    match interp.as_deref_mut() {
        Some(i) => kernel.step_in(i, ms),
        None => kernel.step(ms),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::record::Status::{Cancelled, Error, Ok as Done, Timeout};
    use crate::core::spec::parse;
    use crate::core::{Build, Capabilities};
    use serde_json::json;

    const CAPS: Capabilities = Capabilities { build: Build::Native, pool_threads: 2, cores: 2 };

    fn queue(tasks: u32, on_error: &str) -> MapQueue {
        MapQueue::new(&parse(&json!({"workload": "cpu-primes", "mode": "processes", "tasks": tasks, "onError": on_error}), &CAPS).unwrap())
    }

    /// Hands out every task `queue` gives, finishing them as `finish_order` says (`(id, status)`, in the
    /// order the workers report back); returns the ids that were started.
    fn drive(q: &mut MapQueue, workers: usize, finish_order: &[(u32, Status)]) -> Vec<u32> {
        let mut started = Vec::new();
        let mut running = Vec::new();
        while running.len() < workers {
            let Some(id) = q.take() else { break };
            started.push(id);
            running.push(id);
        }
        for &(id, status) in finish_order {
            if !running.contains(&id) {
                continue; // never started: map raised before it
            }
            running.retain(|&r| r != id);
            q.finish(id, status);
            if let Some(next) = q.take() {
                started.push(next);
                running.push(next);
            }
        }
        started
    }

    #[test]
    fn map_hands_out_tasks_in_order_and_raises_once_the_caller_reaches_a_failure() {
        // Two workers, six tasks; task 2 fails while task 1 still runs: map has not reached it yet, so
        // task 3 still starts; when task 1 ends the caller reaches task 2 and map raises: nothing more.
        let mut q = queue(6, "raise");
        let started = drive(&mut q, 2, &[(0, Done), (2, Error), (1, Done), (3, Done), (4, Done), (5, Done)]);
        assert_eq!(started, vec![0, 1, 2, 3]);
        assert!(q.raised());
        assert_eq!(q.take(), None);
    }

    #[test]
    fn a_timeout_raises_like_an_error_and_a_failure_in_task_zero_stops_at_once() {
        let mut q = queue(5, "raise");
        assert_eq!(drive(&mut q, 1, &[(0, Timeout), (1, Done)]), vec![0]);
        assert!(q.raised());
    }

    #[test]
    fn return_exceptions_and_cancelled_tasks_never_raise() {
        let mut q = queue(4, "return-exceptions");
        assert_eq!(drive(&mut q, 2, &[(0, Error), (1, Error), (2, Done), (3, Timeout)]), vec![0, 1, 2, 3]);
        assert!(!q.raised());
        let mut q = queue(3, "raise");
        assert_eq!(drive(&mut q, 1, &[(0, Cancelled), (1, Cancelled), (2, Done)]), vec![0, 1, 2]);
        assert!(!q.raised(), "a Stop's cancelled tasks are not exceptions");
    }

    #[test]
    fn unfinished_tasks_are_filled_in_as_cancelled_in_task_order() {
        let rec = |id: u32| TaskRecord { status: Done, value: u64::from(id) * 10, ..TaskRecord::cancelled(id, "Process-1", 1.0) };
        let all = fill_unfinished(5, vec![rec(3), rec(0), rec(3), rec(9)], 42.0);
        assert_eq!(all.iter().map(|t| t.id).collect::<Vec<_>>(), vec![0, 1, 2, 3, 4]);
        assert_eq!(all.iter().map(|t| t.status).collect::<Vec<_>>(), vec![Done, Cancelled, Cancelled, Done, Cancelled]);
        assert_eq!((all[1].start_ms, all[1].end_ms, all[1].lane.as_str()), (42.0, 42.0, ""));
        assert_eq!(all[3].value, 30, "a record that came back is kept as it came");
    }
}
