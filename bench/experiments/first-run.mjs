#!/usr/bin/env node
// Experiment: is a run on a fresh page as fast as the runs after it? A learner's first click is a first
// run: a new engine (its wasm fresh from the baseline compiler, a new pool, new process workers), with only
// the engine's own start-up warm-ups and calibration behind it. For each mode, on pages that have never
// run that mode (one new browser context per mode and page: empty caches, no stored calibration, a new
// engine), `lab.run({ workload, mode })` at the calibrated default size, `runs` times in a row; the
// figure is the first run's wall time over the median of the others, then its median over the pages.
// Modes go in a rotated order on each round of pages, so no mode always meets the machine first.
//
//   node bench/experiments/first-run.mjs [pages=3] [runs=5] [mode ...]
// Needs dist/ (npm run build). `bench/run.mjs` runs it too (plan.firstRun) and reports it.
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { freshLab, launchBrowser } from '../lib/browser.mjs';
import { startServer } from '../lib/host.mjs';
import { LAB_CPU_MODES } from '../lib/plan.mjs';
import { fmt, summarize } from '../lib/stats.mjs';

const median = (xs) => summarize(xs).median;

/**
 * Runs the experiment in `browser` against the lab at `url`. Resolves to
 * { workload, pages, runs, modes: { [mode]: { pages: [{ wallMs: [...], size, build, ratio }], ratios,
 *   median, min, max } }, unavailable: { [mode]: reason }, errors: [...], loadAvg1m: [...] }.
 * A failed page is an entry of `errors`; the other pages still count.
 */
export async function firstRun(browser, url, { pages = 3, runs = 5, modes = LAB_CPU_MODES, workload = 'cpu-primes', log = () => {} } = {}) {
  const out = { workload, pages, runs, modes: {}, unavailable: {}, errors: [], loadAvg1m: [] };
  for (const mode of modes) out.modes[mode] = { pages: [], ratios: [] };
  for (let p = 0; p < pages; p++) {
    out.loadAvg1m.push(Math.round(loadavg()[0] * 100) / 100);
    const order = modes.map((_, i) => modes[(i + p) % modes.length]);
    for (const mode of order) {
      if (out.unavailable[mode]) continue;
      let lab;
      try {
        lab = await freshLab(browser, url);
        const info = lab.catalogue.modes.find((m) => m.name === mode);
        if (!info || info.unavailable) {
          out.unavailable[mode] = info?.unavailable ?? 'not in this engine';
          log(`first run: ${mode} unavailable here (${out.unavailable[mode]})`);
          continue;
        }
        const r = await lab.page.evaluate(
          async ([w, m, n]) => {
            const wallMs = [];
            let spec;
            let build;
            for (let i = 0; i < n; i++) {
              const res = await window.lab.run({ workload: w, mode: m });
              if (res.error) throw new Error(`${res.error.name}: ${res.error.message}`);
              wallMs.push(res.wallMs);
              spec = res.spec;
              build = res.build;
            }
            return { wallMs, size: spec.size, build };
          },
          [workload, mode, runs],
        );
        if (lab.errors.length) throw new Error(`the page reported errors: ${lab.errors.join('; ')}`);
        const ratio = r.wallMs[0] / median(r.wallMs.slice(1));
        out.modes[mode].pages.push({ ...r, ratio });
        out.modes[mode].ratios.push(ratio);
        log(`first run: page ${p + 1}/${pages} ${mode} N=${r.size}: ${r.wallMs.map((x) => x.toFixed(0)).join(', ')} ms -> ${ratio.toFixed(3)}`);
      } catch (e) {
        out.errors.push(`first run ${mode}, page ${p + 1}: ${e.message.split('\n')[0]}`);
        log(`ERROR: first run ${mode}, page ${p + 1}: ${e.message}`);
      } finally {
        await lab?.close();
      }
    }
  }
  for (const m of Object.values(out.modes)) Object.assign(m, summarize(m.ratios));
  return out;
}

/** The lines a terminal reader wants: per mode, the median ratio over pages, its range, each page's. */
export function firstRunLines(fr) {
  const lines = [`first run on a fresh page, ${fr.workload} at the calibrated default, ${fr.runs} runs per page, ${fr.pages} pages per mode:`];
  for (const [mode, m] of Object.entries(fr.modes)) {
    if (fr.unavailable[mode]) lines.push(`  ${mode}: unavailable (${fr.unavailable[mode]})`);
    else lines.push(`  ${mode}: ${fmt(m.median, 3)} (${fmt(m.min, 3)}–${fmt(m.max, 3)}); pages ${m.pages.map((p) => `${fmt(p.ratio, 3)} [N=${p.size}: ${p.wallMs.map((x) => x.toFixed(0)).join(' ')} ms]`).join(', ')}`);
  }
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [pagesArg, runsArg, ...modesArg] = process.argv.slice(2);
  const server = await startServer();
  const browser = await launchBrowser();
  const started = Date.now();
  try {
    const fr = await firstRun(browser, server.url, {
      pages: Number(pagesArg ?? 3),
      runs: Number(runsArg ?? 5),
      modes: modesArg.length ? modesArg : LAB_CPU_MODES,
      log: (m) => process.stderr.write(`${m}\n`),
    });
    process.stdout.write(`${firstRunLines(fr).join('\n')}\n${new Date().toISOString().slice(0, 10)}, load average before each round of pages: ${fr.loadAvg1m.join(', ')}; took ${Math.round((Date.now() - started) / 1000)} s\n`);
    if (fr.errors.length) process.exitCode = 1;
  } finally {
    await browser.close();
    server.close();
  }
}
