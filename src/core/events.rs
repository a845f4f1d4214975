//! The run's events, as the engine records them while it runs: what replay folds into the state at any
//! instant (`lab.replay`, www/src/replay/). Each is stamped on the run's one clock, ms from its start.
//!
//! The format's kinds, their order and version are defined here and given to the page in the catalogue
//! (`rules.events`; www/src/replay/events.ts reads them; docs/API.md, "Replay and events"), so a Result's
//! `events: { v, list }` reads the same whichever side made it. What
//! only the engine can know is here and not in the spans: when a waiting thread asked the GIL's holder to
//! drop it (and whom it asked), why a holder dropped it, when an asyncio task became ready and when the
//! loop took it off the ready queue, what a task awaits or calls.

use super::status::Status;
use serde::{Deserialize, Serialize};

/// The version of the event format (`events.v`).
pub const EVENTS_VERSION: u32 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    TaskStart,
    TaskEnd,
    RunStart,
    RunEnd,
    GilWait,
    GilDropRequest,
    GilTake,
    GilDrop,
    GilWaitEnd,
    IoStart,
    TaskAwaiting,
    IoEnd,
    TaskReady,
    TaskScheduled,
    MessageSend,
    MessageReceive,
    ProcessStart,
    ProcessReady,
}

/// Why the GIL's holder dropped it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DropReason {
    /// A waiter's drop request, after the switch interval.
    Switch,
    /// Around a blocking call.
    Io,
    /// C code that releases the GIL (`Py_BEGIN_ALLOW_THREADS`).
    Released,
    /// The task's Python ended (the thread goes back to the pool's queue).
    End,
}

/// What crosses in a message: a task's arguments, or its result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Crossing {
    Task,
    Result,
}

/// One event. `lane` and `task_id` say whose; the other fields belong to some kinds only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub t_ms: f64,
    pub kind: EventKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lane: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// GIL events under `interpreters`: whose GIL (the interpreter's lane).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gil: Option<String>,
    /// `gil-drop-request`: the lane asked to drop.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<DropReason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nogil: Option<bool>,
    /// `task-awaiting`: what the coroutine awaits, as Python writes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub awaits: Option<String>,
    /// `io-start`: the blocking call, as Python writes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub what: Option<Crossing>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

impl Event {
    pub fn new(kind: EventKind, t_ms: f64) -> Self {
        Event {
            t_ms,
            kind,
            lane: None,
            task_id: None,
            status: None,
            gil: None,
            holder: None,
            reason: None,
            nogil: None,
            awaits: None,
            call: None,
            what: None,
            from: None,
            to: None,
        }
    }
}

/// The main interpreter's name in messages under `interpreters` (`concurrent.interpreters.get_main()`),
/// where `processes` names the parent `MainProcess`.
pub const MAIN_INTERPRETER: &str = "main interpreter";

impl EventKind {
    /// Every kind, in the order the catalogue lists them (`rules.events.kinds`: the page reads the kinds
    /// and their order from there, www/src/rules.ts).
    pub const ALL: [EventKind; 18] = [
        EventKind::TaskStart,
        EventKind::TaskEnd,
        EventKind::RunStart,
        EventKind::RunEnd,
        EventKind::GilWait,
        EventKind::GilDropRequest,
        EventKind::GilTake,
        EventKind::GilDrop,
        EventKind::GilWaitEnd,
        EventKind::IoStart,
        EventKind::TaskAwaiting,
        EventKind::IoEnd,
        EventKind::TaskReady,
        EventKind::TaskScheduled,
        EventKind::MessageSend,
        EventKind::MessageReceive,
        EventKind::ProcessStart,
        EventKind::ProcessReady,
    ];

    /// The order of simultaneous events: what ends before what begins, so that at a hand-over the old
    /// holder has dropped before the new one takes (never two holders), and a task's end comes after its
    /// last activity and before the next task on its lane starts. The page sorts by the same ranks.
    pub fn rank(self) -> u8 {
        rank(self)
    }
}

fn rank(kind: EventKind) -> u8 {
    use EventKind::*;
    match kind {
        RunEnd | GilDrop | IoEnd | MessageReceive | ProcessReady | TaskScheduled | GilWaitEnd => 0,
        TaskEnd => 1,
        TaskStart => 2,
        ProcessStart | MessageSend | GilWait | GilDropRequest | IoStart | TaskAwaiting | TaskReady => 3,
        GilTake | RunStart => 4,
    }
}

/// The events of every task, in time order (simultaneous ones as events.ts orders them).
pub fn merge(per_task: impl IntoIterator<Item = Vec<Event>>) -> Vec<Event> {
    let mut all: Vec<Event> = per_task.into_iter().flatten().collect();
    all.sort_by(|a, b| a.t_ms.total_cmp(&b.t_ms).then(rank(a.kind).cmp(&rank(b.kind))));
    all
}

/// How a Result carries its events: versioned, so a newer engine's record is never misread.
#[derive(Clone, Debug, Serialize)]
pub struct EventRecord {
    pub v: u32,
    pub list: Vec<Event>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::cancel::CancelToken;
    use crate::core::record::SpanKind;
    use crate::core::platform::native::run_on_loop;
    use crate::core::run::RunResult;
    use crate::core::spec::Spec;
    use crate::core::platform::native::{native_spec as spec, run_on_host, VirtualIo};
    use crate::core::Build;
    use serde_json::json;
    use std::collections::HashMap;

    fn on_threads(s: &Spec) -> RunResult {
        run_on_host(s, &CancelToken::new())
    }

    fn events(r: &RunResult) -> &[Event] {
        &r.events.as_ref().expect("the engine records events").list
    }

    #[test]
    fn threads_gil_one_holder_at_a_time_every_run_inside_its_holding_and_drop_requests_name_the_holder() {
        let r = on_threads(&spec(json!({"workload": "cpu-primes", "mode": "threads-gil", "tasks": 4, "size": 400_000, "workers": 4, "switchIntervalMs": 1})));
        let list = events(&r);
        assert!(list.windows(2).all(|w| w[0].t_ms <= w[1].t_ms), "in time order");
        // Fold the one GIL: a take only when nobody holds it; a drop only by the holder.
        let mut holder: Option<String> = None;
        let mut holding: HashMap<String, Vec<(f64, f64)>> = HashMap::new();
        let mut since = 0.0;
        let (mut requests, mut switches) = (0, 0);
        for e in list {
            let lane = e.lane.clone().unwrap_or_default();
            match e.kind {
                EventKind::GilTake => {
                    assert_eq!(holder, None, "{lane} took the GIL at {} while {holder:?} held it", e.t_ms);
                    holder = Some(lane);
                    since = e.t_ms;
                }
                EventKind::GilDrop => {
                    assert_eq!(holder.as_deref(), Some(lane.as_str()), "only the holder drops it");
                    holding.entry(lane).or_default().push((since, e.t_ms));
                    holder = None;
                    switches += usize::from(e.reason == Some(DropReason::Switch));
                }
                EventKind::GilDropRequest => {
                    requests += 1;
                    assert_ne!(e.holder.as_deref(), Some(lane.as_str()), "a thread never asks itself");
                    assert!(e.holder.is_some());
                }
                _ => {}
            }
        }
        assert_eq!(holder, None, "nobody holds the GIL at the end");
        assert!(requests > 0 && switches > 0, "{requests} drop requests, {switches} forced switches");
        // Every `run` span (Python holding the GIL) lies inside one of its thread's holdings.
        for t in &r.tasks {
            for s in t.spans.iter().filter(|s| s.kind == SpanKind::Run) {
                let inside = holding[&t.lane].iter().any(|&(a, b)| a <= s.start_ms + 1e-9 && s.end_ms <= b + 1e-9);
                assert!(inside, "task {} ran {:.3}..{:.3} without holding the GIL", t.id, s.start_ms, s.end_ms);
            }
        }
        // Begin and end of every task, with its status.
        assert_eq!(list.iter().filter(|e| e.kind == EventKind::TaskEnd && e.status == Some(Status::Ok)).count(), 4);
        // The record serialises as replay reads it (www/src/replay/events.ts).
        let text = serde_json::to_value(r.events.as_ref().unwrap()).unwrap();
        assert_eq!(text["v"], 1);
        assert!(text["list"].as_array().unwrap().iter().any(|e| e["kind"] == "gil-drop-request" && e["holder"].is_string()));
    }

    #[test]
    fn threads_say_what_they_block_in_and_drop_the_gil_for_it() {
        let r = on_threads(&spec(json!({"workload": "io-sleep", "mode": "threads-gil", "tasks": 2, "latencyMs": 30, "workers": 2})));
        let list = events(&r);
        let io: Vec<_> = list.iter().filter(|e| e.kind == EventKind::IoStart).collect();
        assert_eq!(io.len(), 2);
        assert!(io.iter().all(|e| e.call.as_deref() == Some("time.sleep(0.03)")));
        assert_eq!(list.iter().filter(|e| e.kind == EventKind::GilDrop && e.reason == Some(DropReason::Io)).count(), 2);
        assert_eq!(list.iter().filter(|e| e.kind == EventKind::IoEnd).count(), 2);
    }

    #[test]
    fn asyncio_records_when_each_task_became_ready_and_when_the_loop_ran_it() {
        let io = VirtualIo::new();
        let s = spec(json!({"workload": "mixed-pipeline", "mode": "asyncio", "tasks": 3, "latencyMs": 100, "size": 200_000}));
        let r = io.drive(run_on_loop(&s, Build::Native, &io, &io, &io.cancel, &crate::core::platform::NoProgress));
        let list = events(&r);
        let of = |kind: EventKind, id: u32| list.iter().filter(|e| e.kind == kind && e.task_id == Some(id)).map(|e| e.t_ms).collect::<Vec<_>>();
        for id in 0..3 {
            // Ready when gather made it, then again when its response came; scheduled after each.
            let (ready, scheduled) = (of(EventKind::TaskReady, id), of(EventKind::TaskScheduled, id));
            assert_eq!(ready.len(), 2, "task {id}: {ready:?}");
            assert_eq!(scheduled.len(), 2);
            assert!(ready.iter().zip(&scheduled).all(|(r, s)| r <= s));
            let awaits: Vec<_> = list.iter().filter(|e| e.kind == EventKind::TaskAwaiting && e.task_id == Some(id)).collect();
            assert_eq!(awaits.len(), 1);
            assert_eq!(awaits[0].awaits.as_deref(), Some(format!("session.get(url_for({id}))").as_str()));
        }
        // The responses all arrive at 100 ms; the loop then runs the tasks' computing one at a time, in
        // the order they became ready (computing takes no time on this virtual clock).
        let second: Vec<f64> = (0..3).map(|id| of(EventKind::TaskScheduled, id)[1]).collect();
        assert!(second[0] <= second[1] && second[1] <= second[2] && second[0] >= 100.0, "{second:?}");
    }

    #[test]
    fn interpreters_have_a_gil_each_and_messages_both_ways() {
        let r = on_threads(&spec(json!({"workload": "cpu-primes", "mode": "interpreters", "tasks": 4, "size": 100_000, "workers": 2})));
        let list = events(&r);
        for e in list.iter().filter(|e| matches!(e.kind, EventKind::GilTake | EventKind::GilDrop)) {
            assert_eq!(e.gil, e.lane, "each thread takes its own interpreter's GIL");
        }
        let sends: Vec<_> = list.iter().filter(|e| e.kind == EventKind::MessageSend).collect();
        assert_eq!(sends.len(), 8, "arguments in and a result out, per task");
        assert!(sends.iter().any(|e| e.what == Some(Crossing::Task) && e.from.as_deref() == Some(MAIN_INTERPRETER)));
        // One interpreter started per thread that took a task (a thread may find the queue empty).
        let lanes: std::collections::HashSet<_> = r.tasks.iter().map(|t| t.lane.clone()).collect();
        assert_eq!(list.iter().filter(|e| e.kind == EventKind::ProcessStart).count(), lanes.len());
    }
}
