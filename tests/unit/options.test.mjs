// lab/options.ts: the options of lab.run, lab.compare, lab.lesson.run and lab.python.run are checked before
// anything is queued. Every bad one is named with its range in one SpecError; good ones (and none at all)
// pass; before the engine has named its modes, `modes` is checked for its shape only.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadTs } from './load-ts.mjs';

let o;
before(async () => {
  o = await loadTs('www/src/lab/options.ts');
});

const MODES = ['sequential', 'asyncio', 'threads-gil', 'processes'];

test('good options, and none, pass', () => {
  for (const good of [undefined, null, {}, { budgetMs: 0 }, { budgetMs: 600_000, minRounds: 20 }, { minRounds: 1, modes: ['asyncio'] }, { signal: new AbortController().signal, onProgress: () => {} }]) {
    assert.equal(o.compareOptionsError(good, MODES), undefined, JSON.stringify(good));
  }
});

test('each bad option is named with its range', () => {
  const cases = [
    [{ budgetMs: -1 }, 'budgetMs', '0..600000'],
    [{ budgetMs: 600_001 }, 'budgetMs', '0..600000'],
    [{ budgetMs: Number.NaN }, 'budgetMs', '0..600000'],
    [{ budgetMs: '5000' }, 'budgetMs', '0..600000'],
    [{ minRounds: 0 }, 'minRounds', '1..20'],
    [{ minRounds: 21 }, 'minRounds', '1..20'],
    [{ minRounds: 1.5 }, 'minRounds', '1..20'],
    [{ modes: 'asyncio' }, 'modes', 'sequential, asyncio'],
    [{ modes: [] }, 'modes', 'non-empty'],
    [{ modes: ['asyncio', 'asyncio'] }, 'modes', 'distinct'],
    [{ modes: ['gevent'] }, 'modes', 'threads-gil'],
    [{ signal: {} }, 'signal', 'AbortSignal'],
    [{ onProgress: 'log' }, 'onProgress', 'a function'],
    [{ rounds: 5 }, 'rounds', 'budgetMs'],
    [5, 'options', 'a plain object'],
    [[1000], 'options', 'a plain object'],
    [new AbortController().signal, 'options', 'a plain object'],
  ];
  for (const [options, field, allowed] of cases) {
    const e = o.compareOptionsError(options, MODES);
    assert.ok(e, JSON.stringify(options));
    assert.equal(e.name, 'SpecError');
    assert.equal(e.field, field);
    assert.ok(e.allowed.includes(allowed), `${field}: ${e.allowed}`);
    assert.ok(e.message.includes(field), e.message);
    assert.equal(e.errors.length, 1);
    assert.equal(e.errors[0].field, field);
  }
});

test('every bad option at once, the first as field', () => {
  const e = o.compareOptionsError({ minRounds: 0, budgetMs: -1, extra: 1 }, MODES);
  assert.deepEqual(e.errors.map((x) => x.field), ['minRounds', 'budgetMs', 'extra'], 'in the order given');
  assert.equal(e.field, 'minRounds');
  assert.equal(e.allowed, 'a whole number in 1..20');
  for (const x of e.errors) assert.ok(e.message.includes(x.message));
});

test('before the engine names its modes, only the shape of modes is checked', () => {
  assert.equal(o.compareOptionsError({ modes: ['any-mode'] }), undefined);
  assert.equal(o.compareOptionsError({ modes: [] }).field, 'modes');
  assert.equal(o.compareOptionsError({ modes: [3] }).field, 'modes');
});

test('run, lesson.run and python.run: a bad signal, a callback that is not a function, an unknown key', () => {
  const good = { signal: new AbortController().signal };
  assert.equal(o.optionsError('run', good, o.RUN_OPTIONS), undefined);
  assert.equal(o.optionsError('python.run', { ...good, onLine: () => {}, onLoading: () => {} }, o.PYTHON_OPTIONS), undefined);
  assert.equal(o.optionsError('lesson.run', { ...good, onProgress: () => {}, value: 3 }, o.CHAPTER_OPTIONS), undefined);
  const sig = o.optionsError('run', { signal: true }, o.RUN_OPTIONS);
  assert.deepEqual([sig.field, sig.allowed], ['signal', 'an AbortSignal']);
  const line = o.optionsError('python.run', { onLine: 'print' }, o.PYTHON_OPTIONS);
  assert.deepEqual([line.field, line.allowed], ['onLine', 'a function']);
  const typo = o.optionsError('run', { signl: good.signal }, o.RUN_OPTIONS);
  assert.equal(typo.field, 'signl');
  assert.equal(typo.message, 'signl is not an option of run; the options are signal');
  assert.equal(typo.allowed, 'one of signal');
  const signalAsOptions = o.optionsError('run', new AbortController().signal, o.RUN_OPTIONS);
  assert.match(signalAsOptions.message, /^the options of run must be a plain object with signal \(got an AbortSignal\)$/);
  assert.equal(o.optionsError('run', Object.create(null), o.RUN_OPTIONS), undefined, 'an object with no prototype is plain');
});
