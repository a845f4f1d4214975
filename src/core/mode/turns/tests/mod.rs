//! The single build's `threads-gil` on a virtual clock: the threads take turns by the GIL's rules, exactly
//! as the scripted threads of `gil/scripted.rs` do on the same state machine; waits overlap; CPU work gets
//! no speedup; the convoy forms; a Stop ends everything; the records are those of the real threads.

use super::{run_plans, Turns};

mod loop_turns;
use crate::core::cancel::CancelToken;
use crate::core::events::{DropReason, EventKind};
use crate::core::gil::tests::scripted::{Act, Scripted};
use crate::core::gil::GilState;
use crate::core::mode::exec::LoopCtx;
use crate::core::platform::{Clock, NoProgress};
use crate::core::record::{SpanKind, Status, TaskRecord};
use crate::core::platform::native::run_on_loop;
use crate::core::run::RunResult;
use crate::core::spec::{Spec, TaskPlan};
use crate::core::platform::native::{native_spec as spec, run_on_host, VirtualIo};
use crate::core::workload::{CpuKernel, Step};
use crate::core::Build;
use serde_json::json;
use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;

/// The virtual clock stands still but for the work and the timers: times are exact, as the scripted
/// model's are, and ties fall as they do there.
const TICK: f64 = 0.0;

/// The virtual clock the tests run on: a yield takes no time (`exact_yields`); a Stop at `stop_at`.
fn clock(stop_at: Option<f64>) -> VirtualIo {
    VirtualIo::with(TICK, stop_at).exact_yields()
}

/// Pure Python that takes `left` ms of the virtual clock (`f64::INFINITY`: until stopped).
struct Compute {
    io: Arc<VirtualIo>,
    left: f64,
}

impl CpuKernel for Compute {
    fn step(&mut self, ms: f64) -> Option<u64> {
        let d = ms.min(self.left);
        self.io.advance(d);
        self.left -= d;
        (self.left <= 1e-9).then_some(1)
    }
}

/// Runs scripted threads, one task each (`Act`s as in `scripted.rs`; a `Blocking` act is one short
/// blocking call), under `threads-gil` with `interval`, on an exact virtual clock.
fn run_scripts(scripts: &[Vec<Act>], interval: f64, stop_at: Option<f64>) -> (RunResult, Arc<VirtualIo>) {
    let n = scripts.len();
    let io = Arc::new(clock(stop_at));
    let s = spec(json!({"workload": "io-sleep", "mode": "threads-gil", "tasks": n, "workers": n, "switchIntervalMs": interval}));
    let plan = |id: u32| TaskPlan {
        steps: scripts[id as usize]
            .iter()
            .map(|act| match *act {
                Act::Python(ms) => Step::Cpu(Box::new(Compute { io: io.clone(), left: ms })),
                Act::PythonUntil(t) => Step::CpuUntil { kernel: Box::new(Compute { io: io.clone(), left: f64::INFINITY }), task: t as u32 },
                Act::Blocking(ms) => Step::BlockingCalls { calls: 1, us: (ms * 1000.0).round() as u32 },
                Act::ReleasingC(_) => unreachable!("C code beside the threads needs real threads"),
            })
            .collect(),
        fault: None,
    };
    let r = drive(&io, &s, &plan);
    (r, io)
}

fn drive(io: &VirtualIo, s: &Spec, plan: &dyn Fn(u32) -> TaskPlan) -> RunResult {
    io.drive(async {
        let group = CancelToken::new();
        let ctx = LoopCtx { io, clock: io, cancel: &io.cancel, t0: 0.0, progress: &NoProgress, group };
        let records = run_plans(&ctx, s, plan).await;
        crate::core::run::assemble_records(s, Build::Single, io.now_ms(), records, io.cancel.is_cancelled())
    })
}

/// Runs a spec as the single build does (no real threads: on the loop), on `io`.
fn run(io: &VirtualIo, s: &Spec) -> RunResult {
    assert!(matches!(crate::core::run::runner(s.mode, false), crate::core::run::Runner::Loop(_)));
    io.drive(run_on_loop(s, Build::Single, io, io, &io.cancel, &NoProgress))
}

/// The thread of a lane (`ThreadPool-3` -> 3).
fn thread_of(lane: &str) -> usize {
    lane.strip_prefix("ThreadPool-").and_then(|i| i.parse().ok()).unwrap_or_else(|| panic!("a pool thread's lane: {lane}"))
}

/// Who held the GIL from when to when, in order, from the run's events (the replay's record).
fn holdings(r: &RunResult) -> Vec<(usize, f64, f64)> {
    let mut open: Option<(usize, f64)> = None;
    let mut out = Vec::new();
    for e in &r.events.as_ref().expect("events").list {
        let t = || thread_of(e.lane.as_deref().unwrap());
        match e.kind {
            EventKind::GilTake => {
                assert!(open.is_none(), "{} took the GIL at {} while {open:?} held it", t(), e.t_ms);
                open = Some((t(), e.t_ms));
            }
            EventKind::GilDrop => {
                let (holder, since) = open.take().unwrap_or_else(|| panic!("only the holder drops it: {} at {} in {:#?}", t(), e.t_ms, r.events.as_ref().unwrap().list.iter().filter(|e| matches!(e.kind, EventKind::GilTake | EventKind::GilDrop | EventKind::RunStart | EventKind::RunEnd)).map(|e| (e.t_ms, e.kind, e.lane.clone())).collect::<Vec<_>>()));
                assert_eq!(holder, t());
                out.push((holder, since, e.t_ms));
            }
            _ => {}
        }
    }
    assert!(open.is_none(), "nobody holds it at the end");
    out
}

/// The drop requests: (when, who asked, whom).
fn requests(r: &RunResult) -> Vec<(f64, usize, usize)> {
    let events = &r.events.as_ref().unwrap().list;
    events.iter().filter(|e| e.kind == EventKind::GilDropRequest).map(|e| (e.t_ms, thread_of(e.lane.as_deref().unwrap()), thread_of(e.holder.as_deref().unwrap()))).collect()
}

/// Equal but for the clock's ticks.
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 0.01
}

/// The same scripts on the scripted model of the rules (`gil/scripted.rs`).
fn scripted(scripts: &[Vec<Act>], interval: f64) -> Scripted {
    Scripted::new(GilState::new(interval), scripts.to_vec()).run()
}

fn assert_same_turns(scripts: &[Vec<Act>], interval: f64) -> RunResult {
    let (r, _) = run_scripts(scripts, interval, None);
    let model = scripted(scripts, interval);
    let (got, want) = (holdings(&r), model.holdings());
    assert_eq!(got.len(), want.len(), "interval {interval}: {got:?} vs the model's {want:?}");
    for (g, w) in got.iter().zip(&want) {
        assert!(g.0 == w.0 && close(g.1, w.1) && close(g.2, w.2), "interval {interval}: {got:?} vs the model's {want:?}");
    }
    let model_requests = model.requests();
    let got_requests = requests(&r);
    assert_eq!(got_requests.len(), model_requests.len(), "{got_requests:?} vs {model_requests:?}");
    for (g, w) in got_requests.iter().zip(&model_requests) {
        assert!(close(g.0, w.0) && (g.1, g.2) == (w.1, w.2), "{got_requests:?} vs the model's {model_requests:?}");
    }
    for (t, task) in r.tasks.iter().enumerate() {
        assert!(close(task.end_ms, model.end_ms(t)), "thread {t} ended at {} (the model: {})", task.end_ms, model.end_ms(t));
        assert_eq!(task.status, Status::Ok);
    }
    r
}

#[test]
fn cpu_bound_threads_take_turns_exactly_as_the_rules_say() {
    // Each holder computes until a waiter's interval has passed, then hands over (forced switching) and
    // queues again: turns of one interval, in the order the threads came, as the scripted model has them.
    let r = assert_same_turns(&[vec![Act::Python(12.0)], vec![Act::Python(12.0)]], 5.0);
    let turns = [(0, 0.0, 5.0), (1, 5.0, 10.0), (0, 10.0, 15.0), (1, 15.0, 20.0), (0, 20.0, 22.0), (1, 22.0, 24.0)];
    assert!(holdings(&r).iter().zip(turns).all(|(a, b)| a.0 == b.0 && close(a.1, b.1) && close(a.2, b.2)), "{:?}", holdings(&r));
    let drops: Vec<_> = r.events.as_ref().unwrap().list.iter().filter(|e| e.kind == EventKind::GilDrop).map(|e| e.reason.unwrap()).collect();
    assert_eq!(drops, [DropReason::Switch, DropReason::Switch, DropReason::Switch, DropReason::Switch, DropReason::End, DropReason::End]);
    assert_same_turns(&vec![vec![Act::Python(10.0)]; 3], 5.0);
    assert_same_turns(&vec![vec![Act::Python(7.0)]; 4], 1.0);
    // A waiter that comes back from a blocking call gets the GIL at the holder's first check after its
    // request; a holder that drops it for I/O lets a waiter in at once, with no forced switch.
    assert_same_turns(&[vec![Act::Blocking(0.2), Act::Python(1.0)], vec![Act::Python(20.0)]], 5.0);
    assert_same_turns(&[vec![Act::Python(1.0), Act::Blocking(10.0), Act::Python(1.0)], vec![Act::Python(3.0)]], 5.0);
}

#[test]
fn things_of_one_instant_happen_in_the_threads_order_as_in_the_model() {
    // Cases the property test below once found where the turns departed from the model: a thread back
    // from a call during a chunk asks before the chunk's end decides; threads that start, or come back,
    // at one instant act in the threads' order, and a holder's chunk end in its place among them; an
    // interval ends when it ends, whoever looks.
    use Act::{Blocking as B, Python as P};
    let cases: Vec<(Vec<Vec<Act>>, f64)> = vec![
        (vec![vec![P(5.541415260578188)], vec![B(3.501)], vec![P(10.033478496784216)]], 1.0),
        (vec![vec![B(0.01)], vec![P(11.71820144951607)], vec![P(0.05)]], 0.5),
        (vec![vec![B(5.25)], vec![B(5.75)], vec![B(5.75)]], 0.5),
        (vec![vec![P(8.015625)], vec![B(4.625)], vec![B(6.0)]], 1.0),
        (vec![vec![B(2.125)], vec![P(8.5), B(4.75)], vec![P(11.890625), B(1.875)], vec![P(7.015625), B(0.625), B(2.125), P(1.859375)]], 1.0),
        (vec![vec![P(3.4375), P(1.578125)], vec![B(5.0)], vec![P(6.34375), P(6.640625), P(2.015625)], vec![P(0.015625)]], 10.0),
        (vec![vec![B(1.75), B(4.125), P(2.125)], vec![P(0.25)], vec![P(10.0)], vec![B(6.5)]], 2.0),
        (vec![vec![B(7.625)], vec![B(0.125), P(5.125)], vec![P(0.625), P(0.625), B(6.125)], vec![P(6.375)]], 5.0),
        (vec![vec![B(0.125), P(3.0)], vec![B(4.625)], vec![P(3.125)], vec![B(4.0)]], 1.0),
    ];
    for (scripts, interval) in cases {
        assert_same_turns(&scripts, interval);
    }
}

#[test]
fn cpu_work_gets_no_speedup_one_thread_runs_python_at_a_time() {
    // Four threads of 30 ms of Python: 120 ms in all, whatever the workers; never two at once.
    let (r, _) = run_scripts(&vec![vec![Act::Python(30.0)]; 4], 5.0, None);
    assert!(close(r.wall_ms, 120.0), "{}", r.wall_ms);
    let mut runs: Vec<(f64, f64)> = r.tasks.iter().flat_map(|t| t.spans.iter().filter(|s| s.kind == SpanKind::Run).map(|s| (s.start_ms, s.end_ms))).collect();
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert!(runs.windows(2).all(|w| w[1].0 >= w[0].1 - 1e-9), "two threads ran at once: {runs:?}");
    assert!(close(runs.iter().map(|s| s.1 - s.0).sum::<f64>(), 120.0));
    assert!(r.tasks.iter().all(|t| t.gil_wait_ms.unwrap() > 0.0), "every thread waited its turns");
    // The real work, counted the same as one task after another would.
    let threads = run(&VirtualIo::with(0.01, None).exact_yields(), &spec(json!({"workload": "cpu-primes", "mode": "threads-gil", "tasks": 4, "workers": 4, "size": 400_000, "switchIntervalMs": 0.2})));
    let one = run(&VirtualIo::with(0.01, None), &spec(json!({"workload": "cpu-primes", "mode": "sequential", "tasks": 4, "size": 400_000})));
    assert_eq!((threads.value, threads.value), (one.value, 33_860));
    assert_eq!(threads.build, Build::Single);
    let lanes: BTreeSet<_> = threads.tasks.iter().map(|t| t.lane.as_str()).collect();
    assert_eq!(lanes.into_iter().collect::<Vec<_>>(), ["ThreadPool-0", "ThreadPool-1", "ThreadPool-2", "ThreadPool-3"]);
    holdings(&threads); // panics if two threads held the GIL at once
}

#[test]
fn io_waits_overlap_six_sleeps_of_200_ms_take_200_ms() {
    // PYTHON-MODEL: 6 threads each time.sleep(0.2) = 201 ms.
    let r = run(&clock(None), &spec(json!({"workload": "io-sleep", "mode": "threads-gil", "tasks": 6, "workers": 6, "latencyMs": 200})));
    assert_eq!(r.value, 1200);
    assert!(close(r.wall_ms, 200.0), "{}", r.wall_ms);
    assert!(r.tasks.iter().all(|t| close(t.start_ms, 0.0) && close(t.end_ms, 200.0) && close(t.io_wait_ms.unwrap(), 200.0)), "{:?}", r.tasks);
    // Two workers: in rounds of two.
    let r = run(&clock(None), &spec(json!({"workload": "io-fetch", "mode": "threads-gil", "tasks": 4, "workers": 2, "latencyMs": 60})));
    assert_eq!(r.value, 240);
    assert!(close(r.wall_ms, 120.0), "{}", r.wall_ms);
    // Each wait is a blocking call that dropped the GIL, as the real threads record it.
    let events = &r.events.as_ref().unwrap().list;
    assert!(events.iter().any(|e| e.kind == EventKind::IoStart && e.call.as_deref() == Some("urlopen(url_for(0))")));
    assert!(events.iter().filter(|e| e.kind == EventKind::GilDrop).all(|e| matches!(e.reason, Some(DropReason::Io | DropReason::End))));
}

#[test]
fn a_cpu_bound_waiter_takes_the_gil_at_once_while_the_holder_sleeps() {
    // 0 computes 1 ms and sleeps 10 ms (a timer, as a request would be): 1 takes the GIL at 1, long
    // before its interval ends; 0 finds it free when its sleep is over.
    let io = Arc::new(clock(None));
    let s = spec(json!({"workload": "io-sleep", "mode": "threads-gil", "tasks": 2, "workers": 2}));
    let plan = |id: u32| TaskPlan {
        steps: if id == 0 {
            vec![Step::Cpu(Box::new(Compute { io: io.clone(), left: 1.0 })), Step::Sleep { ms: 10 }, Step::Cpu(Box::new(Compute { io: io.clone(), left: 1.0 }))]
        } else {
            vec![Step::Cpu(Box::new(Compute { io: io.clone(), left: 3.0 }))]
        },
        fault: None,
    };
    let r = drive(&io, &s, &plan);
    let want = [(0, 0.0, 1.0), (1, 1.0, 4.0), (0, 11.0, 12.0)];
    let got = holdings(&r);
    assert!(got.len() == 3 && got.iter().zip(want).all(|(a, b)| a.0 == b.0 && close(a.1, b.1) && close(a.2, b.2)), "{got:?}");
    assert!(requests(&r).is_empty());
    assert!(close(r.tasks[0].end_ms, 12.0) && close(r.tasks[1].end_ms, 4.0));
}

#[test]
fn the_convoy_forms_an_io_thread_waits_about_an_interval_per_call() {
    // As the scripted model: every call takes ceil((b + i) / chunk) chunks beside a CPU-bound thread.
    // (Times a float sums exactly, so that no rounding moves a deadline past a chunk's end.)
    for (interval, b) in [(5.0, 0.1), (1.0, 0.1), (5.0, 1.0), (0.25, 0.125)] {
        let scripts = [vec![Act::Blocking(b); 40], vec![Act::PythonUntil(0)]];
        let (r, _) = run_scripts(&scripts, interval, None);
        let model = scripted(&scripts, interval);
        let calls = r.tasks[0].calls.clone().unwrap();
        assert_eq!(calls.len(), 40);
        for (c, m) in calls.iter().zip(model.calls(0)) {
            assert!((c - m).abs() < 0.01, "interval {interval}, call {b}: {calls:?} vs the model's {:?}", model.calls(0));
        }
        assert!(requests(&r).iter().all(|&(_, by, holder)| (by, holder) == (0, 1)));
        assert_eq!(requests(&r).len(), 40);
        assert!((r.tasks[1].end_ms - r.tasks[0].end_ms).abs() < 0.01, "the CPU-bound thread stops when the I/O is done");
    }
    // Alone, each call is the call: with nothing else to run it spins, short or long.
    for b in [0.1, 3.7] {
        let (alone, _) = run_scripts(&[vec![Act::Blocking(b); 10]], 5.0, None);
        assert!(alone.tasks[0].calls.as_ref().unwrap().iter().all(|&c| (c - b).abs() < 0.01), "{:?}", alone.tasks[0].calls);
    }
    // The workload itself: each call about an interval (5 ms) beside the CPU-bound thread.
    let r = run(&VirtualIo::with(0.01, None).exact_yields(), &spec(json!({"workload": "convoy", "mode": "threads-gil", "calls": 20, "cpuThreads": 1, "blockingUs": 100})));
    let calls = r.tasks[0].calls.clone().unwrap();
    assert_eq!((calls.len(), r.value), (20, 20));
    assert!(calls[1..].iter().all(|&c| (5.0..6.0).contains(&c)), "{calls:?}");
}

#[test]
fn a_stop_ends_every_thread_within_a_chunk() {
    // CPU-bound threads: the holder hears the Stop at its next chunk, the waiters give up at once, and
    // the tasks never started are cancelled.
    let (r, _) = run_scripts(&vec![vec![Act::Python(100.0)]; 3], 5.0, Some(12.2));
    assert!(r.cancelled);
    assert!(r.tasks.iter().all(|t| t.status == Status::Cancelled && t.end_ms <= 12.2 + 0.5 + 0.01), "{:?}", r.tasks.iter().map(|t| t.end_ms).collect::<Vec<_>>());
    let r = run(&clock(Some(150.0)), &spec(json!({"workload": "io-sleep", "mode": "threads-gil", "tasks": 10, "workers": 4, "latencyMs": 400})));
    assert!(r.cancelled);
    assert!(r.tasks.iter().all(|t| t.status == Status::Cancelled && close(t.end_ms.max(150.0), 150.0)), "{:?}", r.tasks);
    assert_eq!(r.tasks.iter().filter(|t| t.io_wait_ms.is_some_and(|w| close(w, 150.0))).count(), 4, "the four running threads stopped waiting at the Stop");
}

#[test]
fn map_raises_at_the_first_failure_in_order_as_on_real_threads() {
    let s = spec(json!({"workload": "io-fetch", "mode": "threads-gil", "tasks": 6, "workers": 1, "latencyMs": 20,
        "faults": {"kind": "status", "rate": 0.34, "seed": 3}}));
    let turns = run(&clock(None), &s);
    let threads = run_on_host(&s, &CancelToken::new());
    let statuses = |r: &RunResult| r.tasks.iter().map(|t| t.status).collect::<Vec<_>>();
    assert_eq!(statuses(&turns), statuses(&threads));
    assert!(statuses(&turns).contains(&Status::Cancelled), "tasks after the failure never started");
    assert_eq!(turns.error.as_ref().map(|e| e.task_id), threads.error.as_ref().map(|e| e.task_id));
}

#[test]
fn the_records_are_the_real_threads_records() {
    // The same kinds of spans and events, on the same lanes, as threads-gil on real threads.
    let kinds = |r: &RunResult| {
        let events: BTreeSet<String> = r.events.as_ref().unwrap().list.iter().map(|e| format!("{:?}/{:?}", e.kind, e.reason)).collect();
        let spans: BTreeSet<String> = r.tasks.iter().flat_map(|t: &TaskRecord| t.spans.iter().map(|s| format!("{:?}", s.kind))).collect();
        let lanes: BTreeSet<String> = r.tasks.iter().map(|t| t.lane.clone()).collect();
        (events, spans, lanes)
    };
    let s = spec(json!({"workload": "io-sleep", "mode": "threads-gil", "tasks": 4, "workers": 2, "latencyMs": 20}));
    assert_eq!(kinds(&run(&clock(None), &s)), kinds(&run_on_host(&s, &CancelToken::new())));
    // Under CPU work: drop requests naming the holder's lane, drops on request.
    let (r, _) = run_scripts(&vec![vec![Act::Python(12.0)]; 2], 5.0, None);
    let events = &r.events.as_ref().unwrap().list;
    let asked = events.iter().find(|e| e.kind == EventKind::GilDropRequest).expect("a drop request");
    assert_eq!((asked.lane.as_deref(), asked.holder.as_deref()), (Some("ThreadPool-1"), Some("ThreadPool-0")));
    assert!(events.iter().any(|e| e.kind == EventKind::GilDrop && e.reason == Some(DropReason::Switch)));
    assert!(r.tasks.iter().all(|t| t.spans.iter().any(|s| s.kind == SpanKind::GilWait)));
}

#[test]
fn rounds_end_when_nothing_changes() {
    // Every thread waiting on something outside: the run waits too (it is woken by that thing).
    let changes = std::cell::Cell::new(0);
    let mut turns = Turns { threads: vec![Some(Box::pin(std::future::pending::<()>()))], changes: &changes };
    let waker = futures_util::task::noop_waker();
    let mut cx = std::task::Context::from_waker(&waker);
    assert!(std::pin::Pin::new(&mut turns).poll(&mut cx).is_pending());
}

mod any_threads {
    //! Whatever the threads do (pure Python, short blocking calls), on any interval: the single build's
    //! turns are the scripted model's, time for time.
    use super::*;
    use proptest::prelude::*;

    /// Times in steps of 125 µs: a float sums them exactly, and each is whole microseconds (as
    /// `blockingUs` is, and a short call's spin), so that two things that happen at one instant do so on
    /// both sides, and fall in the threads' order there as in the model.
    fn any_act() -> impl Strategy<Value = Act> {
        prop_oneof![
            (1u32..100).prop_map(|n| Act::Python(f64::from(n) * 0.125)),
            (1u32..64).prop_map(|n| Act::Blocking(f64::from(n) * 0.125)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        #[test]
        fn the_turns_are_the_models(
            scripts in prop::collection::vec(prop::collection::vec(any_act(), 1..5), 1..5),
            interval in prop::sample::select(vec![0.5, 1.0, 2.0, 5.0, 10.0]),
        ) {
            let (r, _) = run_scripts(&scripts, interval, None);
            let model = scripted(&scripts, interval);
            let (got, want) = (holdings(&r), model.holdings());
            prop_assert_eq!(got.len(), want.len(), "{:?} vs the model's {:?}", got, want);
            for (g, w) in got.iter().zip(&want) {
                prop_assert!(g.0 == w.0 && close(g.1, w.1) && close(g.2, w.2), "{:?} vs the model's {:?}", got, want);
            }
            for (t, task) in r.tasks.iter().enumerate() {
                prop_assert!(close(task.end_ms, model.end_ms(t)), "thread {} ended at {} (the model: {})", t, task.end_ms, model.end_ms(t));
                let calls = task.calls.clone().unwrap_or_default();
                prop_assert_eq!(calls.len(), model.calls(t).len());
                for (c, m) in calls.iter().zip(model.calls(t)) {
                    prop_assert!(close(*c, *m), "thread {}'s calls {:?} vs the model's {:?}", t, calls, model.calls(t));
                }
            }
        }
    }
}
