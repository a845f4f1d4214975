// Course activities over SPLICE (issue 24), with no run: a course page on another origin that speaks SPLICE
// as Runestone does (docs/splice-host.html: the state kept and sent back as a JSON string) embeds the `gil`
// activity with scoring=correct, and sends back states made here (fixtures), so verdicts, including an
// inconclusive one, are exactly what the test says, whatever the machine's load:
//  - all right and the claims borne out give 1; one of three wrong gives 2/3; an inconclusive claim leaves
//    its question unscored (the page asks for another run); restored with no run; nothing reported before
//    the learner's first change, and at once on the explanation's blur;
//  - a message from another window is ignored (and the parent's first matching answer used);
//  - a malformed state; a state from an older catalogue (answers dropped, the page says so);
//  - a host that never answers getState; a late answer (applied if nothing changed, not otherwise);
//  - a state at the 16 KiB cap, and one byte over it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch } from './helpers.mjs';
import { labFrame } from './embed-helpers.mjs';
import { startSpliceHost, received, bySubject, gilState, hostShot, BORNE_OUT, ALL_RIGHT } from './activity-helpers.mjs';

let server, host, browser, context;
const KEY = 'splice-state:chapter/gil/predict';

before(async () => {
  [server, host, browser] = await Promise.all([startServer(), startSpliceHost(), launch()]);
  context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
});
after(async () => {
  await context?.close();
  await browser?.close();
  await host?.close();
  server?.close();
});

const activitySrc = (extra = '') => `${server.url}embed.html?chapter=gil&activity=predict&scoring=correct${extra}`;

/** Opens the host with `stored` as its saved state (a string, or null for none) and the activity in its frame. */
async function open(stored, query = '', extra = '') {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // The host's saved state, set on its own origin before the activity asks for it.
  await page.goto(`${host.origin}/splice-host.html`);
  await page.evaluate(([k, v]) => (v === null ? localStorage.removeItem(k) : localStorage.setItem(k, v)), [KEY, stored]);
  await page.goto(host.url(activitySrc(extra), query));
  const frame = await labFrame(page);
  await frame.waitForSelector('fieldset[data-question="threads-help"]');
  return { page, frame, errors };
}

const activity = (frame) => frame.evaluate(() => window.lab.activity());
const reports = async (page) => bySubject(await received(page), 'SPLICE.reportScoreAndState');

/** Types an explanation with the keyboard and leaves the box (Tab): the report goes at once. */
async function explain(page, frame, text) {
  await frame.focus('textarea[name=explanation]');
  await page.keyboard.type(text);
  const before = (await reports(page)).length;
  await page.keyboard.press('Tab');
  await page.waitForFunction((n) => window.splice.filter((m) => m.data.subject === 'SPLICE.reportScoreAndState').length > n, before, { timeout: 500 });
  return (await reports(page)).at(-1).data;
}

test('restored from the host\'s JSON string with no run: all right and borne out give 1, and nothing is reported before a change', async () => {
  const { page, frame, errors } = await open(gilState({ answers: ALL_RIGHT, verdicts: BORNE_OUT }));
  await frame.waitForSelector('.activity-results');
  const msgs = await received(page);
  const gets = bySubject(msgs, 'SPLICE.getState');
  assert.equal(gets.length, 1);
  assert.equal(gets[0].data.content_id, 'chapter/gil/predict');
  assert.deepEqual(Object.keys(gets[0].data).sort(), ['content_id', 'message_id', 'subject']);
  assert.equal((await reports(page)).length, 0, 'nothing reported before the learner changes anything');
  const state = await activity(frame);
  assert.equal(state.score, 1);
  assert.deepEqual(state.scored, ['threads-help', 'processes-help', 'threads-speedup']);
  assert.deepEqual(state.answers, ALL_RIGHT);
  assert.equal(state.user_id, undefined);
  // Restored with no run: nothing ran, nothing was recorded, and the answers are locked.
  assert.equal((await frame.evaluate(() => window.lab.history())).length, 0);
  assert.equal(await frame.evaluate(() => window.lab.status().state), 'ready');
  assert.equal(await frame.$eval('fieldset[data-question="threads-help"]', (f) => f.disabled), true);
  assert.equal(await frame.$eval('#q-threads-help-0', (i) => i.checked), true);
  const outcomes = await frame.$$eval('.activity-verdict', (li) => li.map((x) => [x.dataset.question, x.dataset.outcome]));
  assert.deepEqual(outcomes, [['threads-help', 'right'], ['processes-help', 'right'], ['threads-speedup', 'right']]);
  assert.match(await frame.textContent('.activity-notices'), /Restored your answers from your course/);
  // The first change (an explanation, then leaving the box) is reported at once, with the score.
  const report = await explain(page, frame, 'Only one thread holds the GIL at a time.');
  assert.equal(report.score, 1);
  assert.equal(report.state.explanation, 'Only one thread holds the GIL at a time.');
  assert.deepEqual(Object.keys(report).sort(), ['message_id', 'score', 'state', 'subject']);
  // What left the frame: never the user id the host sent.
  assert.doesNotMatch(JSON.stringify(await received(page)), /learner-1|user_id|context_id|user_model/);
  // The host stored it as a JSON string, as Runestone does.
  const stored = await page.evaluate((k) => localStorage.getItem(k), KEY);
  assert.equal(JSON.parse(stored).explanation, 'Only one thread holds the GIL at a time.');
  await hostShot(page, 'activity-restored-all-right');
  assert.deepEqual(errors, []);
  await page.close();
});

test('one of three wrong gives 2/3; a claim left inconclusive leaves its question unscored and asks for another run', async () => {
  {
    const { page, frame } = await open(gilState({ answers: { ...ALL_RIGHT, 'threads-speedup': 4 }, verdicts: BORNE_OUT }));
    await frame.waitForSelector('.activity-results');
    assert.equal((await activity(frame)).score, 2 / 3);
    assert.equal(await frame.$eval('[data-question="threads-speedup"].activity-verdict', (li) => li.dataset.outcome), 'wrong');
    const report = await explain(page, frame, 'Threads take turns under the GIL.');
    assert.equal(report.score, 2 / 3);
    assert.deepEqual(report.state.correct, ['threads-help', 'processes-help']);
    await page.close();
  }
  {
    const busy = { ...BORNE_OUT, 'processes-cpu': { verdict: 'inconclusive', speedup: 1.05, text: 'processes: 1.05× (the machine was busy)' } };
    const { page, frame } = await open(gilState({ answers: ALL_RIGHT, verdicts: busy }));
    await frame.waitForSelector('.activity-results');
    const state = await activity(frame);
    assert.deepEqual(state.scored, ['threads-help', 'threads-speedup']);
    assert.deepEqual(state.untestable, []);
    assert.equal(state.score, 1, 'the busy machine does not count against the learner');
    assert.equal(await frame.$eval('[data-question="processes-help"].activity-verdict', (li) => li.dataset.outcome), 'unscored');
    assert.match(await frame.textContent('.activity-again'), /not scored yet.*Run the experiment again/);
    await hostShot(page, 'activity-inconclusive');
    await page.close();
  }
  {
    // A mode Unavailable here: untestable, listed, and not asked again.
    const off = { ...BORNE_OUT, 'processes-cpu': { verdict: 'inconclusive', speedup: null, text: 'processes: not measured', unavailable: true } };
    const { page, frame } = await open(gilState({ answers: ALL_RIGHT, verdicts: off }));
    await frame.waitForSelector('.activity-results');
    const state = await activity(frame);
    assert.deepEqual(state.untestable, ['processes-help']);
    assert.equal(state.score, 1);
    await page.close();
  }
});

test('a message from another window is ignored; the parent\'s first matching answer is used, a second one is not', async () => {
  const { page, frame } = await open(null, '&never=1');
  const id = bySubject(await received(page), 'SPLICE.getState')[0].data.message_id;
  // A sibling frame of the course page (same origin as the host, not the lab's parent) answers first.
  await page.evaluate(([id, state]) => {
    const f = document.createElement('iframe');
    f.srcdoc = '<p>another window</p>';
    document.body.append(f);
    f.contentWindow.eval(`parent.document.getElementById('lab').contentWindow.postMessage(${JSON.stringify({ subject: 'SPLICE.getState.response', message_id: id, state })}, '*')`);
  }, [id, gilState({ answers: { 'threads-help': 'no' }, verdicts: {}, runIds: [] })]);
  await page.waitForTimeout(300);
  assert.deepEqual((await activity(frame)).answers, {}, 'not from the parent: ignored');
  // The parent with a wrong id: ignored. Then the parent with the right id, an object this time: used.
  await page.evaluate((s) => window.send({ subject: 'SPLICE.getState.response', message_id: 'not-the-request', state: s }), gilState({ answers: { 'threads-help': 'no' }, verdicts: {}, runIds: [] }));
  await page.waitForTimeout(200);
  assert.deepEqual((await activity(frame)).answers, {});
  await page.evaluate(([id, s]) => window.send({ subject: 'SPLICE.getState.response', message_id: id, state: JSON.parse(s), user_id: 'learner-1' }), [id, gilState({ answers: { 'processes-help': 'yes', 'old-question': 'yes' }, verdicts: {}, runIds: [] })]);
  await frame.waitForFunction(() => window.lab.activity().answers['processes-help'] === 'yes');
  // An answer to a question this activity no longer asks is dropped, and the page says so.
  assert.deepEqual((await activity(frame)).answers, { 'processes-help': 'yes' });
  assert.match(await frame.textContent('.activity-notices'), /1 saved answer .* was dropped/);
  assert.equal(await frame.$eval('#q-processes-help-0', (i) => i.checked), true);
  await page.evaluate(([id, s]) => window.send({ subject: 'SPLICE.getState.response', message_id: id, state: s }), [id, gilState({ answers: { 'processes-help': 'no' }, verdicts: {}, runIds: [] })]);
  await page.waitForTimeout(200);
  assert.equal((await activity(frame)).answers['processes-help'], 'yes', 'only the first matching answer counts');
  await page.close();
});

test('a malformed state, and states at the size cap and one byte over it', async () => {
  {
    const { page, frame, errors } = await open('{"v":1,"chapter":"gil",');
    await frame.waitForFunction(() => /could not be used/.test(document.querySelector('.activity-notices')?.textContent ?? ''));
    assert.match(await frame.textContent('.activity-notices'), /not JSON.*starts afresh/);
    assert.deepEqual((await activity(frame)).answers, {});
    assert.equal(await frame.$eval('#chapter-run', (b) => b.disabled), true, 'fresh: answer first');
    assert.deepEqual(errors, []);
    await page.close();
  }
  {
    // Markup in restored text is shown as text, never as HTML.
    const { page, frame } = await open(gilState({ answers: ALL_RIGHT, verdicts: { ...BORNE_OUT, 'threads-gil-cpu': { ...BORNE_OUT['threads-gil-cpu'], text: '<img src=x onerror="window.pwned=1">' } }, explanation: '<b>bold</b>' }));
    await frame.waitForSelector('.activity-results');
    assert.equal(await frame.$$eval('.activity-results img, .activity-results b', (x) => x.length), 0);
    assert.equal(await frame.$eval('textarea[name=explanation]', (t) => t.value), '<b>bold</b>');
    assert.equal(await frame.evaluate(() => window.pwned), undefined);
    await page.close();
  }
  const json = gilState({ answers: ALL_RIGHT, verdicts: BORNE_OUT });
  const pad = (bytes) => json.slice(0, -1) + ' '.repeat(bytes - Buffer.byteLength(json)) + '}';
  {
    const atCap = pad(16 * 1024);
    assert.equal(Buffer.byteLength(atCap), 16384);
    const { page, frame } = await open(atCap);
    await frame.waitForSelector('.activity-results');
    assert.equal((await activity(frame)).score, 1);
    await page.close();
  }
  {
    const { page, frame } = await open(pad(16 * 1024 + 1));
    await frame.waitForFunction(() => /could not be used/.test(document.querySelector('.activity-notices')?.textContent ?? ''));
    assert.match(await frame.textContent('.activity-notices'), /larger than 16384 bytes/);
    assert.deepEqual((await activity(frame)).answers, {});
    await page.close();
  }
});

test('a host that never answers getState: the activity works, and reports within a second of a change, at most once a second', async () => {
  const { page, frame } = await open(null, '&never=1');
  await page.waitForTimeout(300);
  assert.equal((await reports(page)).length, 0);
  // Keyboard only: a radio with Space, another with the arrow keys.
  await frame.focus('#q-threads-help-1');
  await page.keyboard.press('Space');
  await frame.focus('#q-processes-help-0');
  await page.keyboard.press('Space');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowUp');
  await page.waitForFunction(() => window.splice.some((m) => m.data.subject === 'SPLICE.reportScoreAndState'), null, { timeout: 1500 });
  await page.waitForTimeout(1500);
  const rs = await reports(page);
  assert.ok(rs.length >= 1 && rs.length <= 3, `${rs.length} reports`);
  for (let i = 1; i < rs.length; i++) assert.ok(rs[i].t - rs[i - 1].t >= 950, 'at most once a second');
  assert.deepEqual(rs.at(-1).data.state.answers, { 'threads-help': 'no', 'processes-help': 'yes' });
  assert.equal(rs.at(-1).data.score, 0, 'nothing decided yet');
  // The estimate by keyboard: Enter keeps 1×, the arrows move one stop along the log scale.
  assert.equal(await frame.$eval('#chapter-run', (b) => b.disabled), true);
  await frame.focus('#q-threads-speedup');
  await page.keyboard.press('ArrowRight');
  assert.equal((await activity(frame)).answers['threads-speedup'], 1.25);
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  assert.equal((await activity(frame)).answers['threads-speedup'], 0.8);
  assert.equal(await frame.$eval('#chapter-run', (b) => b.disabled), false, 'every question answered: the run may start');
  // Before the answers lock, what would give them away is hidden.
  assert.equal(await frame.$eval('.cpython', (p) => p.hidden), true);
  assert.equal(await frame.$$eval('.lesson-note', (n) => n.every((x) => x.hidden)), true);
  await hostShot(page, 'activity-open');
  await page.close();
});

test('a late answer is applied if nothing changed yet, and not once the learner has changed something', async () => {
  const saved = gilState({ answers: ALL_RIGHT, verdicts: BORNE_OUT });
  {
    const { page, frame } = await open(saved, '&delay=2500');
    assert.deepEqual((await activity(frame)).answers, {});
    await frame.waitForSelector('.activity-results', { timeout: 10_000 });
    assert.deepEqual((await activity(frame)).answers, ALL_RIGHT);
    await page.close();
  }
  {
    const { page, frame } = await open(saved, '&delay=4000');
    await frame.focus('#q-threads-help-1');
    await page.keyboard.press('Space');
    await page.waitForTimeout(4500);
    assert.deepEqual((await activity(frame)).answers, { 'threads-help': 'no' }, 'the learner\'s own answer stays');
    assert.equal(await frame.$$eval('.activity-results', (x) => x.length), 0);
    await page.close();
  }
});
