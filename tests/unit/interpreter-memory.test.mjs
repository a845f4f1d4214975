// The subinterpreters' raw module (www/pkg/interpreter.wasm) takes its memory as its one import, so that
// each Python thread clears and reuses one memory for the interpreters it starts (src/web/interpreter.rs:
// a memory per interpreter reserved 10 GB of address space each until a GC, and after about 120 runs a
// page could start no more wasm). The page count the Rust side makes it with must be the module's own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const rust = readFileSync(join(ROOT, 'src/web/interpreter.rs'), 'utf8');
const pages = Number(/const INITIAL_PAGES: u32 = (\d+);/.exec(rust)?.[1]);
const module = new WebAssembly.Module(readFileSync(join(ROOT, 'www/pkg/interpreter.wasm')));

test("the interpreter module imports its memory, at the size src/web/interpreter.rs makes it", () => {
  assert.deepEqual(WebAssembly.Module.imports(module), [{ module: 'env', name: 'memory', kind: 'memory' }]);
  assert.ok(pages > 0, 'INITIAL_PAGES found');
  assert.throws(() => new WebAssembly.Instance(module, { env: { memory: new WebAssembly.Memory({ initial: pages - 1 }) } }), WebAssembly.LinkError);
  new WebAssembly.Instance(module, { env: { memory: new WebAssembly.Memory({ initial: pages }) } });
});

test('a memory cleared and given to a new instance counts as a fresh one: the same answers twice', () => {
  const memory = new WebAssembly.Memory({ initial: pages });
  const answers = [];
  for (let i = 0; i < 2; i++) {
    new Uint8Array(memory.buffer).fill(0);
    const x = new WebAssembly.Instance(module, { env: { memory } }).exports;
    answers.push([x.count_primes(0, 100_000), x.mandelbrot(64, 100, 10, 0, 64)]);
  }
  assert.deepEqual(answers[0], answers[1]);
  assert.equal(answers[0][0], 9592);
});
