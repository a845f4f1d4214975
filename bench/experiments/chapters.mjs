#!/usr/bin/env node
// Experiment: every chapter of the lesson at its first run, as a learner meets it. For each pass and each
// chapter, a fresh browser context (no cache, no stored calibration, a new engine) opens
// `?chapter=ID`, clicks the chapter's button once and waits for its verdicts. Each run is judged by the
// tests' rule against the load the operating system saw meanwhile (tests/e2e/load.mjs, `verdictRule`):
// quiet, every claim borne out and the lab's probes read idle; busy, never not-borne-out and left open
// only with the busy reason. The figures: how many runs bore every claim out, and the time from the page
// opening to the chapter's verdicts (the performance goal for chapter 1: at most 15 s on a quiet machine).
//
//   node bench/experiments/chapters.mjs [passes=5] [chapter ...]
// Needs dist/ (npm run build). With no chapter named, all nine, in the lesson's order; passes go through
// the chapters in turn (pass 1 of every chapter, then pass 2, ...), so a moment of load falls on different
// chapters rather than on every pass of one.
import { pathToFileURL } from 'node:url';
import { launchBrowser } from '../lib/browser.mjs';
import { startServer } from '../lib/host.mjs';
import { comparesOf, describeLoad, loadClass, othersDuring, shownClaims, verdictRule } from '../../tests/e2e/load.mjs';
import { loadTs } from '../../tests/unit/load-ts.mjs';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/**
 * Runs the experiment in `browser` against the lab at `url`. Resolves to { passes, chapters: { [id]: {
 * runs: [{ pass, load, cls, claims: { [claim]: verdict }, openToVerdictsMs, runMs, problems }], bornOut,
 * medianOpenToVerdictsMs } }, problems: [...] }: a run's problems are the rule's (empty when it holds).
 */
export async function chapters(browser, url, { passes = 5, ids, log = () => {} } = {}) {
  const { NEEDS_IDLE_MACHINE, BUSY_SHARE } = await loadTs('www/src/measure/verdicts.ts');
  const { CHAPTERS } = await loadTs('www/src/lesson/chapters.ts');
  const wanted = ids?.length ? ids : CHAPTERS.map((c) => c.id);
  const out = { passes, chapters: {}, problems: [] };
  for (const id of wanted) out.chapters[id] = { runs: [] };
  for (let pass = 1; pass <= passes; pass++) {
    for (const id of wanted) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      try {
        const page = await context.newPage();
        const opened = Date.now();
        await page.goto(`${url}?chapter=${id}`);
        const { value, load } = await othersDuring(async () => {
          await page.waitForFunction(() => window.lab && window.lab.status().state === 'ready', null, { timeout: 60_000 });
          const clicked = Date.now();
          await page.click('#chapter-run');
          await page.waitForSelector('article.chapter[data-state=done]', { timeout: 180_000 });
          const done = Date.now();
          const shown = await shownClaims(page);
          const history = await page.evaluate(() => window.lab.history());
          return { shown, history, runMs: done - clicked, openToVerdictsMs: done - opened };
        });
        const { machines } = comparesOf(value.history);
        const rule = verdictRule({ claims: value.shown, machines, load, needsIdle: NEEDS_IDLE_MACHINE, busyShare: BUSY_SHARE });
        const run = {
          pass,
          load: describeLoad(load),
          cls: loadClass(load),
          claims: Object.fromEntries(value.shown.map((c) => [c.id, c.verdict])),
          openToVerdictsMs: value.openToVerdictsMs,
          runMs: value.runMs,
          problems: rule.problems,
        };
        out.chapters[id].runs.push(run);
        for (const p of rule.problems) out.problems.push(`${id}, pass ${pass}: ${p}`);
        log(`${id} pass ${pass}: ${Object.entries(run.claims).map(([c, v]) => `${c} ${v}`).join(', ')}; open to verdicts ${run.openToVerdictsMs} ms (run ${run.runMs} ms); ${run.load} (${run.cls})${rule.problems.length ? `; PROBLEMS: ${rule.problems.join('; ')}` : ''}`);
      } catch (e) {
        out.problems.push(`${id}, pass ${pass}: ${e.message.split('\n')[0]}`);
        log(`${id} pass ${pass}: failed: ${e.message.split('\n')[0]}`);
      } finally {
        await context.close();
      }
    }
  }
  for (const c of Object.values(out.chapters)) {
    c.bornOut = c.runs.filter((r) => Object.values(r.claims).every((v) => v === 'borne-out')).length;
    c.medianOpenToVerdictsMs = c.runs.length ? median(c.runs.map((r) => r.openToVerdictsMs)) : NaN;
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [passesArg, ...ids] = process.argv.slice(2);
  const server = await startServer();
  const browser = await launchBrowser();
  try {
    const out = await chapters(browser, server.url, { passes: Number(passesArg ?? 5), ids, log: (l) => console.log(l) });
    console.log('\nchapter                  borne out (every claim)   page open to verdicts (median)');
    for (const [id, c] of Object.entries(out.chapters)) {
      const quiet = c.runs.filter((r) => r.cls === 'quiet').length;
      console.log(`${id.padEnd(24)} ${`${c.bornOut} of ${c.runs.length} (${quiet} quiet)`.padEnd(25)} ${(c.medianOpenToVerdictsMs / 1000).toFixed(1)} s`);
    }
    console.log(out.problems.length ? `\nproblems:\n${out.problems.join('\n')}` : '\nno problems: every run held to the rule for its load');
    process.exitCode = out.problems.length ? 1 : 0;
  } finally {
    await browser.close();
    server.close();
  }
}
