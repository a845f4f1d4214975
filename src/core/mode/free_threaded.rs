//! `free-threaded`: `with ThreadPoolExecutor(workers) as pool: pool.map(work, range(tasks))` on
//! free-threaded CPython (PEP 703; supported but optional since 3.14, PEP 779: `python3.14t`, or
//! `PYTHON_GIL=0`). The same threads and semantics as `threads-gil`, with no GIL: CPU work runs in
//! parallel. What it costs is modelled, not hidden: the free-threaded build runs one thread's Python
//! slower (the 3.14 docs: about 8% on x86-64 Linux; What's New: "roughly 5-10%"), spent here as real CPU
//! work in proportion to each chunk's time (`freeThreadedOverheadPct`), with its result thrown away.

use super::pool::PoolRun;
use crate::core::cancel::CancelToken;
use crate::core::gil::Gil;
use crate::core::record::TaskRecord;
use crate::core::platform::ThreadEnv;
use crate::core::spec::Spec;
use std::sync::Arc;

pub use crate::core::spec::DEFAULT_OVERHEAD_PCT;

pub fn run(spec: &Spec, env: &ThreadEnv<'_>, cancel: CancelToken, t0: f64) -> Vec<TaskRecord> {
    let gil = Arc::new(Gil::free_threaded(env.clock.clone(), cancel.clone()));
    let k = spec.worker_count().min(spec.tasks) as usize;
    let run = Arc::new(PoolRun::new(spec.clone(), env, cancel, Some(gil), t0));
    let shared = run.clone();
    env.threads.run(k, Arc::new(move |i| shared.worker(i, &super::threads_gil::lane(i))));
    run.take_records()
}

#[cfg(test)]
mod tests {
    use crate::core::cancel::CancelToken;
    use crate::core::record::SpanKind;
    use crate::core::run::RunResult;
    use crate::core::spec::{parse, Spec};
    use crate::core::platform::native::{native_spec as spec, run_on_host, NATIVE_CAPS};
    use serde_json::{json, Value};

    fn run(s: &Spec) -> RunResult {
        run_on_host(s, &CancelToken::new())
    }

    fn total(r: &RunResult, kind: SpanKind) -> f64 {
        r.tasks.iter().flat_map(|t| t.spans.iter()).filter(|s| s.kind == kind).map(|s| s.end_ms - s.start_ms).sum()
    }

    #[test]
    fn free_threaded_threads_wait_for_no_gil_and_compute_the_same_value() {
        let base = json!({"workload": "cpu-primes", "tasks": 4, "size": 600_000, "workers": 4});
        let with = |mode: &str, extra: Value| {
            let mut v = base.clone();
            v["mode"] = json!(mode);
            for (k, x) in extra.as_object().unwrap() {
                v[k] = x.clone();
            }
            run(&spec(v))
        };
        let free = with("free-threaded", json!({}));
        assert_eq!(free.value, 49_098);
        assert_eq!(total(&free, SpanKind::GilWait), 0.0, "no GIL, no waits for it");
        assert!(free.tasks.iter().all(|t| t.gil_wait_ms.is_none()));
        // The same spec as threads-gil, apart from the mode: the overhead field is the mode's own.
        assert_eq!(free.spec["freeThreadedOverheadPct"], json!(super::DEFAULT_OVERHEAD_PCT));
        let gil = with("threads-gil", json!({"freeThreadedOverheadPct": 20}));
        assert!(gil.spec.get("freeThreadedOverheadPct").is_none(), "ignored where it does not apply");
        assert!(total(&gil, SpanKind::GilWait) > 0.0);
    }

    #[test]
    fn the_overhead_is_spent_in_the_runs_own_cpu_time() {
        // On one worker and a clock that moves a microsecond at each reading, a run does the same
        // readings every time, so its `run` spans are exact: asked for 50%, it spends more than with
        // none (paying reads the clock); with the overhead lost on the way, both would be equal. The
        // proportion is the rule below; what it costs on this machine is the bench's figure.
        let at = |pct: f64| {
            let s = spec(json!({"workload": "cpu-primes", "mode": "free-threaded", "tasks": 2, "size": 200_000, "workers": 1, "freeThreadedOverheadPct": pct}));
            let cancel = CancelToken::new();
            use crate::core::platform::native::{HostThreadHost, VirtualIo};
            use crate::core::platform::{NoProgress, Platform};
            let host = HostThreadHost { progress: std::sync::Arc::new(NoProgress), clock: Some(std::sync::Arc::new(VirtualIo::with(0.001, None))) };
            let io = VirtualIo::new();
            let platform = Platform { clock: &io, io: &io, progress: &NoProgress, threads: Some(&host), processes: None };
            let r = io.drive(crate::core::run::run(&s, crate::core::Build::Native, &platform, &cancel)).expect("a native run");
            (r.value, total(&r, SpanKind::Run))
        };
        let (plain, again, costly) = (at(0.0), at(0.0), at(50.0));
        assert_eq!(plain, again, "the same readings every time");
        assert_eq!(plain.0, costly.0, "the overhead never touches the value");
        assert!(costly.1 > plain.1, "50% overhead: {:.3} ms of run, none: {:.3} ms", costly.1, plain.1);
    }

    #[test]
    fn c_code_that_releases_the_gil_runs_beside_the_other_threads() {
        let s = spec(json!({"workload": "cpu-primes", "mode": "threads-gil", "tasks": 4, "size": 600_000, "workers": 4, "releasesGil": true}));
        assert!(s.releases_gil);
        let r = run(&s);
        assert_eq!(r.value, 49_098);
        // The kernel ran without the GIL: each task dropped it once, for the C code, not for a request.
        assert!(total(&r, SpanKind::RunNogil) > 0.0);
        let events = &r.events.as_ref().unwrap().list;
        let drops = |why| events.iter().filter(|e| e.reason == Some(why)).count();
        use crate::core::events::DropReason::{Released, Switch};
        assert_eq!((drops(Released), drops(Switch)), (4, 0));
        // Two kernels were running at once at some instant (they do not wait for one another).
        let mut spans: Vec<(f64, f64)> = r.tasks.iter().flat_map(|t| t.spans.iter()).filter(|s| s.kind == SpanKind::RunNogil).map(|s| (s.start_ms, s.end_ms)).collect();
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert!(spans.windows(2).any(|w| w[1].0 < w[0].1), "the C kernels overlapped in time");
        // Ignored where it does not apply: sequential, or I/O work.
        let seq = spec(json!({"workload": "cpu-primes", "mode": "sequential", "releasesGil": true}));
        assert!(!seq.releases_gil);
        let io = spec(json!({"workload": "io-sleep", "mode": "threads-gil", "releasesGil": true}));
        assert!(!io.releases_gil);
        // A bad value is named.
        let e = parse(&json!({"workload": "cpu-primes", "mode": "threads-gil", "releasesGil": "yes"}), &NATIVE_CAPS).unwrap_err();
        assert!(e.to_json().contains("releasesGil"), "{}", e.to_json());
    }
}
