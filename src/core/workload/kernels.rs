//! The CPU kernels themselves: plain functions over `core` alone, so that the benchmark's raw wasm
//! module (`bench/kernel-wasm`, `no_std`) compiles this very file. Its "kernel alone" row then measures
//! exactly the code the lab's workloads run, with nothing of the engine around it.

/// Trial division by 2 and the odd numbers up to the square root. `d * d` cannot overflow: N is at most
/// 2e9, so `d` stays below 44,722 and its square below 2^32.
#[inline]
pub fn is_prime(n: u32) -> bool {
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

/// The part of the complex plane the Mandelbrot workload draws: the whole set, square.
pub const X0: f64 = -2.1;
pub const Y0: f64 = -1.3;
pub const SPAN: f64 = 2.6;

/// Iterations before the point escapes the radius-2 disc (`max_iter` if it never does).
#[inline]
pub fn escape(cx: f64, cy: f64, max_iter: u32) -> u32 {
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

/// Primes in `lo..hi` (a subinterpreter's share of `cpu-primes`, counted inside it).
#[inline]
pub fn count_primes(lo: u32, hi: u32) -> u32 {
    let mut count = 0;
    for n in lo..hi {
        count += u32::from(is_prime(n));
    }
    count
}

/// Escape counts of pixels `px0..px1` of `row` of a `size` x `size` image, each handed to `keep` in
/// order; returns their total (a subinterpreter's share of `cpu-mandelbrot`, computed inside it).
#[inline]
pub fn mandelbrot_pixels(size: u32, max_iter: u32, row: u32, px0: u32, px1: u32, mut keep: impl FnMut(u32)) -> u64 {
    let scale = SPAN / f64::from(size);
    let cy = Y0 + f64::from(row) * scale;
    let mut total = 0u64;
    for px in px0..px1 {
        let n = escape(X0 + f64::from(px) * scale, cy, max_iter);
        keep(n);
        total += u64::from(n);
    }
    total
}
