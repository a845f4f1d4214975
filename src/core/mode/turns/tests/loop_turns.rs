//! The engine loop's turns during a single-build `threads-gil` run: how often the page's messages (a Stop,
//! the watchdog's ping) are let in, where a turn is cheap, dear, or timed on a coarse clock.

use super::{clock, Compute};
use crate::core::cancel::CancelToken;
use crate::core::mode::exec::LoopCtx;
use crate::core::mode::turns::run_plans;
use crate::core::platform::native::{native_spec as spec, VirtualIo};
use crate::core::platform::{AsyncIo, Clock, Fetch, IoError, LocalFuture, NoProgress};
use crate::core::record::{SpanKind, Status, TaskRecord};
use crate::core::spec::{Spec, TaskPlan};
use crate::core::workload::Step;
use serde_json::json;
use std::sync::Arc;

/// The virtual platform, counting when the engine's loop gets a turn.
struct Watched<'a> {
    io: &'a VirtualIo,
    turns: std::cell::RefCell<Vec<f64>>,
    /// What the turns take, ms, one after another, round and round.
    cost: &'a [f64],
}

impl AsyncIo for Watched<'_> {
    fn sleep(&self, ms: u32) -> LocalFuture<'_, Result<(), IoError>> {
        self.io.sleep(ms)
    }
    fn fetch_delay(&self, req: Fetch) -> LocalFuture<'_, Result<u64, IoError>> {
        self.io.fetch_delay(req)
    }
    fn yield_now(&self) -> LocalFuture<'_, ()> {
        let mut turns = self.turns.borrow_mut();
        turns.push(self.io.now_ms());
        self.io.advance(self.cost[(turns.len() - 1) % self.cost.len()]);
        self.io.yield_now()
    }
    fn abort_all(&self) {
        self.io.abort_all()
    }
    fn block_us(&self, us: u32) {
        self.io.block_us(us)
    }
}

/// Runs `plan` on the virtual clock, the turns of the engine's loop costing `cost` ms (round and round) and
/// the rules reading the clock through `rules`: the tasks' records, and when the engine's loop had its turns.
fn watched_run(io: &Arc<VirtualIo>, cost: &[f64], rules: &dyn Clock, s: &Spec, plan: &dyn Fn(u32) -> TaskPlan) -> (Vec<TaskRecord>, Vec<f64>) {
    let watched = Watched { io, turns: Default::default(), cost };
    let r = io.drive(async {
        let ctx = LoopCtx { io: &watched, clock: rules, cancel: &io.cancel, t0: 0.0, progress: &NoProgress, group: CancelToken::new() };
        run_plans(&ctx, s, plan).await
    });
    assert!(r.iter().all(|t| t.status == Status::Ok));
    (r, watched.turns.take())
}

#[test]
fn the_engine_loop_gets_a_turn_every_chunk_whatever_the_threads_do() {
    // A Stop and the page's watchdog are heard in the engine's turns: never more than about a chunk
    // apart, through long turns of the GIL, many short tasks, and a convoy's calls.
    let io = Arc::new(clock(None));
    let s = spec(json!({"workload": "io-sleep", "mode": "threads-gil", "tasks": 203, "workers": 3}));
    let plan = |id: u32| TaskPlan {
        steps: match id {
            0 => vec![Step::Cpu(Box::new(Compute { io: io.clone(), left: 40.0 }))],
            1 => vec![Step::BlockingCalls { calls: 30, us: 300 }],
            // Short tasks, each done within one chunk.
            _ => vec![Step::Cpu(Box::new(Compute { io: io.clone(), left: 0.2 }))],
        },
        fault: None,
    };
    let (r, turns) = watched_run(&io, &[0.0], &*io.clone(), &s, &plan);
    let end = r.iter().map(|t| t.end_ms).fold(0.0, f64::max);
    assert!(end >= 40.0 + 200.0 * 0.2, "{end}");
    let gaps: Vec<f64> = std::iter::once(0.0).chain(turns.iter().copied()).chain([end]).collect::<Vec<_>>().windows(2).map(|w| w[1] - w[0]).collect();
    let longest = gaps.iter().copied().fold(0.0, f64::max);
    assert!(longest <= super::super::ENGINE_TURN_EVERY_MS + 0.5 + 0.01, "the engine's loop waited {longest} ms for a turn ({} turns)", turns.len());
}

/// The gaps between the engine loop's turns from `from` to `end`: the longest.
fn longest_gap(turns: &[f64], from: f64, end: f64) -> f64 {
    let inside: Vec<f64> = std::iter::once(from).chain(turns.iter().copied().filter(|&t| t > from && t < end)).chain([end]).collect();
    inside.windows(2).map(|w| w[1] - w[0]).fold(0.0, f64::max)
}

#[test]
fn where_a_turn_of_the_engine_loop_is_dear_it_gets_fewer_but_one_every_chunk_while_a_thread_waits_on_io() {
    // WebKitGTK: a turn of the engine's loop costs 0.3 ms, more than half a chunk. One every chunk made CPU
    // work under threads-gil run at half speed; spaced to cost 2% of the time, at most 10 ms apart. While a
    // thread waits on a sleep, its completion comes in a turn: one every chunk then, whatever it costs.
    let io = Arc::new(clock(None));
    let s = spec(json!({"workload": "io-sleep", "mode": "threads-gil", "tasks": 2, "workers": 2}));
    let plan = |id: u32| TaskPlan {
        steps: match id {
            0 => vec![Step::Cpu(Box::new(Compute { io: io.clone(), left: 100.0 }))],
            _ => vec![Step::Sleep { ms: 20 }],
        },
        fault: None,
    };
    let (r, turns) = watched_run(&io, &[0.3], &*io.clone(), &s, &plan);
    let sleeper = r.iter().find(|t| t.id == 1).unwrap();
    let sleep = sleeper.spans.iter().find(|sp| sp.kind == SpanKind::IoWait).expect("the sleep");
    let during = longest_gap(&turns, sleep.start_ms + 0.01, sleep.end_ms);
    assert!(during <= super::super::ENGINE_TURN_EVERY_MS + 0.3 + 0.5 + 0.01, "during the sleep the engine's loop waited {during} ms for a turn");
    // The sleep's end was heard within a turn and a chunk: the sleeper asked for the GIL then.
    assert!(sleep.end_ms <= sleep.start_ms + 20.0 + super::super::ENGINE_TURN_EVERY_MS + 0.3 + 0.01, "the 20 ms sleep ended at {:?}", (sleep.start_ms, sleep.end_ms));
    // Before it and after it, the holder computes alone: a turn about every 10 ms (0.3 / 2%, at most 10).
    let end = r.iter().map(|t| t.end_ms).fold(0.0, f64::max);
    let after = sleep.end_ms + 6.0;
    let quiet = turns.iter().filter(|&&t| t > after).count() as f64;
    assert!(quiet <= (end - after) / super::super::QUIET_ENGINE_TURN_EVERY_MS + 1.0, "{quiet} turns from {after} to {end} ms");
    let longest = longest_gap(&turns, after, end);
    assert!(longest <= super::super::QUIET_ENGINE_TURN_EVERY_MS + 0.3 + 0.5 + 0.01, "the engine's loop waited {longest} ms for a turn");
}

/// The virtual clock as a browser gives it outside cross-origin isolation: in whole milliseconds.
struct Coarse<'a>(&'a VirtualIo);

impl Clock for Coarse<'_> {
    fn now_ms(&self) -> f64 {
        self.0.now_ms().floor()
    }
}

/// One thread computing for 200 ms on the virtual clock (see [`watched_run`]): the turns' times, and the run's end.
fn turns_of_one_computing_thread(io: &Arc<VirtualIo>, cost: &[f64], rules: &dyn Clock) -> (Vec<f64>, f64) {
    let s = spec(json!({"workload": "cpu-primes", "mode": "threads-gil", "tasks": 1, "workers": 1}));
    let plan = |_: u32| TaskPlan { steps: vec![Step::Cpu(Box::new(Compute { io: io.clone(), left: 200.0 }))], fault: None };
    let (_, turns) = watched_run(io, cost, rules, &s, &plan);
    (turns, io.now_ms())
}

#[test]
fn on_a_clock_too_coarse_to_time_a_turn_the_turns_come_every_two_clock_steps() {
    // In a course page's frame (no cross-origin isolation) WebKitGTK's clock moves in 1 ms steps: a turn,
    // taken just after the clock moved, reads 0 nearly every time, whatever it costs. Judged by that reading
    // the turns came every chunk; they come every two clock steps (the browser's turn costs WebKitGTK 0.025 ms
    // on average: about 1% of the time then), not 10 ms apart as where a turn is dear.
    let io = Arc::new(clock(None));
    let (turns, end) = turns_of_one_computing_thread(&io, &[0.0, 0.0, 0.0, 0.0, 0.1], &Coarse(&io));
    let later = turns.iter().filter(|&&t| t > 5.0).count() as f64;
    assert!(later <= (end - 5.0) / (super::super::COARSE_ENGINE_TURN_EVERY_MS - 0.1) + 1.0, "{later} turns from 5 to {end} ms ({} in all)", turns.len());
    assert!(later >= (end - 5.0) / (super::super::COARSE_ENGINE_TURN_EVERY_MS + 1.1), "{later} turns from 5 to {end} ms ({} in all)", turns.len());
    let longest = longest_gap(&turns, 5.0, end);
    assert!(longest <= super::super::COARSE_ENGINE_TURN_EVERY_MS + 1.0 + 0.1 + 0.5 + 0.01, "the engine's loop waited {longest} ms for a turn");
    // The same work on a fine clock, turns free: one every chunk.
    let io = Arc::new(clock(None));
    let (turns, end) = turns_of_one_computing_thread(&io, &[0.0], &*io.clone());
    assert!(turns.len() as f64 >= end / (super::super::ENGINE_TURN_EVERY_MS + 0.5), "{} turns in {end} ms on a fine clock", turns.len());
}

#[test]
fn turns_alike_on_average_are_spaced_by_their_mean_cost_not_by_the_last_ones() {
    // WebKitGTK's turn: four timers next to free, then a post of 0.1 ms (`src/web/glue.js`, `engine_turn`).
    // Spaced by the last turn's cost, a turn after a post came 3.3 ms later, one after a timer a chunk later;
    // by their mean (0.02 ms), every other chunk, and they cost about 3% of the time.
    let io = Arc::new(clock(None));
    let cost = [0.0, 0.0, 0.0, 0.0, 0.1];
    let (turns, end) = turns_of_one_computing_thread(&io, &cost, &*io.clone());
    let longest = longest_gap(&turns, 5.0, end);
    assert!(longest <= 1.0 + 0.1 + 0.01, "the engine's loop waited {longest} ms for a turn");
    let spent: f64 = (0..turns.len()).map(|i| cost[i % cost.len()]).sum();
    assert!(spent / end <= super::super::ENGINE_TURN_SHARE + 0.005, "the turns took {spent} ms of {end}");
    // Turns as dear as WebKitGTK's MessageChannel's (0.3 ms) come at most 10 ms apart, and no more often.
    let io = Arc::new(clock(None));
    let (turns, end) = turns_of_one_computing_thread(&io, &[0.3], &*io.clone());
    let later = turns.iter().filter(|&&t| t > 40.0).count() as f64;
    assert!(later <= (end - 40.0) / (super::super::QUIET_ENGINE_TURN_EVERY_MS - 0.5) + 1.0, "{later} turns from 40 to {end} ms");
    assert!(longest_gap(&turns, 40.0, end) <= super::super::QUIET_ENGINE_TURN_EVERY_MS + 0.3 + 0.5 + 0.01);
}

