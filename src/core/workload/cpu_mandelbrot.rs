//! `cpu-mandelbrot`: the escape-time Mandelbrot set on a `size` x `size` grid, 64-bit floats, split into
//! one band of rows per task. Each task hands its band of iteration counts to the page as it finishes,
//! so the learner sees the pieces arrive (in parallel, or one after another). The value is the total
//! number of iterations.
//!
//! ```python
//! def escape(cx, cy, max_iter):
//!     x = y = 0.0
//!     for i in range(max_iter):
//!         if x * x + y * y > 4.0: return i
//!         x, y = x * x - y * y + cx, 2 * x * y + cy
//!     return max_iter
//! ```

use super::calibration::{Calibration, TARGET_MS};
use super::kernels::{escape, escape2, SPAN, X0, Y0};
use super::class::Class;
use super::types::{split_range, CpuKernel, FieldInfo, Params, Step, TaskOutput, Workload};
#[cfg(test)]
use super::types::CHUNK_MS;

pub struct CpuMandelbrot;

/// One u32 iteration count per pixel.
const BYTES_PER_PIXEL: u64 = 4;

/// The declared range; the accepted one ends lower, at the largest image a run's memory holds (5792 px
/// for 128 MiB: see `max_for_memory`).
const SIZE: FieldInfo = FieldInfo {
    name: "size",
    label: "Image size (px)",
    min: 16,
    max: 16_384,
    default: 600,
    doc: "Width and height of the image in pixels; each task computes a band of rows. The default is \
          calibrated on this machine so that a sequential run takes about 0.6 s.",
};

const ITERATIONS: FieldInfo = FieldInfo {
    name: "iterations",
    label: "Max iterations",
    min: 1,
    max: 100_000,
    default: 1000,
    doc: "Escape-time iterations per pixel at most: the work per pixel inside the set.",
};

impl Workload for CpuMandelbrot {
    fn name(&self) -> &'static str {
        "cpu-mandelbrot"
    }
    fn title(&self) -> &'static str {
        "CPU-bound: Mandelbrot image"
    }
    fn doc(&self) -> &'static str {
        "Pure computation drawn as it happens: each task computes a band of the image's rows. \
         Watch the bands arrive one at a time, or several at once on several cores."
    }
    fn class(&self) -> Class {
        Class::Cpu
    }
    fn fields(&self) -> &'static [FieldInfo] {
        &[SIZE, ITERATIONS]
    }
    fn calibration(&self) -> Option<Calibration> {
        // The image's size is calibrated (its pixels, size^2, set the work), not the iterations, so the
        // picture keeps its look; it stays between a small and a large but readable image.
        Some(Calibration { field: "size", probe: 210, exponent: 2.0, min: 160, max: 1600, target_ms: TARGET_MS })
    }
    fn cpu_cost(&self, params: &Params, _tasks: u32) -> f64 {
        // Pixels, times the iteration cap: the points inside the set (a fixed share of the image) each
        // run to the cap, and they dominate.
        (params["size"] as f64).powi(2) * params["iterations"] as f64
    }
    fn memory_needs(&self, params: &Params, _tasks: u32) -> (u64, &'static str) {
        // One u32 iteration count per pixel, held until its band is handed to the page.
        let size = params["size"] as u64;
        (size * size * BYTES_PER_PIXEL, "size")
    }
    fn max_for_memory(&self, field: &str, limit: u64) -> Option<i64> {
        // The largest size with size^2 pixels in the limit: floor(sqrt(limit / 4)), 5792 for 128 MiB.
        (field == "size").then(|| {
            let pixels = limit / BYTES_PER_PIXEL;
            let mut s = (pixels as f64).sqrt() as u64;
            while s * s > pixels {
                s -= 1;
            }
            while (s + 1) * (s + 1) <= pixels {
                s += 1;
            }
            s as i64
        })
    }
    fn task(&self, params: &Params, tasks: u32, id: u32) -> Vec<Step> {
        let size = params["size"] as u32;
        let (y0, y1) = split_range(0, size.into(), tasks, id);
        vec![Step::Cpu(Box::new(Band {
            size,
            max_iter: params["iterations"] as u32,
            next_row: y0 as u32,
            next_px: 0,
            first_row: y0 as u32,
            end_row: y1 as u32,
            counts: Vec::with_capacity(((y1 - y0) * u64::from(size)) as usize),
            total: 0,
        }))]
    }
}

/// Escape-time iterations in a millisecond, about, a little under what the development machine does
/// (275,000 natively, wasm about 1.15x slower). A chunk is a budget of iterations, pixel by pixel, so it
/// stays in its time whatever the image's size and iteration cap (a whole row of a large image at a high
/// cap would take seconds).
const ITERATIONS_PER_MS: f64 = 200_000.0;

/// Rows `first_row..end_row`, pixel by pixel, a budget of iterations per chunk.
struct Band {
    size: u32,
    max_iter: u32,
    first_row: u32,
    next_row: u32,
    /// The next pixel of `next_row`.
    next_px: u32,
    end_row: u32,
    counts: Vec<u32>,
    total: u64,
}

impl CpuKernel for Band {
    fn step(&mut self, ms: f64) -> Option<u64> {
        let scale = SPAN / f64::from(self.size);
        let budget = (ms * ITERATIONS_PER_MS) as u64;
        let mut spent = 0u64;
        while self.next_row < self.end_row && spent < budget {
            let cy = Y0 + f64::from(self.next_row) * scale;
            // Two pixels of the row at once (one vector), the row's last one alone when it is odd.
            let cx = |px: u32| X0 + f64::from(px) * scale;
            let px = self.next_px;
            let (pair, len) = if px + 1 < self.size {
                (escape2([cx(px), cx(px + 1)], cy, self.max_iter), 2)
            } else {
                ([escape(cx(px), cy, self.max_iter), 0], 1)
            };
            for &n in &pair[..len] {
                self.total += u64::from(n);
                self.counts.push(n);
                // Even a pixel that escapes at once costs something: count it as one iteration at least.
                spent += u64::from(n.max(1));
            }
            self.next_px += len as u32;
            if self.next_px == self.size {
                self.next_px = 0;
                self.next_row += 1;
            }
        }
        (self.next_row >= self.end_row).then_some(self.total)
    }

    fn step_in(&mut self, interp: &mut dyn crate::core::platform::interpreter::Interpreter, ms: f64) -> Option<u64> {
        // Priced at the worst case (every pixel in the set), since the interpreter reports only totals.
        let pixels = ((ms * ITERATIONS_PER_MS) as u64 / u64::from(self.max_iter.max(1))).clamp(1, u64::from(self.size));
        if self.next_row < self.end_row {
            let px1 = (u64::from(self.next_px) + pixels).min(u64::from(self.size)) as u32;
            self.total += interp.mandelbrot(self.size, self.max_iter, self.next_row, self.next_px, px1);
            self.next_px = px1;
            if self.next_px == self.size {
                self.next_px = 0;
                self.next_row += 1;
            }
        }
        (self.next_row >= self.end_row).then_some(self.total)
    }

    fn output_from(&mut self, kept: &[i64]) -> Option<TaskOutput> {
        // The band's counts were kept inside the interpreter and crossed back with the result.
        self.counts = kept.iter().map(|&n| n as u32).collect();
        self.take_output()
    }

    fn take_output(&mut self) -> Option<TaskOutput> {
        Some(TaskOutput {
            kind: "image-rows",
            offset: self.first_row * self.size,
            width: self.size,
            max: self.max_iter,
            data: std::mem::take(&mut self.counts),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(size: i64, iterations: i64, tasks: u32) -> (u64, Vec<u32>) {
        let params = Params::from([("size", size), ("iterations", iterations)]);
        let mut total = 0;
        let mut image = vec![u32::MAX; (size * size) as usize];
        for id in 0..tasks {
            let Some(Step::Cpu(mut k)) = CpuMandelbrot.task(&params, tasks, id).pop() else { unreachable!() };
            total += loop {
                if let Some(v) = k.step(CHUNK_MS) {
                    break v;
                }
            };
            let out = k.take_output().unwrap();
            image[out.offset as usize..out.offset as usize + out.data.len()].copy_from_slice(&out.data);
        }
        (total, image)
    }

    #[test]
    fn points_inside_never_escape_and_far_points_escape_at_once() {
        assert_eq!(escape(0.0, 0.0, 500), 500);
        assert_eq!(escape(-1.0, 0.0, 500), 500);
        assert_eq!(escape(2.0, 2.0, 500), 1);
        assert_eq!(escape(0.5, 0.0, 1000), 5);
    }

    #[test]
    fn two_points_at_once_count_exactly_what_one_at_a_time_does() {
        // Every pixel of an image (edge of the set included), at caps small and large, and pairs that
        // escape at different times (one lane goes on after the other has grown to infinity).
        for (size, cap) in [(97u32, 1u32), (97, 50), (61, 1000), (16, 0)] {
            let scale = SPAN / f64::from(size);
            for row in 0..size {
                let cy = Y0 + f64::from(row) * scale;
                for px in 0..size - 1 {
                    let cx = [X0 + f64::from(px) * scale, X0 + f64::from(px + 1) * scale];
                    assert_eq!(escape2(cx, cy, cap), [escape(cx[0], cy, cap), escape(cx[1], cy, cap)], "{size} px, cap {cap}, row {row}, px {px}");
                }
            }
        }
        assert_eq!(escape2([0.0, 3.0], 0.0, 100_000), [100_000, 1]);
        assert_eq!(escape2([-0.75, 0.3], 0.1, 10_000), [escape(-0.75, 0.1, 10_000), escape(0.3, 0.1, 10_000)]);
    }

    #[test]
    fn a_chunk_is_bounded_in_iterations_even_for_a_huge_image() {
        // One row of the largest image at a high cap is far over budget: it is cut into several chunks.
        let params = Params::from([("size", 2000), ("iterations", 5_000)]);
        let Some(Step::Cpu(mut k)) = CpuMandelbrot.task(&params, 2000, 1000).pop() else { unreachable!() };
        let mut chunks = 0;
        while k.step(CHUNK_MS).is_none() {
            chunks += 1;
            assert!(chunks < 10_000);
        }
        assert!(chunks >= 5, "the middle row (through the set) takes several chunks, not one: {chunks}");
    }

    #[test]
    fn the_bands_tile_the_image_and_the_split_does_not_change_it() {
        let (t1, img1) = render(64, 200, 1);
        for tasks in [2, 7, 64] {
            let (t, img) = render(64, 200, tasks);
            assert_eq!(t, t1);
            assert_eq!(img, img1);
        }
        assert!(img1.iter().all(|&n| n <= 200));
        assert_eq!(t1, img1.iter().map(|&n| u64::from(n)).sum::<u64>());
    }
}
