//! The real-thread runner, for order and progress only: no time bounds and no retries, so a busy machine
//! can slow these tests but not fail them. The rules' timing is tested exactly on a clock the tests move
//! (`rules.rs`); how long a hand-over takes on this machine is the bench's figure
//! (`platform::native::gil_handovers`).

use crate::core::gil::*;
use crate::core::platform::native::HostClock;
use std::sync::atomic::AtomicUsize;
use std::sync::Barrier;
use std::thread;
use std::time::Instant;

fn gil(interval_ms: f64, cancel: &CancelToken) -> Arc<Gil> {
    Arc::new(Gil::new(interval_ms, Arc::new(HostClock(Instant::now())), cancel.clone()))
}

/// Returns once `g` has `n` threads waiting: each is then known to be blocked in `take`.
fn until_waiting(g: &Gil, n: usize) {
    while g.waiters().len() < n {
        thread::yield_now();
    }
}

/// A "bytecode": a little CPU work of a fixed size (not of a fixed time).
fn bytecode() {
    let mut x = 0u64;
    for i in 0..2_000u64 {
        x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
    }
}

#[test]
fn every_thread_gets_turns_forced_switches_happen_and_no_two_threads_run_python_at_once() {
    // Three CPU-bound threads run bytecodes, checking the eval breaker between them, until every one of
    // them has been made to hand the GIL over three times: the test ends only if each keeps getting turns.
    const THREADS: usize = 3;
    const TURNS: usize = 3;
    let g = gil(1.0, &CancelToken::new());
    let inside = Arc::new(AtomicUsize::new(0));
    let overlap = Arc::new(AtomicBool::new(false));
    let switched: Arc<Vec<AtomicUsize>> = Arc::new((0..THREADS).map(|_| AtomicUsize::new(0)).collect());
    // Who took the GIL, in order: pushed while holding it, so the order is the GIL's.
    let takes = Arc::new(Mutex::new(Vec::new()));
    let hs: Vec<_> = (0..THREADS)
        .map(|me| {
            let (g, inside, overlap, switched, takes) = (g.clone(), inside.clone(), overlap.clone(), switched.clone(), takes.clone());
            thread::spawn(move || {
                assert!(g.take(me));
                takes.lock().unwrap().push(me);
                while switched.iter().any(|s| s.load(Ordering::SeqCst) < TURNS) {
                    if inside.fetch_add(1, Ordering::SeqCst) != 0 {
                        overlap.store(true, Ordering::SeqCst);
                    }
                    bytecode();
                    inside.fetch_sub(1, Ordering::SeqCst);
                    if let Some(held) = g.check(me) {
                        assert!(held, "nobody cancelled");
                        switched[me].fetch_add(1, Ordering::SeqCst);
                        takes.lock().unwrap().push(me);
                    }
                }
                g.drop_gil(me);
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert!(!overlap.load(Ordering::SeqCst), "two threads ran Python at once");
    let total: usize = switched.iter().map(|s| s.load(Ordering::SeqCst)).sum();
    assert!(g.forced_switches() >= total as u64, "each hand-over on request is a forced switch: {} < {total}", g.forced_switches());
    // Forced switching: a thread that handed the GIL over never took it straight back.
    let takes = takes.lock().unwrap();
    assert!(takes.windows(2).all(|w| w[0] != w[1]), "the same thread took the GIL twice in a row: {takes:?}");
    for me in 0..THREADS {
        assert!(takes.iter().filter(|&&t| t == me).count() > TURNS, "thread {me} had {takes:?}");
    }
}

#[test]
fn a_waiter_asks_only_once_its_interval_has_passed_and_the_holder_drops_at_its_next_check() {
    let g = gil(20.0, &CancelToken::new());
    let clock = HostClock(Instant::now());
    assert!(g.take(0));
    let g2 = g.clone();
    let waiter = thread::spawn(move || {
        let mut asked = Vec::new();
        let t0 = clock.now_ms();
        assert!(g2.take_noting(1, &mut |at, holder| asked.push((at, holder))));
        g2.drop_gil(1);
        (t0, asked)
    });
    // The holder runs bytecodes, checking the eval breaker, until it is asked to drop the GIL.
    while g.check(0).is_none() {
        bytecode();
    }
    g.drop_gil(0);
    let (t0, asked) = waiter.join().unwrap();
    assert!(!asked.is_empty(), "the waiter asked the holder");
    assert!(asked.iter().all(|&(_, holder)| holder == Some(0)), "{asked:?}");
    // The clocks of the two threads are one clock: a request is never made before the interval ends.
    assert!(asked[0].0 - t0 >= 20.0 - 1e-9, "asked {:.3} ms after it began to wait", asked[0].0 - t0);
    assert!(g.forced_switches() >= 1);
}

#[test]
fn releasing_for_io_lets_the_waiter_in_first_without_a_request_or_a_forced_switch() {
    // An interval no test waits out: the waiter gets the GIL only because the holder let it go.
    let g = gil(1e9, &CancelToken::new());
    let order = Arc::new(Mutex::new(Vec::new()));
    assert!(g.take(0));
    let (g2, order2) = (g.clone(), order.clone());
    let waiter = thread::spawn(move || {
        let mut asked = 0;
        assert!(g2.take_noting(1, &mut |_, _| asked += 1));
        order2.lock().unwrap().push(1);
        g2.drop_gil(1);
        asked
    });
    until_waiting(&g, 1);
    g.drop_gil(0); // "blocking I/O"
    // Back at once: the GIL was named for the waiter at the drop, so this thread queues behind it.
    assert!(g.take(0));
    order.lock().unwrap().push(0);
    g.drop_gil(0);
    assert_eq!(waiter.join().unwrap(), 0, "nobody asked anybody to drop it");
    assert_eq!(*order.lock().unwrap(), [1, 0]);
    assert_eq!(g.forced_switches(), 0);
}

#[test]
fn cancel_frees_every_waiter_without_the_gil() {
    let cancel = CancelToken::new();
    let g = gil(1e9, &cancel);
    assert!(g.take(0));
    let waiters: Vec<_> = (1..4)
        .map(|me| {
            let g = g.clone();
            thread::spawn(move || g.take(me))
        })
        .collect();
    until_waiting(&g, 3);
    cancel.cancel();
    for w in waiters {
        assert!(!w.join().unwrap(), "a cancelled waiter does not get the GIL");
    }
    assert!(g.waiters().is_empty());
    g.drop_gil(0);
}

#[test]
fn free_threaded_lets_two_threads_run_python_at_once() {
    // Both threads hold "the GIL" and meet inside their Python: under a real GIL this would never end.
    let free = Arc::new(Gil::free_threaded(Arc::new(HostClock(Instant::now())), CancelToken::new()));
    let meet = Arc::new(Barrier::new(2));
    let hs: Vec<_> = (0..2)
        .map(|me| {
            let (free, meet) = (free.clone(), meet.clone());
            thread::spawn(move || {
                assert!(free.take(me));
                meet.wait();
                assert_eq!(free.check(me), None, "nothing to hand over");
                free.drop_gil(me);
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(free.forced_switches(), 0);
    assert!(free.waiters().is_empty());
}
