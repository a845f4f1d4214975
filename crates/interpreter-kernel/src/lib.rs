//! One subinterpreter's own code and memory (mode `interpreters`). The worker thread that runs an
//! interpreter instantiates this module anew when the interpreter starts (CPython 3.14: a new interpreter
//! state, its own modules and its own GIL), so nothing it holds is shared with any other interpreter.
//!
//! A task crosses in as a pickle (protocol 2, src/core/pickle.rs) that this module unpickles into its own
//! memory; its CPU work runs here, on the lab's own kernels (src/core/workload/kernels.rs); its result
//! crosses back as a pickle this module writes. Memory: the input bytes, then the unpickled arguments
//! (i64), then the results (u32), then the outgoing pickle; grown as needed.
#![no_std]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

#[path = "../../../src/core/workload/kernels.rs"]
mod kernels;
#[path = "../../../src/core/pickle.rs"]
mod pickle;

use kernels::mandelbrot_pixels;

extern "C" {
    static __heap_base: u8;
}

struct State {
    input: usize,
    input_len: usize,
    args: usize,
    args_len: usize,
    args_sum: i64,
    results: usize,
    results_len: usize,
    value: u64,
    out: usize,
}

static mut STATE: State = State { input: 0, input_len: 0, args: 0, args_len: 0, args_sum: 0, results: 0, results_len: 0, value: 0, out: 0 };

#[allow(static_mut_refs)]
fn state() -> &'static mut State {
    // SAFETY: one instance per interpreter, on one thread, with no reentrancy.
    unsafe { &mut STATE }
}

const fn align8(x: usize) -> usize {
    (x + 7) & !7
}

/// Grows the memory so that `end` bytes exist.
fn ensure(end: usize) {
    let have = core::arch::wasm32::memory_size(0) * 65536;
    if end > have && core::arch::wasm32::memory_grow(0, (end - have).div_ceil(65536)) == usize::MAX {
        core::arch::wasm32::unreachable()
    }
}

/// Starts a task: makes room for `bytes` of pickle at the returned address (the host copies it there) and
/// forgets the last task's arguments and results.
#[no_mangle]
pub extern "C" fn reserve(bytes: u32) -> u32 {
    let s = state();
    s.input = align8(core::ptr::addr_of!(__heap_base) as usize);
    s.input_len = bytes as usize;
    ensure(s.input + s.input_len);
    s.args = align8(s.input + s.input_len);
    s.args_len = 0;
    s.args_sum = 0;
    s.results = s.args;
    s.results_len = 0;
    s.value = 0;
    s.input as u32
}

/// Unpickles the task's arguments into this interpreter's own list: how many items, or -1 if the bytes
/// are not a pickle of a list of ints.
#[no_mangle]
pub extern "C" fn unpickle() -> f64 {
    let s = state();
    // Every item takes at least 2 bytes of pickle, so this many slots are enough.
    ensure(s.args + s.input_len / 2 * 8);
    // SAFETY: input..input+input_len was reserved and written by the host; args slots were just made.
    let bytes = unsafe { core::slice::from_raw_parts(s.input as *const u8, s.input_len) };
    let (args, mut n, mut sum) = (s.args as *mut i64, 0usize, 0i64);
    let r = pickle::decode(bytes, &mut |x| {
        unsafe { args.add(n).write(x) };
        n += 1;
        sum = sum.wrapping_add(x);
    });
    s.args_len = n;
    s.args_sum = sum;
    s.results = align8(s.args + n * 8);
    s.results_len = 0;
    if r.is_err() { -1.0 } else { n as f64 }
}

/// The sum of the unpickled arguments (so the host can check what arrived).
#[no_mangle]
pub extern "C" fn args_sum() -> f64 {
    state().args_sum as f64
}

/// Primes in lo..hi, added to the task's value.
#[no_mangle]
pub extern "C" fn count_primes(lo: u32, hi: u32) -> u32 {
    let count = kernels::count_primes(lo, hi);
    state().value += u64::from(count);
    count
}

/// Pixels px0..px1 of `row` of a size x size image: their escape counts are kept in this interpreter's
/// results, their total added to the task's value and returned (as f64: exact below 2^53).
#[no_mangle]
pub extern "C" fn mandelbrot(size: u32, max_iter: u32, row: u32, px0: u32, px1: u32) -> f64 {
    let s = state();
    ensure(s.results + (s.results_len + (px1 - px0) as usize) * 4);
    let out = s.results as *mut u32;
    let mut len = s.results_len;
    let total = mandelbrot_pixels(size, max_iter, row, px0, px1, |n| {
        // SAFETY: room for these slots was ensured above.
        unsafe { out.add(len).write(n) };
        len += 1;
    });
    s.results_len = len;
    s.value += total;
    total as f64
}

/// Pickles the task's result, `[value, *results]`, after the results: returns its length; `out_ptr` its
/// address.
#[no_mangle]
pub extern "C" fn pickle_results() -> u32 {
    let s = state();
    let (results, value) = (s.results as *const u32, s.value as i64);
    let item = |i: usize| if i == 0 { value } else { i64::from(unsafe { results.add(i - 1).read() }) };
    let len = 1 + s.results_len;
    let bytes = pickle::encoded_len(len, &item);
    s.out = align8(s.results + s.results_len * 4);
    ensure(s.out + bytes);
    // SAFETY: out..out+bytes was just made to exist and nothing else lives there.
    let out = unsafe { core::slice::from_raw_parts_mut(s.out as *mut u8, bytes) };
    pickle::encode(len, &item, out) as u32
}

#[no_mangle]
pub extern "C" fn out_ptr() -> u32 {
    state().out as u32
}
