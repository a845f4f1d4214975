// The lab's verdicts beside other programs (issue 20, items 3 and 6): the GIL chapter (threads under the
// GIL, and processes, on CPU work), from a fresh page, with another program holding a core, and beside a
// build's bursty load (two jobs on for 3 s, off for 3 s). The load is read from the operating system
// (tests/e2e/load.mjs), not from the lab, and the verdicts must follow the rule for claims CPython bears
// out: on a quiet machine borne out, on a busy one borne out or inconclusive with the busy reason (and the
// lab's probe saw the machine busy), never not-borne-out.
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

/** Runs the GIL chapter from a fresh page with `load` beside it; returns the run, the load others used, the rule's reading. */
async function gilChapterBeside(t, name, start) {
  const { context, page, errors } = await freshPage(session.browser, session.server.url, '?chapter=gil');
  const generator = start();
  try {
    const { value: run, load } = await othersDuring(() => page.evaluate(() => window.lab.lesson.run('gil')));
    const rule = verdictRule({ claims: run.claims, machines: machinesOf(run), load, needsIdle: verdicts.NEEDS_IDLE_MACHINE, busyShare: verdicts.BUSY_SHARE });
    const probes = machinesOf(run).map((m) => m.probes.join(' '));
    t.diagnostic(`${name}: ${describeLoad(load)} (${rule.cls}); the lab's probes: ${probes}; ${run.claims.map((c) => `${c.id} ${c.verdict}`).join(', ')}`);
    assert.deepEqual(rule.problems, [], `${name}, ${describeLoad(load)}: ${rule.problems.join('; ')}`);
    assert.equal(run.claims.length, 2, 'the chapter decides its two claims');
    assert.deepEqual(errors, []);
    return { run, load, rule };
  } finally {
    generator.stop();
    await context.close();
  }
}

test('with another program holding a core, the GIL chapter never calls the lesson false, and the lab sees the busy core', async (t) => {
  if (CORES < 2) return t.skip('one core: nothing parallel to test');
  const { load } = await gilChapterBeside(t, 'a held core', holdCore);
  // The operating system saw the held core (a check of the load reader): a busy loop beside a lab that uses
  // at most two cores gets at least a third of a core on two.
  assert.ok(load.cores >= 1 / 3, `a held core used ${load.cores} cores`);
});

test("beside a build's bursty load (two jobs, 3 s on, 3 s off), the GIL chapter never calls the lesson false", async (t) => {
  if (CORES < 2) return t.skip('one core: nothing parallel to test');
  const { load } = await gilChapterBeside(t, 'a bursty load', () => burstyLoad({ jobs: 2, onMs: 3000, offMs: 3000 }));
  assert.ok(load.peak >= 0.5, `the bursts were seen: at most ${load.peak} cores in a second`);
});
