//! A run the engine could not finish because a worker died under it (a trap, a panic, a process that
//! failed, an engine that stopped answering). The page keeps every task record it was sent while the run
//! went on; a fresh engine assembles them here, so the run is recorded with what it did and why it
//! ended, not lost.

use super::mode::pool::fill_unfinished;
use super::record::TaskRecord;
use super::run::{assemble_records, RunError, RunResult};
use super::spec::Spec;
use super::Build;

/// The Result of a crashed run: the finished tasks as they came, every other task `cancelled` (it never
/// finished), and `error` the crash (`EngineError`, `message` naming what died, at `wall_ms`).
pub fn crashed_run(spec: &Spec, build: Build, wall_ms: f64, finished: Vec<TaskRecord>, message: &str) -> RunResult {
    let wall_ms = wall_ms.max(0.0);
    let tasks = fill_unfinished(spec.tasks, finished, wall_ms);
    let mut result = assemble_records(spec, build, wall_ms, tasks, false);
    result.error = Some(RunError { name: "EngineError".into(), message: message.into(), task_id: None, at_ms: Some(wall_ms), exceptions: None });
    result.wall_ms = wall_ms;
    result.end_ms = result.end_ms.max(wall_ms);
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::faults::{allow_test_kinds, FaultKind};
    use crate::core::record::Status;
    use crate::core::spec::parse;
    use crate::core::Capabilities;
    use serde_json::json;

    const CAPS: Capabilities = Capabilities { build: Build::Native, pool_threads: 2, cores: 2 };

    #[test]
    fn a_crashed_run_keeps_its_finished_tasks_and_names_the_crash() {
        for (mode, on_error) in [("processes", "raise"), ("threads-gil", "return-exceptions"), ("sequential", "raise"), ("asyncio", "task-group")] {
            let spec = parse(&json!({"workload": "cpu-primes", "mode": mode, "tasks": 4, "size": 1000, "onError": on_error}), &CAPS).unwrap();
            let done = |id: u32, status: Status, value: u64| TaskRecord { status, value, end_ms: 5.0 + f64::from(id), ..TaskRecord::cancelled(id, "Process-1", 1.0) };
            let finished = vec![done(2, Status::Ok, 7), done(0, Status::Ok, 11), done(1, Status::Error, 0)];
            let r = crashed_run(&spec, Build::Threads, 30.0, finished, "process Process-2 died: RuntimeError: unreachable");
            assert_eq!(r.tasks.iter().map(|t| t.status).collect::<Vec<_>>(), vec![Status::Ok, Status::Error, Status::Ok, Status::Cancelled], "{mode}");
            assert_eq!(r.value, 18, "the finished tasks' values count");
            let e = r.error.as_ref().unwrap();
            assert_eq!((e.name.as_str(), e.message.as_str(), e.at_ms), ("EngineError", "process Process-2 died: RuntimeError: unreachable", Some(30.0)), "{mode}: the crash, whatever onError says");
            assert_eq!((r.wall_ms, r.end_ms), (30.0, 30.0));
            assert!(!r.cancelled);
        }
    }

    #[test]
    fn the_test_kinds_are_refused_unless_the_engine_allows_them() {
        // Specs are parsed on the engine's thread: the switch is per thread (each test has its own).
        let spec = json!({"workload": "cpu-primes", "mode": "sequential", "faults": {"kind": "trap", "rate": 0.5}});
        let refused = parse(&spec, &CAPS).unwrap_err().to_json();
        assert!(refused.contains("faults.kind") && refused.contains("status, reset, hang, panic") && !refused.contains("trap,"), "{refused}");
        allow_test_kinds(true);
        for kind in FaultKind::TEST {
            let s = parse(&json!({"workload": "io-sleep", "mode": "rayon", "faults": {"kind": kind.name(), "rate": 0.5}}), &CAPS).unwrap();
            assert_eq!(s.faults.unwrap().kind, kind, "a test kind applies to any work");
        }
        allow_test_kinds(false);
        assert!(parse(&spec, &CAPS).is_err());
        let catalogue = crate::core::catalogue::catalogue(&CAPS).to_string();
        assert!(!catalogue.contains("\"trap\"") && !catalogue.contains("\"stall\""), "test kinds stay out of the catalogue");
    }
}
