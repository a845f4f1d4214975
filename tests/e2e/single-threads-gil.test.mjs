// threads-gil in the single build (issue 22, item 4): a course page's frame that cannot be cross-origin
// isolated (Chromium without Document-Isolation-Policy behaves as Firefox and Safari do today) runs the
// single build, where threads-gil's threads take turns on the engine's one real thread under the GIL's
// rules. There the `gil` chapter's claims are borne out where the machine is quiet and never called false
// (its load read from /proc, ./load.mjs); six 200 ms requests on threads overlap; a Stop ends a computing
// run; the learner is told the threads take turns on one real thread. Rules, not this machine's speed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, shot } from './helpers.mjs';
import { startHostServer, labFrame } from './embed-helpers.mjs';
import { describeLoad, machinesOf, othersDuring, verdictRule } from './load.mjs';
import { allWaitingAtOnce, overlappingSpans } from './rules.mjs';
import { loadTs } from '../unit/load-ts.mjs';

let server, host, noDip, verdicts;

before(async () => {
  [server, host, noDip, verdicts] = await Promise.all([
    startServer(),
    startHostServer(),
    // A browser without Document-Isolation-Policy (Firefox and Safari today, Chrome before 137).
    launch(['--disable-features=DocumentIsolationPolicy']),
    loadTs('www/src/measure/verdicts.ts'),
  ]);
});
after(async () => {
  await noDip?.close();
  await host?.close();
  server?.close();
});

/**
 * The GIL's holders as the run's events tell them, in the order the Result lists them (the order replay
 * reads): problems found, if any. A take while another thread holds it, or a drop by a thread that does
 * not, would be a record out of order (the frame's clock ticks every 100 µs).
 */
function holderProblems(events) {
  const problems = [];
  let holder = null;
  for (const e of events) {
    if (e.kind === 'gil-take') {
      if (holder !== null) problems.push(`${e.lane} took the GIL at ${e.tMs} while ${holder} held it`);
      holder = e.lane;
    } else if (e.kind === 'gil-drop') {
      if (holder !== e.lane) problems.push(`${e.lane} dropped the GIL at ${e.tMs}, held by ${holder}`);
      holder = null;
    }
  }
  return problems;
}

/** The lab (served by its own server) in a frame of a course page on another origin, once ready. */
async function courseFrame(query) {
  const context = await noDip.newContext({ viewport: { width: 1000, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const lab = `${server.url}embed.html?${query}&parentOrigin=${encodeURIComponent(host.origin)}`;
  await page.goto(`${host.origin}/host?src=${encodeURIComponent(lab)}`);
  const frame = await labFrame(page);
  const status = await frame.evaluate(() => window.lab.status());
  assert.equal(status.build, 'single', 'a frame that cannot be isolated runs the single build');
  return { context, page, frame, errors };
}

test('the gil chapter in a course frame on the single build: threads-gil runs, its threads take turns, and the claims are borne out on a quiet machine, never refuted', async (t) => {
  const { context, page, frame, errors } = await courseFrame('chapter=gil');
  try {
    // threads-gil is offered; what needs threads at the same time is not, with the reason.
    const modes = await frame.evaluate(() => window.lab.workloads().modes.map((m) => ({ name: m.name, unavailable: m.unavailable, fields: m.fields })));
    assert.equal(modes.find((m) => m.name === 'threads-gil').unavailable, null);
    assert.deepEqual(modes.filter((m) => m.unavailable).map((m) => m.name).sort(), ['free-threaded', 'interpreters', 'rayon']);
    assert.match(modes.find((m) => m.name === 'threads-gil').fields.find((f) => f.name === 'releasesGil').unavailable, /take turns on one real thread/);

    const { value: out, load } = await othersDuring(() => frame.evaluate(() => window.lab.lesson.run('gil')));
    const rule = verdictRule({ claims: out.claims, machines: machinesOf(out), load, needsIdle: verdicts.NEEDS_IDLE_MACHINE, busyShare: verdicts.BUSY_SHARE });
    t.diagnostic(`gil in the single build: ${describeLoad(load)} (${rule.cls}); ${out.claims.map((c) => `${c.id} ${c.verdict} (${c.measured.text})`).join(', ')}`);
    assert.deepEqual(rule.problems, [], `${describeLoad(load)}: ${rule.problems.join('; ')}`);
    assert.ok(out.claims.some((c) => c.id === 'threads-gil-cpu'), 'the chapter decides the GIL claim');
    assert.ok(!/cannot run here/.test(out.claims.find((c) => c.id === 'threads-gil-cpu').why ?? ''), 'threads-gil ran');

    // Every threads-gil run of the chapter: the single build, on the pool's lanes, one thread's Python at a
    // time, and the GIL handed over on request.
    const gil = out.results.filter(({ name }) => name.endsWith('/threads-gil')).map(({ result }) => result);
    assert.ok(gil.length >= 1);
    for (const r of gil) {
      assert.equal(r.build, 'single');
      assert.ok(r.tasks.every((task) => /^ThreadPool-\d+$/.test(task.lane)), r.tasks.map((task) => task.lane).join());
      assert.deepEqual(overlappingSpans(r.tasks), [], 'two threads ran Python at once');
      const events = r.events.list;
      assert.deepEqual(holderProblems(events), []);
      assert.ok(events.some((e) => e.kind === 'gil-drop' && e.reason === 'switch'), 'the GIL changed hands on request');
      assert.ok(events.filter((e) => e.kind === 'gil-drop-request').every((e) => /^ThreadPool-\d+$/.test(e.holder)), 'each request names the holder');
    }
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('six 200 ms requests on threads-gil overlap in the single build; the page says the threads take turns on one real thread; a Stop ends a computing run', async () => {
  const { context, page, frame, errors } = await courseFrame('workload=io-fetch&mode=threads-gil&tasks=6&workers=6&latencyMs=200');
  try {
    // As the learner runs it: the frame's Run button, and the timeline with its sentence.
    await frame.click('#run');
    await frame.waitForSelector('#timeline:not([hidden]) .timeline-caption', { timeout: 30_000 });
    assert.match(await frame.textContent('#timeline .turns-note'), /take turns on one real thread/);
    await shot(page, 'single-threads-gil-io');

    const r = await frame.evaluate(() => window.lab.run({ workload: 'io-fetch', mode: 'threads-gil', tasks: 6, workers: 6, latencyMs: 200 }));
    assert.equal(r.build, 'single');
    assert.equal(r.value, 1200, 'each request reports the delay it applied');
    // All six were in flight at once (the waits overlap): well under six requests one after another.
    assert.ok(allWaitingAtOnce(r.tasks), JSON.stringify(r.tasks.map((task) => task.spans)));
    assert.ok(r.wallMs < 6 * 200, `${r.wallMs} ms`);
    assert.ok(r.tasks.every((task) => task.ioWaitMs >= 200), 'each waited for its answer');
    // Each thread took the GIL and dropped it for its request within a tick of the frame's clock: the
    // record still has them in the order they happened.
    assert.deepEqual(holderProblems(r.events.list), []);
    assert.equal(r.events.list.filter((e) => e.kind === 'gil-drop' && e.reason === 'io').length, 6);

    // A Stop during CPU work of minutes: the run rejects with its Result, unfinished tasks cancelled; the
    // engine answered (no crash) and runs the next one.
    const stopped = await frame.evaluate(
      () =>
        new Promise((resolve) => {
          window.lab.run({ workload: 'cpu-primes', mode: 'threads-gil', tasks: 4, workers: 4, size: 2_000_000_000 }).then(
            (x) => resolve({ name: 'finished', wallMs: x.wallMs }),
            (e) => resolve({ name: e.name, message: e.message, build: e.result?.build, statuses: e.result?.tasks.map((task) => task.status) }),
          );
          setTimeout(() => window.lab.cancel(), 500);
        }),
    );
    assert.equal(stopped.name, 'AbortError', JSON.stringify(stopped));
    assert.equal(stopped.build, 'single');
    assert.ok(stopped.statuses.includes('cancelled') && stopped.statuses.every((s) => s === 'ok' || s === 'cancelled'), stopped.statuses.join());
    const after = await frame.evaluate(() => window.lab.run({ workload: 'cpu-primes', mode: 'threads-gil', tasks: 2, workers: 2, size: 20000 }));
    assert.equal(after.value, 2262);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
