//! A virtual-time platform for native tests: timers fire in deadline order on a clock that only moves
//! when the test loop advances it, so schedules are exact and never flaky on a loaded machine.

use crate::core::cancel::CancelToken;
use crate::core::faults::FaultKind;
use crate::core::platform::{AsyncIo, BlockingIo, Clock, Fetch, IoError, LocalFuture, PythonThreads};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

pub struct VirtualIo {
    now_bits: AtomicU64,
    /// Each clock read advances time this much: how tests make CPU work take (virtual) time.
    tick_ms: f64,
    timers: Mutex<Vec<(f64, Waker)>>,
    pub cancel: CancelToken,
    /// When the test's "user" presses Stop, in virtual ms.
    cancel_at: Option<f64>,
    /// Set by `abort_all` (a TaskGroup cancelling its tasks).
    aborted: CancelToken,
    /// Whether a future that asks to be polled again at once (a CPU-bound thread giving the loop a turn,
    /// `yield_now`) holds the clock: see [`VirtualIo::exact_yields`].
    exact_yields: bool,
}

impl VirtualIo {
    pub fn new() -> Self {
        Self::with(0.0, None)
    }
    pub fn with(tick_ms: f64, cancel_at: Option<f64>) -> Self {
        VirtualIo { now_bits: AtomicU64::new(0f64.to_bits()), tick_ms, timers: Mutex::new(Vec::new()), cancel: CancelToken::new(), cancel_at, aborted: CancelToken::new(), exact_yields: false }
    }

    /// A yield takes no time and moves no timer: while a future asks to be polled again at once (CPU work
    /// giving the loop a turn), the clock stays where that work has brought it, and a timer fires only when
    /// nothing is left to run. Without it the clock jumps to the next timer at every yield (the CPU work
    /// in between then seems to take no time). The Stop comes when the clock reaches `cancel_at`.
    pub fn exact_yields(mut self) -> Self {
        self.exact_yields = true;
        self
    }

    /// Moves the clock on by `ms`: CPU work of that long, for a test's own kernels.
    pub fn advance(&self, ms: f64) {
        self.set_now(self.peek() + ms);
    }
    fn set_now(&self, t: f64) {
        self.now_bits.store(t.to_bits(), Ordering::SeqCst);
    }
    fn peek(&self) -> f64 {
        f64::from_bits(self.now_bits.load(Ordering::SeqCst))
    }

    /// Drives `fut` to completion, advancing the clock to the next timer whenever nothing is ready.
    pub fn drive<F: Future>(&self, fut: F) -> F::Output {
        let mut fut = std::pin::pin!(fut);
        let woken = std::sync::Arc::new(Woken(std::sync::atomic::AtomicBool::new(false)));
        let waker = if self.exact_yields { Waker::from(woken.clone()) } else { futures_util::task::noop_waker() };
        let mut cx = Context::from_waker(&waker);
        for _ in 0..10_000_000 {
            woken.0.store(false, Ordering::SeqCst);
            if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
                return v;
            }
            let mut timers = self.timers.lock().unwrap();
            let now = self.peek();
            if woken.0.load(Ordering::SeqCst) {
                // Something asked to run again at once: it is still working, no timer is due yet.
                if self.cancel_at.is_some_and(|s| s <= now) && !self.cancel.is_cancelled() {
                    self.cancel.cancel();
                    timers.drain(..).for_each(|(_, w)| w.wake());
                }
                continue;
            }
            let next = timers.iter().map(|(at, _)| *at).fold(f64::INFINITY, f64::min);
            if let Some(stop) = self.cancel_at.filter(|&s| s <= next && !self.cancel.is_cancelled()) {
                self.set_now(stop.max(now));
                self.cancel.cancel();
                timers.drain(..).for_each(|(_, w)| w.wake());
                continue;
            }
            if next.is_finite() && next > now {
                self.set_now(next);
            }
            let due: Vec<_> = {
                let now = self.peek();
                let (due, rest) = timers.drain(..).partition(|(at, _)| *at <= now);
                *timers = rest;
                due
            };
            due.into_iter().for_each(|(_, w)| w.wake());
        }
        panic!("the run never finished");
    }

    fn delay(&self, ms: f64) -> Delay<'_> {
        Delay { io: self, at: self.peek() + ms }
    }
}

impl Clock for VirtualIo {
    fn now_ms(&self) -> f64 {
        let t = self.peek();
        if self.tick_ms > 0.0 {
            self.set_now(t + self.tick_ms);
        }
        t
    }
}

/// Tells [`VirtualIo::drive`] that the future asked to be polled again.
struct Woken(std::sync::atomic::AtomicBool);

impl std::task::Wake for Woken {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

struct Delay<'a> {
    io: &'a VirtualIo,
    at: f64,
}

impl Future for Delay<'_> {
    type Output = Result<(), IoError>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.io.cancel.is_cancelled() || self.io.aborted.is_cancelled() {
            return Poll::Ready(Err(IoError::Cancelled));
        }
        if self.io.peek() >= self.at {
            return Poll::Ready(Ok(()));
        }
        self.io.timers.lock().unwrap().push((self.at, cx.waker().clone()));
        Poll::Pending
    }
}

impl AsyncIo for VirtualIo {
    fn sleep(&self, ms: u32) -> LocalFuture<'_, Result<(), IoError>> {
        Box::pin(self.delay(f64::from(ms)))
    }
    fn fetch_delay(&self, req: Fetch) -> LocalFuture<'_, Result<u64, IoError>> {
        // The endpoint's answer, in virtual time: after `ms`, or never for `hang`.
        let answer_after = if req.fail == Some(FaultKind::Hang) { f64::INFINITY } else { f64::from(req.ms) };
        let timeout = req.timeout_ms.map(f64::from).filter(|&t| t < answer_after);
        let d = self.delay(timeout.unwrap_or(answer_after));
        Box::pin(async move {
            d.await?;
            match (timeout, req.fail) {
                (Some(_), _) => Err(IoError::request_timeout(req.timeout_ms.unwrap_or_default())),
                (None, Some(FaultKind::Status)) => Err(IoError::http_status(503, "Service Unavailable")),
                (None, Some(FaultKind::Reset)) => Err(IoError::disconnected("connection reset")),
                _ => Ok(u64::from(req.ms)),
            }
        })
    }
    fn yield_now(&self) -> LocalFuture<'_, ()> {
        Box::pin(super::YieldOnce::default())
    }
    fn block_us(&self, us: u32) {
        // The thread blocks: virtual time passes with nothing else running.
        self.set_now(self.peek() + f64::from(us) / 1000.0);
    }
    fn abort_all(&self) {
        self.aborted.cancel();
        self.timers.lock().unwrap().drain(..).for_each(|(_, w)| w.wake());
    }
}

/// The host's monotonic clock, for tests of the rayon mode on real threads.
pub struct HostClock(pub std::time::Instant);

impl Clock for HostClock {
    fn now_ms(&self) -> f64 {
        self.0.elapsed().as_secs_f64() * 1000.0
    }
}

/// Blocking I/O on the host: a sleep (in slices, so a Stop is seen) stands in for a request too.
pub struct HostIo {
    pub cancel: CancelToken,
}

impl BlockingIo for HostIo {
    fn sleep(&self, ms: u32) -> Result<(), IoError> {
        let end = std::time::Instant::now() + std::time::Duration::from_millis(ms.into());
        loop {
            if self.cancel.is_cancelled() {
                return Err(IoError::Cancelled);
            }
            let left = end.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Ok(());
            }
            std::thread::sleep(left.min(std::time::Duration::from_millis(5)));
        }
    }
    fn fetch_delay(&self, req: Fetch) -> Result<u64, IoError> {
        let answer_after = if req.fail == Some(FaultKind::Hang) { u32::MAX } else { req.ms };
        if let Some(t) = req.timeout_ms.filter(|&t| t < answer_after) {
            self.sleep(t)?;
            return Err(IoError::request_timeout(t));
        }
        self.sleep(answer_after)?;
        match req.fail {
            Some(FaultKind::Status) => Err(IoError::http_status(503, "Service Unavailable")),
            Some(FaultKind::Reset) => Err(IoError::disconnected("connection reset")),
            _ => Ok(u64::from(req.ms)),
        }
    }
}

/// Python threads as OS threads.
pub struct HostThreads;

impl PythonThreads for HostThreads {
    fn run(&self, k: usize, job: std::sync::Arc<dyn Fn(usize) + Send + Sync>) {
        let handles: Vec<_> = (0..k)
            .map(|i| {
                let job = job.clone();
                std::thread::spawn(move || job(i))
            })
            .collect();
        for h in handles {
            h.join().expect("a Python thread panicked");
        }
    }

    fn interpreters(&self) -> Option<crate::core::platform::StartInterpreter> {
        Some(crate::core::mode::interpreters::NativeInterpreter::start)
    }
}

/// The machine native tests describe: 2 cores, a rayon pool of 2.
pub const NATIVE_CAPS: crate::core::Capabilities = crate::core::Capabilities { build: crate::core::Build::Native, pool_threads: 2, cores: 2 };

/// A spec for a native test, validated for [`NATIVE_CAPS`] (a bad one fails the test).
pub fn native_spec(v: serde_json::Value) -> crate::core::spec::Spec {
    crate::core::spec::parse(&v, &NATIVE_CAPS).unwrap_or_else(|e| panic!("a test's spec is refused: {}", e.to_json()))
}

/// The host as a thread host: the run's controller is the calling thread (nothing native needs its loop
/// kept free), on the host's clock (the one the GIL reads, so its switch interval is real) and OS threads.
pub struct HostThreadHost {
    pub progress: std::sync::Arc<dyn crate::core::platform::Progress>,
    /// The threads' clock, when not the host's (a test's clock that moves as it is read).
    pub clock: Option<std::sync::Arc<dyn Clock>>,
}

impl crate::core::platform::ThreadHost for HostThreadHost {
    fn run<'a>(&'a self, _python_threads: usize, cancel: &'a CancelToken, job: crate::core::platform::ThreadJob) -> LocalFuture<'a, Result<Option<(Vec<crate::core::record::TaskRecord>, f64)>, String>> {
        let env = crate::core::platform::ThreadEnv {
            clock: self.clock.clone().unwrap_or_else(|| std::sync::Arc::new(HostClock(std::time::Instant::now()))),
            io: std::sync::Arc::new(HostIo { cancel: cancel.clone() }),
            threads: &HostThreads,
            progress: self.progress.clone(),
        };
        let done = job(&env);
        Box::pin(std::future::ready(Ok(Some(done))))
    }
}

/// Worker processes on the caller's event loop (native tests): each "process" is ready at once and runs
/// the tasks it is sent on the loop, as a process's own engine runs them (`run_one_task`), each a record
/// that comes back with its events.
pub struct LoopProcesses<'a> {
    pub io: &'a dyn AsyncIo,
    pub clock: &'a dyn Clock,
}

struct LoopProcess<'a>(&'a LoopProcesses<'a>);

impl crate::core::platform::Processes for LoopProcesses<'_> {
    fn start<'a>(&'a self, _lane: &'a str) -> LocalFuture<'a, Result<(Box<dyn crate::core::platform::Process + 'a>, f64), crate::core::platform::ProcessFailure>> {
        let ready = self.clock.now_ms();
        Box::pin(std::future::ready(Ok((Box::new(LoopProcess(self)) as Box<dyn crate::core::platform::Process + 'a>, ready))))
    }
}

impl crate::core::platform::Process for LoopProcess<'_> {
    fn run_task<'a>(
        &'a self,
        spec: &'a crate::core::spec::Spec,
        id: u32,
        t0: f64,
        lane: &'a str,
    ) -> LocalFuture<'a, Result<(crate::core::record::TaskRecord, Option<crate::core::workload::types::TaskOutput>), crate::core::platform::ProcessFailure>> {
        Box::pin(async move {
            let record = crate::core::run::run_one_task(spec, id, lane, t0, self.0.io, self.0.clock, &crate::core::platform::NoProgress).await;
            Ok((record, None))
        })
    }
}

/// Runs any spec natively by the one entry (`run::run`): the loop modes and `processes` on `io`'s virtual
/// clock, the thread modes on real OS threads and the host's clock.
pub fn run_native(spec: &crate::core::spec::Spec, io: &VirtualIo, cancel: &CancelToken) -> crate::core::run::RunResult {
    let host = HostThreadHost { progress: std::sync::Arc::new(crate::core::platform::NoProgress), clock: None };
    let processes = LoopProcesses { io, clock: io };
    let platform = crate::core::platform::Platform { clock: io, io, progress: &crate::core::platform::NoProgress, threads: Some(&host), processes: Some(&processes) };
    io.drive(crate::core::run::run(spec, crate::core::Build::Native, &platform, cancel)).unwrap_or_else(|e| panic!("a native run failed: {}", e.to_json()))
}

/// Runs a thread-mode spec on real OS threads and the host's clock: native tests and the native
/// benchmark.
pub fn run_on_host(spec: &crate::core::spec::Spec, cancel: &CancelToken) -> crate::core::run::RunResult {
    run_native(spec, &VirtualIo::new(), cancel)
}

/// Runs a spec on `io`'s event loop, with no real threads (`threads-gil`'s threads take turns) and
/// `processes` on the loop: the tests of the loop modes.
pub async fn run_on_loop(
    spec: &crate::core::spec::Spec,
    build: crate::core::Build,
    io: &dyn AsyncIo,
    clock: &dyn Clock,
    cancel: &CancelToken,
    progress: &dyn crate::core::platform::Progress,
) -> crate::core::run::RunResult {
    let processes = LoopProcesses { io, clock };
    let platform = crate::core::platform::Platform { clock, io, progress, threads: None, processes: Some(&processes) };
    crate::core::run::run(spec, build, &platform, cancel).await.unwrap_or_else(|e| panic!("a run on the loop failed: {}", e.to_json()))
}

/// How the GIL hands over on this machine's real threads: what the bench reports (the rules themselves
/// are tested on a virtual clock). Each figure in ms, in the order they happened.
#[derive(Clone, Debug, Default)]
pub struct GilHandovers {
    /// Each wait of a CPU-bound thread for the GIL after a forced switch, from its drop until it held the
    /// GIL again (by the rules: the other threads' turns, about an interval each, plus a chunk).
    pub waits_ms: Vec<f64>,
    /// Each hand-over, from a holder's drop to the next holder's take: the threads' wake-up (0 by the rules).
    pub handovers_ms: Vec<f64>,
    pub forced_switches: u64,
}

/// Runs `threads` CPU-bound threads under one GIL with `interval_ms` (`sys.setswitchinterval`) for
/// `run_ms` on the host's clock, each computing in the pool's chunks and checking the eval breaker
/// between them, as `threads-gil` does.
pub fn gil_handovers(threads: usize, interval_ms: f64, run_ms: f64) -> GilHandovers {
    use crate::core::gil::Gil;
    use std::sync::Arc;
    let clock: Arc<dyn Clock> = Arc::new(HostClock(std::time::Instant::now()));
    let gil = Arc::new(Gil::new(interval_ms, clock.clone(), CancelToken::new()));
    let chunk = gil.chunk_ms();
    // Each thread's holdings (took at, dropped at) and waits.
    let seen = Arc::new(Mutex::new((Vec::<(f64, f64)>::new(), Vec::<f64>::new())));
    let hs: Vec<_> = (0..threads)
        .map(|me| {
            let (gil, clock, seen) = (gil.clone(), clock.clone(), seen.clone());
            std::thread::spawn(move || {
                let end = clock.now_ms() + run_ms;
                assert!(gil.take(me));
                let mut took = clock.now_ms();
                while clock.now_ms() < end {
                    let chunk_end = clock.now_ms() + chunk;
                    while clock.now_ms() < chunk_end {
                        std::hint::spin_loop();
                    }
                    let before = clock.now_ms();
                    if gil.check(me).is_some() {
                        let now = clock.now_ms();
                        let mut s = seen.lock().unwrap();
                        s.0.push((took, before));
                        s.1.push(now - before);
                        took = now;
                    }
                }
                let dropped = clock.now_ms();
                gil.drop_gil(me);
                seen.lock().unwrap().0.push((took, dropped));
            })
        })
        .collect();
    for h in hs {
        h.join().expect("a GIL thread panicked");
    }
    let (mut holdings, waits_ms) = std::mem::take(&mut *seen.lock().unwrap());
    holdings.sort_by(|a, b| a.0.total_cmp(&b.0));
    let handovers_ms = holdings.windows(2).map(|w| w[1].0 - w[0].1).collect();
    GilHandovers { waits_ms, handovers_ms, forced_switches: gil.forced_switches() }
}
