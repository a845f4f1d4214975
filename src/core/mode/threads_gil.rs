//! `threads-gil`: real threads that must hold one emulated GIL to run Python code, CPython's
//! `with ThreadPoolExecutor(workers) as pool: pool.map(work, range(tasks))`.
//!
//! I/O releases the GIL, so waits overlap; CPU work does not, and the hand-overs forced every switch
//! interval cost a little on top (CPython 3.11 here: 2 threads = 0.89x of sequential on a CPU job).

use super::pool::PoolRun;
use crate::core::cancel::CancelToken;
use crate::core::gil::Gil;
use crate::core::record::TaskRecord;
use crate::core::platform::ThreadEnv;
use crate::core::spec::Spec;
use std::sync::Arc;

pub use crate::core::spec::DEFAULT_SWITCH_INTERVAL_MS;

/// Lane names as `threading.current_thread().name` gives them for a pool's threads.
pub fn lane(i: usize) -> String {
    format!("ThreadPool-{i}")
}

pub fn run(spec: &Spec, env: &ThreadEnv<'_>, cancel: CancelToken, t0: f64) -> Vec<TaskRecord> {
    let interval = spec.switch_interval_ms.unwrap_or(DEFAULT_SWITCH_INTERVAL_MS);
    let gil = Arc::new(Gil::new(interval, env.clock.clone(), cancel.clone()));
    let k = spec.worker_count().min(spec.tasks) as usize;
    let run = Arc::new(PoolRun::new(spec.clone(), env, cancel, Some(gil), t0));
    let shared = run.clone();
    env.threads.run(k, Arc::new(move |i| shared.worker(i, &lane(i))));
    run.take_records()
}
