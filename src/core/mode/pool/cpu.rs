//! CPU work on a pool thread, in chunks: between chunks (CPython: between bytecodes) the GIL may change
//! hands and Stop is heard; C code that releases the GIL runs beside other threads; a kernel may run
//! inside the thread's interpreter.

use super::shared::{InterpreterSlot, PoolRun};
use crate::core::events::DropReason;
use crate::core::gil::{Gil, ThreadId};
use crate::core::platform::IoError;
use crate::core::record::{SpanKind, TaskRecorder};
use crate::core::workload::{CpuKernel, CHUNK_MS};

impl PoolRun {
    /// CPU work holding the GIL; between chunks (CPython: between bytecodes) the eval breaker may hand
    /// it to a waiting thread.
    pub(super) fn cpu(&self, me: ThreadId, rec: &mut TaskRecorder, kernel: &mut Box<dyn CpuKernel>, held: &mut bool, interp: &mut InterpreterSlot) -> Result<u64, IoError> {
        if self.spec.releases_gil && self.gil_of(me).is_some_and(Gil::is_enabled) {
            return self.cpu_releasing_gil(me, rec, kernel, held, interp);
        }
        // Free-threaded Python's single-thread cost, as a share of each chunk's time.
        let overhead = self.spec.free_threaded_overhead_pct.unwrap_or(0.0) / 100.0;
        let mut owed = super::overhead::Overhead::default();
        let gil = self.gil_of(me);
        // Half the switch interval at most, so a waiter's drop request is heard in time (CPython checks
        // its eval breaker every few bytecodes, far more often than any interval): the GIL's own rule.
        let chunk_ms = gil.map_or(CHUNK_MS, Gil::chunk_ms);
        let mut start = self.now();
        loop {
            if self.cancel.is_cancelled() {
                rec.span(SpanKind::Run, start, self.now());
                return Err(IoError::Cancelled);
            }
            // The clock is read around a chunk only when its time is needed (free-threaded's cost).
            let chunk_start = if overhead > 0.0 { self.now() } else { 0.0 };
            let done = step(kernel, interp, chunk_ms);
            if overhead > 0.0 {
                let now = || self.now();
                owed.accrue((self.now() - chunk_start) * overhead, done.is_some(), &now);
            }
            if let Some(v) = done {
                rec.span(SpanKind::Run, start, self.now());
                if interp.is_none() {
                    rec.output = kernel.take_output();
                }
                return Ok(v);
            }
            if let Some(gil) = gil {
                let before = self.now();
                let mut requests = Vec::new();
                if let Some(again) = gil.check_noting(me, &mut |at, holder| requests.push((at, holder))) {
                    rec.span(SpanKind::Run, start, before);
                    start = self.now();
                    rec.span(SpanKind::GilWait, before, start);
                    if gil.is_enabled() {
                        super::handover::record_drop(rec, self.gil_name(me), before, DropReason::Switch);
                        self.note_wait(me, rec, before, &requests, start, again);
                    }
                    *held = again;
                    if !again {
                        return Err(IoError::Cancelled);
                    }
                }
            }
        }
    }

    /// CPU work in C code that releases the GIL (NumPy's loops, hashlib, zlib): Python holds the GIL to
    /// make the call, the C code drops it (`Py_BEGIN_ALLOW_THREADS`) and runs its kernel beside other
    /// threads, then takes it back to return to Python (`Py_END_ALLOW_THREADS`). The kernel's spans are
    /// `run-nogil`, so `run` keeps meaning "holds the GIL".
    fn cpu_releasing_gil(&self, me: ThreadId, rec: &mut TaskRecorder, kernel: &mut Box<dyn CpuKernel>, held: &mut bool, interp: &mut InterpreterSlot) -> Result<u64, IoError> {
        let called = self.now();
        self.drop_gil(me, rec, DropReason::Released);
        *held = false;
        let start = self.now();
        rec.span(SpanKind::Run, called, start);
        let value = loop {
            if self.cancel.is_cancelled() {
                rec.span(SpanKind::RunNogil, start, self.now());
                return Err(IoError::Cancelled);
            }
            if let Some(v) = step(kernel, interp, CHUNK_MS) {
                break v;
            }
        };
        rec.span(SpanKind::RunNogil, start, self.now());
        if interp.is_none() {
            rec.output = kernel.take_output();
        }
        *held = self.take_gil(me, rec);
        if !*held {
            return Err(IoError::Cancelled);
        }
        Ok(value)
    }
}

/// CPU work that ends once `done()` says so (another task has finished), whatever its kernel: the
/// kernel itself never ends (`convoy`'s CPU-bound threads). Looked at before every chunk.
pub(super) struct Until<F> {
    pub(super) kernel: Box<dyn CpuKernel>,
    pub(super) done: F,
}

impl<F: Fn() -> bool + Send> CpuKernel for Until<F> {
    fn step(&mut self, ms: f64) -> Option<u64> {
        if (self.done)() {
            return Some(0);
        }
        self.kernel.step(ms).map(|_| 0)
    }
}

/// One chunk of a kernel: inside the thread's interpreter when it has one, else on the thread itself.
fn step(kernel: &mut Box<dyn CpuKernel>, interp: &mut InterpreterSlot, ms: f64) -> Option<u64> {
    match interp.as_deref_mut() {
        Some(i) => kernel.step_in(i, ms),
        None => kernel.step(ms),
    }
}
