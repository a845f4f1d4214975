//! Python threads as scripts on a virtual clock, driving one [`GilState`]: how the tests watch the GIL's
//! rules exactly. It is also a small model of the single build's cooperative scheduler (`state.rs`,
//! "Driving it"): the threads are stepped one at a time, nothing sleeps, and the clock jumps to the next
//! thing that happens (a chunk's end, a blocking call's end, a waiter's interval's end). A hand-over and
//! Python between two blocking calls take no time here.

use crate::core::gil::state::{GilState, ThreadId, Turn};
use crate::core::events::DropReason;
use std::collections::VecDeque;

/// What a scripted thread does, one act after another, from time 0.
#[derive(Clone, Copy, Debug)]
pub enum Act {
    /// Pure Python for `ms`, in chunks between which the holder looks at the eval breaker.
    Python(f64),
    /// Pure Python until thread `t` has finished (`convoy`'s CPU-bound loop), looked at before each chunk.
    PythonUntil(ThreadId),
    /// A blocking call of `ms` (socket I/O, `time.sleep`): the GIL is dropped before it and taken back
    /// after. Its latency, from its start until the thread holds the GIL again, is recorded.
    Blocking(f64),
    /// C code that releases the GIL for `ms` (NumPy's loops, hashlib, zlib).
    ReleasingC(f64),
}

/// One line of the log.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Seen {
    /// Asked for the GIL and must wait.
    Wait,
    Take,
    Drop(DropReason),
    /// Asked `holder` to drop the GIL.
    Request { holder: ThreadId },
}

#[derive(Clone, Copy, Debug)]
enum Doing {
    /// Not started: asks for the GIL first, as a pool thread does to run its task.
    Start,
    Waiting { until: f64 },
    /// Holds the GIL (or needs none), computing a chunk that ends at `chunk_end`.
    Runs { chunk_end: f64 },
    /// In a blocking call or C code, without the GIL.
    Blocked { until: f64 },
    /// Dropped the GIL with a request pending: waits until another thread has taken it, then asks again
    /// (`Some(ms)`: first makes its blocking call of `ms`).
    Forced { then_block: Option<f64> },
    Done,
}

struct Thread {
    acts: VecDeque<Act>,
    doing: Doing,
    /// What is left of the current `Python` act, ms.
    left_ms: f64,
    /// In a blocking call (`true`) or C code (`false`) since: the act ends once the GIL is held again.
    in_call: Option<(f64, bool)>,
    calls: Vec<f64>,
    end_ms: Option<f64>,
}

pub struct Scripted {
    pub gil: GilState,
    pub now: f64,
    chunk_ms: f64,
    threads: Vec<Thread>,
    /// Everything that happened to the GIL, in order: (time, thread, what).
    pub log: Vec<(f64, ThreadId, Seen)>,
}

impl Scripted {
    /// Threads `0..scripts.len()` under `gil`, computing in the chunks the pool uses for it.
    pub fn new(gil: GilState, scripts: Vec<Vec<Act>>) -> Self {
        let chunk_ms = gil.chunk_ms();
        let threads = scripts
            .into_iter()
            .map(|acts| Thread { acts: acts.into(), doing: Doing::Start, left_ms: 0.0, in_call: None, calls: Vec::new(), end_ms: None })
            .collect();
        Scripted { gil, now: 0.0, chunk_ms, threads, log: Vec::new() }
    }

    /// Runs every thread to its end.
    pub fn run(mut self) -> Self {
        for _ in 0..10_000_000 {
            // Everything that happens at `now`, until nothing more does: first the waiters' intervals
            // (a chunk that ends at the same moment hears the request), then each thread in turn.
            loop {
                let mut moved = false;
                for r in self.gil.tick(self.now) {
                    self.log.push((self.now, r.by, Seen::Request { holder: r.holder }));
                    moved = true;
                }
                for i in 0..self.threads.len() {
                    moved |= self.advance(i);
                }
                if !moved {
                    break;
                }
            }
            if self.threads.iter().all(|t| matches!(t.doing, Doing::Done)) {
                return self;
            }
            let wakes = self.threads.iter().filter_map(|t| match t.doing {
                Doing::Waiting { until } | Doing::Runs { chunk_end: until } | Doing::Blocked { until } => Some(until),
                _ => None,
            });
            let next = wakes.chain(self.gil.next_deadline()).fold(f64::INFINITY, f64::min);
            assert!(next.is_finite() && next > self.now, "stuck at {} ms: nothing left to happen", self.now);
            self.now = next;
        }
        panic!("the script never ended");
    }

    /// Each blocking call's latency of thread `t`, ms.
    pub fn calls(&self, t: ThreadId) -> &[f64] {
        &self.threads[t].calls
    }

    /// When thread `t` ended.
    pub fn end_ms(&self, t: ThreadId) -> f64 {
        self.threads[t].end_ms.expect("the thread ended")
    }

    /// Who held the GIL from when to when, in order (from the log).
    pub fn holdings(&self) -> Vec<(ThreadId, f64, f64)> {
        let mut open: Option<(ThreadId, f64)> = None;
        let mut out = Vec::new();
        for &(at, t, seen) in &self.log {
            match seen {
                Seen::Take => {
                    assert!(open.is_none(), "{t} took the GIL at {at} while {open:?} held it");
                    open = Some((t, at));
                }
                Seen::Drop(_) => {
                    let (holder, since) = open.take().expect("a drop by the holder");
                    assert_eq!(holder, t, "only the holder drops it");
                    out.push((t, since, at));
                }
                _ => {}
            }
        }
        out
    }

    /// The drop requests in the log: (time, who asked, whom).
    pub fn requests(&self) -> Vec<(f64, ThreadId, ThreadId)> {
        self.log.iter().filter_map(|&(at, by, s)| if let Seen::Request { holder } = s { Some((at, by, holder)) } else { None }).collect()
    }

    fn note(&mut self, t: ThreadId, seen: Seen) {
        if self.gil.is_enabled() {
            self.log.push((self.now, t, seen));
        }
    }

    /// Moves thread `i` on at `now` if something is due; whether it did.
    fn advance(&mut self, i: ThreadId) -> bool {
        let now = self.now;
        match self.threads[i].doing {
            Doing::Start => self.ask(i),
            Doing::Waiting { until } => match self.gil.poll(i, now) {
                (Turn::Granted, _) => {
                    self.note(i, Seen::Take);
                    self.holding(i);
                }
                (Turn::Wait { until: later }, asked) => {
                    if let Some(r) = asked {
                        self.note(i, Seen::Request { holder: r.holder });
                    }
                    self.threads[i].doing = Doing::Waiting { until: later };
                    return asked.is_some() || later != until;
                }
            },
            Doing::Runs { chunk_end } if chunk_end <= now => self.chunk_ended(i),
            Doing::Blocked { until } if until <= now => self.ask(i),
            Doing::Forced { then_block } if !self.gil.awaits_switch(i) => match then_block {
                Some(ms) => self.threads[i].doing = Doing::Blocked { until: now + ms },
                None => self.ask(i),
            },
            _ => return false,
        }
        true
    }

    /// Thread `i` asks for the GIL.
    fn ask(&mut self, i: ThreadId) {
        match self.gil.request(i, self.now) {
            Turn::Granted => {
                self.note(i, Seen::Take);
                self.holding(i);
            }
            Turn::Wait { until } => {
                self.note(i, Seen::Wait);
                self.threads[i].doing = Doing::Waiting { until };
            }
        }
    }

    /// Thread `i` holds the GIL again: a blocking call it was in has ended; it goes on with its script.
    fn holding(&mut self, i: ThreadId) {
        let t = &mut self.threads[i];
        if let Some((start, blocking)) = t.in_call.take() {
            if blocking {
                t.calls.push(self.now - start);
            }
            t.acts.pop_front();
        }
        self.next_chunk(i);
    }

    /// Before each chunk of Python: the act may be over; the next act may drop the GIL.
    fn next_chunk(&mut self, i: ThreadId) {
        let now = self.now;
        let done: Vec<bool> = self.threads.iter().map(|t| matches!(t.doing, Doing::Done)).collect();
        let t = &mut self.threads[i];
        loop {
            match t.acts.front().copied() {
                None => {
                    t.doing = Doing::Done;
                    t.end_ms = Some(now);
                    self.drop_gil(i, DropReason::End);
                    return;
                }
                Some(Act::PythonUntil(other)) if done[other] => {
                    t.acts.pop_front();
                }
                Some(Act::PythonUntil(_)) => {
                    t.doing = Doing::Runs { chunk_end: now + self.chunk_ms };
                    return;
                }
                Some(Act::Python(ms)) => {
                    if t.left_ms <= 0.0 {
                        t.left_ms = ms;
                    }
                    t.doing = Doing::Runs { chunk_end: now + self.chunk_ms.min(t.left_ms) };
                    return;
                }
                Some(Act::Blocking(ms) | Act::ReleasingC(ms)) => {
                    let blocking = matches!(t.acts.front(), Some(Act::Blocking(_)));
                    t.in_call = Some((now, blocking));
                    let must_wait = self.drop_gil(i, if blocking { DropReason::Io } else { DropReason::Released });
                    self.threads[i].doing = if must_wait { Doing::Forced { then_block: Some(ms) } } else { Doing::Blocked { until: now + ms } };
                    return;
                }
            }
        }
    }

    /// A chunk of thread `i`'s Python has ended: its act may be done; otherwise the eval breaker.
    fn chunk_ended(&mut self, i: ThreadId) {
        let t = &mut self.threads[i];
        if let Some(Act::Python(_)) = t.acts.front() {
            t.left_ms -= self.chunk_ms.min(t.left_ms);
            if t.left_ms <= 1e-9 {
                t.left_ms = 0.0;
                t.acts.pop_front();
                return self.next_chunk(i);
            }
        }
        if self.gil.check(i) {
            if self.drop_gil(i, DropReason::Switch) {
                self.threads[i].doing = Doing::Forced { then_block: None };
            } else {
                self.ask(i);
            }
            return;
        }
        self.next_chunk(i);
    }

    /// Thread `i` drops the GIL; whether it must wait for the switch.
    fn drop_gil(&mut self, i: ThreadId, why: DropReason) -> bool {
        if self.gil.holder() == Some(i) {
            self.note(i, Seen::Drop(why));
        }
        self.gil.release(i, why).must_wait
    }
}
