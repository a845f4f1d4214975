// What the lab runs from what the browser could do (www/src/capabilities/decide.ts), in each browser's
// case as found on this machine (README.md, "How the tests drive each engine"), the
// core count measured, not read, and the changes `lab.python.run` lists (www/src/python/real/adapt.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { loadTs } from './load-ts.mjs';

const { chooseBuild, capabilitiesOf, coresOf, withReading, describeCores } = await loadTs('www/src/capabilities/decide.ts');
const { LAB_MEMORY } = await loadTs('www/src/capabilities/detect.ts');
const { apiChanges } = await loadTs('www/src/python/real/adapt.ts');
const { lessonSnippets } = await loadTs('www/src/python/programs.ts');

const all = { crossOriginIsolated: true, sharedMemory: true, atomicsWait: true, nestedWorkers: true, jspi: true, hardwareConcurrency: 2 };
const DATA_CLONE = 'this browser cannot send shared memory to a worker (DataCloneError: The object can not be cloned.)';

test('Chromium, isolated: the threads build, every capability', () => {
  assert.deepEqual(chooseBuild(all), { build: 'threads' });
  const c = capabilitiesOf(all, coresOf(2));
  assert.deepEqual([c.sharedMemory, c.atomicsWait, c.nestedWorkers, c.jspi, c.cores, c.coresSource], [true, true, true, true, 2, 'hardwareConcurrency']);
  assert.deepEqual(c.why, {});
});

test('WebKitGTK at default settings: isolated, but it cannot send shared memory to a worker: the single build, saying so', () => {
  const webkit = { ...all, sharedMemory: DATA_CLONE, atomicsWait: `not tried: ${DATA_CLONE}`, jspi: 'this browser has no WebAssembly stack switching (JSPI: no WebAssembly.Suspending)', hardwareConcurrency: 4 };
  const choice = chooseBuild(webkit, 'ignored: the page is isolated');
  assert.equal(choice.build, 'single');
  assert.match(choice.reason, /^this browser cannot send shared memory to a worker/);
  assert.doesNotMatch(choice.reason, /not cross-origin isolated/);
  assert.match(choice.unavailableWhy, /cannot send shared memory to a worker/);
  const c = capabilitiesOf(webkit, coresOf(4));
  assert.equal(c.sharedMemory, false);
  assert.equal(c.jspi, false);
  assert.match(c.why.sharedMemory, /cannot send shared memory to a worker/);
});

test('a page that is not cross-origin isolated (a course page in Firefox): the single build, saying the isolation is missing', () => {
  const framed = { ...all, crossOriginIsolated: false, sharedMemory: 'this browser cannot send shared memory to a worker (DataCloneError)' };
  const choice = chooseBuild(framed, 'this lab is in a frame of a page that is not cross-origin isolated');
  assert.equal(choice.build, 'single');
  assert.match(choice.reason, /^this page is not cross-origin isolated.*: this lab is in a frame/);
  assert.match(choice.unavailableWhy, /^because it is not cross-origin isolated \(this lab is in a frame/);
  assert.equal(chooseBuild(framed).unavailableWhy, undefined, "the engine's default words, which name the usual causes");
  const c = capabilitiesOf(framed, coresOf(2));
  assert.equal(c.sharedMemory, false);
  assert.match(c.why.sharedMemory, /not cross-origin isolated/);
});

test('memory that posts but where a worker cannot block on it: the single build, naming Atomics.wait', () => {
  const choice = chooseBuild({ ...all, atomicsWait: 'TypeError: Atomics.wait cannot be called in this context' });
  assert.equal(choice.build, 'single');
  assert.match(choice.reason, /Atomics\.wait/);
});

test('cores: what the browser reports until a probe has measured, then the best reading, rounded, at most the report', () => {
  assert.deepEqual(coresOf(4), { cores: 4, coresSource: 'hardwareConcurrency' });
  // WebKitGTK says 4 on this 2-core machine; its probe of 4 workers finds 2.
  let r = withReading(undefined, 1.96, 4);
  assert.deepEqual(coresOf(4, r), { cores: 2, coresSource: 'probe', coresMeasured: 1.96 });
  // A busy reading later lowers nothing: the best is kept.
  r = withReading(r, 1.2, 4);
  assert.equal(r.best, 1.96);
  assert.equal(coresOf(4, r).cores, 2);
  // Never above what the browser reports, never below one.
  assert.equal(coresOf(2, withReading(undefined, 2.4, 2)).cores, 2);
  // At least 2 where the browser reports 2 or more: a busy 2-core machine reads like an idle single core.
  assert.equal(coresOf(2, withReading(undefined, 0.3, 2)).cores, 2);
  assert.equal(coresOf(4, withReading(undefined, 1.2, 4)).cores, 2);
  assert.equal(coresOf(8, withReading(undefined, 3.6, 8)).cores, 3);
  // Noise does not add a core: four workers on WebKitGTK's two cores once read 2.4.
  assert.equal(coresOf(4, withReading(undefined, 2.4, 4)).cores, 2);
  assert.equal(coresOf(4, withReading(undefined, 3.75, 4)).cores, 4);
  // A record made beside another hardwareConcurrency (the profile moved machines) is not used.
  assert.deepEqual(coresOf(8, r), { cores: 8, coresSource: 'hardwareConcurrency' });
  assert.equal(withReading(r, 3.9, 8).best, 3.9);
  // Nothing to measure on one core; a failed probe keeps what there was.
  assert.deepEqual(coresOf(1, withReading(undefined, 1, 1)), { cores: 1, coresSource: 'hardwareConcurrency' });
  assert.equal(withReading(r, null, 4), r);
  assert.equal(withReading(r, Number.NaN, 4), r);
  assert.equal(describeCores({ cores: 2, coresSource: 'probe', hardwareConcurrency: 4 }), '2 (measured; the browser reports 4)');
  assert.equal(describeCores({ cores: 4, coresSource: 'hardwareConcurrency', hardwareConcurrency: 4 }), '4 (reported by the browser, not yet measured)');
});

test("the capability check makes the threads build's own memory (its glue's size)", { skip: !existsSync('www/pkg/threads/concurrency_lab.js') && 'no wasm build' }, () => {
  const glue = readFileSync('www/pkg/threads/concurrency_lab.js', 'utf8');
  const m = glue.match(/new WebAssembly\.Memory\(\{initial:(\d+),maximum:(\d+),shared:(?:true|!0)\}\)/);
  assert.ok(m, 'the glue makes a shared memory');
  assert.deepEqual({ initial: Number(m[1]), maximum: Number(m[2]) }, { ...LAB_MEMORY });
});

test('lab.python.run lists its changes as { line, from, to, why }: without JSPI the trailing asyncio.run, none with it', () => {
  const snippet = lessonSnippets.fetchData({ seconds: 0.3 });
  const without = apiChanges(snippet, false);
  assert.deepEqual(without.changes.map(({ line, from, to }) => ({ line, from, to })), [{ line: 8, from: 'asyncio.run(fetch_data())', to: 'await fetch_data()' }]);
  assert.match(without.changes[0].why, /stack switching \(JSPI\)/);
  assert.match(without.code, /\nawait fetch_data\(\)\n$/);
  assert.deepEqual(apiChanges(snippet, true), { code: snippet, changes: [] });
  // The pane's program, already adapted, runs as it is: the API adds nothing to what the pane changed.
  assert.deepEqual(apiChanges(without.code, false).changes, []);
  const api = apiChanges(lessonSnippets.concurrentApiCalls({ urls: ['api/delay?ms=200&call=1'] }), false);
  assert.deepEqual(api.changes.map((c) => c.to), ['import lab_aiohttp as aiohttp', 'await main()']);
});
