#!/usr/bin/env node
// Experiment: where a chapter's time goes, from a fresh page (issue 25: chapter 1's verdicts at most 15 s
// from page open). For each chapter and pass, a fresh browser context opens `?chapter=ID`, waits for
// `lab.ready` (the start's steps, as the page marks them: `lab: ...` measures), then runs the chapter
// through `lab.lesson.run` (the path the chapter's button takes, lesson/run.ts) with its `onStart` and
// `onProgress` timed: each run's time on the page against its `wallMs`, the gaps between runs (the probes),
// the warm-up round against the counted rounds, each experiment's Compare in all. The load others put on
// the machine meanwhile is printed beside it (tests/e2e/load.mjs).
//
//   node bench/experiments/chapter-time.mjs [passes=1] [chapter ...]   (default: threads-vs-processes)
// Needs dist/ (npm run build). Under the browser lock on a shared machine.
import { pathToFileURL } from 'node:url';
import { launchBrowser } from '../lib/browser.mjs';
import { startServer } from '../lib/host.mjs';
import { describeLoad, loadClass, othersDuring } from '../../tests/e2e/load.mjs';

const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const ms = (x) => `${Math.round(x)} ms`;

/** One chapter from a fresh page: its start's steps, each run's times, and the figures summed. */
export async function chapterTime(browser, url, id) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const { value, load } = await othersDuring(async () => {
      await page.goto(`${url}?chapter=${id}`);
      await page.waitForFunction(() => window.lab && window.lab.status().state === 'ready', null, { timeout: 60_000, polling: 20 });
      return page.evaluate(async (chapter) => {
        const readyAt = performance.getEntriesByName('lab: ready')[0]?.startTime ?? performance.now();
        const steps = performance.getEntriesByType('measure').filter((m) => m.name.startsWith('lab:')).map((m) => [m.name.slice(5), Math.round(m.startTime), Math.round(m.duration)]);
        const events = [];
        const t0 = performance.now();
        const out = await window.lab.lesson.run(chapter, {
          onStart: (x, s) => events.push({ at: performance.now(), x, kind: 'start', phase: s.phase, round: s.round, mode: s.mode }),
          onProgress: (x, p) => {
            const r = p.outcome[p.mode];
            const wall = p.phase === 'set-aside' ? p.setAside?.at(-1)?.wallMs?.[p.mode] : r && 'rounds' in r ? (p.phase === 'warm-up' ? r.wallMs : r.rounds.at(-1)) : undefined;
            events.push({ at: performance.now(), x, kind: 'end', phase: p.phase, round: p.round, mode: p.mode, wallMs: wall });
          },
        });
        const done = performance.now();
        const claims = out.claims.map((c) => `${c.id} ${c.verdict}`);
        const measurement = Object.fromEntries(Object.entries(out.outcomes).map(([x, o]) => {
          const r = Object.values(o).find((e) => e.measurement);
          return [x, r ? { ended: r.measurement.ended, rounds: r.rounds.length, roundProbes: r.measurement.roundProbes, setAside: (r.measurement.setAside ?? []).length } : undefined];
        }));
        return { readyAt, steps, t0, done, events, claims, measurement };
      }, id);
    });
    return { ...value, load, errors };
  } finally {
    await context.close();
  }
}

/** The lines that say where the time went. */
export function timeLines(id, r) {
  const lines = [`${id}: page open to lab.ready ${ms(r.readyAt)}; lab.ready to the run ${ms(r.t0 - r.readyAt)}; the run ${ms(r.done - r.t0)}; page open to verdicts ${ms(r.done)}`];
  lines.push(`  start: ${r.steps.map(([n, at, d]) => `${n} ${d}`).join('; ')}`);
  const byX = new Map();
  for (const e of r.events) byX.set(e.x, [...(byX.get(e.x) ?? []), e]);
  let prevEnd = r.t0;
  for (const [x, es] of byX) {
    const runs = [];
    let gaps = 0;
    let last = prevEnd;
    for (const e of es) {
      if (e.kind === 'start') {
        gaps += e.at - last;
        runs.push({ ...e, startAt: e.at });
      } else {
        const run = runs.at(-1);
        run.page = e.at - run.startAt;
        run.wallMs = e.wallMs;
        last = e.at;
      }
    }
    const first = es[0].at;
    const warm = runs.filter((u) => u.phase === 'warm-up');
    const counted = runs.filter((u) => u.phase !== 'warm-up');
    lines.push(`  ${x}: ${ms(last - first)} in all (from the previous experiment's end: ${ms(first - prevEnd)}); warm-up ${ms(sum(warm.map((u) => u.page)))}; counted and set-aside runs ${ms(sum(counted.map((u) => u.page)))}; between runs (probes) ${ms(gaps - (first - prevEnd))}; ${JSON.stringify(r.measurement[x])}`);
    lines.push(`    ${runs.map((u) => `${u.round}${u.phase === 'set-aside' ? '*' : ''}:${u.mode} ${Math.round(u.page)}/${Math.round(u.wallMs ?? NaN)}`).join(', ')}`);
    prevEnd = last;
  }
  lines.push(`  tail (last run to verdicts): ${ms(r.done - prevEnd)}; ${r.claims.join(', ')}; ${describeLoad(r.load)} (${loadClass(r.load)})${r.errors.length ? `; ERRORS ${r.errors.join('; ')}` : ''}`);
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [passesArg, ...ids] = process.argv.slice(2);
  const server = await startServer();
  const browser = await launchBrowser();
  try {
    for (let pass = 1; pass <= Number(passesArg ?? 1); pass++) {
      for (const id of ids.length ? ids : ['threads-vs-processes']) console.log(timeLines(id, await chapterTime(browser, server.url, id)).join('\n'));
    }
  } finally {
    await browser.close();
    server.close();
  }
}
