//! The GIL's rules, exactly, on a clock the test moves: the state machine by itself, and Python threads
//! as scripts that drive it (`scripted.rs`). No threads, no sleeps: every time below is exact.

use super::scripted::{Act, Scripted, Seen};
use crate::core::gil::state::{DropRequest, GilState, Released, Turn};
use crate::core::events::DropReason::{self, End, Io, Switch};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn the_first_to_ask_holds_it_and_the_others_queue_in_the_order_they_came() {
    let mut g = GilState::new(5.0);
    assert_eq!(g.request(0, 0.0), Turn::Granted);
    assert_eq!(g.holder(), Some(0));
    assert_eq!(g.request(2, 1.0), Turn::Wait { until: 6.0 });
    assert_eq!(g.request(1, 2.0), Turn::Wait { until: 7.0 });
    assert_eq!(g.waiters(), vec![2, 1]);
    assert_eq!(g.request(0, 3.0), Turn::Granted, "the holder asking again holds it still");
    // A drop names the longest waiter; a thread that asks before that one has taken it queues.
    assert_eq!(g.release(0, Io), Released { next: Some(2), must_wait: false });
    assert_eq!(g.holder(), None);
    assert_eq!(g.request(3, 3.5), Turn::Wait { until: 8.5 }, "free, but named for 2");
    assert_eq!(g.poll(1, 3.5), (Turn::Wait { until: 7.0 }, None), "only the named waiter takes it");
    assert_eq!(g.poll(2, 3.5), (Turn::Granted, None));
    assert_eq!((g.holder(), g.waiters()), (Some(2), vec![1, 3]));
    assert_eq!(g.switch_number(), 2);
}

#[test]
fn a_waiter_asks_the_holder_to_drop_exactly_when_its_interval_passes_with_no_switch() {
    let mut g = GilState::new(5.0);
    g.request(0, 0.0);
    assert_eq!(g.request(1, 0.25), Turn::Wait { until: 5.25 });
    assert_eq!(g.next_deadline(), Some(5.25));
    assert_eq!(g.poll(1, 5.0), (Turn::Wait { until: 5.25 }, None), "not before its interval has passed");
    assert!(g.tick(5.2).is_empty());
    assert!(!g.check(0), "nobody asked yet");
    let asked = DropRequest { by: 1, holder: 0, at_ms: 5.25 };
    assert_eq!(g.poll(1, 5.25), (Turn::Wait { until: 10.25 }, Some(asked)), "it asks, and waits another interval");
    assert_eq!(g.drop_request(), Some(asked));
    assert!(g.check(0), "the holder hears it at its next check");
    assert!(!g.check(1), "a waiter has nothing to hear");
    // Another interval with still no switch: it asks again.
    assert_eq!(g.tick(10.25), vec![DropRequest { by: 1, holder: 0, at_ms: 10.25 }]);
}

#[test]
fn a_switch_during_the_interval_starts_another_interval_instead_of_a_request() {
    // 0 holds; 1 and 2 wait from 0. 0 drops for I/O at 3 (nobody asked): 1 takes it. At 5, 2's interval
    // has passed, but a switch happened in it: no request; its next interval ends at 10.
    let mut g = GilState::new(5.0);
    g.request(0, 0.0);
    g.request(1, 0.0);
    g.request(2, 0.0);
    assert_eq!(g.release(0, Io), Released { next: Some(1), must_wait: false });
    assert_eq!(g.poll(1, 3.0).0, Turn::Granted);
    assert!(g.tick(5.0).is_empty(), "a switch happened in 2's interval");
    assert_eq!(g.next_deadline(), Some(10.0));
    assert_eq!(g.tick(10.0), vec![DropRequest { by: 2, holder: 1, at_ms: 10.0 }]);
}

#[test]
fn forced_switching_the_dropper_cannot_take_it_straight_back() {
    let mut g = GilState::new(5.0);
    g.request(0, 0.0);
    g.request(1, 0.0);
    assert_eq!(g.tick(5.0).len(), 1);
    assert!(g.check(0));
    assert_eq!(g.release(0, Switch), Released { next: Some(1), must_wait: true });
    assert_eq!(g.forced_switches(), 1);
    assert!(g.drop_request().is_none(), "the request is answered");
    assert!(g.awaits_switch(0), "the dropper waits until 1 has taken the GIL");
    assert!(!g.awaits_switch(1));
    assert_eq!(g.poll(1, 5.0).0, Turn::Granted);
    assert!(!g.awaits_switch(0), "1 took it: the dropper goes on");
    assert_eq!(g.waiters(), vec![0], "it queued as the switch happened, its interval starting then");
    assert_eq!(g.request(0, 5.1), Turn::Wait { until: 10.0 }, "and waits like any waiter");
    assert_eq!(g.switch_number(), 2);
}

#[test]
fn with_a_request_pending_a_drop_for_io_waits_for_the_switch_too() {
    // CPython's drop_gil does not ask why it is called: the request is answered either way.
    let mut g = GilState::new(5.0);
    g.request(0, 0.0);
    g.request(1, 0.0);
    g.tick(5.0);
    assert_eq!(g.release(0, Io), Released { next: Some(1), must_wait: true });
    assert_eq!(g.poll(1, 5.0).0, Turn::Granted);
    assert!(!g.awaits_switch(0) && g.waiters().is_empty(), "off to its I/O, it does not queue");
    // With nobody left to take it, nobody waits for a switch.
    let mut g = GilState::new(5.0);
    g.request(0, 0.0);
    assert_eq!(g.release(0, Io), Released { next: None, must_wait: false });
    assert_eq!(g.request(0, 0.1), Turn::Granted, "free, nobody named: the first to ask takes it");
    assert_eq!(g.switch_number(), 1, "taking it back is no switch");
}

#[test]
fn two_cpu_bound_threads_take_turns_of_one_interval() {
    // Interval 5 ms, chunks of 0.5 ms: each thread's request comes as the other's chunk ends, so every
    // turn is exactly one interval; the last turns end with the work.
    let s = Scripted::new(GilState::new(5.0), vec![vec![Act::Python(12.0)], vec![Act::Python(12.0)]]).run();
    assert_eq!(s.holdings(), vec![(0, 0.0, 5.0), (1, 5.0, 10.0), (0, 10.0, 15.0), (1, 15.0, 20.0), (0, 20.0, 22.0), (1, 22.0, 24.0)]);
    assert_eq!(s.requests(), vec![(5.0, 1, 0), (10.0, 0, 1), (15.0, 1, 0), (20.0, 0, 1)]);
    let drops: Vec<_> = s.log.iter().filter_map(|&(_, t, seen)| if let Seen::Drop(why) = seen { Some((t, why)) } else { None }).collect();
    assert_eq!(drops, vec![(0, Switch), (1, Switch), (0, Switch), (1, Switch), (0, End), (1, End)]);
    assert_eq!(s.gil.forced_switches(), 4);
    assert_eq!((s.end_ms(0), s.end_ms(1)), (22.0, 24.0));
}

#[test]
fn several_waiters_take_turns_in_the_order_they_came_not_in_the_order_they_asked() {
    // Three CPU-bound threads: the turns go round, 0, 1, 2, 0, 1, 2, one interval each. At 10, 0 is the
    // one that asks, but 2 has waited longer and takes it (CPython: whichever waiter wakes first).
    let s = Scripted::new(GilState::new(5.0), vec![vec![Act::Python(10.0)]; 3]).run();
    assert_eq!(s.holdings(), vec![(0, 0.0, 5.0), (1, 5.0, 10.0), (2, 10.0, 15.0), (0, 15.0, 20.0), (1, 20.0, 25.0), (2, 25.0, 30.0)]);
    assert_eq!(s.requests(), vec![(5.0, 1, 0), (5.0, 2, 0), (10.0, 0, 1), (15.0, 1, 2), (20.0, 2, 0)]);
}

#[test]
fn a_waiter_gets_the_gil_at_the_first_check_after_its_request() {
    // 0 drops the GIL for a 0.2 ms call at 0; 1 takes it and computes in chunks of 0.5 ms. 0 is back at
    // 0.2 and waits; its interval ends at 5.2 and it asks; 1's check at 5.0 heard nothing, its check at
    // 5.5 hears the request: 0 holds the GIL from 5.5.
    let s = Scripted::new(GilState::new(5.0), vec![vec![Act::Blocking(0.2), Act::Python(1.0)], vec![Act::Python(20.0)]]).run();
    assert_eq!(s.requests(), vec![(5.2, 0, 1)]);
    let h = s.holdings();
    assert_eq!((h[1].0, h[1].1), (1, 0.0));
    assert_eq!(h[2], (0, 5.5, 6.5), "{h:?}");
    assert_eq!(s.calls(0), [5.5]);
}

#[test]
fn releasing_for_io_lets_a_waiter_in_at_once_with_no_forced_switch() {
    // 1 waits from 0; 0 computes 1 ms and makes a 10 ms call: 1 takes the GIL at 1, long before its
    // interval ends, and nobody asks anybody; 0 finds the GIL free when its call returns.
    let s = Scripted::new(GilState::new(5.0), vec![vec![Act::Python(1.0), Act::Blocking(10.0), Act::Python(1.0)], vec![Act::Python(3.0)]]).run();
    assert_eq!(s.holdings(), vec![(0, 0.0, 1.0), (1, 1.0, 4.0), (0, 11.0, 12.0)]);
    assert!(s.requests().is_empty());
    assert_eq!(s.gil.forced_switches(), 0);
    assert_eq!(s.calls(0), [10.0], "the call alone: nobody held the GIL when it returned");
    assert!(s.log.contains(&(1.0, 0, Seen::Drop(DropReason::Io))));
}

#[test]
fn c_code_that_releases_the_gil_lets_a_waiter_in_at_once_and_runs_beside_it() {
    let s = Scripted::new(GilState::new(5.0), vec![vec![Act::Python(1.0), Act::ReleasingC(10.0), Act::Python(1.0)], vec![Act::Python(3.0)]]).run();
    assert_eq!(s.holdings(), vec![(0, 0.0, 1.0), (1, 1.0, 4.0), (0, 11.0, 12.0)], "1 ran Python while 0's C code ran");
    assert!(s.requests().is_empty());
    assert_eq!(s.gil.forced_switches(), 0);
    assert!(s.log.contains(&(1.0, 0, Seen::Drop(DropReason::Released))));
    assert_eq!((s.end_ms(0), s.end_ms(1)), (12.0, 4.0));
}

#[test]
fn free_threaded_never_blocks_anyone() {
    let mut g = GilState::free_threaded();
    assert_eq!((g.request(0, 0.0), g.request(1, 0.0)), (Turn::Granted, Turn::Granted));
    assert_eq!((g.holder(), g.next_deadline()), (None, None));
    assert!(!g.check(0) && g.tick(100.0).is_empty());
    assert_eq!(g.release(0, End), Released { next: None, must_wait: false });
    // Two threads of 10 ms of Python run at once and both end at 10.
    let s = Scripted::new(GilState::free_threaded(), vec![vec![Act::Python(10.0)]; 2]).run();
    assert_eq!((s.end_ms(0), s.end_ms(1)), (10.0, 10.0));
    assert!(s.log.is_empty(), "no GIL: nothing to take, drop or ask for");
}

#[test]
fn a_cancelled_waiter_passes_its_turn_on_and_frees_a_dropper_waiting_for_it() {
    let mut g = GilState::new(5.0);
    g.request(0, 0.0);
    g.request(1, 0.0);
    g.request(2, 0.0);
    g.request(3, 1.0);
    g.leave(3);
    assert_eq!(g.waiters(), vec![1, 2], "a queued waiter leaves the queue");
    assert_eq!(g.tick(5.0).iter().map(|r| r.by).collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(g.release(0, Switch), Released { next: Some(1), must_wait: true });
    g.leave(1);
    assert_eq!(g.waiters(), vec![2], "the named waiter left: the next one is named");
    assert!(g.awaits_switch(0));
    g.leave(2);
    assert!(g.waiters().is_empty());
    assert!(!g.awaits_switch(0), "nobody is left to take it: the dropper waits for nothing");
    assert_eq!(g.request(0, 6.0), Turn::Granted);
}

/// `convoy`'s threads: 0 makes `calls` blocking calls of `call_ms`; 1.. compute until 0 is done.
fn convoy(gil: GilState, cpu_threads: usize, calls: usize, call_ms: f64) -> Scripted {
    let mut scripts = vec![vec![Act::Blocking(call_ms); calls]];
    scripts.extend((0..cpu_threads).map(|_| vec![Act::PythonUntil(0)]));
    Scripted::new(gil, scripts).run()
}

#[test]
fn a_convoy_forms_at_every_call_when_a_cpu_bound_thread_is_ready() {
    // Each call gives the GIL to the CPU-bound thread, which starts its chunks then. Back after the call
    // (b), the I/O thread waits its whole interval (i), asks, and takes the GIL at the CPU thread's first
    // check after that: every call takes ceil((b + i) / chunk) chunks.
    for (interval, b) in [(5.0, 0.1), (1.0, 0.1), (5.0, 1.0), (0.3, 0.05)] {
        let chunk = GilState::new(interval).chunk_ms();
        let expected = ((b + interval) / chunk).ceil() * chunk;
        let s = convoy(GilState::new(interval), 1, 40, b);
        let calls = s.calls(0);
        assert_eq!(calls.len(), 40);
        assert!(calls.iter().all(|&c| close(c, expected)), "interval {interval}, call {b}: each call {expected} ms, got {calls:?}");
        assert!(close(s.end_ms(0), 40.0 * expected));
        assert_eq!(s.requests().len(), 40, "one request per call, by the I/O thread");
        assert!(s.requests().iter().all(|&(_, by, holder)| (by, holder) == (0, 1)));
        assert_eq!(s.gil.forced_switches(), 40);
        assert!(close(s.end_ms(1), s.end_ms(0)), "the CPU-bound thread stops when the I/O is done");
    }
    // The lesson's figure, CPython's default: 200 calls of 0.1 ms take 200 x 5.5 ms here (CPython on
    // this machine: 196 ms for 200 socket round trips, about a switch interval each).
    assert!(close(convoy(GilState::new(5.0), 1, 200, 0.1).end_ms(0), 1100.0));
}

#[test]
fn no_convoy_without_a_cpu_bound_thread_or_without_the_gil() {
    let alone = convoy(GilState::new(5.0), 0, 40, 0.1);
    assert!(alone.calls(0).iter().all(|&c| close(c, 0.1)), "{:?}", alone.calls(0));
    assert!(close(alone.end_ms(0), 4.0));
    let free = convoy(GilState::free_threaded(), 1, 40, 0.1);
    assert!(free.calls(0).iter().all(|&c| close(c, 0.1)), "{:?}", free.calls(0));
    assert!(free.requests().is_empty());
}

#[test]
fn the_convoy_forms_even_when_the_cpu_thread_is_slow_to_wake() {
    // On a busy machine the CPU-bound thread may not be on a core when the I/O thread comes back. The GIL
    // was named for it at the drop, so the I/O thread still queues and waits its interval.
    let mut g = GilState::new(5.0);
    g.request(0, 0.0);
    g.request(1, 0.0);
    assert_eq!(g.release(0, Io), Released { next: Some(1), must_wait: false });
    assert_eq!(g.request(0, 0.1), Turn::Wait { until: 5.1 }, "back from I/O before 1 ran: it queues");
    assert_eq!(g.poll(1, 0.3).0, Turn::Granted, "1 wakes late and takes it");
    assert_eq!(g.tick(5.1), vec![DropRequest { by: 0, holder: 1, at_ms: 5.1 }]);
}

#[cfg(not(target_arch = "wasm32"))]
mod any_threads {
    //! Whatever the threads do, on any interval: one holder at a time, every thread ends, and nobody
    //! waits more than a turn per thread (a turn: at most two intervals until someone asks, plus the
    //! chunk in which the holder hears it), because a drop names the longest waiter.
    use super::*;
    use proptest::prelude::*;

    fn any_act() -> impl Strategy<Value = Act> {
        prop_oneof![
            (0.05f64..20.0).prop_map(Act::Python),
            (0.01f64..10.0).prop_map(Act::Blocking),
            (0.01f64..10.0).prop_map(Act::ReleasingC),
        ]
    }

    proptest! {
        #[test]
        fn one_holder_at_a_time_everyone_ends_and_nobody_waits_more_than_a_turn_per_thread(
            scripts in prop::collection::vec(prop::collection::vec(any_act(), 0..6), 1..5),
            interval in 0.2f64..10.0,
        ) {
            let n = scripts.len();
            let least: Vec<f64> = scripts.iter().map(|acts| acts.iter().map(|a| match *a {
                Act::Python(ms) | Act::Blocking(ms) | Act::ReleasingC(ms) => ms,
                Act::PythonUntil(_) => 0.0,
            }).sum()).collect();
            let s = Scripted::new(GilState::new(interval), scripts).run();
            let h = s.holdings(); // panics if two threads ever held it at once
            prop_assert!(h.windows(2).all(|w| w[1].1 >= w[0].2));
            let turn = 2.0 * interval + s.gil.chunk_ms();
            for t in 0..n {
                prop_assert!(s.end_ms(t) + 1e-9 >= least[t], "thread {} ended at {} before its {} ms of work", t, s.end_ms(t), least[t]);
                let mut since = None;
                for &(at, who, seen) in s.log.iter().filter(|e| e.1 == t) {
                    match seen {
                        Seen::Wait => since = Some(at),
                        Seen::Take => {
                            let waited = since.take().map_or(0.0, |w| at - w);
                            prop_assert!(waited <= n as f64 * turn + 1e-9, "thread {} waited {} ms, over {} turns of {} ms", who, waited, n, turn);
                        }
                        _ => {}
                    }
                }
            }
            prop_assert!(s.gil.holder().is_none() && s.gil.waiters().is_empty(), "nobody holds or waits at the end");
        }
    }
}
