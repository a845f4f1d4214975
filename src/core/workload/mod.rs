//! Workloads: what each task does. A workload is one module implementing [`Workload`], plus one line in
//! [`ALL`]; the UI, the URL and `window.lab.workloads()` read its name, fields and ranges from here.
//!
//! This file is the registry; what the workloads share (the `Workload` trait, steps, kernels' contract,
//! fields) is `types.rs`, and the class of work `class.rs`, so that a workload's file and the registry
//! that names it never depend on each other.

pub mod calibration;
pub mod class;
mod cpu_mandelbrot;
mod convoy;
mod cpu_primes;
mod io_fetch;
mod io_sleep;
pub mod kernels;
mod mixed_pipeline;
pub mod types;
#[cfg(feature = "test-workload")]
mod test_nap;

pub use class::Class;
pub use types::*;

/// The registry: every workload the lab offers, in the order the UI lists them.
pub static ALL: &[&dyn Workload] = &[
    &cpu_primes::CpuPrimes,
    &cpu_mandelbrot::CpuMandelbrot,
    &io_fetch::IoFetch,
    &io_sleep::IoSleep,
    &mixed_pipeline::MixedPipeline,
    &convoy::Convoy,
    #[cfg(feature = "test-workload")]
    &test_nap::TestNap,
];

/// Finds a workload by its public name.
pub fn by_name(name: &str) -> Option<&'static dyn Workload> {
    ALL.iter().copied().find(|w| w.name() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_range_covers_everything_once() {
        for parts in 1..20 {
            let mut next = 5;
            for i in 0..parts {
                let (a, b) = split_range(5, 1003, parts, i);
                assert_eq!(a, next);
                next = b;
            }
            assert_eq!(next, 1003);
        }
    }

    #[test]
    fn a_range_bounded_by_memory_ends_at_the_last_value_that_fits() {
        let limit = crate::core::Capabilities { build: crate::core::Build::Native, pool_threads: 0, cores: 1 }.run_memory_limit();
        let mut bounded = 0;
        for w in ALL {
            for f in w.fields() {
                let a = accepted(*w, f, limit);
                assert!(a.min <= a.max && a.max <= f.max && a.default <= a.max, "{} {}", w.name(), f.name);
                let Some(max) = w.max_for_memory(f.name, limit) else { continue };
                bounded += 1;
                let needs = |v: i64| {
                    let params: Params = w.fields().iter().map(|g| (g.name, if g.name == f.name { v } else { g.default })).collect();
                    w.memory_needs(&params, 1).0
                };
                assert!(needs(max) <= limit && needs(max + 1) > limit, "{} {}: {max}", w.name(), f.name);
            }
        }
        assert!(bounded > 0, "cpu-mandelbrot's size is bounded by memory");
        let size = by_name("cpu-mandelbrot").unwrap().fields().iter().find(|f| f.name == "size").unwrap();
        assert_eq!(accepted(by_name("cpu-mandelbrot").unwrap(), size, 128 << 20).max, 5792);
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = ALL.iter().map(|w| w.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
    }
}
