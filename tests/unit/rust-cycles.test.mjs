// scripts/check-rust-cycles.mjs: the crate's import cycles, file by file (issue 21), found on a planted
// cycle in a tiny crate and nowhere else in it; and none in the lab's own crate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { checkCrate, dependencies, stripRust } from '../../scripts/check-rust-cycles.mjs';

const fixture = 'tests/unit/fixtures/rust-cycles/src';
const f = (p) => path.join(fixture, p);

test('the planted cycle is found, with the references that make it', () => {
  const found = checkCrate([f('lib.rs')]);
  assert.equal(found.length, 1, JSON.stringify(found));
  assert.deepEqual(found[0].files, [f('shapes/circle.rs'), f('shapes/mod.rs')]);
  assert.deepEqual(
    found[0].refs.map((r) => [r.from, r.to]).sort(),
    [[f('shapes/circle.rs'), f('shapes/mod.rs')], [f('shapes/mod.rs'), f('shapes/circle.rs')]].sort(),
  );
});

test('comments, strings, declarations and test modules make no dependency; use groups and self do', () => {
  const edges = dependencies([f('lib.rs')]);
  assert.deepEqual([...edges.get(f('units.rs')).keys()], [], 'a path in a comment or a string is not one');
  assert.deepEqual([...edges.get(f('lib.rs')).keys()], [], 'declaring children is not using them');
  assert.deepEqual([...edges.get(f('shapes/square.rs')).keys()], [f('units.rs')]);
  assert.deepEqual([...edges.get(f('engine/run.rs')).keys()], [f('shapes/mod.rs')]);
  // The test module is a node of its own: it uses its parent, and its parent does not use it.
  assert.deepEqual([...edges.get(`${f('engine/run.rs')}#tests`).keys()], [f('engine/run.rs')]);
  assert.deepEqual([...edges.get(f('engine/mod.rs')).keys()], [f('engine/run.rs')], 'a re-export through a child is a use');
});

test('what is blanked keeps its length: lines still count', () => {
  const src = 'let a = "x::y"; // crate::z\nlet c = \'"\'; /* crate::w */ let r = r#"crate::q"#;';
  const out = stripRust(src);
  assert.equal(out.length, src.length);
  assert.ok(!/crate/.test(out), out);
  assert.equal(out.split('\n').length, 2);
});

test('the lab\'s own crate has no import cycle', () => {
  const found = checkCrate(['src/lib.rs']);
  assert.deepEqual(found.map((c) => c.files), []);
});
