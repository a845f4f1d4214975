//! `interpreters`: `with InterpreterPoolExecutor(workers) as pool: pool.map(work, range(tasks), [data] *
//! tasks)` (Python 3.14, `concurrent.futures`; PEP 734). Worker threads of one process, each running its
//! own subinterpreter with its own GIL and its own memory: CPU work runs in parallel, as with processes,
//! and nothing is shared, so a task's arguments and its result cross between interpreters pickled.
//!
//! What it costs is real work of the lab's machine, of the same nature as CPython's, not a timer:
//! - starting an interpreter starts a fresh instance of its own code with its own memory, on the kept
//!   worker thread (in the browser: the raw module `crates/interpreter-kernel`, compiled and instantiated
//!   anew; CPython: a new interpreter state that imports its modules anew), with the thread's first task
//!   (span `start`);
//! - a task's arguments (its id and `inputItems` integers) are pickled (`pickle.rs`, protocol 2, byte for
//!   byte CPython's), copied into the interpreter's memory and unpickled there, item by item (span
//!   `message`); its result (the value, and what the task hands the page: an image band) is pickled inside
//!   the interpreter and unpickled on the way back (span `message`);
//! - the CPU kernels run inside the interpreter (`CpuKernel::step_in`), under its own GIL, which no other
//!   thread ever asks for.

use super::pool::{InterpreterSlot, PoolRun, TaskHook};
use crate::core::cancel::CancelToken;
use crate::core::gil::Gil;
use crate::core::platform::{Interpreter, IoError, StartInterpreter};
use crate::core::record::{SpanKind, TaskRecord, TaskRecorder};
use crate::core::platform::ThreadEnv;
use crate::core::spec::Spec;
use crate::core::workload::{kernels, CpuKernel};
use crate::core::events::{Crossing, EventKind, MAIN_INTERPRETER};
use crate::core::pickle;
use std::sync::Arc;

/// The name Python gives interpreter `i`'s worker thread (`InterpreterPoolExecutor` is a
/// `ThreadPoolExecutor`, and its threads are named as that one's are).
pub fn lane(i: usize) -> String {
    format!("InterpreterPoolExecutor-0_{i}")
}

pub fn run(spec: &Spec, env: &ThreadEnv<'_>, cancel: CancelToken, t0: f64) -> Vec<TaskRecord> {
    let k = spec.worker_count().min(spec.tasks) as usize;
    let Some(start) = env.threads.interpreters() else {
        // Validation refuses the mode where the platform has no interpreters; kept as a clear failure.
        return (0..spec.tasks).map(|id| failed(id, t0, env.clock.now_ms(), "this engine cannot start subinterpreters")).collect();
    };
    // One GIL per interpreter: a thread takes its own, which no other thread ever asks for.
    let gils = (0..k).map(|_| Arc::new(Gil::new(crate::core::spec::DEFAULT_SWITCH_INTERVAL_MS, env.clock.clone(), cancel.clone()))).collect();
    let run = Arc::new(PoolRun::new(spec.clone(), env, cancel, None, t0).with_interpreters(gils, Box::new(Pickled { start })));
    let shared = run.clone();
    env.threads.run(k, Arc::new(move |i| shared.worker(i, &lane(i))));
    run.take_records()
}

fn failed(id: u32, t0: f64, now: f64, why: &str) -> TaskRecord {
    let rec = TaskRecorder::start(id, "", t0, now);
    let (status, error) = super::steps::failure(IoError::failed("InterpreterError", why));
    rec.finish(status, error, now)
}

/// The sum of the arguments task `id` is sent: its id, then `0..items`.
fn args_sum(id: u32, items: u32) -> i64 {
    i64::from(id) + i64::from(items) * (i64::from(items) - 1) / 2
}

/// The pool's hook under `interpreters`: each task's arguments cross into its thread's interpreter
/// (started by `start` with the thread's first task) and its result crosses back, pickled both ways.
struct Pickled {
    start: StartInterpreter,
}

impl TaskHook for Pickled {
    fn arrive(&self, run: &PoolRun, slot: &mut InterpreterSlot, id: u32, rec: &mut TaskRecorder) -> Result<(), IoError> {
        arrive(run, self.start, slot, id, rec)
    }
    fn depart(&self, run: &PoolRun, interp: &mut dyn Interpreter, computed: Option<(Box<dyn CpuKernel>, u64)>, rec: &mut TaskRecorder) -> Result<(), IoError> {
        depart(run, interp, computed, rec)
    }
}

/// A task arrives in its thread's interpreter: the interpreter is started if this is the thread's first
/// task, then the arguments are pickled, copied in and unpickled there.
fn arrive(run: &PoolRun, start: StartInterpreter, slot: &mut InterpreterSlot, id: u32, rec: &mut TaskRecorder) -> Result<(), IoError> {
    if slot.is_none() {
        let t = run.now();
        let started = start().map_err(|e| IoError::failed("InterpreterError", format!("the interpreter could not start: {e}")))?;
        *slot = Some(started);
        rec.span(SpanKind::Start, t, run.now());
    }
    let interp = slot.as_deref_mut().expect("started above");
    let t = run.now();
    let items = run.spec.input_items;
    let item = |i: usize| if i == 0 { i64::from(id) } else { (i - 1) as i64 };
    let len = 1 + items as usize;
    let mut bytes = vec![0u8; pickle::encoded_len(len, &item)];
    pickle::encode(len, &item, &mut bytes);
    let arrived = interp.receive(&bytes);
    drop(bytes);
    let end = run.now();
    rec.span(SpanKind::Message, t, end);
    note_message(rec, Crossing::Task, t, end);
    match arrived {
        Ok((n, sum)) if n == len && sum == args_sum(id, items) => Ok(()),
        Ok((n, sum)) => Err(IoError::failed("InterpreterError", format!("the arguments arrived damaged: {n} items summing to {sum}"))),
        Err(e) => Err(IoError::failed("InterpreterError", format!("the arguments could not be unpickled: {e}"))),
    }
}

/// The task's result leaves the interpreter: pickled there (its value and what it kept for the page),
/// copied out and unpickled here. The value computed inside must be the value the kernel reported.
fn depart(run: &PoolRun, interp: &mut dyn Interpreter, computed: Option<(Box<dyn CpuKernel>, u64)>, rec: &mut TaskRecorder) -> Result<(), IoError> {
    let t = run.now();
    let bytes = interp.send_result();
    let mut items = Vec::new();
    let decoded = pickle::decode(&bytes, &mut |x| items.push(x));
    let expected = computed.as_ref().map_or(0, |c| c.1);
    let outcome = match decoded {
        Err(e) => Err(IoError::failed("InterpreterError", format!("the result could not be unpickled (byte {})", e.0))),
        Ok(_) if items.first().copied() != Some(expected as i64) => {
            Err(IoError::failed("InterpreterError", format!("the result arrived damaged: {:?} where {expected} was computed", items.first())))
        }
        Ok(_) => {
            if let Some((mut kernel, _)) = computed {
                rec.output = kernel.output_from(&items[1..]);
            }
            Ok(())
        }
    };
    let end = run.now();
    rec.span(SpanKind::Message, t, end);
    note_message(rec, Crossing::Result, t, end);
    outcome
}

/// A message's events: sent at `t`, received (unpickled at the other end) at `end`; a task's arguments
/// go from the main interpreter to the task's, its result back.
fn note_message(rec: &mut TaskRecorder, what: Crossing, t: f64, end: f64) {
    for (kind, at) in [(EventKind::MessageSend, t), (EventKind::MessageReceive, end)] {
        let e = rec.event(kind, at);
        let lane = e.lane.clone();
        let main = Some(MAIN_INTERPRETER.to_string());
        (e.from, e.to) = if what == Crossing::Task { (main, lane) } else { (lane, main) };
        e.what = Some(what);
    }
}

/// An interpreter on the host itself (native tests and the native benchmark): its own memory, the same
/// kernels and the same pickles, so the mode's rules are tested without a browser.
#[derive(Default)]
pub struct NativeInterpreter {
    args: Vec<i64>,
    kept: Vec<u32>,
    value: u64,
}

impl NativeInterpreter {
    pub fn start() -> Result<Box<dyn Interpreter>, String> {
        Ok(Box::<NativeInterpreter>::default())
    }
}

impl Interpreter for NativeInterpreter {
    fn receive(&mut self, bytes: &[u8]) -> Result<(usize, i64), String> {
        // A copy into this interpreter's memory, then unpickled there.
        let copy = bytes.to_vec();
        self.args.clear();
        self.kept.clear();
        self.value = 0;
        let args = &mut self.args;
        let n = pickle::decode(&copy, &mut |x| args.push(x)).map_err(|e| format!("malformed at byte {}", e.0))?;
        Ok((n, self.args.iter().fold(0i64, |a, x| a.wrapping_add(*x))))
    }

    fn count_primes(&mut self, lo: u32, hi: u32) -> u32 {
        let n = kernels::count_primes(lo, hi);
        self.value += u64::from(n);
        n
    }

    fn mandelbrot(&mut self, size: u32, max_iter: u32, row: u32, px0: u32, px1: u32) -> u64 {
        let kept = &mut self.kept;
        let total = kernels::mandelbrot_pixels(size, max_iter, row, px0, px1, |n| kept.push(n));
        self.value += total;
        total
    }

    fn send_result(&mut self) -> Vec<u8> {
        let (value, kept) = (self.value as i64, &self.kept);
        let item = |i: usize| if i == 0 { value } else { i64::from(kept[i - 1]) };
        let len = 1 + kept.len();
        let mut out = vec![0u8; pickle::encoded_len(len, &item)];
        pickle::encode(len, &item, &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::core::cancel::CancelToken;
    use crate::core::record::SpanKind;
    use crate::core::run::RunResult;
    use crate::core::spec::{parse, Spec};
    use crate::core::platform::native::{native_spec as spec, run_on_host, NATIVE_CAPS as CAPS};
    use serde_json::json;

    fn run(s: &Spec) -> RunResult {
        run_on_host(s, &CancelToken::new())
    }

    fn spans(r: &RunResult, kind: SpanKind) -> Vec<(u32, f64, f64)> {
        r.tasks.iter().flat_map(|t| t.spans.iter().filter(|s| s.kind == kind).map(move |s| (t.id, s.start_ms, s.end_ms))).collect()
    }

    #[test]
    fn each_thread_starts_its_interpreter_once_and_every_task_crosses_both_ways() {
        let r = run(&spec(json!({"workload": "cpu-primes", "mode": "interpreters", "tasks": 6, "size": 300_000, "workers": 3, "inputItems": 5000})));
        assert_eq!(r.value, 25_997, "pi(300000)");
        assert!(r.error.is_none(), "{:?}", r.error);
        assert_eq!(r.spec["inputItems"], json!(5000));
        // One start per interpreter (thread), on its first task.
        let starts = spans(&r, SpanKind::Start);
        let lanes: std::collections::BTreeSet<_> = r.tasks.iter().map(|t| t.lane.clone()).collect();
        assert_eq!(starts.len(), lanes.len(), "{starts:?}");
        assert!(lanes.iter().all(|l| l.starts_with("InterpreterPoolExecutor-0_")));
        // Arguments in, result out: two messages per task, around its run.
        for t in &r.tasks {
            let kinds: Vec<_> = t.spans.iter().map(|s| s.kind).filter(|k| *k != SpanKind::Start && *k != SpanKind::GilWait).collect();
            assert_eq!(kinds, [SpanKind::Message, SpanKind::Run, SpanKind::Message], "task {}", t.id);
        }
        // Its own GIL: nobody else wants it, so nobody ever asks its holder to drop it.
        let events = &r.events.as_ref().unwrap().list;
        assert!(!events.iter().any(|e| e.kind == crate::core::events::EventKind::GilDropRequest));
    }

    #[test]
    fn the_image_comes_back_across_the_interpreters_whole() {
        let base = json!({"workload": "cpu-mandelbrot", "tasks": 4, "size": 64, "iterations": 200, "workers": 2});
        let with = |mode: &str| {
            let mut v = base.clone();
            v["mode"] = json!(mode);
            run(&spec(v)).value
        };
        assert_eq!(with("interpreters"), with("threads-gil"));
    }

    #[test]
    fn a_million_items_cross_both_ways_and_the_work_is_unchanged() {
        // What the crossing costs against the work is a figure for the bench; here, that it all crosses.
        for items in [10, 1_000_000] {
            let r = run(&spec(json!({"workload": "cpu-primes", "mode": "interpreters", "tasks": 2, "size": 20_000, "workers": 2, "inputItems": items})));
            assert!(r.error.is_none(), "{:?}", r.error);
            assert_eq!(r.value, 2_262, "pi(20000)");
            assert_eq!(spans(&r, SpanKind::Message).len(), 4, "arguments in and a result out, per task");
        }
    }

    #[test]
    fn c_code_releasing_its_interpreters_gil_runs_inside_the_interpreter_too() {
        let r = run(&spec(json!({"workload": "cpu-primes", "mode": "interpreters", "tasks": 4, "size": 200_000, "workers": 2, "releasesGil": true})));
        assert_eq!(r.spec["releasesGil"], json!(true));
        assert_eq!(r.value, 17_984, "pi(200000)");
        assert!(!spans(&r, SpanKind::RunNogil).is_empty(), "the kernel ran with its interpreter's GIL released");
    }

    #[test]
    fn input_items_are_checked_and_kept_only_where_they_cross() {
        let e = parse(&json!({"workload": "cpu-primes", "mode": "interpreters", "inputItems": 2_000_000}), &CAPS).unwrap_err();
        assert!(e.to_json().contains("inputItems") && e.to_json().contains("1000000"), "{}", e.to_json());
        let threads = spec(json!({"workload": "cpu-primes", "mode": "threads-gil", "inputItems": 100}));
        assert!(threads.to_json().get("inputItems").is_none(), "threads share memory: nothing crosses");
        let s = spec(json!({"workload": "cpu-primes", "mode": "interpreters"}));
        assert_eq!(s.worker_count(), 6, "min(32, cores + 4), as InterpreterPoolExecutor()");
    }
}
