//! Native tests of the modes on a virtual clock: the lesson's claims, exactly.

mod spec_props;

use super::record::{SpanKind, Status};
use super::platform::native::run_on_loop;
use super::run::RunResult;
use super::spec::{parse, Spec};
use crate::core::platform::native::VirtualIo;
use super::{Build, Capabilities};
use serde_json::{json, Value};

const CAPS: Capabilities = Capabilities { build: Build::Native, pool_threads: 2, cores: 2 };

fn spec(v: Value) -> Spec {
    parse(&v, &CAPS).expect("valid spec")
}

fn run(io: &VirtualIo, s: &Spec) -> RunResult {
    io.drive(run_on_loop(s, Build::Native, io, io, &io.cancel, &crate::core::platform::NoProgress))
}

#[test]
fn sequential_sleeps_add_up() {
    let io = VirtualIo::new();
    let r = run(&io, &spec(json!({"workload": "io-sleep", "mode": "sequential", "tasks": 4, "latencyMs": 100})));
    assert_eq!(r.wall_ms, 400.0);
    assert_eq!(r.value, 400);
    for (i, t) in r.tasks.iter().enumerate() {
        assert_eq!((t.start_ms, t.end_ms), (100.0 * i as f64, 100.0 * (i + 1) as f64));
        assert_eq!(t.lane, "MainThread");
        assert_eq!(t.io_wait_ms, Some(100.0));
        assert_eq!(t.spans[0].kind, SpanKind::IoWait);
    }
}

#[test]
fn asyncio_gather_overlaps_every_wait() {
    // PYTHON-MODEL: 100 tasks each asyncio.sleep(0.2) under gather finish in 201 ms.
    let io = VirtualIo::new();
    let r = run(&io, &spec(json!({"workload": "io-sleep", "mode": "asyncio", "tasks": 100, "latencyMs": 200})));
    assert_eq!(r.wall_ms, 200.0);
    assert_eq!(r.value, 20_000);
    assert!(r.tasks.iter().all(|t| t.start_ms == 0.0 && t.end_ms == 200.0 && t.lane == "event-loop"));
    let r = run(&VirtualIo::new(), &spec(json!({"workload": "io-fetch", "mode": "asyncio", "tasks": 6, "latencyMs": 200})));
    assert_eq!((r.wall_ms, r.value), (200.0, 1200));
}

/// The `run` spans of a task, in time order.
fn runs(t: &super::record::TaskRecord) -> Vec<(f64, f64)> {
    t.spans.iter().filter(|s| s.kind == SpanKind::Run).map(|s| (s.start_ms, s.end_ms)).collect()
}

/// No two tasks ran Python at the same time: the loop runs one task at a time.
fn assert_one_task_runs_at_a_time(r: &RunResult) {
    let mut all: Vec<(f64, f64, u32)> = r.tasks.iter().flat_map(|t| runs(t).into_iter().map(move |(a, b)| (a, b, t.id))).collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    for w in all.windows(2) {
        assert!(w[1].0 >= w[0].1, "task {} ran from {} while task {} ran until {}", w[1].2, w[1].0, w[0].2, w[0].1);
    }
}

#[test]
fn asyncio_runs_cpu_bound_coroutines_one_after_another_and_gains_nothing() {
    // PYTHON-MODEL: a coroutine that never awaits runs to its end before the next one starts.
    let s = json!({"workload": "cpu-primes", "tasks": 3, "size": 300_000});
    let mut seq = s.clone();
    seq["mode"] = json!("sequential");
    let mut aio = s;
    aio["mode"] = json!("asyncio");
    let a = run(&VirtualIo::with(0.1, None), &spec(aio));
    let q = run(&VirtualIo::with(0.1, None), &spec(seq));
    assert_eq!(a.value, 25_997);
    assert_eq!(a.value, q.value);
    // gather makes every task at once, but each runs only once the one before it has ended: task i's
    // computing all ends before task i+1's begins, in the order given, with no await in between.
    assert!(a.tasks.iter().all(|t| t.start_ms < 1.0), "{:?}", a.tasks);
    for w in a.tasks.windows(2) {
        let (before, after) = (runs(&w[0]), runs(&w[1]));
        assert!(!before.is_empty() && !after.is_empty());
        assert!(before.last().unwrap().1 <= after[0].0, "task {} ran before task {} had ended: {before:?} {after:?}", w[1].id, w[0].id);
        // Meanwhile it was ready, waiting for the loop (until the task before it ended).
        let waited = w[1].spans.iter().find(|s| s.kind == SpanKind::LoopWait).expect("a loop-wait span");
        assert!((waited.end_ms - w[0].end_ms).abs() < 0.5, "{waited:?} vs the end of task {} at {}", w[0].id, w[0].end_ms);
    }
    assert_eq!(runs(&a.tasks[0]).len(), 1, "one CPU step, one unbroken run: {:?}", a.tasks[0].spans);
    assert_one_task_runs_at_a_time(&a);
    assert!(a.tasks.iter().all(|t| t.io_wait_ms.is_none() && t.gil_wait_ms.is_none()), "a loop wait is neither");
    assert_eq!(serde_json::to_value(SpanKind::LoopWait).unwrap(), json!("loop-wait"));
    // Sequentially each starts when the previous one ended.
    for w in q.tasks.windows(2) {
        assert!(w[1].start_ms >= w[0].end_ms);
    }
    assert!(q.tasks.iter().all(|t| t.spans.iter().all(|s| s.kind != SpanKind::LoopWait)), "only asyncio waits for its loop");
    // The same work: each task computed the same value in both modes.
    let values = |r: &RunResult| r.tasks.iter().map(|t| (t.id, t.value)).collect::<Vec<_>>();
    assert_eq!(values(&a), values(&q));
    // And no gain: on this clock time passes only as code runs (each clock read moves it on), so the
    // time a task computed is the length of its `run` spans. With one task computing at a time, the
    // run lasts at least as long as all its tasks' computing end to end, as the sequential run does:
    // a speedup over its own work of at most 1 (a mode that overlapped it would come in under).
    for (mode, r) in [("asyncio", &a), ("sequential", &q)] {
        let computing: f64 = r.tasks.iter().flat_map(runs).map(|(start, end)| end - start).sum();
        assert!(computing > 0.0, "{mode} computed");
        assert!(r.wall_ms + 1e-9 >= computing, "{mode}: {} ms for {computing} ms of computing", r.wall_ms);
    }
}

#[test]
fn a_completed_fetch_waits_for_the_loop_behind_another_tasks_cpu_step() {
    // Each task fetches for 10 ms, then computes about 5 ms (virtual) without awaiting. The fetches
    // overlap and complete together; the computing cannot, so the later tasks wait, ready, in the queue.
    let s = spec(json!({"workload": "mixed-pipeline", "mode": "asyncio", "tasks": 3, "latencyMs": 10, "size": 500_000}));
    // Virtual time moves on with each clock read (about one per chunk of CPU work).
    let r = run(&VirtualIo::with(0.1, None), &s);
    assert!(r.tasks.iter().all(|t| t.status == Status::Ok));
    assert_one_task_runs_at_a_time(&r);
    let cpu_ms: Vec<f64> = r.tasks.iter().map(|t| runs(t).iter().map(|(a, b)| b - a).sum()).collect();
    assert!(cpu_ms.iter().all(|&ms| ms > 3.0), "several ms of computing each: {cpu_ms:?}");
    let run_ends: Vec<(u32, f64)> = r.tasks.iter().flat_map(|t| runs(t).into_iter().map(move |(_, end)| (t.id, end))).collect();
    let mut queued = 0;
    for t in &r.tasks {
        let io_end = t.spans.iter().find(|s| s.kind == SpanKind::IoWait).expect("an io-wait span").end_ms;
        for w in t.spans.iter().filter(|s| s.kind == SpanKind::LoopWait && s.start_ms >= io_end) {
            // Ready since its response came, it got the loop when another task's CPU step ended.
            let behind = run_ends.iter().find(|(id, end)| *id != t.id && (w.end_ms - end).abs() < 0.5);
            assert!(behind.is_some(), "task {}'s {w:?} ends at no other task's run end: {run_ends:?}", t.id);
            assert!(w.end_ms - w.start_ms > 3.0, "it waited a CPU step: {w:?}");
            queued += 1;
        }
    }
    // Task 0 runs first; tasks 1 and 2 queue behind it (and 2 behind 1) in the order they became ready.
    assert_eq!(queued, 2, "{:?}", r.tasks);
    assert!(r.tasks[1].end_ms <= runs(&r.tasks[2])[0].0);
    // About 10 ms of waiting together, then three steps one after another (plus the clock reads between).
    let total_cpu: f64 = cpu_ms.iter().sum();
    assert!(r.wall_ms >= 10.0 + total_cpu && r.wall_ms < 12.0 + total_cpu, "{} vs 10 + {total_cpu}", r.wall_ms);
}

#[test]
fn a_stop_cancels_what_has_not_finished() {
    let io = VirtualIo::with(0.0, Some(150.0));
    let r = run(&io, &spec(json!({"workload": "io-sleep", "mode": "sequential", "tasks": 4, "latencyMs": 100})));
    assert!(r.cancelled);
    let statuses: Vec<_> = r.tasks.iter().map(|t| t.status).collect();
    assert_eq!(statuses, [Status::Ok, Status::Cancelled, Status::Cancelled, Status::Cancelled]);
    assert_eq!(r.value, 100);
    assert_eq!(r.wall_ms, 150.0);

    let io = VirtualIo::with(0.0, Some(50.0));
    let r = run(&io, &spec(json!({"workload": "io-fetch", "mode": "asyncio", "tasks": 5, "latencyMs": 100})));
    assert!(r.tasks.iter().all(|t| t.status == Status::Cancelled && t.end_ms == 50.0));
    assert_eq!(r.tasks.len(), 5);
}

#[test]
fn a_stop_during_cpu_work_stops_at_the_next_chunk() {
    let io = VirtualIo::with(0.01, Some(5.0));
    let r = run(&io, &spec(json!({"workload": "cpu-primes", "mode": "asyncio", "tasks": 2, "size": 50_000_000})));
    assert!(r.cancelled);
    assert!(r.wall_ms < 6.0, "stopped after {} virtual ms", r.wall_ms);
    assert!(r.tasks.iter().all(|t| t.status == Status::Cancelled));
}

#[test]
fn a_stop_during_asyncio_cpu_work_ends_the_running_task_and_every_waiting_one() {
    // 40 tasks: more than join_all polls in one pass, so waiters are polled only when woken. The one
    // computing sees the Stop at its next chunk; each waiting for the loop ends as soon as it is polled.
    let io = VirtualIo::with(0.01, Some(5.0));
    let r = run(&io, &spec(json!({"workload": "cpu-primes", "mode": "asyncio", "tasks": 40, "size": 100_000_000})));
    assert!(r.cancelled);
    assert!(r.wall_ms < 6.0, "stopped after {} virtual ms", r.wall_ms);
    assert_eq!(r.tasks.len(), 40);
    assert!(r.tasks.iter().all(|t| t.status == Status::Cancelled && t.end_ms < 6.0), "{:?}", r.tasks);
    assert!(!runs(&r.tasks[0]).is_empty());
    for t in &r.tasks[1..] {
        assert!(runs(t).is_empty(), "task {} never got the loop", t.id);
        let w = t.spans.iter().find(|s| s.kind == SpanKind::LoopWait).expect("it waited for the loop");
        assert!(w.start_ms < 1.0 && w.end_ms >= 5.0, "{w:?}");
    }
}

mod faults {
    use super::*;

    fn statuses(r: &RunResult) -> Vec<Status> {
        r.tasks.iter().map(|t| t.status).collect()
    }

    // With seed 1, rate 0.5 of 4 tasks: these two fail.
    fn failing() -> Vec<u32> {
        let f = crate::core::faults::Faults { kind: crate::core::faults::FaultKind::Status, rate: 0.5, seed: 1 };
        f.failing(4).iter().enumerate().filter(|(_, &x)| x).map(|(i, _)| i as u32).collect()
    }

    fn io_spec(mode: &str, on_error: &str) -> Spec {
        spec(json!({"workload": "io-fetch", "mode": mode, "tasks": 4, "latencyMs": 100,
            "faults": {"kind": "status", "rate": 0.5, "seed": 1}, "onError": on_error}))
    }

    #[test]
    fn gather_raises_the_first_failure_and_the_others_run_on() {
        let r = run(&VirtualIo::new(), &io_spec("asyncio", "raise"));
        let e = r.error.as_ref().expect("gather raised");
        assert_eq!(e.name, "ClientResponseError");
        assert!(failing().contains(&e.task_id.unwrap()));
        assert_eq!((e.at_ms, r.wall_ms), (Some(100.0), 100.0));
        // Nobody cancelled the others: every task ran to its end.
        assert!(r.tasks.iter().all(|t| t.end_ms == 100.0 && t.status != Status::Cancelled));
        assert_eq!(r.tasks.iter().filter(|t| t.status == Status::Error).count(), 2);
    }

    #[test]
    fn return_exceptions_collects_every_outcome() {
        let r = run(&VirtualIo::new(), &io_spec("asyncio", "return-exceptions"));
        assert!(r.error.is_none());
        for t in &r.tasks {
            let fails = failing().contains(&t.id);
            assert_eq!(t.status, if fails { Status::Error } else { Status::Ok });
            assert_eq!(t.error.is_some(), fails);
        }
        assert_eq!(r.value, 200, "the two that succeeded");
    }

    #[test]
    fn a_task_group_cancels_the_rest_at_the_first_failure_and_lists_every_exception() {
        // Staggered tasks: sleep-free fetches of 100 ms, but a long one that must be cancelled.
        let s = spec(json!({"workload": "mixed-pipeline", "mode": "asyncio", "tasks": 4, "latencyMs": 100, "size": 5_000_000,
            "faults": {"kind": "status", "rate": 0.5, "seed": 1}, "onError": "task-group"}));
        let r = run(&VirtualIo::with(0.01, None), &s);
        let e = r.error.as_ref().expect("the group raised");
        assert_eq!(e.name, "ExceptionGroup");
        let listed: Vec<u32> = e.exceptions.as_ref().unwrap().iter().map(|x| x.task_id).collect();
        // Both failures are due at 100 ms; the first to complete cancels the other, as in Python when
        // one task's exception reaches the group before the other's.
        assert!(!listed.is_empty() && listed.iter().all(|id| failing().contains(id)), "{listed:?}");
        // The tasks that had succeeded their fetch were computing: the group cancelled them.
        assert!(r.tasks.iter().filter(|t| !failing().contains(&t.id)).all(|t| t.status == Status::Cancelled), "{:?}", statuses(&r));
        assert!(!r.cancelled, "a TaskGroup's cancellation is not a Stop");
    }

    #[test]
    fn a_plain_loop_stops_at_the_first_failure_unless_it_catches() {
        let r = run(&VirtualIo::new(), &io_spec("sequential", "raise"));
        let first = *failing().iter().min().unwrap();
        assert_eq!(r.error.as_ref().unwrap().task_id, Some(first));
        assert!(r.tasks.iter().filter(|t| t.id > first).all(|t| t.status == Status::Cancelled));
        let r = run(&VirtualIo::new(), &io_spec("sequential", "return-exceptions"));
        assert!(r.error.is_none() && r.tasks.iter().all(|t| t.status != Status::Cancelled));
        assert_eq!(r.wall_ms, 400.0);
    }

    #[test]
    fn a_hung_request_ends_at_its_timeout() {
        let s = spec(json!({"workload": "io-fetch", "mode": "asyncio", "tasks": 3, "latencyMs": 100, "timeoutMs": 250,
            "faults": {"kind": "hang", "rate": 0.34, "seed": 9}}));
        let r = run(&VirtualIo::new(), &s);
        let hung: Vec<_> = r.tasks.iter().filter(|t| t.status == Status::Timeout).collect();
        assert_eq!(hung.len(), 1);
        assert_eq!(hung[0].end_ms, 250.0);
        assert!(hung[0].error.as_ref().unwrap().starts_with("TimeoutError"));
        assert_eq!(r.error.as_ref().unwrap().name, "TimeoutError");
        assert_eq!(r.wall_ms, 250.0);
    }

    #[test]
    fn a_sleep_longer_than_its_timeout_raises() {
        let s = spec(json!({"workload": "io-sleep", "mode": "sequential", "tasks": 2, "latencyMs": 300, "timeoutMs": 100}));
        let r = run(&VirtualIo::new(), &s);
        assert_eq!(statuses(&r), [Status::Timeout, Status::Cancelled]);
        assert_eq!(r.wall_ms, 100.0);
    }
}

/// Collects what `Progress` is told.
#[derive(Default)]
struct Seen(std::sync::Mutex<Vec<(u32, Option<usize>)>>);

impl crate::core::platform::Progress for Seen {
    fn task_done(&self, record: &super::record::TaskRecord, output: Option<super::workload::TaskOutput>) {
        self.0.lock().unwrap().push((record.id, output.map(|o| o.data.len())));
    }
}

#[test]
fn every_finished_task_is_reported_with_its_image_band() {
    let io = VirtualIo::new();
    let seen = Seen::default();
    let s = spec(json!({"workload": "cpu-mandelbrot", "mode": "asyncio", "tasks": 3, "size": 30, "iterations": 50}));
    let r = io.drive(run_on_loop(&s, Build::Native, &io, &io, &io.cancel, &seen));
    let mut got = seen.0.into_inner().unwrap();
    got.sort();
    assert_eq!(got, [(0, Some(300)), (1, Some(300)), (2, Some(300))]);
    assert!(r.value > 0);
}

mod threads {
    use super::*;
    use crate::core::cancel::CancelToken;
    use crate::core::events::{DropReason, EventKind};
    use crate::core::platform::native::run_on_host as run_threads;

    /// All `run` spans of all tasks, sorted by start.
    fn run_spans(r: &RunResult) -> Vec<(f64, f64)> {
        let mut v: Vec<_> = r.tasks.iter().flat_map(|t| t.spans.iter().filter(|s| s.kind == SpanKind::Run).map(|s| (s.start_ms, s.end_ms))).collect();
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        v
    }

    #[test]
    fn threads_gil_never_runs_python_on_two_threads_at_once() {
        let s = spec(json!({"workload": "cpu-primes", "mode": "threads-gil", "tasks": 4, "size": 600_000, "workers": 4, "switchIntervalMs": 1}));
        let r = run_threads(&s, &CancelToken::new());
        assert_eq!(r.value, 49_098);
        let lanes: std::collections::BTreeSet<_> = r.tasks.iter().map(|t| t.lane.clone()).collect();
        // One lane per thread (a thread that starts late on a busy machine may find its task taken).
        assert!(!lanes.is_empty() && lanes.iter().all(|l| ["ThreadPool-0", "ThreadPool-1", "ThreadPool-2", "ThreadPool-3"].contains(&l.as_str())), "{lanes:?}");
        // The GIL's invariant: running spans never overlap (beyond the clock reads around the lock).
        for w in run_spans(&r).windows(2) {
            assert!(w[1].0 >= w[0].1 - 0.2, "overlapping Python: {:?} and {:?}", w[0], w[1]);
        }
        // Four CPU-bound threads on one GIL: the holder was made to let others run.
        let events = &r.events.as_ref().unwrap().list;
        assert!(events.iter().any(|e| e.reason == Some(DropReason::Switch)), "no hand-over on request");
    }

    #[test]
    fn mixed_work_computes_the_same_value_on_threads_as_on_the_loop() {
        let base = json!({"workload": "mixed-pipeline", "tasks": 4, "latencyMs": 5, "size": 20_000});
        let mut on_loop = base.clone();
        on_loop["mode"] = json!("asyncio");
        let mut on_threads = base;
        on_threads["mode"] = json!("threads-gil");
        let a = run(&VirtualIo::new(), &spec(on_loop));
        let t = run_threads(&spec(on_threads), &CancelToken::new());
        assert_eq!(a.value, t.value);
        assert_eq!(a.value, 20 + 7_837, "4 delays of 5 ms, plus pi(80,000)");
        assert!(t.tasks.iter().all(|t| t.spans.iter().any(|s| s.kind == SpanKind::IoWait) && t.spans.iter().any(|s| s.kind == SpanKind::Run)));
    }

    #[test]
    fn executor_map_raises_in_task_order_and_cancels_what_has_not_started() {
        // One thread, four tasks; the second fails: map raises when it reaches task 1, and tasks 2
        // and 3, never started, are cancelled.
        let s = spec(json!({"workload": "io-fetch", "mode": "threads-gil", "tasks": 4, "latencyMs": 20, "workers": 1,
            "faults": {"kind": "reset", "rate": 0.25, "seed": 4}}));
        let failing = s.faults.unwrap().failing(4).iter().position(|&x| x).unwrap() as u32;
        let r = run_threads(&s, &CancelToken::new());
        let e = r.error.as_ref().unwrap();
        assert_eq!((e.name.as_str(), e.task_id), ("ServerDisconnectedError", Some(failing)));
        for t in &r.tasks {
            let expected = if t.id < failing { Status::Ok } else if t.id == failing { Status::Error } else { Status::Cancelled };
            assert_eq!(t.status, expected, "task {}", t.id);
        }
        let r = run_threads(&spec(json!({"workload": "io-fetch", "mode": "threads-gil", "tasks": 4, "latencyMs": 20, "workers": 1,
            "faults": {"kind": "reset", "rate": 0.25, "seed": 4}, "onError": "return-exceptions"})), &CancelToken::new());
        assert!(r.error.is_none() && r.tasks.iter().filter(|t| t.status == Status::Ok).count() == 3);
    }

    #[test]
    fn threads_gil_overlaps_io_waits() {
        let s = spec(json!({"workload": "io-sleep", "mode": "threads-gil", "tasks": 6, "latencyMs": 300, "workers": 6}));
        let r = run_threads(&s, &CancelToken::new());
        assert_eq!(r.value, 1800);
        // Each thread dropped the GIL for its sleep, so all six slept at one instant (with the GIL held
        // across a sleep, they would have slept one after another).
        let events = &r.events.as_ref().unwrap().list;
        assert_eq!(events.iter().filter(|e| e.kind == EventKind::GilDrop && e.reason == Some(DropReason::Io)).count(), 6);
        let sleeps: Vec<(f64, f64)> = r.tasks.iter().flat_map(|t| t.spans.iter().filter(|s| s.kind == SpanKind::IoWait).map(|s| (s.start_ms, s.end_ms))).collect();
        assert_eq!(sleeps.len(), 6);
        let (last_start, first_end) = (sleeps.iter().map(|s| s.0).fold(f64::MIN, f64::max), sleeps.iter().map(|s| s.1).fold(f64::MAX, f64::min));
        assert!(last_start < first_end, "the six sleeps did not overlap: {sleeps:?}");
    }

    #[test]
    fn threads_gil_with_fewer_workers_waits_in_rounds() {
        let s = spec(json!({"workload": "io-fetch", "mode": "threads-gil", "tasks": 4, "latencyMs": 60, "workers": 2}));
        let r = run_threads(&s, &CancelToken::new());
        assert!(r.wall_ms >= 119.0, "two rounds of two requests took only {} ms", r.wall_ms);
        assert_eq!(r.spec["workers"], 2);
    }

    #[test]
    fn a_cancelled_thread_run_stops_waiting_threads_and_marks_the_rest() {
        let cancel = CancelToken::new();
        let c = cancel.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(50));
            c.cancel();
        });
        // Sleeps of 10 s: a run that was not stopped would end with every task done, not cancelled.
        let s = spec(json!({"workload": "io-sleep", "mode": "threads-gil", "tasks": 10, "latencyMs": 10_000, "workers": 2}));
        let r = run_threads(&s, &cancel);
        assert!(r.cancelled && r.tasks.iter().all(|t| t.status == Status::Cancelled));
    }

    #[cfg(feature = "parallel")]
    mod rayon_pool {
        use super::*;

        fn pool(threads: usize) -> rayon::ThreadPool {
            rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap()
        }

        #[test]
        fn rayon_computes_what_sequential_computes_on_every_worker() {
            let s = spec(json!({"workload": "cpu-primes", "mode": "rayon", "tasks": 16, "size": 1_000_000, "workers": 2}));
            let r = pool(2).install(|| run_threads(&s, &CancelToken::new()));
            assert_eq!(r.value, 78_498);
            assert_eq!(r.tasks.len(), 16);
            assert!(r.tasks.iter().enumerate().all(|(i, t)| t.id == i as u32 && t.status == Status::Ok));
            assert!(r.tasks.iter().all(|t| t.gil_wait_ms.is_none()), "no GIL, no GIL wait");
            let lanes: std::collections::BTreeSet<_> = r.tasks.iter().map(|t| t.lane.clone()).collect();
            assert!(!lanes.is_empty() && lanes.len() <= 2, "{lanes:?}");
        }

        #[test]
        fn one_worker_means_one_lane_even_on_a_bigger_pool() {
            let s = spec(json!({"workload": "cpu-primes", "mode": "rayon", "tasks": 6, "size": 100_000, "workers": 1}));
            let r = pool(2).install(|| run_threads(&s, &CancelToken::new()));
            for w in r.tasks.windows(2) {
                assert!(w[1].start_ms >= w[0].end_ms, "one worker runs one task at a time");
            }
            assert_eq!(r.value, 9592);
        }

        #[test]
        fn rayon_threads_wait_on_io_without_a_gil() {
            let s = spec(json!({"workload": "io-sleep", "mode": "rayon", "tasks": 4, "latencyMs": 50, "workers": 2}));
            let r = pool(2).install(|| run_threads(&s, &CancelToken::new()));
            assert_eq!(r.value, 200);
            assert!(r.wall_ms >= 99.0, "two threads, four sleeps: two rounds ({} ms)", r.wall_ms);
        }

        #[test]
        fn a_cancelled_pool_run_marks_the_rest_cancelled() {
            let cancel = CancelToken::new();
            cancel.cancel();
            let s = spec(json!({"workload": "cpu-primes", "mode": "rayon", "tasks": 4, "size": 1_000_000, "workers": 2}));
            let r = pool(2).install(|| run_threads(&s, &cancel));
            assert!(r.cancelled && r.tasks.iter().all(|t| t.status == Status::Cancelled));
        }
    }
}
