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
use kernels::{escape, is_prime, SPAN, X0, Y0};

/// Primes in lo..hi.
#[no_mangle]
pub extern "C" fn count_primes(lo: u32, hi: u32) -> u32 {
    let mut count = 0;
    for n in lo..hi {
        count += u32::from(is_prime(n));
    }
    count
}

/// Total escape iterations of rows first..end of a size x size image (as f64: exact below 2^53, and
/// JavaScript gets a Number rather than a BigInt).
#[no_mangle]
pub extern "C" fn mandelbrot_rows(size: u32, max_iter: u32, first: u32, end: u32) -> f64 {
    let scale = SPAN / f64::from(size);
    let mut total: u64 = 0;
    for row in first..end {
        let cy = Y0 + f64::from(row) * scale;
        for px in 0..size {
            total += u64::from(escape(X0 + f64::from(px) * scale, cy, max_iter));
        }
    }
    total as f64
}
