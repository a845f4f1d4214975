//! Task records: what each task did and when, the raw material of the results table and the timeline.
//! All times are milliseconds from the run's start.

use super::events::{Event, EventKind};
pub use super::status::Status;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SpanKind {
    /// Running Python code (CPU work, or the bookkeeping around an await); under a GIL, holding it.
    Run,
    /// Running C code that released the GIL (`releasesGil`: NumPy's loops, hashlib, zlib).
    RunNogil,
    /// Waiting for the emulated GIL.
    GilWait,
    /// Waiting on I/O (a request in flight, a sleep).
    IoWait,
    /// Crossing to or from another worker (the "pickling" cost).
    Message,
    /// Starting a worker process (spawning a Worker and instantiating its wasm).
    Start,
    /// Ready to run, waiting in the event loop's ready queue while another task runs (`asyncio` only).
    /// Not counted in `io_wait_ms` or `gil_wait_ms`.
    LoopWait,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Span {
    pub kind: SpanKind,
    pub start_ms: f64,
    pub end_ms: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskRecord {
    /// 0..tasks-1, in the order the caller submitted them.
    pub id: u32,
    /// The thread, process or event loop that ran the task, named as Python would.
    pub lane: String,
    pub start_ms: f64,
    pub end_ms: f64,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub io_wait_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gil_wait_ms: Option<f64>,
    pub spans: Vec<Span>,
    /// What the task computed (primes found, delay reported); the run's value is their sum.
    pub value: u64,
    /// Each blocking call's latency, ms, in order: from the call's start until the thread held the GIL
    /// again (`convoy`'s I/O thread).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calls: Option<Vec<f64>>,
    /// What happened to the task, as it happened (replay's record): gathered into the Result's
    /// `events`, not written with the task.
    #[serde(skip)]
    pub events: Vec<Event>,
}

/// A task's record with its events, as a worker process sends it back to the parent (in a Result the
/// events are gathered into its `events` instead): `{ "record": {...}, "events": [...] }`. Nested, not
/// `#[serde(flatten)]`: a flattened record is read through serde's buffered `Content`, which put a second
/// copy of TaskRecord's reading code in the wasm (issue 25, docs/PERFORMANCE.md "Size").
#[derive(Serialize)]
struct CarriedRef<'a> {
    record: &'a TaskRecord,
    events: &'a [Event],
}

#[derive(Deserialize)]
struct Carried {
    record: TaskRecord,
    events: Vec<Event>,
}

impl TaskRecord {
    /// The record and its events as JSON, for the trip from a worker process to the parent.
    pub fn to_carried_json(&self) -> String {
        serde_json::to_string(&CarriedRef { record: self, events: &self.events }).expect("records serialise")
    }

    /// A record (with its events) as [`to_carried_json`](Self::to_carried_json) wrote it.
    pub fn from_carried_json(json: &str) -> Result<TaskRecord, String> {
        let Carried { mut record, events } = serde_json::from_str(json).map_err(|e| e.to_string())?;
        record.events = events;
        Ok(record)
    }

    /// A task that never started because the run was cancelled (or stopped) first.
    pub fn cancelled(id: u32, lane: &str, at_ms: f64) -> Self {
        TaskRecord {
            id,
            lane: lane.to_string(),
            start_ms: at_ms,
            end_ms: at_ms,
            status: Status::Cancelled,
            error: None,
            io_wait_ms: None,
            gil_wait_ms: None,
            spans: Vec::new(),
            value: 0,
            calls: None,
            events: Vec::new(),
        }
    }
}

/// Builds one task's record as it runs: spans are opened and closed on the run's clock.
pub struct TaskRecorder {
    record: TaskRecord,
    t0: f64,
    /// What the next I/O span waits on, as Python writes it, and whether a coroutine awaits it (an
    /// `asyncio` task) or a thread blocks in it.
    io: Option<(String, bool)>,
    /// What the task hands the page when it finishes (not part of the Result).
    pub output: Option<crate::core::workload::types::TaskOutput>,
}

impl TaskRecorder {
    /// Starts a record at `now` (absolute clock time); `t0` is the run's start on the same clock.
    pub fn start(id: u32, lane: &str, t0: f64, now: f64) -> Self {
        let mut record = TaskRecord::cancelled(id, lane, now - t0);
        record.status = Status::Ok;
        let mut rec = TaskRecorder { record, t0, io: None, output: None };
        rec.event(EventKind::TaskStart, now);
        rec
    }

    /// Records an event at `at` (absolute clock time) for this task and its lane; the caller fills in
    /// the kind's own fields.
    pub fn event(&mut self, kind: EventKind, at: f64) -> &mut Event {
        let mut e = Event::new(kind, at - self.t0);
        e.lane = (!self.record.lane.is_empty()).then(|| self.record.lane.clone());
        e.task_id = Some(self.record.id);
        self.record.events.push(e);
        self.record.events.last_mut().expect("just pushed")
    }

    /// Says what the next I/O span waits on (`call`, as Python writes it): a coroutine's await when
    /// `awaits`, else a thread's blocking call.
    pub fn io_text(&mut self, call: String, awaits: bool) {
        self.io = Some((call, awaits));
    }

    /// Adds a span from `start` to `end` (absolute clock times), merging it into the previous one when
    /// they are of the same kind and touch, so a chunked CPU task draws as one bar.
    pub fn span(&mut self, kind: SpanKind, start: f64, end: f64) {
        let (start_ms, end_ms) = (start - self.t0, end - self.t0);
        if kind == SpanKind::IoWait {
            *self.record.io_wait_ms.get_or_insert(0.0) += end_ms - start_ms;
        }
        if kind == SpanKind::GilWait {
            *self.record.gil_wait_ms.get_or_insert(0.0) += end_ms - start_ms;
        }
        if let Some(last) = self.record.spans.last_mut() {
            if last.kind == kind && start_ms - last.end_ms < 0.05 {
                // One span, so one pair of events: the end recorded for the old end moves to the new.
                let old_end = last.end_ms;
                last.end_ms = end_ms;
                // Only kinds whose span records its own events have one to move; it is among the last
                // few recorded (nothing else of this task happened inside the merged span).
                if let Some((_, end_kind)) = span_events(kind) {
                    if let Some(e) = self.record.events.iter_mut().rev().find(|e| e.kind == end_kind && e.t_ms == old_end) {
                        e.t_ms = end_ms;
                    }
                }
                return;
            }
        }
        self.record.spans.push(Span { kind, start_ms, end_ms });
        if let Some((begin, finish)) = span_events(kind) {
            let io = if kind == SpanKind::IoWait { self.io.take() } else { None };
            let first = self.event(begin, start);
            match (kind, io) {
                (SpanKind::RunNogil, _) => first.nogil = Some(true),
                (SpanKind::IoWait, Some((text, true))) => {
                    first.kind = EventKind::TaskAwaiting;
                    first.awaits = Some(text);
                }
                (SpanKind::IoWait, Some((text, false))) => first.call = Some(text),
                _ => {}
            }
            self.event(finish, end);
        }
    }

    /// Records one blocking call's latency, ms.
    pub fn add_call(&mut self, ms: f64) {
        self.record.calls.get_or_insert_with(Vec::new).push(ms);
    }

    pub fn add_value(&mut self, v: u64) {
        self.record.value += v;
    }

    pub fn finish(self, status: Status, error: Option<String>, now: f64) -> TaskRecord {
        self.finish_with_output(status, error, now).0
    }

    /// Finishes the record and hands back the task's output for the page.
    pub fn finish_with_output(mut self, status: Status, error: Option<String>, now: f64) -> (TaskRecord, Option<crate::core::workload::types::TaskOutput>) {
        self.event(EventKind::TaskEnd, now).status = Some(status);
        self.record.end_ms = now - self.t0;
        self.record.status = status;
        self.record.error = error;
        (self.record, self.output)
    }
}

/// The events that begin and end a span of this kind, where the span alone tells them (the GIL's waits,
/// the ready queue and messages are recorded where they happen, with what only they know).
fn span_events(kind: SpanKind) -> Option<(EventKind, EventKind)> {
    match kind {
        SpanKind::Run | SpanKind::RunNogil => Some((EventKind::RunStart, EventKind::RunEnd)),
        SpanKind::IoWait => Some((EventKind::IoStart, EventKind::IoEnd)),
        SpanKind::Start => Some((EventKind::ProcessStart, EventKind::ProcessReady)),
        SpanKind::GilWait | SpanKind::LoopWait | SpanKind::Message => None,
    }
}
