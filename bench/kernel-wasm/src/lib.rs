//! The bench's raw wasm kernels: the lab's own `is_prime` and `escape` (src/core/workload/kernels.rs,
//! compiled here as they are), exported as plain functions over one task's share of the work. No
//! allocator, no std, no imports.
#![no_std]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

// The lab's own kernels, this very file: the row measures the code the workloads run.
#[path = "../../../src/core/workload/kernels.rs"]
mod kernels;
use kernels::mandelbrot_pixels;

/// Primes in lo..hi.
#[no_mangle]
pub extern "C" fn count_primes(lo: u32, hi: u32) -> u32 {
    kernels::count_primes(lo, hi)
}

/// Total escape iterations of rows first..end of a size x size image (as f64: exact below 2^53, and
/// JavaScript gets a Number rather than a BigInt).
#[no_mangle]
pub extern "C" fn mandelbrot_rows(size: u32, max_iter: u32, first: u32, end: u32) -> f64 {
    let mut total: u64 = 0;
    for row in first..end {
        total += mandelbrot_pixels(size, max_iter, row, 0, size, |_| {});
    }
    total as f64
}
