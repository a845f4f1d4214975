//! Modes: the ways Python can run the tasks, each a model of its CPython counterpart. One module each;
//! this file holds what they share (their names, the workers they take, what each build can run).

pub mod asyncio;
pub mod exec;
pub mod free_threaded;
pub mod interpreters;
pub mod pool;
pub mod processes;
#[cfg(feature = "parallel")]
pub mod rayon;
pub mod sequential;
pub mod steps;
pub mod threads_gil;
pub mod turns;

use super::workload::class::Class;
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
    /// Native parallel code with no Python in it (rayon over shared memory): the hardware's ceiling.
    Rayon,
    /// `ThreadPoolExecutor` on free-threaded Python (`python3.14t`): the same threads as `threads-gil`
    /// with no GIL, CPU work in parallel, and the build's single-thread cost spent as real work.
    FreeThreaded,
    /// Subinterpreters (`InterpreterPoolExecutor`, Python 3.14): threads of one process, each running its
    /// own interpreter with its own GIL and memory; arguments and results cross pickled.
    Interpreters,
}

/// How many workers a mode may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct WorkersRange {
    pub min: u32,
    pub max: u32,
    pub default: u32,
}

impl Mode {
    pub const ALL: [Mode; 7] = [Mode::Sequential, Mode::Asyncio, Mode::ThreadsGil, Mode::FreeThreaded, Mode::Interpreters, Mode::Processes, Mode::Rayon];

    pub fn name(self) -> &'static str {
        match self {
            Mode::Sequential => "sequential",
            Mode::Asyncio => "asyncio",
            Mode::ThreadsGil => "threads-gil",
            Mode::Processes => "processes",
            Mode::Rayon => "rayon",
            Mode::FreeThreaded => "free-threaded",
            Mode::Interpreters => "interpreters",
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
            Mode::Rayon => "Native parallel code, no Python (rayon): the hardware's ceiling",
            Mode::FreeThreaded => "Free-threaded Python 3.14t (ThreadPoolExecutor, no GIL)",
            Mode::Interpreters => "Subinterpreters, Python 3.14 (InterpreterPoolExecutor: a GIL each)",
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
                "# no Python here: native code (Rust, C) on every core, the ceiling the hardware sets\n\
                 # for the same work; Python reaches it only by calling such code\n\
                 results = native_parallel_map(work, range(tasks))"
            }
            Mode::FreeThreaded => {
                "# python3.14t (or PYTHON_GIL=0): the same code as with the GIL, and no GIL\n\
                 with ThreadPoolExecutor(max_workers=workers) as pool:\n    results = list(pool.map(work, range(tasks)))"
            }
            Mode::Interpreters => {
                "# Python 3.14: each worker thread runs its own interpreter, with its own GIL;\n\
                 # arguments and results are pickled across\n\
                 with InterpreterPoolExecutor(max_workers=workers) as pool:\n    results = list(pool.map(work, range(tasks)))"
            }
        }
    }

    /// Where the code that runs this mode lives, for the learner who wants to read it.
    pub fn source(self) -> &'static str {
        match self {
            Mode::Sequential => "src/core/mode/sequential.rs",
            Mode::Asyncio => "src/core/mode/asyncio.rs",
            Mode::ThreadsGil => "src/core/mode/threads_gil.rs + src/core/gil/state.rs + src/core/mode/turns/mod.rs",
            Mode::Processes => "src/core/mode/processes.rs + src/web/processes.rs",
            Mode::Rayon => "src/core/mode/rayon.rs",
            Mode::FreeThreaded => "src/core/mode/free_threaded.rs + src/core/mode/pool.rs",
            Mode::Interpreters => "src/core/mode/interpreters.rs + crates/interpreter-kernel + src/web/interpreter.rs",
        }
    }

    /// The workers this mode takes on this engine, or `None` when it has none.
    pub fn workers(self, caps: &Capabilities) -> Option<WorkersRange> {
        match self {
            Mode::Sequential | Mode::Asyncio => None,
            // ThreadPoolExecutor's default: min(32, os.cpu_count() + 4).
            Mode::ThreadsGil | Mode::FreeThreaded | Mode::Interpreters => Some(WorkersRange { min: 1, max: 32, default: (caps.cores + 4).min(32) }),
            // ProcessPoolExecutor's and Pool's default: os.cpu_count().
            Mode::Processes => Some(WorkersRange { min: 1, max: 32, default: caps.cores.min(32) }),
            Mode::Rayon => {
                let max = caps.pool_threads.max(1);
                Some(WorkersRange { min: 1, max, default: max })
            }
        }
    }

    /// Why this engine cannot run the mode at all, if it cannot. Without shared memory (the single build)
    /// what needs threads running at the same time cannot run; `threads-gil` can, its threads taking turns
    /// on one real thread (`turns/`): under the GIL only one runs Python at a time anyway.
    pub fn unavailable(self, caps: &Capabilities) -> Option<String> {
        match self {
            Mode::Rayon | Mode::FreeThreaded | Mode::Interpreters if caps.build == Build::Single => Some(format!(
                "{} needs threads over shared memory (SharedArrayBuffer), which this page cannot have \
                 because it is not cross-origin isolated (a frame in a page that is not, or a host that \
                 sends no isolation headers and no service worker could add them)",
                self.name()
            )),
            _ => None,
        }
    }

    /// Why `releasesGil` cannot be had with this mode on this engine, if it cannot: C code that releases
    /// the GIL runs beside the other threads at the same time, which needs real threads over shared memory.
    pub fn releases_gil_unavailable(self, caps: &Capabilities) -> Option<String> {
        (self == Mode::ThreadsGil && caps.build == Build::Single).then(|| {
            "releasesGil (C code that runs beside the other threads at the same time) needs threads over shared \
             memory (SharedArrayBuffer), which this page cannot have because it is not cross-origin isolated; \
             here threads-gil's threads take turns on one real thread"
                .to_string()
        })
    }

    /// Why this mode does not run this class of work, if it does not.
    pub fn unsupported(self, class: Class) -> Option<String> {
        // Every mode models every kind of work; kept as the place to say why if one ever does not.
        let _ = class;
        None
    }
}
