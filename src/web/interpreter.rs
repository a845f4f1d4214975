//! Subinterpreters in the browser (`interpreters`, threads build): each is a fresh instance of the raw
//! module `crates/interpreter-kernel` (served as `pkg/interpreter.wasm`), compiled and instantiated on the
//! Python thread that runs it, with its own memory. Not wasm-bindgen's glue: that keeps one instance per
//! module and would hand every "new" interpreter the old one.
//!
//! What crosses goes through the instance's own memory: the pickle of a task's arguments is copied in and
//! unpickled there; the result is pickled there and copied out.
//!
//! The memory is the module's import, one per thread, cleared for each interpreter the thread starts (as
//! a new process's pages are): no two interpreters ever hold it at once (a thread runs one at a time, and
//! one still alive when the next starts gets a memory of its own). A memory made for every interpreter
//! reserved 10 GB of address space each (V8's guard regions), freed only when that thread's JavaScript
//! heap was next collected, which a thread that runs wasm all day seldom does: after about 120 runs of
//! `interpreters` in one page, a `processes` run's instance was refused ("Out of memory: Cannot allocate
//! Wasm memory for new instance").

use crate::core::platform::Interpreter;
use js_sys::{Object, Reflect, Uint8Array, WebAssembly};
use std::cell::RefCell;
use std::sync::OnceLock;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The module's bytes, fetched once by the engine worker (`setInterpreterKernel`).
static KERNEL: OnceLock<Vec<u8>> = OnceLock::new();

/// Keeps the module's bytes for every interpreter started from now on (the first call wins).
pub fn set_kernel(bytes: Vec<u8>) {
    if !bytes.is_empty() {
        let _ = KERNEL.set(bytes);
    }
}

#[wasm_bindgen]
extern "C" {
    /// The raw module's exports (see crates/interpreter-kernel/src/lib.rs).
    type Exports;
    #[wasm_bindgen(method)]
    fn reserve(this: &Exports, bytes: u32) -> u32;
    #[wasm_bindgen(method)]
    fn unpickle(this: &Exports) -> f64;
    #[wasm_bindgen(method)]
    fn args_sum(this: &Exports) -> f64;
    #[wasm_bindgen(method)]
    fn count_primes(this: &Exports, lo: u32, hi: u32) -> u32;
    #[wasm_bindgen(method)]
    fn mandelbrot(this: &Exports, size: u32, max_iter: u32, row: u32, px0: u32, px1: u32) -> f64;
    #[wasm_bindgen(method)]
    fn pickle_results(this: &Exports) -> u32;
    #[wasm_bindgen(method)]
    fn out_ptr(this: &Exports) -> u32;
}

/// The module's memory at its start, in 64 KiB pages: its stack (1 MiB) and its data, as linked
/// (`--initial-memory` in scripts/build-wasm.sh; an instance refuses a smaller one).
const INITIAL_PAGES: u32 = 17;

thread_local! {
    /// This thread's memory between two interpreters.
    static SPARE: RefCell<Option<WebAssembly::Memory>> = const { RefCell::new(None) };
}

/// A memory for a new interpreter: this thread's, cleared, or a new one.
fn memory() -> Result<WebAssembly::Memory, String> {
    if let Some(memory) = SPARE.with(|s| s.borrow_mut().take()) {
        Uint8Array::new(&memory.buffer()).fill(0, 0, u32::MAX);
        return Ok(memory);
    }
    let descriptor = Object::new();
    Reflect::set(&descriptor, &"initial".into(), &INITIAL_PAGES.into()).map_err(text)?;
    WebAssembly::Memory::new(&descriptor).map_err(text)
}

struct WebInterpreter {
    exports: Exports,
    memory: Option<WebAssembly::Memory>,
}

impl Drop for WebInterpreter {
    fn drop(&mut self) {
        let memory = self.memory.take();
        SPARE.with(|s| *s.borrow_mut() = memory);
    }
}

fn text(e: JsValue) -> String {
    e.dyn_ref::<js_sys::Error>().map_or_else(|| format!("{e:?}"), |e| String::from(e.message()))
}

/// Starts an interpreter on this thread: compiles the module anew and instantiates it with a memory of
/// its own (CPython: a new interpreter state that imports its modules anew): this thread's, cleared.
pub fn start() -> Result<Box<dyn Interpreter>, String> {
    let bytes = KERNEL.get().ok_or("the interpreter module (pkg/interpreter.wasm) did not load")?;
    let code = Uint8Array::new_with_length(bytes.len() as u32);
    code.copy_from(bytes);
    let module = WebAssembly::Module::new(&code).map_err(text)?;
    let memory = memory()?;
    let (imports, env) = (Object::new(), Object::new());
    Reflect::set(&env, &"memory".into(), &memory).map_err(text)?;
    Reflect::set(&imports, &"env".into(), &env).map_err(text)?;
    let instance = WebAssembly::Instance::new(&module, &imports).map_err(text)?;
    Ok(Box::new(WebInterpreter { exports: instance.exports().unchecked_into(), memory: Some(memory) }))
}

impl WebInterpreter {
    /// A view of `len` bytes of the instance's memory at `ptr` (taken afresh: growing the memory
    /// detaches the old buffer).
    fn view(&self, ptr: u32, len: u32) -> Uint8Array {
        let memory = self.memory.as_ref().expect("an interpreter holds its memory until dropped");
        Uint8Array::new_with_byte_offset_and_length(&memory.buffer(), ptr, len)
    }
}

impl Interpreter for WebInterpreter {
    fn receive(&mut self, pickle: &[u8]) -> Result<(usize, i64), String> {
        let len = pickle.len() as u32;
        let at = self.exports.reserve(len);
        self.view(at, len).copy_from(pickle);
        let n = self.exports.unpickle();
        if n < 0.0 {
            return Err("not a pickle of a list of ints".into());
        }
        Ok((n as usize, self.exports.args_sum() as i64))
    }

    fn count_primes(&mut self, lo: u32, hi: u32) -> u32 {
        self.exports.count_primes(lo, hi)
    }

    fn mandelbrot(&mut self, size: u32, max_iter: u32, row: u32, px0: u32, px1: u32) -> u64 {
        self.exports.mandelbrot(size, max_iter, row, px0, px1) as u64
    }

    fn send_result(&mut self) -> Vec<u8> {
        let len = self.exports.pickle_results();
        self.view(self.exports.out_ptr(), len).to_vec()
    }
}
