//! A blocking channel between the engine's threads (threads build): the Python threads' job queues and
//! their "done" reports (`src/web/threads.rs`), and the I/O bridge's answers (`src/web/bridge.rs`). What
//! `std::sync::mpsc` did here, in far less code: std's channel carries three flavours (bounded, unbounded,
//! rendezvous), each built again for every message type, which made about 10 KB of the threads build
//! (issue 25, docs/PERFORMANCE.md "Size"). A queue under a mutex, and a condition variable to wait on.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

struct Shared<T> {
    state: Mutex<State<T>>,
    ready: Condvar,
}

struct State<T> {
    queue: VecDeque<T>,
    senders: usize,
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // A thread that panics aborts (panic = "abort"): a poisoned lock cannot be seen.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The sending end; cloned for each sender. Sending never waits for the receiver.
pub struct Sender<T>(Arc<Shared<T>>);

/// The one receiving end.
pub struct Receiver<T>(Arc<Shared<T>>);

pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared { state: Mutex::new(State { queue: VecDeque::new(), senders: 1 }), ready: Condvar::new() });
    (Sender(shared.clone()), Receiver(shared))
}

impl<T> Sender<T> {
    /// Queues `value` for the receiver (kept until it takes it, or dropped with the channel).
    pub fn send(&self, value: T) {
        self.0.lock().queue.push_back(value);
        self.0.ready.notify_one();
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.0.lock().senders += 1;
        Sender(self.0.clone())
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let last = {
            let mut state = self.0.lock();
            state.senders -= 1;
            state.senders == 0
        };
        if last {
            self.0.ready.notify_all();
        }
    }
}

impl<T> Receiver<T> {
    /// The next value, waiting for one (this thread blocks: `Atomics.wait` underneath); `None` once every
    /// sender is gone and nothing is left.
    pub fn recv(&self) -> Option<T> {
        let mut state = self.0.lock();
        loop {
            if let Some(value) = state.queue.pop_front() {
                return Some(value);
            }
            if state.senders == 0 {
                return None;
            }
            state = self.0.ready.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::channel;
    use std::thread;
    use std::time::Duration;

    #[test]
    fn values_arrive_in_the_order_sent_and_none_once_every_sender_is_gone() {
        let (tx, rx) = channel::<u32>();
        let tx2 = tx.clone();
        tx.send(1);
        tx2.send(2);
        drop(tx);
        tx2.send(3);
        drop(tx2);
        assert_eq!((rx.recv(), rx.recv(), rx.recv(), rx.recv()), (Some(1), Some(2), Some(3), None));
    }

    #[test]
    fn a_waiting_receiver_wakes_for_a_value_sent_from_another_thread_and_for_the_last_sender_leaving() {
        let (tx, rx) = channel::<&'static str>();
        let sender = thread::spawn(move || {
            thread::sleep(Duration::from_millis(20));
            tx.send("job");
            let tx2 = tx.clone();
            drop(tx);
            thread::sleep(Duration::from_millis(20));
            drop(tx2);
        });
        assert_eq!(rx.recv(), Some("job"));
        assert_eq!(rx.recv(), None);
        sender.join().unwrap();
    }

    #[test]
    fn many_senders_on_many_threads_lose_nothing() {
        let (tx, rx) = channel::<usize>();
        let handles: Vec<_> = (0..4)
            .map(|k| {
                let tx = tx.clone();
                thread::spawn(move || (0..1000).for_each(|i| tx.send(k * 1000 + i)))
            })
            .collect();
        drop(tx);
        let mut got: Vec<usize> = std::iter::from_fn(|| rx.recv()).collect();
        handles.into_iter().for_each(|h| h.join().unwrap());
        got.sort_unstable();
        assert_eq!(got, (0..4000).collect::<Vec<_>>());
    }
}
