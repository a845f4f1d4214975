#!/usr/bin/env node
// Experiment: page open to `lab.ready`, on a cold profile and on a returning one (issue 25: at most 1.5 s
// cold, 0.5 s returning), with where the time goes. For each pass a new browser profile on disk (as a
// learner's: its HTTP cache, V8's code cache and localStorage outlive a close) opens the lab (cold: empty
// caches, the calibration measured), is closed, and opens it again (returning: the browser reopened, the
// calibration kept). Each visit prints the `lab: ready` mark and the start's steps as the page marks them
// (`lab: ...` measures, from the page's own start), and the load others put on the machine meanwhile.
//
//   node bench/experiments/ready.mjs [passes=3] [returning visits per pass=1]
// Needs dist/ (npm run build). Under the browser lock on a shared machine.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { persistentProfile } from '../lib/browser.mjs';
import { startServer } from '../lib/host.mjs';
import { describeLoad, othersDuring } from '../../tests/e2e/load.mjs';

/** One visit of the profile at `dir`: the ready mark and the steps, from the navigation's start. */
export async function visit(dir, url) {
  const context = await persistentProfile(dir);
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const { value, load } = await othersDuring(async () => {
      await page.goto(url);
      await page.waitForFunction(() => typeof window.lab === 'object' && !!window.lab.ready, null, { polling: 20, timeout: 60_000 });
      return page.evaluate(async () => {
        await window.lab.ready;
        const nav = performance.getEntriesByType('navigation')[0];
        const script = performance.getEntriesByType('resource').find((r) => /\/main\.js/.test(r.name));
        return {
          readyMs: Math.round(performance.getEntriesByName('lab: ready')[0]?.startTime ?? NaN),
          mainJsMs: Math.round(script?.responseEnd ?? NaN),
          domContentLoadedMs: Math.round(nav?.domContentLoadedEventEnd ?? NaN),
          steps: performance.getEntriesByType('measure').filter((m) => m.name.startsWith('lab:')).map((m) => `${m.name.slice(5)} ${Math.round(m.startTime)}+${Math.round(m.duration)}`),
        };
      });
    });
    return { ...value, load: describeLoad(load) };
  } finally {
    await context.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const passes = Number(process.argv[2] ?? 3);
  const again = Number(process.argv[3] ?? 1);
  const server = await startServer();
  const figures = { cold: [], returning: [] };
  try {
    for (let pass = 1; pass <= passes; pass++) {
      const dir = mkdtempSync(join(tmpdir(), 'lab-ready-'));
      try {
        for (let v = 0; v <= again; v++) {
          const kind = v === 0 ? 'cold' : 'returning';
          const r = await visit(dir, server.url);
          figures[kind].push(r.readyMs);
          console.log(`pass ${pass} ${kind}: lab.ready at ${r.readyMs} ms (main.js at ${r.mainJsMs}, DOMContentLoaded ${r.domContentLoadedMs}); ${r.steps.join('; ')}; ${r.load}`);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    console.log(`cold: ${figures.cold.join(' / ')} ms; returning: ${figures.returning.join(' / ')} ms`);
  } finally {
    server.close();
  }
}
