// The course activity's page in each browser engine (issue 24), one engine per run of this file:
// LAB_BROWSER=chromium|firefox|webkit|webkit-sab (./drivers.mjs). Kept small and with no run: the main
// page's `?chapter=gil&activity=predict&scoring=correct` shows the chapter's questions as fieldsets with
// legends, the run waits for the answers, what would give them away is hidden, an answer (a radio, the
// slider by its keyboard events) reaches `lab.activity()`, and `lab.lesson.chapters()` carries the questions.
// The SPLICE exchange itself is tested in Chromium (../e2e/activity-*.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { OUT, startServer } from '../e2e/helpers.mjs';
import { ENGINES, openEngine } from './drivers.mjs';

const ENGINE = process.env.LAB_BROWSER ?? 'firefox';
assert.ok(ENGINES.includes(ENGINE), `LAB_BROWSER must be one of ${ENGINES.join(', ')}; got ${ENGINE}`);
let server;
let engine;

before(async () => {
  [server, engine] = await Promise.all([startServer(), openEngine(ENGINE)]);
});
after(async () => {
  await engine?.close();
  server?.close();
});

test(`${ENGINE}: the gil activity on the main page: questions, hidden give-aways, answers in lab.activity()`, async () => {
  const page = await engine.fresh(`${server.url}?chapter=gil&activity=predict&scoring=correct`);
  await page.evaluate(() => window.lab.ready.then(() => true));
  const seen = await page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const t0 = Date.now();
        const look = () => {
          const fs = [...document.querySelectorAll('fieldset[data-question]')];
          if (fs.length === 3) {
            const run = document.querySelector('#chapter-run');
            resolve({
              questions: fs.map((f) => [f.dataset.question, !!f.querySelector('legend')?.textContent]),
              runDisabled: run.disabled,
              runName: run.textContent,
              cpythonHidden: document.querySelector('.cpython').hidden,
              storage: document.querySelector('.activity-storage').textContent,
            });
          } else if (Date.now() - t0 > 20_000) reject(new Error('no questions'));
          else setTimeout(look, 100);
        };
        look();
      }),
  );
  assert.deepEqual(seen.questions, [['threads-help', true], ['processes-help', true], ['threads-speedup', true]]);
  assert.equal(seen.runDisabled, true);
  assert.equal(seen.runName, 'Run the experiment');
  assert.equal(seen.cpythonHidden, true);
  assert.match(seen.storage, /only for this visit/);
  const after = await page.evaluate(() => {
    document.querySelector('#q-threads-help-0').click();
    document.querySelector('#q-processes-help-1').click();
    const slider = document.querySelector('#q-threads-speedup');
    slider.value = String(Number(slider.value) + 1);
    slider.dispatchEvent(new Event('input', { bubbles: true }));
    return { state: window.lab.activity(), runDisabled: document.querySelector('#chapter-run').disabled, chapters: window.lab.lesson.chapters().map((c) => c.questions.length) };
  });
  assert.deepEqual(after.state.answers, { 'threads-help': 'yes', 'processes-help': 'no', 'threads-speedup': 1.25 });
  assert.equal(after.state.scoring, 'correct');
  assert.equal(after.runDisabled, false);
  assert.equal(after.chapters.length, 9);
  assert.ok(after.chapters.every((n) => n >= 2));
  await page.screenshot(join(OUT, `browsers-${ENGINE}-activity.png`));
});
