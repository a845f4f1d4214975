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
use super::{Class, CpuKernel, FieldInfo, Params, Step, Workload};
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

/// Numbers tested per ms, priced at the worst case below 2^16 (128 divisions, at the 250,000 divisions a
/// ms of `cpu-primes`), so a chunk never overruns the time it is given (the eval breaker is heard).
const NUMBERS_PER_MS: f64 = 250_000.0 / 128.0;

impl CpuKernel for Busy {
    fn step(&mut self, ms: f64) -> Option<u64> {
        let numbers = (ms * NUMBERS_PER_MS).max(1.0) as u32;
        let mut found = 0u32;
        for _ in 0..numbers {
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
    use crate::core::platform::NoProgress;
    use crate::core::run::{run_on_loop, RunResult};
    use crate::core::spec::parse;
    use crate::core::testkit::{native_spec as spec, run_on_host, VirtualIo, NATIVE_CAPS as CAPS};
    use crate::core::Build;
    use serde_json::{json, Value};

    /// A run on real threads and the host's clock (the one the GIL reads: its switch interval is real).
    fn on_threads(v: Value) -> RunResult {
        run_on_host(&spec(v), &CancelToken::new())
    }

    /// The I/O thread's total time (task 0, from its start to its end), ms.
    fn io_ms(r: &RunResult) -> f64 {
        r.tasks[0].end_ms - r.tasks[0].start_ms
    }

    fn median(mut xs: Vec<f64>) -> f64 {
        xs.sort_by(f64::total_cmp);
        xs[xs.len() / 2]
    }

    #[test]
    fn a_busy_chunk_takes_no_longer_than_it_is_given() {
        let mut k = Busy { n: 2 };
        let t = std::time::Instant::now();
        for _ in 0..200 {
            assert_eq!(k.step(0.5), None, "it never ends by itself");
        }
        let per_chunk = t.elapsed().as_secs_f64() * 1000.0 / 200.0;
        // Debug builds run slower; the bound is for the order of magnitude.
        assert!(per_chunk < 5.0, "a 0.5 ms chunk took {per_chunk:.3} ms");
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

    #[test]
    fn under_the_gil_a_cpu_bound_thread_holds_up_each_call_and_a_shorter_interval_less() {
        let base = json!({"workload": "convoy", "calls": 60, "blockingUs": 100});
        let with = |extra: Value| {
            let mut v = base.clone();
            v.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            on_threads(v)
        };
        let (mut alone, mut at5, mut at1, mut free) = (vec![], vec![], vec![], vec![]);
        for _ in 0..3 {
            let a = with(json!({"mode": "threads-gil", "cpuThreads": 0}));
            let g5 = with(json!({"mode": "threads-gil", "cpuThreads": 1, "switchIntervalMs": 5}));
            let g1 = with(json!({"mode": "threads-gil", "cpuThreads": 1, "switchIntervalMs": 1}));
            let f = with(json!({"mode": "free-threaded", "cpuThreads": 1}));
            for r in [&a, &g5, &g1, &f] {
                assert_eq!(r.value, 60, "the value is the calls made, in every mode");
                assert_eq!(r.tasks[0].calls.as_ref().map(Vec::len), Some(60));
            }
            // Each call gives the GIL up and must win it back: the CPU thread keeps it for an interval.
            assert!(median(g5.tasks[0].calls.clone().unwrap()) >= 2.5, "a call beside a CPU thread at 5 ms: {:?}", g5.tasks[0].calls);
            assert!(g5.tasks[0].gil_wait_ms.unwrap_or(0.0) > 60.0 * 2.5);
            assert!(f.tasks[0].gil_wait_ms.is_none(), "no GIL, no waits for it");
            alone.push(io_ms(&a));
            at5.push(io_ms(&g5));
            at1.push(io_ms(&g1));
            free.push(io_ms(&f));
        }
        let (alone, at5, at1, free) = (median(alone), median(at5), median(at1), median(free));
        eprintln!("60 calls: alone {alone:.1} ms, beside a CPU thread at 5 ms {at5:.1} ms, at 1 ms {at1:.1} ms, free-threaded {free:.1} ms");
        assert!(at5 >= 10.0 * alone, "beside a CPU thread at 5 ms: {at5:.1} ms, alone {alone:.1} ms");
        assert!(at1 * 1.5 <= at5, "at 1 ms: {at1:.1} ms, at 5 ms: {at5:.1} ms");
        // Without the GIL the CPU thread holds nothing the I/O thread needs (a few ms allowed for a host
        // whose other programs hold the second core).
        assert!(free <= 2.0 * alone + 5.0, "free-threaded {free:.1} ms, alone {alone:.1} ms");
    }
}
