//! The Python program module (feature `program`; scripts/build-wasm.sh builds it into www/pkg/program):
//! the program generator ([`crate::core::python`]) alone, a wasm of its own. The engine worker fetches it
//! when a program is first asked for (`pythonProgram` in www/src/engine/engine-worker.ts), so the two
//! engine builds, which every page load downloads, do not carry it (21 KB gzip of each: docs/PERFORMANCE.md,
//! "Size"). The generator reads only the spec and the options, no engine state, so nothing else is needed.

use wasm_bindgen::prelude::*;

/// The Python program that does what `spec`'s run does ([`crate::core::python`]): the page shows and
/// copies it, real Python runs it. `options_json`: `{ baseUrl?, failing? }`. Rejects with the reason when
/// the spec's workload or mode has no program.
#[wasm_bindgen(js_name = pythonProgram)]
pub fn python_program(spec_json: &str, options_json: &str) -> Result<String, JsValue> {
    let options = crate::core::python::Options::from_json(options_json).map_err(|e| JsValue::from_str(&e))?;
    crate::core::python::program(spec_json, &options).map_err(|e| JsValue::from_str(&e.to_json()))
}
