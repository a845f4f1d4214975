#!/usr/bin/env node
// Experiment behind docs/PERFORMANCE.md ("The zoom step's cost, traced"): what the bench's zoom figure
// (figures.mjs, `zoom`) is made of. On a fresh page's playground, a RUN_S s, 8-thread threads-gil run of
// cpu-primes (the figure's own run), then, twice, its steps (the whole run, eight `+`, six Shift+Right),
// each timed as the figure times it (the key's handler and the layout it forces), with the step's own JS
// (the view's `data-draw-ms`) and the segments it paints, under a Chromium trace and a sampling
// profile: every main-thread task over 6 ms with what it spent its time on.
//   node bench/experiments/zoom-trace.mjs [RUN_S]
import { freshLab, launchBrowser } from '../lib/browser.mjs';
import { startServer } from '../lib/host.mjs';
import { jsIn, longTasks, TRACE_CATEGORIES } from '../lib/trace.mjs';
import { zoomSteps } from './figures.mjs';

const runS = Number(process.argv[2] ?? 10);
const server = await startServer();
const browser = await launchBrowser();
try {
  const fresh = await freshLab(browser, `${server.url}#playground`);
  const { page } = fresh;
  const spec = await page.evaluate((runS) => {
    const size = window.lab.workloads().workloads.find((w) => w.name === 'cpu-primes').fields.find((f) => f.name === 'size').default;
    const target = window.lab.workloads().calibrationTargetMs;
    return { workload: 'cpu-primes', mode: 'threads-gil', tasks: 8, workers: 8, size: Math.round(size * ((runS * 1000) / target) ** (1 / 1.4)) };
  }, runS);
  await page.evaluate((s) => window.lab.run(s).then(() => undefined), spec);
  await page.waitForSelector('#timeline[data-mode="threads-gil"] .tl-task');
  await new Promise((r) => setTimeout(r, 1000));
  for (let rep = 0; rep < 2; rep++) {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await cdp.send('Profiler.start');
    await browser.startTracing(page, { categories: TRACE_CATEGORIES });
    const steps = await page.evaluate(zoomSteps);
    const trace = await browser.stopTracing();
    const profile = (await cdp.send('Profiler.stop')).profile;
    console.log(`rep ${rep}: ` + steps.map((s) => `${s.key}: ${s.ms.toFixed(1)} ms (js ${s.js.toFixed(1)}, draw ${s.draw}, spans ${s.spans}, nodes ${s.nodes})`).join('\n  '));
    for (const t of longTasks(trace, 6)) console.log(`   ${t.ms.toFixed(1)} ms: ${t.top.join(' | ')}\n      JS: ${jsIn(profile, t).join(' | ')}`);
  }
  await fresh.close();
} finally {
  await browser.close();
  server.close();
}
