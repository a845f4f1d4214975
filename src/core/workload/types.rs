//! What the workloads share: the [`Workload`] trait, a task's [`Step`]s, the [`CpuKernel`] contract, a
//! field's [`FieldInfo`]. Its own file, apart from the registry (`mod.rs`) that names every workload.

use super::calibration::Calibration;
use super::class::Class;
use crate::core::platform::interpreter::Interpreter;
use serde::Serialize;

/// One integer parameter of a workload, with its range and default.
#[derive(Clone, Copy, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldInfo {
    pub name: &'static str,
    pub label: &'static str,
    pub min: i64,
    pub max: i64,
    pub default: i64,
    pub doc: &'static str,
}

/// A workload's parameters after validation: every declared field, defaults filled in. A handful of
/// pairs, kept in key order as a `BTreeMap` would (its JSON and its Debug are a map's), in a `Vec`: the
/// map's code for these keys was about 10 KB of each wasm build (issue 25, docs/PERFORMANCE.md "Size").
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(&'static str, i64)>);

impl Params {
    pub fn new() -> Params {
        Params::default()
    }

    /// Sets `key` to `value`; returns the value it replaced.
    pub fn insert(&mut self, key: &'static str, value: i64) -> Option<i64> {
        match self.0.binary_search_by(|(k, _)| (*k).cmp(key)) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    pub fn get(&self, key: &str) -> Option<&i64> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The pairs in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&&'static str, &i64)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl std::ops::Index<&str> for Params {
    type Output = i64;
    fn index(&self, key: &str) -> &i64 {
        self.get(key).expect("a workload reads only its own fields, which validation filled in")
    }
}

impl FromIterator<(&'static str, i64)> for Params {
    fn from_iter<I: IntoIterator<Item = (&'static str, i64)>>(pairs: I) -> Params {
        let mut p = Params::new();
        for (k, v) in pairs {
            p.insert(k, v);
        }
        p
    }
}

impl<const N: usize> From<[(&'static str, i64); N]> for Params {
    fn from(pairs: [(&'static str, i64); N]) -> Params {
        pairs.into_iter().collect()
    }
}

impl<'a> IntoIterator for &'a Params {
    type Item = (&'a &'static str, &'a i64);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (&'static str, i64)>, fn(&'a (&'static str, i64)) -> (&'a &'static str, &'a i64)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl std::fmt::Debug for Params {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Serialize for Params {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

/// One step of a task. A task is a short list of steps, so mixed work is just "fetch, then compute".
pub enum Step {
    /// CPU work, cut into chunks so that it can be cancelled and, under `asyncio`, interleaved.
    Cpu(Box<dyn CpuKernel>),
    /// A GET of the latency endpoint answering after `ms`.
    Fetch { ms: u32 },
    /// `asyncio.sleep` / `time.sleep` of `ms`.
    Sleep { ms: u32 },
    /// `calls` short blocking calls one after another, each a real wait of about `us` microseconds that
    /// releases the GIL (a local socket round trip); each call's latency is recorded (`convoy`).
    BlockingCalls { calls: u32, us: u32 },
    /// CPU-bound Python (a kernel that never ends by itself) until task `task` has finished (`convoy`'s
    /// CPU threads: `while not done.is_set(): work()`). Its value is 0.
    CpuUntil { kernel: Box<dyn CpuKernel>, task: u32 },
}

/// How long one chunk of CPU work takes at most, about, ms. Between chunks a run hears a Stop and the GIL's
/// drop request (CPython: between bytecodes), so a chunk must be short beside the switch interval; a
/// caller with a shorter interval asks for less (`threads-gil` asks for half its interval).
pub const CHUNK_MS: f64 = 0.5;

/// CPU work done a chunk at a time (`CHUNK_MS` or less each).
pub trait CpuKernel: Send {
    /// Does one chunk of about `ms` of work at most (each kernel knows its own cost per unit of work, as
    /// measured on the lab's build); returns the kernel's value once it has finished.
    fn step(&mut self, ms: f64) -> Option<u64>;
    /// What the finished task hands the page besides its value (a band of an image), if anything.
    fn take_output(&mut self) -> Option<TaskOutput> {
        None
    }
    /// Does one chunk inside a subinterpreter, on its own code and memory (`interpreters`). A kernel with
    /// no form there runs on the calling thread, as under any other mode.
    fn step_in(&mut self, interp: &mut dyn Interpreter, ms: f64) -> Option<u64> {
        let _ = interp;
        self.step(ms)
    }
    /// What the finished task hands the page, from what it kept inside the interpreter, once that has
    /// crossed back (unpickled: the items after the value).
    fn output_from(&mut self, kept: &[i64]) -> Option<TaskOutput> {
        let _ = kept;
        self.take_output()
    }
}

/// Data a task hands to the page as it finishes, for views that draw results as they arrive.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskOutput {
    /// What `data` is: `"image-rows"` = iteration counts of whole rows, row-major.
    pub kind: &'static str,
    /// Index of `data[0]` in the whole image.
    pub offset: u32,
    pub width: u32,
    /// The largest value `data` can hold (the iteration cap).
    pub max: u32,
    pub data: Vec<u32>,
}

/// A workload: its public name, its fields, and how to cut a run into tasks.
pub trait Workload: Sync {
    /// The public name (`spec.workload`).
    fn name(&self) -> &'static str;
    /// A short human title for the UI.
    fn title(&self) -> &'static str;
    /// What the task does, in the lesson's words.
    fn doc(&self) -> &'static str;
    fn class(&self) -> Class;
    /// Whether its tasks make requests (so the endpoint's injected faults apply).
    fn uses_network(&self) -> bool {
        false
    }
    /// The engine memory a run needs beyond the engine's own, in bytes, and the field that drives it:
    /// a run that would not fit is refused before it starts, naming that field.
    fn memory_needs(&self, _params: &Params, _tasks: u32) -> (u64, &'static str) {
        (0, "tasks")
    }
    /// The largest value of `field` whose [`memory_needs`](Self::memory_needs) fit in `limit` bytes,
    /// whatever the other fields, when that field alone drives them; `None` when its range is not
    /// bounded by memory. The accepted (and shown) range of the field ends there ([`accepted`]).
    fn max_for_memory(&self, _field: &str, _limit: u64) -> Option<i64> {
        None
    }
    /// The workload's own spec fields, with ranges and defaults.
    fn fields(&self) -> &'static [FieldInfo];
    /// For a workload whose tasks are threads of its own (`convoy`: the I/O thread and the CPU-bound
    /// ones): how many tasks it runs; the spec's `tasks` (and a thread mode's `workers`) become this.
    fn own_tasks(&self, _params: &Params) -> Option<u32> {
        None
    }
    /// What [`own_tasks`](Self::own_tasks) makes of `tasks` and `workers`, in the lesson's words, for the
    /// form to show in their place (`None` for a workload that takes them as given).
    fn own_tasks_doc(&self) -> Option<&'static str> {
        None
    }
    /// For a workload whose run lasts as long as one thread's waits (`convoy`: the I/O thread's blocking
    /// calls), how long that is, ms, when each wait may also wait `gil_interval_ms` to take the GIL back
    /// (`None`: no GIL to wait for, or no other thread holding it). The estimate uses this in place of
    /// CPU work and latency ([`crate::core::estimate`]).
    fn own_time_ms(&self, _params: &Params, _gil_interval_ms: Option<f64>) -> Option<f64> {
        None
    }
    /// The modes that can run it, when not all can, and why the others cannot.
    fn modes(&self) -> Option<(&'static [crate::core::mode::Mode], &'static str)> {
        None
    }
    /// For CPU work: how its amount of work is calibrated to this machine at start-up (the field's
    /// default then comes from the calibration).
    fn calibration(&self) -> Option<Calibration> {
        None
    }
    /// The CPU work of a run, in the calibration's units: it grows as `value ^ exponent` of the calibrated
    /// field, so a run's CPU time is the calibration's target scaled by this over its value at the
    /// defaults ([`crate::core::estimate`]). Workloads whose work also grows with other fields say so.
    fn cpu_cost(&self, params: &Params, _tasks: u32) -> f64 {
        self.calibration().map_or(0.0, |c| params.get(c.field).map_or(0.0, |v| (*v as f64).powf(c.exponent)))
    }
    /// Named settings that show one face of the workload (mixed work: CPU-heavy or I/O-heavy), given
    /// its defaults as calibrated on this machine.
    fn presets(&self, _defaults: &Params) -> Vec<Preset> {
        Vec::new()
    }
    /// The steps of task `id` out of `tasks`. Every mode runs exactly these steps, so every mode computes
    /// the same value.
    fn task(&self, params: &Params, tasks: u32, id: u32) -> Vec<Step>;
}

/// `f`, a field of `w`, as the engine accepts it: its declared range, its maximum lowered to the largest
/// value a run can hold in `memory_limit` bytes. The catalogue shows this range and validation applies
/// it, so the ranges shown are the ranges accepted.
pub fn accepted(w: &dyn Workload, f: &FieldInfo, memory_limit: u64) -> FieldInfo {
    let max = w.max_for_memory(f.name, memory_limit).map_or(f.max, |m| m.clamp(f.min, f.max));
    FieldInfo { max, default: f.default.min(max), ..*f }
}

/// Named values for some of a workload's fields (the rest keep their defaults).
#[derive(Clone, Debug, Serialize)]
pub struct Preset {
    pub name: &'static str,
    pub title: &'static str,
    /// What it shows, in the lesson's words.
    pub doc: &'static str,
    pub values: Params,
}

/// The field every I/O workload shares.
pub const LATENCY_MS: FieldInfo = FieldInfo {
    name: "latencyMs",
    label: "Latency (ms)",
    min: 0,
    max: 10_000,
    default: 200,
    doc: "How long each request or sleep waits, in milliseconds.",
};

/// The `i`-th of `parts` contiguous, nearly equal pieces of `lo..hi`.
pub fn split_range(lo: u64, hi: u64, parts: u32, i: u32) -> (u64, u64) {
    let len = hi.saturating_sub(lo);
    let parts = u64::from(parts.max(1));
    let i = u64::from(i);
    (lo + len * i / parts, lo + len * (i + 1) / parts)
}
