//! Modes: the ways Python can run the tasks, each a model of its CPython counterpart. One module each;
//! this file holds what they share (their names, the workers they take, what each build can run).

pub mod asyncio;
pub mod exec;
pub mod pool;
#[cfg(feature = "parallel")]
pub mod rayon;
pub mod sequential;
pub mod steps;
pub mod threads_gil;

use super::workload::Class;
use super::{Build, Capabilities};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// One task after another on one thread: the plain `for` loop.
    Sequential,
    /// One thread, one event loop; tasks awaited together with `asyncio.gather`.
    Asyncio,
    /// Real threads under one emulated GIL: `ThreadPoolExecutor` in CPython.
    ThreadsGil,
    /// Separate workers, each with its own wasm instance and memory: `multiprocessing.Pool`.
    Processes,
    /// Shared-memory threads with no GIL: what NumPy releasing the GIL, native code, or free-threaded
    /// Python gives.
    Rayon,
}

/// How many workers a mode may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct WorkersRange {
    pub min: u32,
    pub max: u32,
    pub default: u32,
}

impl Mode {
    pub const ALL: [Mode; 5] = [Mode::Sequential, Mode::Asyncio, Mode::ThreadsGil, Mode::Processes, Mode::Rayon];

    pub fn name(self) -> &'static str {
        match self {
            Mode::Sequential => "sequential",
            Mode::Asyncio => "asyncio",
            Mode::ThreadsGil => "threads-gil",
            Mode::Processes => "processes",
            Mode::Rayon => "rayon",
        }
    }

    pub fn parse(name: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.name() == name)
    }

    pub fn title(self) -> &'static str {
        match self {
            Mode::Sequential => "Sequential (one task after another)",
            Mode::Asyncio => "asyncio (one thread, one event loop)",
            Mode::ThreadsGil => "Threads under the GIL (ThreadPoolExecutor)",
            Mode::Processes => "Processes (multiprocessing.Pool)",
            Mode::Rayon => "Threads without a GIL (rayon, shared memory)",
        }
    }

    /// The Python that does the same in CPython, shown beside the mode.
    pub fn python(self) -> &'static str {
        match self {
            Mode::Sequential => "results = [work(i) for i in range(tasks)]",
            Mode::Asyncio => "results = await asyncio.gather(*(work(i) for i in range(tasks)))",
            Mode::ThreadsGil => {
                "with ThreadPoolExecutor(max_workers=workers) as pool:\n    results = list(pool.map(work, range(tasks)))"
            }
            Mode::Processes => {
                "if __name__ == \"__main__\":  # spawn start method: each worker imports the module anew\n    \
                 with multiprocessing.Pool(processes=workers) as pool:\n        results = pool.map(work, range(tasks), chunksize=1)"
            }
            Mode::Rayon => {
                "# free-threaded Python (python3.14t), or C code that releases the GIL\n\
                 with ThreadPoolExecutor(workers) as pool:\n    results = list(pool.map(work, range(tasks)))"
            }
        }
    }

    /// Where the code that runs this mode lives, for the learner who wants to read it.
    pub fn source(self) -> &'static str {
        match self {
            Mode::Sequential => "src/core/mode/sequential.rs",
            Mode::Asyncio => "src/core/mode/asyncio.rs",
            Mode::ThreadsGil => "src/core/mode/threads_gil.rs + src/core/gil.rs",
            Mode::Processes => "www/src/engine/processes.ts + src/core/run.rs",
            Mode::Rayon => "src/core/mode/rayon.rs",
        }
    }

    /// The workers this mode takes on this engine, or `None` when it has none.
    pub fn workers(self, caps: &Capabilities) -> Option<WorkersRange> {
        match self {
            Mode::Sequential | Mode::Asyncio => None,
            // ThreadPoolExecutor's default: min(32, os.cpu_count() + 4).
            Mode::ThreadsGil => Some(WorkersRange { min: 1, max: 32, default: (caps.cores + 4).min(32) }),
            // ProcessPoolExecutor's and Pool's default: os.cpu_count().
            Mode::Processes => Some(WorkersRange { min: 1, max: 32, default: caps.cores.min(32) }),
            Mode::Rayon => {
                let max = caps.pool_threads.max(1);
                Some(WorkersRange { min: 1, max, default: max })
            }
        }
    }

    /// Why this engine cannot run the mode at all, if it cannot.
    pub fn unavailable(self, caps: &Capabilities) -> Option<String> {
        match self {
            Mode::Rayon | Mode::ThreadsGil if caps.build == Build::Single => Some(format!(
                "{} needs threads over shared memory (SharedArrayBuffer), which this page cannot have \
                 because it is not cross-origin isolated (a frame in a page that is not, or a host that \
                 sends no isolation headers and no service worker could add them)",
                self.name()
            )),
            _ => None,
        }
    }

    /// Why this mode does not run this class of work, if it does not.
    pub fn unsupported(self, class: Class) -> Option<String> {
        // Every mode models every kind of work; kept as the place to say why if one ever does not.
        let _ = class;
        None
    }
}
