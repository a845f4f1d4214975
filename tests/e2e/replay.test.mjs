// Replay in Chromium, driven as a learner would: a recorded run stepped through by keyboard alone, the
// state the view shows checked against lab.replay; an exported run imported back replays identically; a
// link carries a run to an instant; bad imports and links are refused naming the field; a long, 8-thread
// threads-gil run stays legible zoomed, its zoom steps drawing no more spans than the pixels hold (how long
// a step takes is the bench's figure: bench/experiments/figures.mjs). Screenshots in tests/out.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { labSession, painted, paintedPixels, shot } from './helpers.mjs';

const AXE = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical violations in the replay view (WCAG 2.1 A/AA and best practice). */
async function scan(page, label) {
  await page.evaluate(AXE);
  const bad = await page.evaluate(() =>
    window.axe
      .run(document.querySelector('#replay-dialog'), { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })
      .then((r) => r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')}: ${n.failureSummary}`) }))),
  );
  assert.deepEqual(bad, [], `${label}: ${JSON.stringify(bad, null, 1)}`);
}

const session = labSession({ page: true });
const dialog = '#replay-dialog';

// A test that failed half-way leaves no replay open over the next one.
beforeEach(() => session.page?.evaluate((sel) => document.querySelector(sel).open && document.querySelector(sel).close(), dialog));

/** The instant the replay view shows, and its state as text (section by section). */
async function shown(page) {
  return page.evaluate((sel) => {
    const d = document.querySelector(sel);
    return { t: Number(d.dataset.t), state: [...d.querySelectorAll('.replay-section')].map((s) => s.innerText.replace(/\s+/g, ' ').trim()) };
  }, dialog);
}

/** Steps `n` events forward with the key `.`, recording every instant's state. */
async function stepThrough(page, n) {
  const seen = [];
  for (let i = 0; i < n; i++) {
    await page.keyboard.press('.');
    seen.push(await shown(page));
  }
  return seen;
}

/** The section of the view titled `title`: its items. */
const section = (page, title) =>
  page.evaluate(
    ([sel, title]) => {
      const s = [...document.querySelectorAll(`${sel} .replay-section`)].find((x) => x.querySelector('h4').textContent === title);
      return s ? [...s.querySelectorAll('li')].map((li) => li.textContent) : [];
    },
    [dialog, title],
  );

test('keyboard only: open a threads-gil run, step, play, pause, scrub, close; the view shows what lab.replay says', async () => {
  const { page, errors } = session;
  // Fixed work, not the calibrated size: the next test sends this run in a link, which holds a run of at
  // most 12,000 characters, and a run of the size calibrated on a quiet machine, slowed by a busy one,
  // makes more GIL hand-overs than that holds (it failed so beside another test). About 0.15 s quiet.
  await page.evaluate(async () => {
    window.__gil = await window.lab.run({ workload: 'cpu-primes', mode: 'threads-gil', tasks: 4, workers: 4, size: 2_000_000 });
  });
  await page.waitForSelector('#timeline[data-mode="threads-gil"] .tl-replay');
  await page.focus('#timeline .tl-replay');
  await page.keyboard.press('Enter');
  await page.waitForSelector(`${dialog}[open]`);
  assert.ok(await page.evaluate(() => document.activeElement.classList.contains('replay-play')), 'the focus starts on Play');

  const steps = await stepThrough(page, 12);
  const expect = await page.evaluate((ts) => {
    const rp = window.lab.replay(window.__gil);
    return { times: rp.times.slice(0, 12), states: ts.map((t) => rp.stateAt(t)) };
  }, steps.map((s) => s.t));
  assert.deepEqual(steps.map((s) => s.t), expect.times, 'each . goes to the next instant at which something happens');
  for (const [i, s] of expect.states.entries()) {
    const holder = steps[i].state.find((x) => x.startsWith('Holds the GIL'));
    if (s.gilHolder) assert.match(holder, new RegExp(`^Holds the GIL ${s.gilHolder} `), `holder at ${steps[i].t}`);
    else assert.match(holder, /nobody/);
    const waiting = steps[i].state.find((x) => x.startsWith('Waiting for the GIL'));
    assert.deepEqual([...waiting.matchAll(/(ThreadPool-\d+) \(task/g)].map((m) => m[1]), s.gilWaiting, `waiters in order at ${steps[i].t}`);
  }
  // (Times read in ms, or in s once past a second: how long the run took depends on the machine.)
  assert.match(await page.textContent(`${dialog} .replay-live`), /^At [\d.]+ m?s of [\d.]+ m?s; .*Holds the GIL: /, 'a screen reader hears the state after a step');

  await page.keyboard.press(',');
  assert.equal((await shown(page)).t, expect.times[10], ', steps back one instant');

  // Tab to the time slider: its keys move by event, by 1% and 10%, to the start and the end.
  for (let i = 0; i < 20 && !(await page.evaluate(() => document.activeElement.classList.contains('replay-scrub'))); i++) await page.keyboard.press('Tab');
  assert.ok(await page.evaluate(() => document.activeElement.getAttribute('role') === 'slider'));
  await page.keyboard.press('End');
  const end = await page.evaluate(() => Math.max(window.__gil.endMs, window.lab.replay(window.__gil).times.at(-1)));
  assert.equal((await shown(page)).t, end);
  assert.deepEqual(await section(page, 'Holds the GIL'), []);
  assert.match(await page.getAttribute(`${dialog} .replay-scrub`, 'aria-valuetext'), /^[\d.]+ m?s of [\d.]+ m?s$/);
  await page.keyboard.press('Home');
  assert.equal((await shown(page)).t, 0);
  await page.keyboard.press('ArrowRight');
  assert.equal((await shown(page)).t, expect.times[0]);

  // Play and pause with K (the slider keeps the focus), and the speed with ] and [.
  const speed = await page.inputValue('#replay-speed');
  await page.keyboard.press(']');
  assert.notEqual(await page.inputValue('#replay-speed'), speed);
  await page.keyboard.press('[');
  assert.equal(await page.inputValue('#replay-speed'), speed);
  await page.keyboard.press('k');
  assert.equal(await page.getAttribute(dialog, 'data-playing'), 'true');
  const before = (await shown(page)).t;
  await page.waitForFunction(([sel, t0]) => Number(document.querySelector(sel).dataset.t) > t0 + 1, [dialog, before], { timeout: 5000 });
  await page.keyboard.press('k');
  assert.equal(await page.getAttribute(dialog, 'data-playing'), 'false');
  const paused = (await shown(page)).t;
  await page.waitForTimeout(300);
  assert.equal((await shown(page)).t, paused, 'paused means paused');
  // The cursor is on the timeline, where the time is.
  const cursor = await page.evaluate((sel) => {
    const c = document.querySelector(`${sel} .tl-cursor:not([hidden])`);
    const rows = c.parentElement.getBoundingClientRect();
    return (c.getBoundingClientRect().left - rows.left) / rows.width;
  }, dialog);
  const window_ = await page.evaluate((sel) => document.querySelector(`${sel} .replay-timeline`).dataset.window.split(',').map(Number), dialog);
  assert.ok(Math.abs(cursor - (paused - window_[0]) / (window_[1] - window_[0])) < 0.01, 'the time cursor sits at the time shown');
  await shot(page, 'replay-threads-gil');
  await scan(page, 'replay of a threads-gil run');

  // Esc closes the view and gives the focus back; it does not stop a run going meanwhile.
  const running = page.evaluate(() => window.lab.run({ workload: 'io-sleep', mode: 'asyncio', tasks: 2, latencyMs: 1200 }).then((r) => r.wallMs, (e) => e.name));
  await page.keyboard.press('Escape');
  assert.equal(await page.evaluate((sel) => document.querySelector(sel).open, dialog), false);
  assert.ok(await page.evaluate(() => document.activeElement.classList.contains('tl-replay')), 'the focus is back on the Replay button');
  assert.equal(typeof (await running), 'number', 'the run went on');
  assert.deepEqual(errors, []);
});

test('asyncio: who runs, the ready queue in order, what each task awaits, and the pstree CPython 3.14 would print', async () => {
  const { page } = session;
  await page.evaluate(async () => {
    window.__aio = await window.lab.run({ workload: 'mixed-pipeline', mode: 'asyncio', tasks: 4, latencyMs: 25 });
  });
  await page.waitForSelector('#timeline[data-mode="asyncio"] .tl-replay');
  await page.click('#timeline .tl-replay');
  await page.waitForSelector(`${dialog}[open]`);
  // Step to the first instant with two tasks in the ready queue.
  let expected;
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('.');
    const { t } = await shown(page);
    expected = await page.evaluate((t) => window.lab.replay(window.__aio).stateAt(t), t);
    if (expected.readyQueue.length >= 2) break;
  }
  assert.ok(expected.readyQueue.length >= 2, 'requests answered while one task computes wait in the ready queue');
  assert.deepEqual((await section(page, 'Ready queue, in order')).map((x) => Number(x.match(/^\d+\. task (\d+)/)[1])), expected.readyQueue);
  assert.deepEqual((await section(page, 'Running on the event loop')).map((x) => Number(x.match(/^task (\d+)/)[1])), expected.running);
  // The frames' lines come from the run's program, which the engine writes in a module fetched on first use:
  // the tree is drawn at once without them, and again with them when the program arrives.
  await page.waitForFunction((sel) => /lab\.py:\d+/.test(document.querySelector(sel)?.textContent ?? ''), `${dialog} .pstree`, { timeout: 10_000 });
  const tree = await page.textContent(`${dialog} .pstree`);
  assert.match(tree, /^\$ python -m asyncio pstree PID\n└── \(T\) Task-1\n {4}└── {2}main lab\.py:\d+\n/);
  for (const id of [...expected.readyQueue, ...expected.running, ...expected.ioWaiting]) assert.ok(tree.includes(`(T) Task-${id + 2}\n`), `task ${id} is in the tree`);
  await shot(page, 'replay-asyncio');
  await scan(page, 'replay of an asyncio run');
  await page.keyboard.press('Escape');
});

test('an exported run imported back replays identically; a link carries it to the same instant', async () => {
  const { page, browser, server } = session;
  // The threads-gil run from the results table, stepped through.
  const row = page.locator('#results tbody tr', { hasText: 'threads-gil' }).first();
  await row.click();
  await page.waitForSelector('#timeline[data-mode="threads-gil"] .tl-replay');
  await page.click('#timeline .tl-replay');
  await page.waitForSelector(`${dialog}[open]`);
  const original = await stepThrough(page, 25);
  await page.keyboard.press('Escape');

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
  const file = await readFile(await download.path(), 'utf8');
  await page.setInputFiles('#import-file', { name: 'my-runs.json', mimeType: 'application/json', buffer: Buffer.from(file) });
  await page.waitForSelector(`${dialog}[open]`);
  assert.match(await page.textContent('#import-status'), /my-runs\.json: \d+ runs imported/);
  const gilRun = await page.evaluate(() => window.__gil.runId);
  const index = JSON.parse(file).results.findIndex((r) => r.runId === gilRun);
  assert.ok(index >= 0);
  await page.selectOption('#replay-pick', String(index));
  await page.focus(`${dialog} .replay-play`);
  const imported = await stepThrough(page, 25);
  assert.deepEqual(imported, original, 'the same instants, the same states');

  // A link to this instant: it carries the run (small enough) and t.
  await page.click(`${dialog} button:text("Copy a link to this instant")`);
  await page.waitForFunction(() => document.querySelector('#replay-link').value.includes('run='));
  const link = await page.inputValue('#replay-link');
  assert.match(link, /\?run=[A-Za-z0-9_-]+&t=[\d.]+$/);
  await page.keyboard.press('Escape');
  const other = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await other.goto(new URL(new URL(link).search, server.url).href);
  await other.waitForSelector(`${dialog}[open]`, { timeout: 60_000 });
  assert.deepEqual(await shown(other), imported.at(-1), 'the link opens the same run at the same instant');
  await shot(other, 'replay-from-link');
  await other.close();
});

test('malformed, oversized and mistyped imports and links are refused, naming the field', async () => {
  const { page, browser, server } = session;
  const importFile = async (name, buffer) => {
    await page.evaluate(() => (document.querySelector('#import-error').hidden = true));
    await page.setInputFiles('#import-file', { name, mimeType: 'application/json', buffer });
    await page.waitForSelector('#import-error:not([hidden])');
    return { text: await page.textContent('#import-error'), field: await page.getAttribute('#import-error', 'data-field') };
  };
  const run = await page.evaluate(() => window.__gil);
  run.tasks[2].spans[5].kind = 'nap';
  const bad = await importFile('bad.json', Buffer.from(JSON.stringify({ v: run.v, exportedAt: 'x', results: [run] })));
  assert.equal(bad.field, 'results[0].tasks[2].spans[5].kind');
  assert.match(bad.text, /^Import refused: results\[0\]\.tasks\[2\]\.spans\[5\]\.kind is "nap": allowed run, run-nogil, gil-wait, io-wait, loop-wait, message, start$/);
  const notJson = await importFile('notes.json', Buffer.from('{"v": 2, "results": ['));
  assert.equal(notJson.field, 'file');
  const huge = await importFile('huge.json', Buffer.alloc(33 * 1024 * 1024, 32));
  assert.equal(huge.field, 'file');
  assert.match(huge.text, /file is 33\.0 MiB: allowed at most 32\.0 MiB/);
  assert.equal(await page.evaluate((sel) => document.querySelector(sel).open, dialog), false, 'nothing refused is replayed');
  await shot(page, 'replay-import-refused');

  // Links: a bad t is named; a mangled run is named; t alone asks for the file.
  // One tab of one browser profile, following each link in turn (its calibration kept after the first).
  const context = await browser.newContext();
  const p = await context.newPage();
  const open = async (query) => {
    await p.goto(new URL(query, server.url).href);
    await p.waitForSelector('#link-error:not([hidden])', { timeout: 60_000 });
    return p.textContent('#link-error');
  };
  assert.match(await open('?t=soon'), /^t must be a time in ms from the run's start, 0 or more/);
  assert.match(await open('?run=AAAA&t=1'), /^run must be a run as the Share button writes it.*does not unpack/);
  assert.match(await open('?t=120'), /points at t = 120 ms of a run shared as a file.*Import the run/);
  await context.close();
});

test('a long 8-thread threads-gil run (seconds of turns, over a thousand hand-overs): legible zoomed, each zoom step drawing at most two spans per pixel per lane', async () => {
  const { page } = session;
  // Fixed work, not sized by the page's calibration (which a busy machine at start-up would shrink): about
  // 9 s on this machine kind (10,000,000 numbers take 1.5 s alone; the work grows as N^1.4); a busy or
  // slower machine only makes it longer, with more hand-overs.
  const spec = { workload: 'cpu-primes', mode: 'threads-gil', tasks: 8, workers: 8, size: 36_000_000 };
  const r = await page.evaluate(async (s) => (window.__long = await window.lab.run(s)), spec);
  const handOvers = await page.evaluate(() => window.lab.replay(window.__long).events.filter((e) => e.kind === 'gil-take').length);
  console.log(`# the run: ${(r.wallMs / 1000).toFixed(1)} s, ${handOvers} GIL hand-overs, ${r.tasks.reduce((a, t) => a + t.spans.length, 0)} spans`);
  assert.ok(handOvers > 800, `${handOvers} hand-overs`);
  await page.waitForSelector('#timeline[data-mode="threads-gil"] .tl-replay');

  // Each zoom step by key, timed in the page: the drawing plus the style and layout it causes.
  const frames = await page.evaluate(async () => {
    const el = document.querySelector('#timeline');
    const bar = el.querySelector('.tl-task');
    bar.focus();
    const out = [];
    // The segments painted on the rows' canvases, as the drawing counted them (views/timeline/draw.ts).
    const segments = () => Number(el.dataset.segments);
    const press = (key, shiftKey = false) => {
      const t0 = performance.now();
      bar.dispatchEvent(new KeyboardEvent('keydown', { key, shiftKey, bubbles: true }));
      void el.getBoundingClientRect().height;
      void bar.offsetWidth;
      return performance.now() - t0;
    };
    for (let i = 0; i < 8; i++) {
      out.push({ key: '+', ms: press('+'), spans: segments(), window: el.dataset.window });
      await new Promise((r) => requestAnimationFrame(() => r()));
    }
    for (let i = 0; i < 6; i++) {
      out.push({ key: 'Shift+ArrowRight', ms: press('ArrowRight', true), spans: segments(), window: el.dataset.window });
      await new Promise((r) => requestAnimationFrame(() => r()));
    }
    return out;
  });
  // How long a step takes is the bench's figure (figures.mjs, "zoom step"); the rule is that a step's
  // work is bounded by the pixels, not the run: never more segments painted than two per pixel per lane.
  console.log(`# zoomed frames (ms): ${frames.map((f) => f.ms.toFixed(1)).join(' ')} (the bench times them)`);
  const plotWidth = await page.evaluate(() => document.querySelector('#timeline .tl-rows').clientWidth);
  for (const f of frames) assert.ok(f.spans > 0 && f.spans <= 8 * 2 * plotWidth, `${f.spans} segments painted for ${plotWidth} px`);

  // Zoomed 8 times (by 2 each): the hand-overs are apart, the ticks have distinct labels that do not overlap.
  const [from, to] = frames[7].window.split(',').map(Number);
  assert.ok(Math.abs(to - from - r.endMs / 256) < 1, `256× zoom: ${to - from} ms shown`);
  const ticks = await page.$$eval('#timeline .tl-axis .tick', (ts) => ts.map((t) => ({ text: t.textContent, ...t.getBoundingClientRect().toJSON() })));
  assert.ok(ticks.length >= 3);
  assert.equal(new Set(ticks.map((t) => t.text)).size, ticks.length, ticks.map((t) => t.text).join(', '));
  for (let i = 1; i < ticks.length; i++) assert.ok(ticks[i].left >= ticks[i - 1].right, `tick labels ${ticks[i - 1].text} and ${ticks[i].text} overlap`);
  const drawn = await painted(page, '#timeline .tl-plot');
  assert.ok(drawn.count.run >= 4 && drawn.narrowest.run >= 1, `each turn of a thread is drawn, at least a pixel wide: ${JSON.stringify(drawn)}`);
  // And seen, in the pixels: each row with a task in these ~40 ms shows its thread running Python or
  // waiting for the GIL (eight threads take 5 ms turns: not every one runs in them), and some show both.
  const rows = await paintedPixels(page, '#timeline .tl-plot');
  assert.ok(rows.filter((p) => p.bars > 0).length >= 2 && rows.every((p) => p.bars === 0 || p.run + p.gil > 0), `the threads' rows zoomed 256x: ${JSON.stringify(rows)}`);
  assert.ok(rows.filter((p) => p.run > 0).length >= 2 && rows.some((p) => p.run > 0 && p.gil > 0), `the threads' rows zoomed 256x: ${JSON.stringify(rows)}`);
  await page.locator('#timeline').screenshot({ path: new URL('../out/replay-zoomed-10s.png', import.meta.url).pathname });
  // 0 shows the whole run again.
  await page.keyboard.press('0');
  assert.equal(await page.getAttribute('#timeline', 'data-window'), `0,${r.endMs}`);

  // Ctrl + wheel (a touchpad's pinch arrives so) zooms where the pointer is; Shift + wheel pans.
  const win = async () => (await page.getAttribute('#timeline', 'data-window')).split(',').map(Number);
  const plot = await page.locator('#timeline .tl-rows').nth(2).boundingBox();
  await page.mouse.move(plot.x + plot.width / 4, plot.y + plot.height / 2);
  await page.keyboard.down('Control');
  await page.mouse.wheel(0, -500);
  await page.keyboard.up('Control');
  await page.waitForFunction(() => !document.querySelector('#timeline').dataset.window.startsWith('0,'));
  const [a, b] = await win();
  assert.ok(b - a < r.endMs / 2, `zoomed in: ${b - a} ms shown`);
  assert.ok(a < r.endMs / 4 && b > r.endMs / 4, 'around the instant under the pointer');
  await page.keyboard.down('Shift');
  await page.mouse.wheel(0, 300);
  await page.keyboard.up('Shift');
  await page.waitForFunction((a0) => Number(document.querySelector('#timeline').dataset.window.split(',')[0]) > a0, a);
  // A drag across the overview zooms to that stretch (the brush).
  await page.click('#timeline .tl-tools button:text("Whole run")');
  assert.equal(await page.getAttribute('#timeline', 'data-window'), `0,${r.endMs}`);
  const ov = await page.locator('#timeline .tl-overview').boundingBox();
  await page.mouse.move(ov.x + ov.width * 0.6, ov.y + ov.height / 2);
  await page.mouse.down();
  await page.mouse.move(ov.x + ov.width * 0.7, ov.y + ov.height / 2, { steps: 5 });
  await page.mouse.up();
  const [c, d] = await win();
  assert.ok(Math.abs(c / r.endMs - 0.6) < 0.02 && Math.abs(d / r.endMs - 0.7) < 0.02, `the brush chose ${c}..${d}`);
});

test('prefers-reduced-motion: playback goes one event per step, in steps', async () => {
  const { page } = session;
  await page.emulateMedia({ reducedMotion: 'reduce' });
  try {
    await page.evaluate(async () => {
      window.__io = await window.lab.run({ workload: 'io-sleep', mode: 'threads-gil', tasks: 4, workers: 2, latencyMs: 50 });
    });
    await page.waitForSelector('#timeline .tl-replay');
    await page.click('#timeline .tl-replay');
    await page.waitForSelector(`${dialog}[open]`);
    assert.equal(await page.inputValue('#replay-speed'), 'step');
    // Every instant the view shows while it plays, with when it showed it (ms after Play).
    await page.evaluate((sel) => {
      const d = document.querySelector(sel);
      window.__steps = [];
      window.__playedAt = performance.now();
      new MutationObserver(() => window.__steps.push({ ms: performance.now() - window.__playedAt, t: Number(d.dataset.t) })).observe(d, { attributes: true, attributeFilter: ['data-t'] });
    }, dialog);
    const before = (await shown(page)).t;
    await page.keyboard.press('k');
    await page.waitForFunction(() => window.__steps.length >= 2, null, { timeout: 10_000 });
    await page.keyboard.press('k');
    const { steps, times } = await page.evaluate(() => ({ steps: window.__steps.slice(0, 2), times: window.lab.replay(window.__io).times }));
    // One event per step, in steps of 0.9 s: the n-th comes no sooner than n steps after Play (a busy
    // machine can only make them later).
    const from = times.indexOf(before); // -1: the start, before the first event
    assert.deepEqual(steps.map((s) => times.indexOf(s.t)), [from + 1, from + 2], `from ${before} ms, the instants shown: ${JSON.stringify(steps)}`);
    steps.forEach((s, i) => assert.ok(s.ms >= (i + 1) * 850, `step ${i + 1} came ${s.ms.toFixed(0)} ms after Play`));
  } finally {
    await page.keyboard.press('Escape');
    await page.emulateMedia({ reducedMotion: null });
  }
});

test("the engine's own record: GIL drop requests and whom they asked, the holder inside every run span, never two", async () => {
  const { page } = session;
  const out = await page.evaluate(async () => {
    const r = await window.lab.run({ workload: 'cpu-primes', mode: 'threads-gil', tasks: 4, workers: 4, switchIntervalMs: 1 });
    const rp = window.lab.replay(r);
    // At the middle of every run span: who holds the GIL, and who runs.
    const checks = r.tasks.flatMap((t) =>
      t.spans.filter((s) => s.kind === 'run' && s.endMs > s.startMs).map((s) => {
        const at = (s.startMs + s.endMs) / 2;
        const st = rp.stateAt(at);
        return { lane: t.lane, holder: st.gilHolder, running: st.running.includes(t.id) };
      }),
    );
    const requests = r.events.list.filter((e) => e.kind === 'gil-drop-request');
    return { v: r.events.v, n: r.events.list.length, source: rp.source, absent: rp.absent, detail: rp.detail, checks, requests: requests.slice(0, 5), nRequests: requests.length, kinds: [...new Set(r.events.list.map((e) => e.kind))] };
  });
  assert.equal(out.v, 1);
  assert.equal(out.source, 'events', 'replayed from the engine record, not from spans');
  assert.deepEqual(out.absent, [], 'nothing the record lacks');
  assert.equal(out.detail, 'full');
  assert.ok(out.nRequests > 0, 'with four threads on CPU work, waiters asked the holder to drop the GIL');
  for (const r of out.requests) assert.ok(r.holder && r.holder !== r.lane, JSON.stringify(r));
  for (const k of ['task-start', 'gil-wait', 'gil-take', 'gil-drop', 'gil-drop-request', 'run-start', 'run-end', 'task-end']) assert.ok(out.kinds.includes(k), `${k} recorded`);
  assert.ok(out.checks.length > 10);
  for (const c of out.checks) {
    assert.equal(c.holder, c.lane, 'inside a run span its thread holds the GIL');
    assert.ok(c.running);
  }
  // asyncio: when each task became ready, from the engine.
  const a = await page.evaluate(async () => {
    const r = await window.lab.run({ workload: 'mixed-pipeline', mode: 'asyncio', tasks: 4, latencyMs: 50 });
    return r.events.list.filter((e) => e.kind === 'task-ready').length;
  });
  assert.ok(a >= 8, `${a} task-ready events: created, then ready again after each response`);
});
