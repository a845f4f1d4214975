//! `rayon`: shared-memory threads with no GIL, what free-threaded Python or C code that releases the
//! GIL gives: `with ThreadPoolExecutor(workers) as pool: pool.map(work, range(tasks))`, truly parallel.
//!
//! The global pool cannot be resized (it is built once per wasm instance), so a run on `workers` threads
//! starts exactly `workers` long-lived jobs on it, each pulling the next task from a shared counter.

use super::pool::PoolRun;
use crate::core::cancel::CancelToken;
use crate::core::record::TaskRecord;
use crate::core::platform::ThreadEnv;
use crate::core::spec::Spec;

/// Runs the spec's tasks on the current rayon pool; blocks until every job has ended.
pub fn run(spec: &Spec, env: &ThreadEnv<'_>, cancel: CancelToken, t0: f64) -> Vec<TaskRecord> {
    let run = PoolRun::new(spec.clone(), env, cancel, None, t0);
    let workers = spec.worker_count().min(spec.tasks);
    rayon::scope(|s| {
        for _ in 0..workers {
            s.spawn(|_| {
                let me = rayon::current_thread_index().unwrap_or(0);
                run.worker(me, &format!("rayon-{me}"));
            });
        }
    });
    run.take_records()
}
