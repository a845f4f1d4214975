//! `convoy`: the convoy effect (Beazley, 2010; bpo-7946). One I/O thread makes many short blocking calls,
//! each of which gives up the GIL, beside CPU-bound threads that keep computing until it is done:
//!
//! ```python
//! def io_thread():                      # task 0
//!     for _ in range(calls):
//!         time.sleep(blocking_us / 1e6)  # a blocking call: drops the GIL, takes it back after
//! def cpu_thread():                     # tasks 1..=cpu_threads
//!     while not done.is_set():
//!         work()                         # pure Python: holds the GIL, hears the eval breaker
//! ```
//!
//! Under the GIL every call must win the GIL back from a CPU-bound thread, and may wait a whole switch
//! interval for it; without the GIL (free-threaded) it waits for nothing. The I/O task records each
//! call's latency (from the call's start until it holds the GIL again) in `calls`. The value is the number
//! of calls made, in every mode.
//!
//! The blocking call is a real wait of the thread itself (an atomic wait with a timeout in the browser,
//! a sleep natively), not a browser fetch: a fetch takes milliseconds through the engine and would hide
//! the effect behind its own latency.

use super::kernels::is_prime;
use super::class::Class;
use super::types::{CpuKernel, FieldInfo, Params, Step, Workload};
use crate::core::mode::Mode;

pub struct Convoy;

/// What a blocking call costs beyond its wait, ms (a thread's wake-up; CPython 3.11 here: 200 sleeps of
/// 100 µs take 34 ms, 0.07 ms a call over the wait). For the estimate only.
const CALL_OVERHEAD_MS: f64 = 0.07;

const CALLS: FieldInfo = FieldInfo {
    name: "calls",
    label: "Blocking calls",
    min: 1,
    max: 5000,
    default: 200,
    doc: "How many short blocking calls the I/O thread makes, one after another (CPython's figure: 200 \
          socket round trips).",
};

const CPU_THREADS: FieldInfo = FieldInfo {
    name: "cpuThreads",
    label: "CPU-bound threads",
    min: 0,
    max: 8,
    default: 1,
    doc: "How many CPU-bound threads compute beside the I/O thread until it is done (0 = the I/O thread alone).",
};

const BLOCKING_US: FieldInfo = FieldInfo {
    name: "blockingUs",
    label: "Each blocking call (µs)",
    min: 10,
    max: 10_000,
    default: 100,
    doc: "How long each blocking call waits, in microseconds: a real wait of the thread that releases the \
          GIL, like a local socket round trip or a short time.sleep.",
};

/// The modes that run it: `sequential` is the I/O thread alone (no other thread exists, so the CPU-bound
/// loops find it done and end at once); the thread modes run one thread per task.
const MODES: &[Mode] = &[Mode::Sequential, Mode::ThreadsGil, Mode::FreeThreaded];

impl Workload for Convoy {
    fn name(&self) -> &'static str {
        "convoy"
    }
    fn title(&self) -> &'static str {
        "The convoy effect: an I/O thread beside CPU-bound threads"
    }
    fn doc(&self) -> &'static str {
        "One I/O thread makes many short blocking calls (each gives up the GIL and must win it back) while \
         cpuThreads CPU-bound threads compute until it is done. Under the GIL each call may wait a whole \
         switch interval; its per-call latencies are in tasks[0].calls."
    }
    fn class(&self) -> Class {
        Class::Mixed
    }
    fn fields(&self) -> &'static [FieldInfo] {
        &[CALLS, CPU_THREADS, BLOCKING_US]
    }
    fn own_tasks(&self, params: &Params) -> Option<u32> {
        Some(params["cpuThreads"] as u32 + 1)
    }
    fn own_tasks_doc(&self) -> Option<&'static str> {
        Some("set by the workload, one thread each: the I/O thread and the CPU-bound threads, so cpuThreads + 1.")
    }
    fn own_time_ms(&self, params: &Params, gil_interval_ms: Option<f64>) -> Option<f64> {
        let calls = params["calls"] as f64;
        let call_ms = params["blockingUs"] as f64 / 1000.0 + CALL_OVERHEAD_MS;
        // Beside a CPU-bound thread, each call waits about a switch interval to take the GIL back (the
        // holder is asked to drop it only after the waiter has waited that long); alone, or with no GIL,
        // it waits for nothing.
        let regain = gil_interval_ms.filter(|_| params["cpuThreads"] > 0).unwrap_or(0.0);
        Some(calls * (call_ms + regain))
    }
    fn modes(&self) -> Option<(&'static [Mode], &'static str)> {
        Some((
            MODES,
            "its CPU-bound threads compute until the I/O thread of the same process is done, so it runs on \
             threads (threads-gil, free-threaded) or, for the I/O thread alone, sequential",
        ))
    }
    fn task(&self, params: &Params, _tasks: u32, id: u32) -> Vec<Step> {
        if id == 0 {
            vec![Step::BlockingCalls { calls: params["calls"] as u32, us: params["blockingUs"] as u32 }]
        } else {
            vec![Step::CpuUntil { kernel: Box::new(Busy { n: 2 + id }), task: 0 }]
        }
    }
}

/// Pure-Python-like CPU work that never ends by itself: trial division of the numbers below 2^16, over
/// and over. Small numbers cost about the same each, so a chunk stays within its time.
pub struct Busy {
    n: u32,
}

/// Numbers tested per ms, priced at the worst case below 2^16 (128 divisions, at the divisions a ms of
/// `cpu-primes`), so a chunk never overruns the time it is given (the eval breaker is heard).
const NUMBERS_PER_MS: f64 = super::cpu_primes::DIVISIONS_PER_MS / 128.0;

/// Numbers tested in a chunk of `ms`: at least one.
fn numbers_in(ms: f64) -> u32 {
    (ms * NUMBERS_PER_MS).max(1.0) as u32
}

impl CpuKernel for Busy {
    fn step(&mut self, ms: f64) -> Option<u64> {
        let mut found = 0u32;
        for _ in 0..numbers_in(ms) {
            found += u32::from(is_prime(self.n));
            self.n = if self.n >= 65_535 { 2 } else { self.n + 1 };
        }
        std::hint::black_box(found);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::cancel::CancelToken;
    use crate::core::error::LabError;
    use crate::core::events::{DropReason, Event, EventKind};
    use crate::core::platform::NoProgress;
    use crate::core::platform::native::run_on_loop;
    use crate::core::run::RunResult;
    use crate::core::spec::parse;
    use crate::core::platform::native::{native_spec as spec, run_on_host, VirtualIo, NATIVE_CAPS as CAPS};
    use crate::core::Build;
    use serde_json::{json, Value};

    /// A run on real threads and the host's clock (the one the GIL reads: its switch interval is real).
    fn on_threads(v: Value) -> RunResult {
        run_on_host(&spec(v), &CancelToken::new())
    }

    #[test]
    fn a_busy_chunk_costs_no_more_divisions_than_its_time_buys() {
        // Priced like cpu-primes' chunks: the worst number below 2^16 costs at most 128 trial divisions,
        // so a chunk of `ms` never costs more than `ms` of cpu-primes' divisions, and the eval breaker is
        // heard in time. (How fast divisions run on this machine is the calibration's business.)
        let divisions = |n: u32| if n < 3 || n % 2 == 0 { 1 } else { (1..).map(|k| 2 * k + 1).take_while(|d| d * d <= n).count() as u32 + 1 };
        let worst = (2..65_536).map(divisions).max().unwrap();
        assert!(worst <= 128, "{worst}");
        for ms in [crate::core::workload::CHUNK_MS, 0.05] {
            let cost = f64::from(numbers_in(ms) * worst);
            assert!(cost <= ms * super::super::cpu_primes::DIVISIONS_PER_MS, "a chunk of {ms} ms may cost {cost} divisions");
        }
        let mut k = Busy { n: 65_530 };
        for _ in 0..200 {
            assert_eq!(k.step(0.5), None, "it never ends by itself");
        }
        assert!(k.n < 65_530, "it wraps round below 2^16: {}", k.n);
    }

    #[test]
    fn the_spec_has_one_thread_per_task_and_names_the_modes_it_runs_in() {
        let s = spec(json!({"workload": "convoy", "mode": "threads-gil", "cpuThreads": 3, "tasks": 8, "workers": 2}));
        assert_eq!((s.tasks, s.workers), (4, Some(4)), "the I/O thread and three CPU-bound threads");
        assert_eq!(s.to_json()["calls"], 200);
        assert_eq!(s.to_json()["blockingUs"], 100);
        let s = spec(json!({"workload": "convoy", "mode": "sequential", "cpuThreads": 0}));
        assert_eq!((s.tasks, s.workers), (1, None));
        for mode in ["asyncio", "processes", "rayon"] {
            let Err(LabError::SpecError { field, allowed, message, .. }) = parse(&json!({"workload": "convoy", "mode": mode}), &CAPS) else {
                panic!("{mode} is refused")
            };
            assert_eq!((field.as_str(), allowed.as_str()), ("mode", "sequential, threads-gil, free-threaded"));
            assert!(message.contains(mode), "{message}");
        }
        for (field, bad) in [("calls", json!(0)), ("calls", json!(5001)), ("cpuThreads", json!(9)), ("blockingUs", json!(5)), ("blockingUs", json!(10_001))] {
            let Err(LabError::SpecError { field: f, .. }) = parse(&json!({"workload": "convoy", "mode": "threads-gil", field: bad}), &CAPS) else { panic!() };
            assert_eq!(f, field);
        }
    }

    #[test]
    fn alone_each_call_takes_the_call_itself() {
        // On the injected virtual clock: a blocking call moves time by exactly its length.
        let io = VirtualIo::new();
        let cancel = io.cancel.clone();
        let s = spec(json!({"workload": "convoy", "mode": "sequential", "calls": 50, "blockingUs": 250, "cpuThreads": 2}));
        let r = io.drive(run_on_loop(&s, Build::Native, &io, &io, &cancel, &NoProgress));
        assert_eq!(r.value, 50);
        let calls = r.tasks[0].calls.as_ref().unwrap();
        assert_eq!(calls.len(), 50);
        assert!(calls.iter().all(|c| (c - 0.25).abs() < 1e-9), "{calls:?}");
        assert!((r.wall_ms - 12.5).abs() < 1e-6, "{}", r.wall_ms);
        assert!(r.tasks[1..].iter().all(|t| t.value == 0 && t.calls.is_none()), "the CPU-bound loops found the I/O done");
    }

    /// The drop requests the I/O thread (task 0) made, and the calls that started after the CPU-bound
    /// thread first held the GIL (from the run's events).
    fn convoy_events(r: &RunResult) -> (Vec<Option<String>>, usize) {
        let list = &r.events.as_ref().expect("events").list;
        let io_lane = &r.tasks[0].lane;
        let cpu_took = list.iter().find(|e| e.kind == EventKind::GilTake && e.lane.as_ref() != Some(io_lane)).map(|e| e.t_ms);
        let mine = |e: &&Event| e.lane.as_ref() == Some(io_lane);
        let requests = list.iter().filter(mine).filter(|e| e.kind == EventKind::GilDropRequest).map(|e| e.holder.clone()).collect();
        let later_calls = list.iter().filter(mine).filter(|e| e.kind == EventKind::GilDrop && e.reason == Some(DropReason::Io) && cpu_took.is_some_and(|t| e.t_ms >= t)).count();
        (requests, later_calls)
    }

    #[test]
    fn on_real_threads_every_call_is_timed_and_under_the_gil_each_waits_for_the_cpu_bound_thread() {
        // Order, not time (the per-call latency is a rule on a virtual clock: gil/tests/rules.rs). Once the
        // CPU-bound thread has held the GIL, it is always holding it or waiting for it, so each call the I/O
        // thread starts afterwards ends with a wait and a drop request naming that thread; however slowly
        // a busy machine wakes either thread.
        let r = on_threads(json!({"workload": "convoy", "mode": "threads-gil", "calls": 200, "blockingUs": 100, "cpuThreads": 1, "switchIntervalMs": 1}));
        assert_eq!(r.value, 200, "the value is the calls made");
        let calls = r.tasks[0].calls.as_ref().unwrap();
        assert_eq!(calls.len(), 200);
        assert!(calls.iter().all(|&c| c >= 0.1), "a call takes at least its blocking time");
        let (requests, later_calls) = convoy_events(&r);
        assert!(later_calls > 0, "the CPU-bound thread held the GIL while calls were still to come");
        assert!(requests.len() >= later_calls, "{} requests for {later_calls} calls beside the CPU-bound thread", requests.len());
        assert!(requests.iter().all(|h| h.as_deref() == Some(r.tasks[1].lane.as_str())), "{requests:?}");
        // Without the GIL the CPU-bound thread holds nothing the I/O thread needs.
        let f = on_threads(json!({"workload": "convoy", "mode": "free-threaded", "calls": 200, "blockingUs": 100, "cpuThreads": 1}));
        assert_eq!(f.value, 200);
        assert_eq!(f.tasks[0].calls.as_ref().map(Vec::len), Some(200));
        assert!(f.tasks[0].gil_wait_ms.is_none(), "no GIL, no waits for it");
        assert!(convoy_events(&f).0.is_empty());
    }
}
