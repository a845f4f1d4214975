//! `Executor.map`'s hand-out of tasks and its failure rule, shared by the thread modes (through
//! `PoolRun`) and by `processes` (through the facade's `TaskQueue`); and the records of a run's tasks
//! that never finished.

use crate::core::faults::OnError;
use crate::core::record::{Status, TaskRecord};
use crate::core::spec::Spec;

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
