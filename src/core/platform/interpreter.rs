//! A subinterpreter as the platform gives one (`interpreters`): in the browser a fresh instance of the raw
//! kernel module, natively the host itself. Its own file: the workloads' CPU kernels run inside one
//! (`CpuKernel::step_in`), and they must not depend on the rest of the platform (which names their
//! records).

/// Starts a fresh subinterpreter on the calling thread: its own code and memory, nothing shared with any
/// other (in the browser, a new instance of the raw kernel module, `crates/interpreter-kernel`). `Err` says
/// why it could not.
pub type StartInterpreter = fn() -> Result<Box<dyn Interpreter>, String>;

/// One subinterpreter (`concurrent.interpreters`): what runs inside it runs on its own memory. Lives on
/// the thread that started it (a browser instance cannot move between workers).
pub trait Interpreter {
    /// Copies a pickle of a task's arguments (`pickle.rs`) into the interpreter's memory and unpickles it
    /// there: how many items arrived and their sum, or why it could not.
    fn receive(&mut self, pickle: &[u8]) -> Result<(usize, i64), String>;
    /// Primes in `lo..hi`, counted inside the interpreter.
    fn count_primes(&mut self, lo: u32, hi: u32) -> u32;
    /// Pixels `px0..px1` of `row` of a Mandelbrot image, computed inside the interpreter and kept there
    /// until the result crosses back; returns their total escape count.
    fn mandelbrot(&mut self, size: u32, max_iter: u32, row: u32, px0: u32, px1: u32) -> u64;
    /// Pickles the task's result inside the interpreter (`[value, *kept]`) and copies the bytes out.
    fn send_result(&mut self) -> Vec<u8>;
}
