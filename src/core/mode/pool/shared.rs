//! One pool run's shared state: what every worker thread of the run reads (the spec, the clock, the GIL
//! or each interpreter's, the queue) and what they hand back (the records). Its own file: the pool's task
//! loop (`pool.rs`), its GIL hand-overs (`handover.rs`) and its CPU chunks (`cpu.rs`) all work on it.

use super::queue::{fill_unfinished, MapQueue};
use crate::core::cancel::CancelToken;
use crate::core::gil::{Gil, ThreadId};
use crate::core::platform::{BlockingIo, Clock, Interpreter, IoError, Progress, ThreadEnv};
use crate::core::record::{TaskRecord, TaskRecorder};
use crate::core::spec::Spec;
use crate::core::workload::types::CpuKernel;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

/// What a mode adds around each task of the pool, where the task crosses into another interpreter
/// (`interpreters`: its arguments in, its result back). The pool calls it at those two points; the
/// mode's file implements it, so the generic pool names no mode.
pub trait TaskHook: Send + Sync {
    /// Task `id` arrives on its thread, whose interpreter is `slot` (started here with the first task).
    fn arrive(&self, run: &PoolRun, slot: &mut InterpreterSlot, id: u32, rec: &mut TaskRecorder) -> Result<(), IoError>;
    /// The task ran without error: its result leaves `interp` (`computed`: the last CPU kernel and the
    /// value computed).
    fn depart(&self, run: &PoolRun, interp: &mut dyn Interpreter, computed: Option<(Box<dyn CpuKernel>, u64)>, rec: &mut TaskRecorder) -> Result<(), IoError>;
}

/// What every thread of one run shares.
pub struct PoolRun {
    pub spec: Spec,
    pub clock: Arc<dyn Clock>,
    pub cancel: CancelToken,
    pub io: Arc<dyn BlockingIo>,
    /// `None` where no GIL exists at all (rayon); a disabled `Gil` models free-threaded Python.
    pub gil: Option<Arc<Gil>>,
    pub t0: f64,
    pub progress: Arc<dyn Progress>,
    pub(super) queue: Mutex<MapQueue>,
    pub(super) records: Mutex<Vec<TaskRecord>>,
    /// Which tasks have finished, for work that runs until another task is done (`Step::CpuUntil`).
    pub(super) finished: Arc<Vec<AtomicBool>>,
    /// `interpreters`: each worker thread's own GIL (its interpreter's), by thread; empty otherwise.
    pub(super) lane_gils: Vec<Arc<Gil>>,
    /// What the mode adds around each task (`interpreters`: the crossings into the thread's interpreter).
    pub(super) hook: Option<Box<dyn TaskHook>>,
    /// Each worker thread's lane, by thread, for the events that name another thread (a drop request
    /// names the holder).
    pub(super) lanes: Mutex<Vec<String>>,
}

/// A thread's subinterpreter, once started (`interpreters` only).
pub type InterpreterSlot = Option<Box<dyn Interpreter>>;

impl PoolRun {
    pub fn new(spec: Spec, env: &ThreadEnv<'_>, cancel: CancelToken, gil: Option<Arc<Gil>>, t0: f64) -> Self {
        let capacity = spec.tasks as usize;
        let (clock, io, progress) = (env.clock.clone(), env.io.clone(), env.progress.clone());
        let queue = Mutex::new(MapQueue::new(&spec));
        let finished = Arc::new((0..capacity).map(|_| AtomicBool::new(false)).collect());
        let records = Mutex::new(Vec::with_capacity(capacity));
        PoolRun { spec, clock, cancel, io, gil, t0, progress, queue, records, finished, lane_gils: Vec::new(), hook: None, lanes: Mutex::new(Vec::new()) }
    }

    /// Runs every task in a subinterpreter of its worker thread, each with its own GIL (`gils[thread]`),
    /// `hook` carrying each task in and its result out.
    pub fn with_interpreters(mut self, gils: Vec<Arc<Gil>>, hook: Box<dyn TaskHook>) -> Self {
        self.lane_gils = gils;
        self.hook = Some(hook);
        self
    }

    /// The GIL thread `me` runs under: its interpreter's own, or the process's one (or none).
    pub(super) fn gil_of(&self, me: ThreadId) -> Option<&Gil> {
        self.lane_gils.get(me).map(|g| &**g).or(self.gil.as_deref())
    }

    /// Every task's record, in task order (call once every worker has returned): those never started
    /// are cancelled.
    pub fn take_records(&self) -> Vec<TaskRecord> {
        let records = std::mem::take(&mut *self.records.lock().unwrap_or_else(|e| e.into_inner()));
        fill_unfinished(self.spec.tasks, records, self.now() - self.t0)
    }

    pub fn now(&self) -> f64 {
        self.clock.now_ms()
    }
}
