// A chapter of the lesson run through `lab.lesson.run` (or its button) in any page or frame the drivers
// reach, its verdicts judged against the machine's load as the operating system saw it (../e2e/load.mjs:
// quiet, every claim borne out; busy, borne out or inconclusive saying busy; never refuted). One place for
// the cross-browser tests that run chapters (cross-browser.test.mjs at the top level, course-frame.test.mjs
// in a course page's frame).
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { claimsShownIn, comparesOf, describeLoad, machinesOf, othersDuring, verdictRule } from '../e2e/load.mjs';
import { loadTs } from '../unit/load-ts.mjs';

const verdicts = loadTs('www/src/measure/verdicts.ts');
const decide = loadTs('www/src/capabilities/decide.ts');

/**
 * Cores measured, not read (issue 22, item 6): the cores the page counts on now, and those the next visit
 * would count on from the best reading its probes have kept, are at most the machine's, as the operating
 * system reports them to Node (never the browser's `hardwareConcurrency`: WebKitGTK says 4 on 2 cores).
 */
export async function assertCoresAtMost(status, what) {
  const cores = availableParallelism();
  const c = status.capabilities;
  const { coresOf, withReading } = await decide;
  const next = coresOf(c.hardwareConcurrency, withReading(undefined, c.coresMeasured, c.hardwareConcurrency)).cores;
  assert.ok(c.cores <= cores, `${what}: the page counts ${c.cores} cores on a ${cores}-core machine (${JSON.stringify(c)})`);
  assert.ok(next <= cores, `${what}: the probes' best reading ${c.coresMeasured} would count ${next} cores on a ${cores}-core machine`);
}

/** Each experiment's rounds, ms, mode by mode, and their orders: what a verdict came from, for a failure's message. */
const roundsSaid = (outcomes) =>
  Object.entries(outcomes)
    .map(([x, o]) => {
      const ms = Object.entries(o).filter(([, r]) => r.rounds).map(([m, r]) => `${m} ${r.rounds.map((w) => Math.round(w)).join('/')}`);
      const orders = Object.values(o).find((r) => r.measurement?.orders)?.measurement.orders ?? [];
      return `${x}: ${ms.join(', ')} (orders ${orders.map((a) => a.map((m) => m.slice(0, 3)).join('>')).join(' ')})`;
    })
    .join('; ');

/**
 * Runs chapter `id` with `evaluate` (a page's `evaluate`, or a frame's through `evaluateIn`) and judges it.
 * Claims in `unavailable` (their mode cannot run in this build) are left out of the rule; the caller checks
 * them. Resolves to `{ claims, status, rule: { cls, problems }, said }` (`said`: a line for `t.diagnostic`).
 */
export async function judgedChapter(evaluate, id, { unavailable = [] } = {}) {
  const { value, load } = await othersDuring(() =>
    evaluate(
      (chapter) =>
        window.lab.lesson.run(chapter).then((run) => ({
          claims: run.claims,
          // Only what machinesOf reads: each Compare's probes and the machine each Result saw.
          outcomes: Object.fromEntries(
            Object.entries(run.outcomes).map(([k, o]) => [k, Object.fromEntries(Object.entries(o).map(([m, r]) => [m, r.measurement ? { measurement: { probes: r.measurement.probes, orders: r.measurement.orders }, machine: { parallelism: r.machine.parallelism }, rounds: r.rounds } : {}]))]),
          ),
          status: window.lab.status(),
        })),
      id,
    ),
  );
  return judged(id, value.claims, value.status, machinesOf(value), load, { unavailable, rounds: roundsSaid(value.outcomes) });
}

/** A chapter's verdicts judged by the load's rule: `{ claims, status, rule, said }`. */
async function judged(label, claims, status, machines, load, { unavailable = [], rounds } = {}) {
  const { NEEDS_IDLE_MACHINE, BUSY_SHARE } = await verdicts;
  const rule = verdictRule({ claims: claims.filter((c) => !unavailable.includes(c.id)), machines, load, needsIdle: NEEDS_IDLE_MACHINE, busyShare: BUSY_SHARE });
  const said = `${label}: ${describeLoad(load)} (${rule.cls}); probes ${machines.map((m) => m.probes.join(' ')).join(' | ')}; ${claims.map((c) => `${c.id} ${c.verdict} ${c.measured.text}`).join('; ')}${rounds ? `; rounds ${rounds}` : ''}`;
  return { claims, status, rule, said };
}

/**
 * The chapter the page (or frame) shows, run as a learner runs it: its button pressed, its verdicts read as
 * the view shows them, each Compare's probes from the rows the run recorded (../e2e/load.mjs `comparesOf`),
 * judged as `judgedChapter` judges. Resolves to `{ claims, status, rule, said }`.
 */
export async function judgedChapterByButton(evaluate, id) {
  const earlier = await evaluate(() => window.lab.history().then((h) => h.length));
  const { load } = await othersDuring(() =>
    evaluate(
      (chapter) =>
        new Promise((resolve, reject) => {
          // The view draws the chapter anew as the run goes: its article is looked up each time.
          const shown = () => document.querySelector('article.chapter');
          if (shown()?.dataset.chapter !== chapter) return reject(new Error(`the page shows chapter ${shown()?.dataset.chapter}, not ${chapter}`));
          document.querySelector('#chapter-run').click();
          const t0 = Date.now();
          const tick = () => {
            if (shown()?.dataset.state === 'done' && window.lab.status().state === 'ready') resolve();
            else if (Date.now() - t0 > 280_000) reject(new Error(`the chapter's run did not end: the view says ${shown()?.dataset.state}, the lab ${window.lab.status().state}`));
            else setTimeout(tick, 200);
          };
          setTimeout(tick, 200);
        }),
      id,
    ),
  );
  const claims = await evaluate(claimsShownIn);
  // The rows the run recorded: only what comparesOf reads of each.
  const rows = await evaluate(
    (from) => window.lab.history().then((all) => all.slice(from).filter((r) => r.measurement).map((r) => ({ measurement: { orders: r.measurement.orders, probes: r.measurement.probes }, machine: { parallelism: r.machine.parallelism } }))),
    earlier,
  );
  const status = await evaluate(() => window.lab.status());
  return judged(`${id} (its button)`, claims, status, comparesOf(rows).machines, load);
}

/**
 * A page function (self-contained: each driver sends its source): once the chapter shown has come back from
 * the history with `count` verdicts (30 s at most, after a reload), its verdicts by claim.
 */
export function restoredVerdicts(count) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      const claims = [...document.querySelectorAll('.chapter-claims .claim')];
      if (claims.length >= count && document.querySelector('article.chapter')?.dataset.state === 'done') {
        resolve(Object.fromEntries(claims.map((c) => [c.dataset.claim, c.dataset.verdict])));
      } else if (Date.now() - t0 > 30_000) reject(new Error(`after the reload the chapter showed ${claims.length} verdicts of ${count}`));
      else setTimeout(tick, 100);
    };
    tick();
  });
}
