//! Faults a run can ask for, and what Python does when a task raises: `spec.faults`, `spec.timeoutMs`
//! and `spec.onError` (API.md). Which tasks fail is chosen reproducibly from the seed, so a learner can
//! predict and repeat a run.

use serde::Serialize;

/// What goes wrong in a failing task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultKind {
    /// The server answers 503 after the delay (aiohttp raises `ClientResponseError`).
    Status,
    /// The server drops the connection after the delay (`ServerDisconnectedError`).
    Reset,
    /// The server never answers; only a timeout ends the wait (`TimeoutError`).
    Hang,
    /// The task's Rust code panics: the engine crashes and restarts.
    Panic,
    /// Test kind: the task's thread traps (wasm `unreachable`, as an allocation failure aborts): no panic
    /// hook runs, the Worker just dies. Accepted only when test kinds are on ([`allow_test_kinds`]).
    Trap,
    /// Test kind: the task spins for ever without yielding, so its thread stops answering.
    Stall,
}

thread_local! {
    /// Whether this thread's spec parsing accepts the test kinds (set by the engine when the page asks
    /// for it; specs are parsed on the engine's own thread and in each process, never on pool threads).
    static TEST_KINDS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Lets specs parsed on this thread name the test kinds `trap` and `stall` (the lab's crash tests).
pub fn allow_test_kinds(on: bool) {
    TEST_KINDS.with(|t| t.set(on));
}

impl FaultKind {
    pub const ALL: [FaultKind; 4] = [FaultKind::Status, FaultKind::Reset, FaultKind::Hang, FaultKind::Panic];

    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Status => "status",
            FaultKind::Reset => "reset",
            FaultKind::Hang => "hang",
            FaultKind::Panic => "panic",
            FaultKind::Trap => "trap",
            FaultKind::Stall => "stall",
        }
    }

    /// The test kinds: not in the catalogue, refused unless [`allow_test_kinds`] was called.
    pub const TEST: [FaultKind; 2] = [FaultKind::Trap, FaultKind::Stall];

    pub fn parse(s: &str) -> Option<Self> {
        let tests = if TEST_KINDS.with(|t| t.get()) { &Self::TEST[..] } else { &[] };
        Self::ALL.into_iter().chain(tests.iter().copied()).find(|k| k.name() == s)
    }

    /// What happens, in the learner's words.
    pub fn doc(self) -> &'static str {
        match self {
            FaultKind::Status => "the server answers 503 (aiohttp raises ClientResponseError)",
            FaultKind::Reset => "the server drops the connection (ServerDisconnectedError)",
            FaultKind::Hang => "the server never answers: only a timeout ends the wait (TimeoutError)",
            FaultKind::Panic => "the engine's Rust code panics: the run fails and the engine restarts",
            FaultKind::Trap => "test only: the task's thread traps without a panic (its Worker dies)",
            FaultKind::Stall => "test only: the task's thread spins for ever (the engine stops responding)",
        }
    }

    /// Whether the fault is injected by the latency endpoint (I/O work only).
    pub fn is_network(self) -> bool {
        matches!(self, FaultKind::Status | FaultKind::Reset | FaultKind::Hang)
    }
}

/// `spec.faults`: exactly `round(rate * tasks)` tasks fail with `kind`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Faults {
    pub kind: FaultKind,
    pub rate: f64,
    pub seed: u64,
}

impl Faults {
    /// For each task, whether it fails: exactly `round(rate * tasks)` of them, picked by a seeded
    /// shuffle (the same seed always picks the same tasks).
    pub fn failing(&self, tasks: u32) -> Vec<bool> {
        failing_tasks(self.rate, self.seed, tasks)
    }
}

/// Which of `tasks` tasks fail at `rate` with `seed`: exactly `round(rate * tasks)` of them, picked by a
/// Fisher-Yates shuffle driven by SplitMix64. The one place this is decided: runs, and the Python
/// programs' FAILING (crate::core::python), read it here.
pub fn failing_tasks(rate: f64, seed: u64, tasks: u32) -> Vec<bool> {
    let n = tasks as usize;
    let k = ((rate * f64::from(tasks)).round() as usize).min(n);
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = SplitMix64(seed);
    for i in (1..n).rev() {
        order.swap(i, (rng.next() % (i as u64 + 1)) as usize);
    }
    let mut fails = vec![false; n];
    for &i in &order[..k] {
        fails[i] = true;
    }
    fails
}

/// A tiny, well-known PRNG: enough to pick tasks reproducibly, the same on every platform.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// `spec.onError`: what the Python caller does when a task raises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnError {
    /// `gather()`, `Executor.map`, a plain loop: the first exception propagates.
    Raise,
    /// `gather(..., return_exceptions=True)`, or try/except around each task: every outcome collected.
    ReturnExceptions,
    /// `asyncio.TaskGroup`: the first failure cancels the rest; all exceptions raised together.
    TaskGroup,
}

impl OnError {
    pub const ALL: [OnError; 3] = [OnError::Raise, OnError::ReturnExceptions, OnError::TaskGroup];

    pub fn name(self) -> &'static str {
        match self {
            OnError::Raise => "raise",
            OnError::ReturnExceptions => "return-exceptions",
            OnError::TaskGroup => "task-group",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == s)
    }

    /// The Python that behaves this way in `mode`'s counterpart, or `None` where Python has none.
    pub fn python(self, mode: crate::core::mode::Mode) -> Option<&'static str> {
        use crate::core::mode::Mode::*;
        Some(match (self, mode) {
            (OnError::Raise, Sequential) => "results = [work(i) for i in range(tasks)]  # the first exception ends the loop",
            (OnError::ReturnExceptions, Sequential) => {
                "results = []\nfor i in range(tasks):\n    try:\n        results.append(work(i))\n    except Exception as e:\n        results.append(e)"
            }
            (OnError::Raise, Asyncio) => "results = await asyncio.gather(*coros)  # raises the first exception; the rest run on",
            (OnError::ReturnExceptions, Asyncio) => "results = await asyncio.gather(*coros, return_exceptions=True)",
            (OnError::TaskGroup, Asyncio) => {
                "async with asyncio.TaskGroup() as tg:  # the first failure cancels the rest\n    tasks = [tg.create_task(c) for c in coros]\n# raises ExceptionGroup with every exception"
            }
            (OnError::Raise, _) => "results = list(pool.map(work, range(tasks)))  # raises at the first failure, in order",
            (OnError::ReturnExceptions, _) => {
                "futures = [pool.submit(work, i) for i in range(tasks)]\nresults = [f.exception() or f.result() for f in futures]"
            }
            (OnError::TaskGroup, _) => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_the_rounded_share_fails_and_the_seed_decides_which() {
        for (rate, tasks, expected) in [(0.5, 8, 4), (0.25, 10, 3), (1.0, 7, 7), (0.0, 9, 0), (0.04, 10, 0), (0.05, 10, 1)] {
            let f = Faults { kind: FaultKind::Status, rate, seed: 7 };
            assert_eq!(f.failing(tasks).iter().filter(|&&x| x).count(), expected, "rate {rate} of {tasks}");
        }
        let a = Faults { kind: FaultKind::Reset, rate: 0.5, seed: 1 };
        assert_eq!(a.failing(20), a.failing(20), "reproducible");
        let b = Faults { seed: 2, ..a };
        assert_ne!(a.failing(20), b.failing(20), "another seed, other tasks");
    }
}
