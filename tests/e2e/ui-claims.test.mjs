// The lesson's claims as a pure function (www/src/views/claims.ts): verdicts and the reasons given when a
// run does not bear a claim out. Bundled with esbuild and imported here, no browser needed.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ROOT } from './helpers.mjs';

let claims;

before(async () => {
  const out = await build({ entryPoints: [join(ROOT, 'www/src/views/claims.ts')], bundle: true, format: 'esm', write: false, logLevel: 'silent' });
  ({ claims } = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`));
});

const byId = (list) => Object.fromEntries(list.map((c) => [c.id, c]));
const cpu = (modes, extra = {}) => byId(claims({ workloadClass: 'cpu', cores: 2, tasks: 16, baselineMs: 1000, modes, ...extra }));
const io = (modes, extra = {}) => byId(claims({ workloadClass: 'io', cores: 2, tasks: 6, baselineMs: 1200, latencyMs: 200, http: true, modes, ...extra }));

test('CPU work as the lesson says: threads and asyncio gain nothing, processes and rayon use both cores', () => {
  const c = cpu({
    asyncio: { speedup: 0.98 },
    'threads-gil': { speedup: 0.89, workers: 6 },
    processes: { speedup: 1.57, workers: 2, ideal: 2 },
    rayon: { speedup: 1.9, workers: 2, ideal: 2 },
  });
  for (const id of ['threads-gil-cpu', 'asyncio-cpu', 'processes-cpu', 'rayon-cpu']) assert.equal(c[id].verdict, 'confirmed', id);
  assert.match(c['threads-gil-cpu'].text, /GIL lets one thread run Python at a time/);
  assert.match(c['threads-gil-cpu'].evidence, /0\.89× of sequential with 6 threads/);
});

test('a CPU run that does not bear the claims out says so, and why', () => {
  const c = cpu({ 'threads-gil': { speedup: 1.5, workers: 6 }, processes: { speedup: 1.1, workers: 2, ideal: 2, wallMs: 300, startupMs: 120 } });
  assert.equal(c['threads-gil-cpu'].verdict, 'not-borne-out');
  assert.match(c['threads-gil-cpu'].why, /baseline/);
  assert.equal(c['processes-cpu'].verdict, 'not-borne-out');
  assert.match(c['processes-cpu'].why, /Starting the worker processes took 120 ms/);
  assert.equal(c['rayon-cpu'].verdict, 'not-measured');
  assert.equal(c['asyncio-cpu'].verdict, 'not-measured');

  const one = cpu({ processes: { speedup: 1, workers: 2, ideal: 1 }, rayon: { speedup: 1, workers: 1, ideal: 1 } }, { cores: 1 });
  assert.match(one['processes-cpu'].why, /one core/);
  const tiny = cpu({ 'threads-gil': { speedup: 1.3, workers: 6 } }, { baselineMs: 12 });
  assert.match(tiny['threads-gil-cpu'].why, /tiny/);
});

test('I/O work: asyncio and threads overlap the waits; the 6-connection limit and one worker are named', () => {
  const c = io({ asyncio: { speedup: 5.6, ideal: 6 }, 'threads-gil': { speedup: 5.5, workers: 6, ideal: 6 } });
  assert.equal(c['asyncio-io'].verdict, 'confirmed');
  assert.equal(c['threads-io'].verdict, 'confirmed');
  const waves = io({ asyncio: { speedup: 3.9, ideal: 4 } }, { tasks: 20 });
  assert.match(waves['asyncio-io'].evidence, /at most 6 connections.*20 requests go in 4 waves/);
  const oneThread = io({ 'threads-gil': { speedup: 1, workers: 1, ideal: 1 } });
  assert.equal(oneThread['threads-io'].verdict, 'not-borne-out');
  assert.match(oneThread['threads-io'].why, /one thread/);
  const oneTask = io({ asyncio: { speedup: 1, ideal: 1 } }, { tasks: 1 });
  assert.match(oneTask['asyncio-io'].why, /one task/);
});

test('mixed work: the claim depends on processes or rayon beating the single-core modes', () => {
  const base = { workloadClass: 'mixed', cores: 2, tasks: 8, baselineMs: 2000 };
  const yes = claims({ ...base, modes: { asyncio: { speedup: 1.6 }, 'threads-gil': { speedup: 1.5 }, processes: { speedup: 2.8 } } });
  assert.equal(yes[0].verdict, 'confirmed');
  const no = claims({ ...base, modes: { asyncio: { speedup: 1.6 }, rayon: { speedup: 1.65 } } });
  assert.equal(no[0].verdict, 'not-borne-out');
  const fewer = claims({ ...base, modes: { 'threads-gil': { speedup: 3.7, workers: 6 }, rayon: { speedup: 1.8, workers: 2 } } });
  assert.match(fewer[0].why, /rayon had 2 workers for 8 tasks/);
  assert.equal(claims({ ...base, modes: { asyncio: { speedup: 1.6 } } })[0].verdict, 'not-measured');
});
