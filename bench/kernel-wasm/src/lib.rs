//! The bench's raw wasm kernels: `is_prime` and `escape` exactly as in src/core/workload/cpu_primes.rs
//! and cpu_mandelbrot.rs (same types, same operations), exported as plain functions over one task's
//! share of the work. No allocator, no std, no imports.
#![no_std]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

#[inline]
fn is_prime(n: u32) -> bool {
    if n < 2 {
        return false;
    }
    if n % 2 == 0 {
        return n == 2;
    }
    let mut d: u32 = 3;
    while d * d <= n {
        if n % d == 0 {
            return false;
        }
        d += 2;
    }
    true
}

/// Primes in lo..hi.
#[no_mangle]
pub extern "C" fn count_primes(lo: u32, hi: u32) -> u32 {
    let mut count = 0;
    for n in lo..hi {
        count += u32::from(is_prime(n));
    }
    count
}

const X0: f64 = -2.1;
const Y0: f64 = -1.3;
const SPAN: f64 = 2.6;

#[inline]
fn escape(cx: f64, cy: f64, max_iter: u32) -> u32 {
    let (mut x, mut y) = (0.0f64, 0.0f64);
    for i in 0..max_iter {
        if x * x + y * y > 4.0 {
            return i;
        }
        let xt = x * x - y * y + cx;
        y = 2.0 * x * y + cy;
        x = xt;
    }
    max_iter
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
