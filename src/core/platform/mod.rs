//! What a mode needs from the machine it runs on: a clock and, for the event-loop modes, async I/O.
//!
//! The browser engine implements these with `performance`, `fetch` and timers (`src/web/`); native tests
//! implement them on a virtual clock so that schedules are exact and never flaky on a loaded machine.

pub mod aligned;
/// A blocking channel between threads (the threads build's Python threads and I/O bridge).
pub mod channel;
pub mod interpreter;
/// The host as a platform: a virtual clock for exact native tests, the host's clock and threads for the
/// benchmark.
#[cfg(any(test, not(target_arch = "wasm32")))]
pub mod native;

pub use interpreter::{Interpreter, StartInterpreter};

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A boxed future that stays on the thread that made it (browser futures are not `Send`).
pub type LocalFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// Milliseconds on one clock shared by every thread and worker of a run.
///
/// In the browser this is `performance.timeOrigin + performance.now()`: each worker's `now()` counts from
/// its own origin, so only the sum puts lanes of different workers on one timeline; the threads of one
/// memory then read it through [`aligned::Aligned`], which corrects an origin the browser misjudged.
pub trait Clock: Send + Sync {
    fn now_ms(&self) -> f64;
}

/// Why an I/O operation did not produce its value.
#[derive(Clone, Debug, PartialEq)]
pub enum IoError {
    /// The run was cancelled (or its task group was) while the operation waited.
    Cancelled,
    /// The per-request timeout ran out (`TimeoutError`); the text says which.
    Timeout(String),
    /// The operation raised: `name` is the Python exception class, `message` its text.
    Failed { name: String, message: String },
}

impl IoError {
    pub fn failed(name: &str, message: impl Into<String>) -> Self {
        IoError::Failed { name: name.to_string(), message: message.into() }
    }

    /// A non-2xx answer, as aiohttp's `raise_for_status()` reports it.
    pub fn http_status(status: u16, text: &str) -> Self {
        Self::failed("ClientResponseError", format!("{status}, message='{text}'"))
    }

    /// The connection went away without an answer (a reset, a refused or dropped connection).
    pub fn disconnected(detail: &str) -> Self {
        Self::failed("ServerDisconnectedError", format!("Server disconnected ({detail})"))
    }

    /// `asyncio.wait_for` gave up on the request.
    pub fn request_timeout(timeout_ms: u32) -> Self {
        IoError::Timeout(format!("the request took longer than timeoutMs = {timeout_ms}"))
    }
}

/// One request to the latency endpoint.
#[derive(Clone, Debug, PartialEq)]
pub struct Fetch {
    /// How long the server waits before it answers.
    pub ms: u32,
    /// Names the request (the task id), for the server's log and a unique URL.
    pub tag: String,
    /// The fault the endpoint is to inject (`&fail=KIND`), if any.
    pub fail: Option<crate::core::faults::FaultKind>,
    /// Give up (and abort the request) after this long: `asyncio.wait_for`.
    pub timeout_ms: Option<u32>,
}

/// The event loop's I/O: what `await` waits on in the `sequential` and `asyncio` modes.
pub trait AsyncIo {
    /// `await asyncio.sleep(ms / 1000)`.
    fn sleep(&self, ms: u32) -> LocalFuture<'_, Result<(), IoError>>;
    /// One GET of the lab's latency endpoint; resolves to the delay it reports. Every request has its
    /// own URL, so the browser's HTTP cache lock cannot serialise identical requests.
    fn fetch_delay(&self, req: Fetch) -> LocalFuture<'_, Result<u64, IoError>>;
    /// Give the event loop one turn (`await asyncio.sleep(0)`), without the 4 ms nested-timer clamp.
    fn yield_now(&self) -> LocalFuture<'_, ()>;
    /// A turn of the event loop between two chunks of CPU work that keeps it to itself (the single build's
    /// `threads-gil` holder, `sequential`'s and `asyncio`'s CPU work, asyncio's own turns): only the page's
    /// messages and completed I/O need to get in, so it may be cheaper than [`AsyncIo::yield_now`] (the
    /// browser's: `src/web/glue.js`, `engine_turn`).
    fn engine_turn(&self) -> LocalFuture<'_, ()> {
        self.yield_now()
    }
    /// Ends every wait in flight with `Cancelled` (a TaskGroup cancelling its remaining tasks).
    fn abort_all(&self);
    /// A short blocking call of `us` microseconds (`time.sleep` in a plain loop): the thread itself
    /// waits, and nothing else runs on this loop meanwhile (`convoy` under `sequential`).
    fn block_us(&self, us: u32) {
        std::thread::sleep(std::time::Duration::from_micros(u64::from(us)));
    }
}

/// I/O for a thread that blocks while it waits (`threads-gil`, `rayon`): `time.sleep`, `urllib`.
///
/// In the browser the thread blocks on a channel while the real fetch or timer runs on the engine's event
/// loop, which answers on completion or on cancel (a synchronous XHR could not be aborted).
pub trait BlockingIo: Send + Sync {
    fn sleep(&self, ms: u32) -> Result<(), IoError>;
    fn fetch_delay(&self, req: Fetch) -> Result<u64, IoError>;
    /// A short blocking call of `us` microseconds (a local socket round trip, a short `time.sleep`): the
    /// thread itself waits, with no trip through the event loop (which would cost milliseconds and hide
    /// the `convoy` effect). A std sleep: an atomic wait with a timeout on the browser's wasm threads.
    fn block_us(&self, us: u32) {
        std::thread::sleep(std::time::Duration::from_micros(u64::from(us)));
    }
}

/// Real threads for the Python thread models: runs `job(i)` for `i in 0..k`, each on a thread of its
/// own, and returns when all have returned.
pub trait PythonThreads: Send + Sync {
    fn run(&self, k: usize, job: std::sync::Arc<dyn Fn(usize) + Send + Sync>);
    /// How this platform starts a subinterpreter on the calling thread (`interpreters`), if it can.
    fn interpreters(&self) -> Option<StartInterpreter> {
        None
    }
}

/// What the thread modes run on: the clock, blocking I/O, and (for `threads-gil`) real threads.
pub struct ThreadEnv<'a> {
    pub clock: std::sync::Arc<dyn Clock>,
    pub io: std::sync::Arc<dyn BlockingIo>,
    pub threads: &'a dyn PythonThreads,
    pub progress: std::sync::Arc<dyn Progress>,
}

/// What a thread mode's run does on its controller thread, given the platform's [`ThreadEnv`]: its task
/// records, and how long it took on the env's clock.
pub type ThreadJob = Box<dyn FnOnce(&ThreadEnv<'_>) -> (Vec<crate::core::record::TaskRecord>, f64) + Send>;

/// Where the thread modes run (`threads-gil`, `free-threaded`, `interpreters`, `rayon`), on a platform
/// that has real threads: the job runs on a thread allowed to block, while the caller's event loop stays
/// free (in the browser it serves the threads' I/O and hears Stop).
pub trait ThreadHost {
    /// Starts `python_threads` Python threads where they are started on demand, then runs `job`.
    /// `Ok(None)`: a Stop came while the threads started (the run never started). `Err` says what failed.
    fn run<'a>(&'a self, python_threads: usize, cancel: &'a crate::core::cancel::CancelToken, job: ThreadJob) -> LocalFuture<'a, Result<Option<(Vec<crate::core::record::TaskRecord>, f64)>, String>>;
}

/// Why a worker process gave no record.
#[derive(Clone, Debug, PartialEq)]
pub enum ProcessFailure {
    /// The run was stopped (its processes are ended).
    Stopped,
    /// The process died, or its task could not run there; the text says which process and why.
    Died(String),
}

/// Worker processes for `processes` (`multiprocessing.Pool`): each a fresh instance of the engine with
/// its own memory, started for the run (in the browser: a Worker the page makes, with its own instance
/// of the single build).
pub trait Processes {
    /// Starts the process named `lane`; resolves once it is ready, with when (on the run's clock).
    fn start<'a>(&'a self, lane: &'a str) -> LocalFuture<'a, Result<(Box<dyn Process + 'a>, f64), ProcessFailure>>;
}

/// One started worker process; ended when dropped.
pub trait Process {
    /// Sends task `id` of `spec` to the process (`t0`: the run's start on the shared clock, so its lane
    /// lines up) and resolves to the record that comes back (with its events) and what the task hands
    /// the page.
    fn run_task<'a>(&'a self, spec: &'a crate::core::spec::Spec, id: u32, t0: f64, lane: &'a str) -> LocalFuture<'a, Result<(crate::core::record::TaskRecord, Option<crate::core::workload::types::TaskOutput>), ProcessFailure>>;
}

/// What a run runs on: the event loop's clock and I/O, where finished tasks are reported, and, where
/// the platform has them, real threads and worker processes.
pub struct Platform<'a> {
    pub clock: &'a dyn Clock,
    pub io: &'a dyn AsyncIo,
    pub progress: &'a dyn Progress,
    /// `None` where there are no threads over shared memory (the single build): `threads-gil`'s threads
    /// then take turns on the event loop.
    pub threads: Option<&'a dyn ThreadHost>,
    pub processes: Option<&'a dyn Processes>,
}

/// Told of every task as it finishes, with what it hands the page (views draw results as they arrive).
/// Called from whichever thread ran the task.
pub trait Progress: Send + Sync {
    fn task_done(&self, record: &crate::core::record::TaskRecord, output: Option<crate::core::workload::types::TaskOutput>);
}

/// For runs nobody watches.
pub struct NoProgress;

impl Progress for NoProgress {
    fn task_done(&self, _: &crate::core::record::TaskRecord, _: Option<crate::core::workload::types::TaskOutput>) {}
}

/// Pending once, asking to be polled again at once (a microtask in the browser, no turn of its loop):
/// what the single build's turns runner awaits to let every thread look in the next round, and what the
/// native test platform's `yield_now` is.
#[derive(Default)]
pub struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
