// The lab's verdicts beside other programs (issue 20, items 3 and 6), from fresh pages: a Compare of CPU work
// at defaults (every mode) with another program holding a core, and the GIL chapter (threads under the GIL,
// and processes) beside a build's bursty load (two jobs on for 3 s, off for 3 s). The load is read from the
// operating system (./load.mjs), not from the lab, and the verdicts must follow the rule for claims CPython
// bears out: on a quiet machine borne out; on a busy one borne out or inconclusive with the busy reason, the
// lab's probe having seen the machine busy; never not-borne-out.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { freshPage, labSession } from './helpers.mjs';
import { burstyLoad, CORES, describeLoad, holdCore, machinesOf, othersDuring, verdictRule } from './load.mjs';
import { loadTs } from '../unit/load-ts.mjs';

const session = labSession();
let verdicts;
before(async () => {
  verdicts = await loadTs('www/src/measure/verdicts.ts');
});

/**
 * Runs `experiment(page)` on a fresh page (at `path`) with the generator `start()` starts beside it; checks
 * the rule on what it returns (`{ claims, machines }`); returns that and the load others used.
 */
async function beside(t, name, start, path, experiment) {
  const { context, page, errors } = await freshPage(session.browser, session.server.url, path);
  const generator = start();
  try {
    const { value, load } = await othersDuring(() => experiment(page));
    const rule = verdictRule({ claims: value.claims, machines: value.machines, load, needsIdle: verdicts.NEEDS_IDLE_MACHINE, busyShare: verdicts.BUSY_SHARE });
    t.diagnostic(`${name}: ${describeLoad(load)} (${rule.cls}); the lab's probes: ${value.machines.map((m) => m.probes.join(' ')).join(' | ')}; ${value.claims.map((c) => `${c.id} ${c.verdict}`).join(', ')}`);
    assert.deepEqual(rule.problems, [], `${name}, ${describeLoad(load)}: ${rule.problems.join('; ')}`);
    assert.deepEqual(errors, []);
    return { ...value, load };
  } finally {
    generator.stop();
    await context.close();
  }
}

test('with another program holding a core, a Compare of CPU work at defaults never calls the lesson false', async (t) => {
  if (CORES < 2) return t.skip('one core: nothing parallel to test');
  const { claims, load } = await beside(t, 'a held core', holdCore, '#playground', (page) =>
    page.evaluate(() =>
      window.lab.compare({ workload: 'cpu-primes' }).then((o) => ({
        claims: window.lab.claims(o),
        machines: [{ parallelism: o.sequential.machine.parallelism, probes: o.sequential.measurement.probes }],
      })),
    ),
  );
  assert.ok(claims.some((c) => c.id === 'processes-cpu') && claims.some((c) => c.id === 'threads-gil-cpu'), claims.map((c) => c.id).join());
  // The operating system saw the held core (a check of the load reader): a busy loop beside a lab that uses
  // two cores at most gets at least a third of one of two.
  assert.ok(load.cores >= 1 / 3, `a held core: others used ${load.cores} cores`);
});

test("beside a build's bursty load (two jobs, 3 s on, 3 s off), the GIL chapter never calls the lesson false", async (t) => {
  if (CORES < 2) return t.skip('one core: nothing parallel to test');
  const { claims, load } = await beside(t, 'a bursty load', () => burstyLoad({ jobs: 2, onMs: 3000, offMs: 3000 }), '?chapter=gil', (page) =>
    page.evaluate(() => window.lab.lesson.run('gil')).then((run) => ({ claims: run.claims, machines: machinesOf(run) })),
  );
  assert.equal(claims.length, 2, 'the chapter decides its two claims');
  assert.ok(load.peak >= 0.5, `the bursts were seen: others used at most ${load.peak} cores in a second`);
});
