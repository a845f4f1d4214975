// The lab in a course page on another site, in each browser engine (issue 22, items 1 and 4): a plain page
// (no COOP, COEP or Document-Isolation-Policy; 127.0.0.1) holds embed.html (served from localhost: another
// site) in an iframe, as an LMS does. Firefox and WebKit cannot isolate such a frame: the single build, where
// threads-gil's threads take turns on the engine's one real thread; Chromium isolates the frame itself
// (Document-Isolation-Policy) and runs the threads build. The frame tells the host it is ready and its size,
// answers the host's `lab:run`, and the `gil` and `threads-vs-processes` chapters bear out their claims there
// (judged against the machine's load, ./chapter.mjs). One engine per run: LAB_BROWSER (./drivers.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { OUT, startServer } from '../e2e/helpers.mjs';
import { startHostServer } from '../e2e/embed-helpers.mjs';
import { ENGINES, openEngine } from './drivers.mjs';
import { assertCoresAtMost, judgedChapter, judgedChapterByButton } from './chapter.mjs';
import { outside } from './part.mjs';
import { noteEngine } from './results.mjs';
import { overlappingSpans } from '../e2e/rules.mjs';

const ENGINE = process.env.LAB_BROWSER ?? 'firefox';
assert.ok(ENGINES.includes(ENGINE), `LAB_BROWSER must be one of ${ENGINES.join(', ')}; got ${ENGINE}`);
/** Only Chromium isolates a frame of a page that is not isolated (Document-Isolation-Policy). */
const FRAME_BUILD = ENGINE === 'chromium' ? 'threads' : 'single';

let server;
let host;
let engine;
let page;
/** The lab's address on another site than the course page's (localhost beside 127.0.0.1). */
let labUrl;
const inFrame = (fn, arg) => page.evaluateIn('#lab', fn, arg);
const noted = {};

before(async () => {
  [server, host, engine] = await Promise.all([startServer(), startHostServer(), openEngine(ENGINE)]);
  labUrl = server.url.replace('//127.0.0.1:', '//localhost:');
});
after(async () => {
  await page?.close();
  await engine?.close();
  await host?.close();
  server?.close();
});

/** The host's messages from the frame so far (`{ origin, data }`). */
const received = () => page.evaluate(() => window.received);

/** Waits until `fn` (on the host page) returns something truthy, or fails after `ms`. */
async function hostWaits(fn, arg, what, ms = 30_000) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await page.evaluate(fn, arg);
    if (v) return v;
    if (Date.now() > until) throw new Error(`the host waited ${ms} ms for ${what}: ${JSON.stringify(await received())}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test(`${ENGINE}: a course page on another site holds the lab: ${FRAME_BUILD} build, lab:ready and its size told, lab:run answered`, async (t) => {
  const src = `${labUrl}embed.html?chapter=gil&parentOrigin=${encodeURIComponent(host.origin)}`;
  page = await engine.fresh(`${host.origin}/host?src=${encodeURIComponent(src)}`);
  assert.equal(await page.evaluate(() => crossOriginIsolated), false, 'the course page is not isolated');
  const ready = await hostWaits(() => window.received.find((m) => m.data?.type === 'lab:ready'), undefined, 'lab:ready');
  const status = ready.data.status;
  const c = status.capabilities;
  t.diagnostic(`in the frame: build ${status.build}, isolated ${status.crossOriginIsolated}; cores ${c.cores} (${c.coresSource}; best reading ${c.coresMeasured ?? 'none'}; the browser says ${c.hardwareConcurrency}); results ${status.history ?? ''}; ${status.buildReason ?? ''}`);
  assert.equal(ready.origin, new URL(labUrl).origin);
  assert.equal(status.build, FRAME_BUILD, JSON.stringify(status));
  if (FRAME_BUILD === 'single') {
    assert.equal(status.crossOriginIsolated, false);
    assert.match(status.buildReason, /in a frame of a page that is not cross-origin isolated/);
  }
  const modes = await inFrame(() => Object.fromEntries(window.lab.workloads().modes.map((m) => [m.name, m.unavailable ?? 'runs'])));
  assert.equal(modes['threads-gil'], 'runs', 'threads-gil runs in every build');
  for (const m of ['free-threaded', 'interpreters', 'rayon']) {
    if (FRAME_BUILD === 'single') assert.match(modes[m], /not cross-origin isolated/, m);
    else assert.equal(modes[m], 'runs', m);
  }
  // Its size, in SPLICE's words too, so a platform sizes the frame with no script of the author's.
  await hostWaits(() => window.received.some((m) => m.data?.subject === 'lti.frameResize' && m.data.height > 0), undefined, 'lti.frameResize');
  assert.ok((await received()).some((m) => m.data?.type === 'lab:height'));
  // The host's own command: threads-gil's four threads taking turns, answered with the Result.
  await page.evaluate(() => window.send({ type: 'lab:run', id: 'course-1', spec: { workload: 'cpu-primes', mode: 'threads-gil', tasks: 4, workers: 2, size: 1_000_000 } }, '*'));
  const answer = await hostWaits(() => window.received.find((m) => m.data?.id === 'course-1'), undefined, 'the answer to lab:run', 60_000);
  assert.equal(answer.data.type, 'lab:result', JSON.stringify(answer.data));
  assert.equal(answer.data.result.value, 78_498);
  assert.equal(answer.data.result.build, FRAME_BUILD);
  assert.equal(answer.data.result.spec.mode, 'threads-gil');
  // Under the GIL the threads take turns (here, on the engine's one real thread in the single build): many
  // turns, never two threads running Python at once.
  const tasks = answer.data.result.tasks;
  assert.ok(tasks.every((x) => x.status === 'ok'));
  assert.deepEqual(overlappingSpans(tasks), [], 'no two threads held the GIL at once');
  assert.ok(tasks.flatMap((x) => x.spans.filter((s) => s.kind === 'run')).length > tasks.length, 'the threads took turns');
  noted.build = status.build;
  noted.cores = { cores: c.cores, source: c.coresSource, measured: c.coresMeasured ?? null };
  noted.buildReason = status.buildReason ?? null;
  await page.screenshot(join(OUT, `browsers-${ENGINE}-course-frame.png`));
});

/** In a frame that is not isolated WebKit runs the single build whatever JavaScriptCore's option: webkit's run covers it. */
const SAME_AS_WEBKIT = ENGINE === 'webkit-sab' && 'in a frame that is not isolated WebKitGTK runs the single build with the option on or off: the webkit run covers it';
for (const id of ['gil', 'threads-vs-processes']) {
  test(`${ENGINE}: in the course page's frame, the ${id} chapter: never refuted, borne out when the machine is quiet`, { skip: outside('chapters') || SAME_AS_WEBKIT }, async (t) => {
    // The frame's own chapter (gil) as a learner in the course page runs it: its button; the other through
    // the API, as a host page would.
    const run = id === 'gil' ? await judgedChapterByButton(inFrame, id) : await judgedChapter(inFrame, id);
    t.diagnostic(run.said);
    if (id === 'gil') {
      // The verdicts as the frame shows them, in view (looked at: browsers-ENGINE-course-frame-gil.png).
      // Scrolled into view in the frame, and the course page scrolled to them where the frame is as tall as
      // its content (WebKitGTK's screenshot is the window, not the page).
      const top = await inFrame(() => {
        const claims = document.querySelector('.chapter-claims');
        claims.scrollIntoView({ block: 'start', behavior: 'instant' });
        return claims.getBoundingClientRect().top;
      });
      await page.evaluate((y) => scrollTo({ top: document.querySelector('iframe').getBoundingClientRect().top + scrollY + y - 8, behavior: 'instant' }), top);
      await new Promise((r) => setTimeout(r, 500));
      await page.screenshot(join(OUT, `browsers-${ENGINE}-course-frame-gil.png`));
    }
    assert.deepEqual(run.rule.problems, [], `${run.rule.problems.join('; ')} (${run.said})`);
    assert.equal(run.status.lastCrash, undefined, 'no engine restart');
    await assertCoresAtMost(run.status, `in the frame, after the ${id} chapter`);
    noted[id] = { verdicts: Object.fromEntries(run.claims.map((c) => [c.id, c.verdict])), load: run.rule.cls };
    noteEngine(ENGINE, { courseFrame: { ...noted } });
  });
}
