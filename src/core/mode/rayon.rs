//! `rayon`: shared-memory threads with no GIL, what free-threaded Python or C code that releases the
//! GIL gives: `with ThreadPoolExecutor(workers) as pool: pool.map(work, range(tasks))`, but truly parallel.
//!
//! The global pool cannot be resized (it is built once per wasm instance), so a run on `workers` threads
//! starts exactly `workers` long-lived jobs on it, each pulling the next task from a shared counter, as
//! `Executor.map` hands items to its threads in order.

use crate::core::cancel::CancelToken;
use crate::core::platform::Clock;
use crate::core::record::{SpanKind, Status, TaskRecord, TaskRecorder};
use crate::core::spec::Spec;
use crate::core::workload::Step;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

/// Runs the spec's tasks on the current rayon pool; blocks until every job has ended.
pub fn run(spec: &Spec, clock: &dyn Clock, cancel: &CancelToken, t0: f64) -> Vec<TaskRecord> {
    let next = AtomicU32::new(0);
    let records = Mutex::new(Vec::with_capacity(spec.tasks as usize));
    let workers = spec.worker_count().min(spec.tasks);
    rayon::scope(|s| {
        for _ in 0..workers {
            s.spawn(|_| loop {
                let id = next.fetch_add(1, Ordering::Relaxed);
                if id >= spec.tasks {
                    break;
                }
                let lane = format!("thread-{}", rayon::current_thread_index().unwrap_or(0));
                let record = run_task(spec, id, &lane, clock, cancel, t0);
                records.lock().expect("no task panics while holding the lock").push(record);
            });
        }
    });
    let mut records = records.into_inner().expect("lock not poisoned");
    records.sort_by_key(|r| r.id);
    records
}

fn run_task(spec: &Spec, id: u32, lane: &str, clock: &dyn Clock, cancel: &CancelToken, t0: f64) -> TaskRecord {
    if cancel.is_cancelled() {
        return TaskRecord::cancelled(id, lane, clock.now_ms() - t0);
    }
    let start = clock.now_ms();
    let mut rec = TaskRecorder::start(id, lane, t0, start);
    for step in spec.workload.task(&spec.params, spec.tasks, id) {
        let Step::Cpu(mut kernel) = step else {
            unreachable!("validation admits CPU-bound workloads only for rayon");
        };
        let start = clock.now_ms();
        let value = loop {
            if cancel.is_cancelled() {
                rec.span(SpanKind::Run, start, clock.now_ms());
                return rec.finish(Status::Cancelled, None, clock.now_ms());
            }
            if let Some(v) = kernel.step() {
                break v;
            }
        };
        rec.span(SpanKind::Run, start, clock.now_ms());
        rec.add_value(value);
    }
    rec.finish(Status::Ok, None, clock.now_ms())
}
