// Course activities (issue 24) with a real run: a course page on another origin that speaks SPLICE
// (docs/splice-host.html, state kept as a JSON string) embeds the `gil` activity with scoring=correct and
// parentOrigin naming it. Keyboard only: the learner answers, runs the experiment, explains. Checked:
// the answers lock at the run; sendEvent run-started and run-finished carry only { chapter, runId,
// verdicts }; the allowed host hears lab:result; the score reported is the share answered as measured here
// among the questions whose claims the run decided (computed here from the verdicts the run gave, so any
// machine load gives a right expectation); on reload the activity comes back from getState.response with no
// run; axe finds no serious issue. Then the main page's activity, with no course around it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { startServer, launch } from './helpers.mjs';
import { labFrame, labReady } from './embed-helpers.mjs';
import { startSpliceHost, received, bySubject, hostShot } from './activity-helpers.mjs';

const AXE = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
let server, host, browser;

before(async () => {
  [server, host, browser] = await Promise.all([startServer(), startSpliceHost(), launch()]);
});
after(async () => {
  await browser?.close();
  await host?.close();
  server?.close();
});

async function axe(target, label) {
  await target.evaluate(AXE);
  const violations = await target.evaluate(() =>
    window.axe
      .run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })
      .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')}: ${n.failureSummary}`) }))),
  );
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  console.log(`# axe ${label}: ${bad.length} serious/critical; minor: ${violations.filter((v) => !bad.includes(v)).map((v) => `${v.id} (${v.impact})`).join(', ') || 'none'}`);
  assert.deepEqual(bad, [], `${label}: ${JSON.stringify(bad, null, 1)}`);
}

/** What the test expects, from the verdicts alone: the answer key of the gil chapter's questions. */
function expected(state) {
  const key = { 'threads-help': 'threads-gil-cpu', 'processes-help': 'processes-cpu', 'threads-speedup': 'threads-gil-cpu' };
  const scored = [];
  const right = [];
  for (const [q, claim] of Object.entries(key)) {
    const k = state.verdicts[claim];
    if (!k || k.unavailable || k.verdict === 'inconclusive') continue;
    scored.push(q);
    const a = state.answers[q];
    const ok = q === 'threads-speedup' ? Math.max(a / k.speedup, k.speedup / a) <= 1.5 : (a === 'yes') === (k.verdict === 'borne-out');
    if (ok) right.push(q);
  }
  return { scored, right, score: scored.length ? right.length / scored.length : 0 };
}

test('the gil activity in a SPLICE course page: predict, run, explain by keyboard; score as measured; restored on reload with no run', async () => {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 }, reducedMotion: 'reduce' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const src = `${server.url}embed.html?chapter=gil&activity=predict&scoring=correct&parentOrigin=${encodeURIComponent(host.origin)}`;
  await page.goto(host.url(src));
  const frame = await labFrame(page);
  await frame.waitForSelector('fieldset[data-question="threads-speedup"]');
  // Each question is a fieldset with a legend; the run waits for the answers; the give-aways are hidden.
  assert.deepEqual(await frame.$$eval('fieldset[data-question]', (fs) => fs.map((f) => [f.dataset.question, !!f.querySelector('legend')?.textContent])), [['threads-help', true], ['processes-help', true], ['threads-speedup', true]]);
  const run = frame.getByRole('button', { name: 'Run the experiment' });
  assert.equal(await run.isDisabled(), true);
  assert.equal(await frame.$eval('.cpython', (p) => p.hidden), true);
  await axe(frame, 'activity before the run');

  // Keyboard only.
  await frame.focus('#q-threads-help-0');
  await page.keyboard.press('Space');
  await page.keyboard.press('Tab'); // to the next group
  await page.keyboard.press('Space');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter'); // the slider: keep 1×
  assert.deepEqual((await frame.evaluate(() => window.lab.activity())).answers, { 'threads-help': 'yes', 'processes-help': 'yes', 'threads-speedup': 1 });
  assert.equal(await run.isDisabled(), false);
  await run.focus();
  await page.keyboard.press('Enter');
  await frame.waitForFunction(() => document.querySelector('fieldset[data-question="threads-help"]')?.disabled === true, null, { timeout: 5000 });
  await frame.waitForSelector('.activity-results', { timeout: 120_000 });
  await page.waitForFunction(() => window.splice.some((m) => m.data.subject === 'SPLICE.sendEvent' && m.data.name === 'run-finished'), null, { timeout: 5000 });

  const state = await frame.evaluate(() => window.lab.activity());
  assert.deepEqual(Object.keys(state.verdicts).sort(), ['processes-cpu', 'threads-gil-cpu']);
  const want = expected(state);
  console.log(`# verdicts ${JSON.stringify(Object.fromEntries(Object.entries(state.verdicts).map(([k, v]) => [k, `${v.verdict} ${v.speedup}`])))}; score ${state.score}`);
  assert.deepEqual(state.scored, want.scored);
  assert.deepEqual(state.correct, want.right);
  assert.equal(state.score, want.score);
  assert.equal(state.runIds.length, 1);

  const msgs = await received(page);
  for (const m of msgs) assert.equal(m.origin, new URL(server.url).origin);
  const events = bySubject(msgs, 'SPLICE.sendEvent');
  assert.deepEqual(events.map((e) => e.data.name), ['run-started', 'run-finished']);
  for (const e of events) {
    assert.deepEqual(Object.keys(e.data.data).sort(), ['chapter', 'runId', 'verdicts']);
    assert.equal(e.data.data.chapter, 'gil');
    assert.equal(e.data.data.runId, state.runIds[0]);
  }
  assert.deepEqual(Object.keys(events[1].data.data.verdicts).sort(), ['processes-cpu', 'threads-gil-cpu']);
  // The run's end is reported at once, with the score the page shows.
  const last = bySubject(msgs, 'SPLICE.reportScoreAndState').at(-1).data;
  assert.equal(last.score, want.score);
  assert.deepEqual(last.state, state);
  // The allowed host hears the chapter's run as lab:result (id null: no command of its own caused it).
  const result = msgs.find((m) => m.data.type === 'lab:result');
  assert.ok(result, 'lab:result');
  assert.equal(result.data.id, null);
  assert.equal(result.data.chapter, 'gil');
  assert.deepEqual(result.data.claims.map((c) => c.id).sort(), ['processes-cpu', 'threads-gil-cpu']);
  // The frame sizes itself through lti.frameResize (no host script of the author's for lab:height here).
  const resizes = bySubject(msgs, 'lti.frameResize');
  assert.ok(resizes.length >= 1);
  assert.deepEqual(Object.keys(resizes.at(-1).data).sort(), ['height', 'message_id', 'subject', 'width']);

  // The explanation: typed, then Tab away: reported at once.
  await frame.focus('textarea[name=explanation]');
  await page.keyboard.type('The GIL lets one thread run Python at a time; processes each have their own.');
  await page.keyboard.press('Tab');
  await page.waitForFunction(() => window.splice.filter((m) => m.data.subject === 'SPLICE.reportScoreAndState').at(-1).data.state.explanation.startsWith('The GIL'), null, { timeout: 500 });
  const explained = await frame.evaluate(() => window.lab.activity());
  await axe(frame, 'activity after the run');
  await hostShot(page, 'activity-run-done');

  // Reload: restored from getState.response, with no run.
  const runs = (await frame.evaluate(() => window.lab.history())).length;
  await page.reload();
  const again = await labFrame(page);
  await again.waitForSelector('.activity-results');
  assert.deepEqual(await again.evaluate(() => window.lab.activity()), explained);
  assert.equal(await again.$eval('textarea[name=explanation]', (t) => t.value), explained.explanation);
  assert.equal(await again.$eval('#q-threads-help-0', (i) => i.checked), true);
  assert.equal(await again.$eval('fieldset[data-question="threads-help"]', (f) => f.disabled), true);
  await page.waitForTimeout(1200);
  assert.equal((await again.evaluate(() => window.lab.history())).length, runs, 'no run');
  assert.equal(await again.evaluate(() => window.lab.status().state), 'ready');
  assert.equal(bySubject(await received(page), 'SPLICE.reportScoreAndState').length, 0, 'nothing reported: nothing changed');
  await hostShot(page, 'activity-run-restored');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the main page\'s activity: no course around it, so answers are kept for this visit; lab.lesson.chapters() has the questions', async () => {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${server.url}?chapter=asyncio&activity=predict`);
  await labReady(page);
  await page.waitForSelector('fieldset[data-question="gather-time"]');
  assert.match(await page.textContent('.activity-storage'), /only for this visit/);
  const chapters = await page.evaluate(() => window.lab.lesson.chapters());
  assert.equal(chapters.length, 9);
  for (const c of chapters) assert.ok(c.questions.length >= 2, c.id);
  assert.deepEqual(Object.keys(chapters[0].questions[0]).sort(), ['claim', 'id', 'kind', 'options', 'prompt']);
  await page.check('#q-gather-time-0');
  const st = await page.evaluate(() => window.lab.activity());
  assert.equal(st.chapter, 'asyncio');
  assert.equal(st.scoring, 'completion');
  assert.deepEqual(st.answers, { 'gather-time': 'yes' });
  assert.match(page.url(), /activity=predict/);
  // Another chapter of the path shows no activity; coming back shows it again, answers kept.
  await page.click('.chapter-list a[href="?chapter=gil"]');
  assert.equal(await page.$$eval('.activity', (x) => x.length), 0);
  await page.click('.chapter-list a[href="?chapter=asyncio"]');
  assert.equal(await page.$eval('#q-gather-time-0', (i) => i.checked), true);
  // Without activity=predict, no activity and lab.activity() is null.
  await page.goto(`${server.url}?chapter=asyncio`);
  await labReady(page);
  assert.equal(await page.evaluate(() => window.lab.activity()), null);
  assert.equal(await page.$$eval('.activity', (x) => x.length), 0);
  await context.close();
});
