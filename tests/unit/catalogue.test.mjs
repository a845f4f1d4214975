// The page reads every rule of the model from the engine's catalogue (www/src/rules.ts): replay's events,
// call texts and GIL kinds are what they were when the page kept its own copies (tests/fixtures/
// derived.json, recorded from the old derive.ts), and a workload the page has never heard of (the
// catalogue fixture's `test-nap`, which only the engine's `test-workload` build has) needs no change here.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CATALOGUE, loadTs } from './load-ts.mjs';

const DERIVED = JSON.parse(readFileSync(new URL('../fixtures/derived.json', import.meta.url), 'utf8'));
const fixture = (name) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));

let D;
let E;
let R;
let rules;
let programs;
before(async () => {
  [D, E, R, rules, programs] = await Promise.all(['replay/derive', 'replay/events', 'replay/replay', 'rules', 'python/programs'].map((m) => loadTs(`www/src/${m}.ts`)));
});

test('events derived from spans are the ones the page derived with its own copies, byte for byte', () => {
  for (const { name, events } of DERIVED.records) {
    const r = fixture(name);
    const { events: _recorded, ...spansOnly } = r.results ? r.results[0] : r;
    assert.equal(JSON.stringify(D.deriveEvents(spansOnly)), JSON.stringify(events), name);
  }
});

test("a wait's call text and a mode's GIL are the ones the page wrote before, now from the catalogue", () => {
  assert.ok(DERIVED.ioTexts.length > 100);
  for (const { spec, taskId, asyncio, text } of DERIVED.ioTexts) assert.equal(D.ioText(spec, taskId, asyncio), text, JSON.stringify({ spec, taskId, asyncio }));
  for (const { mode, gilKind, derivedAbsent } of DERIVED.gil) {
    assert.equal(D.gilKind(mode), gilKind, mode);
    assert.deepEqual(D.derivedAbsent(mode), derivedAbsent, mode);
  }
});

test('the event kinds, their order and version are the engine\'s', () => {
  const kinds = CATALOGUE.rules.events.kinds.map((k) => k.name);
  assert.deepEqual(E.eventKinds(), kinds);
  assert.equal(E.eventsVersion(), CATALOGUE.rules.events.v);
  assert.ok(kinds.includes('gil-drop-request') && kinds.includes('task-awaiting'));
  // What ends comes before what begins at one instant.
  assert.ok(E.rankOf('gil-drop') < E.rankOf('gil-take'));
  assert.equal(E.rankOf('not-a-kind'), undefined);
});

test('a workload the page has never heard of (test-nap) needs no change on this side', () => {
  const nap = CATALOGUE.workloads.find((w) => w.name === 'test-nap');
  assert.ok(nap, 'the fixture holds the engine\'s test-only workload');
  assert.equal(rules.usesNetwork('test-nap'), false);
  assert.deepEqual(nap.waits, { on: 'sleep', msField: 'napMs' });
  // Replay names its waits from the catalogue: the field it reads is the workload's own.
  assert.equal(D.ioText({ workload: 'test-nap', napMs: 40 }, 0, false), 'time.sleep(0.04)');
  assert.equal(D.ioText({ workload: 'test-nap', timeoutMs: 20 }, 1, true), 'asyncio.wait_for(asyncio.sleep(0.01), timeout=0.02)');
  const record = {
    v: 2,
    runId: 'test-nap-1',
    spec: { workload: 'test-nap', mode: 'threads-gil', tasks: 2, workers: 2, napMs: 40, onError: 'raise' },
    wallMs: 41,
    endMs: 41,
    value: 80,
    tasks: [0, 1].map((id) => ({ id, lane: `ThreadPool-${id}`, startMs: 0.5, endMs: 41, status: 'ok', spans: [{ kind: 'run', startMs: 0.5, endMs: 0.6 }, { kind: 'io-wait', startMs: 0.6, endMs: 40.6 }, { kind: 'run', startMs: 40.6, endMs: 40.9 }] })),
  };
  const rp = R.replay(record);
  assert.deepEqual(rp.stateAt(20).ioWaiting, [0, 1]);
  assert.ok(rp.events.some((e) => e.kind === 'io-start' && e.call === 'time.sleep(0.04)'));
  // A mode the page has never heard of has no GIL here rather than an error.
  assert.equal(rules.gilKind('not-a-mode'), 'none');
});

test("programs are the engine's: asked once per spec and options; a spec with none is kept, an engine's failure is not", async () => {
  const asked = [];
  const write = async (spec, options) => {
    asked.push([spec, options]);
    if (spec.workload === 'no-such-workload') throw Object.assign(new Error('the engine is not running'), { name: 'EngineError' });
    if (spec.mode === 'no-such-mode') throw Object.assign(new Error('no Python program for mode "no-such-mode"'), { name: 'SpecError' });
    return `# ${spec.workload}\n`;
  };
  const spec = { workload: 'test-nap', mode: 'sequential', tasks: 1 };
  assert.equal(await programs.pythonProgram(spec, {}, write), '# test-nap\n');
  assert.equal(await programs.pythonProgram({ ...spec }, {}, write), '# test-nap\n');
  assert.equal(asked.length, 1);
  await programs.pythonProgram(spec, { baseUrl: 'http://example.org/' }, write);
  assert.equal(asked.length, 2);
  assert.deepEqual(programs.writtenProgram(spec), { text: '# test-nap\n' });
  const down = { ...spec, workload: 'no-such-workload' };
  await assert.rejects(programs.pythonProgram(down, {}, write), /not running/);
  await assert.rejects(programs.pythonProgram(down, {}, write), /not running/);
  assert.equal(asked.length, 4);
  assert.equal(programs.writtenProgram(down), undefined);
  const none = { ...spec, mode: 'no-such-mode' };
  await assert.rejects(programs.pythonProgram(none, {}, write), /no Python program/);
  await assert.rejects(programs.pythonProgram(none, {}, write), /no Python program/);
  assert.equal(asked.length, 5);
  assert.match(programs.writtenProgram(none).error.message, /no Python program/);
});
