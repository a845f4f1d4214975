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

/// [`escape`] of two points of one row at once, the same operations in the same order on each lane of an
/// `f64x2` (so each count is exactly [`escape`]'s): `x*x + y*y > 4`, then `(x*x - y*y) + cx` and
/// `(2*x)*y + cy`, no fused multiply-add. A lane that has escaped keeps computing (its values may grow
/// to infinity or NaN) but no longer counts; the loop ends when both have escaped.
/// wasm with `simd128` (both lab builds, every engine has it) and x86-64 (SSE2, always there) run it as
/// one vector; elsewhere it is two scalar calls.
#[inline]
pub fn escape2(cx: [f64; 2], cy: f64, max_iter: u32) -> [u32; 2] {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        use core::arch::wasm32::*;
        let (cxv, cyv, four, two) = (f64x2(cx[0], cx[1]), f64x2_splat(cy), f64x2_splat(4.0), f64x2_splat(2.0));
        let (mut x, mut y) = (f64x2_splat(0.0), f64x2_splat(0.0));
        let (mut active, mut count) = (i64x2_splat(-1), i64x2_splat(0));
        for _ in 0..max_iter {
            let (xx, yy) = (f64x2_mul(x, x), f64x2_mul(y, y));
            active = v128_andnot(active, f64x2_gt(f64x2_add(xx, yy), four));
            if !v128_any_true(active) {
                break;
            }
            // An active lane is all ones (-1): subtracting it counts one more iteration.
            count = i64x2_sub(count, active);
            let xt = f64x2_add(f64x2_sub(xx, yy), cxv);
            y = f64x2_add(f64x2_mul(f64x2_mul(two, x), y), cyv);
            x = xt;
        }
        [i64x2_extract_lane::<0>(count) as u32, i64x2_extract_lane::<1>(count) as u32]
    }
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE2 is part of the x86-64 baseline; the intrinsics touch registers only.
    unsafe {
        use core::arch::x86_64::*;
        let (cxv, cyv, four, two) = (_mm_set_pd(cx[1], cx[0]), _mm_set1_pd(cy), _mm_set1_pd(4.0), _mm_set1_pd(2.0));
        let (mut x, mut y) = (_mm_setzero_pd(), _mm_setzero_pd());
        let (mut active, mut count) = (_mm_castsi128_pd(_mm_set1_epi64x(-1)), _mm_setzero_si128());
        for _ in 0..max_iter {
            let (xx, yy) = (_mm_mul_pd(x, x), _mm_mul_pd(y, y));
            active = _mm_andnot_pd(_mm_cmpgt_pd(_mm_add_pd(xx, yy), four), active);
            if _mm_movemask_pd(active) == 0 {
                break;
            }
            count = _mm_sub_epi64(count, _mm_castpd_si128(active));
            let xt = _mm_add_pd(_mm_sub_pd(xx, yy), cxv);
            y = _mm_add_pd(_mm_mul_pd(_mm_mul_pd(two, x), y), cyv);
            x = xt;
        }
        let mut out = [0i64; 2];
        _mm_storeu_si128(out.as_mut_ptr().cast(), count);
        [out[0] as u32, out[1] as u32]
    }
    #[cfg(not(any(all(target_arch = "wasm32", target_feature = "simd128"), target_arch = "x86_64")))]
    {
        [escape(cx[0], cy, max_iter), escape(cx[1], cy, max_iter)]
    }
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
    let mut px = px0;
    // Two pixels at a time ([`escape2`]), the last one alone when the count is odd.
    while px + 1 < px1 {
        let [a, b] = escape2([X0 + f64::from(px) * scale, X0 + f64::from(px + 1) * scale], cy, max_iter);
        keep(a);
        keep(b);
        total += u64::from(a) + u64::from(b);
        px += 2;
    }
    if px < px1 {
        let n = escape(X0 + f64::from(px) * scale, cy, max_iter);
        keep(n);
        total += u64::from(n);
    }
    total
}
