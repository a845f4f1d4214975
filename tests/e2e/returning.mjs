// Writes a returning learner's kept settings (the lab's localStorage keys after a first visit on this
// machine: its calibrated defaults, and the cores a probe measured where the browser reports more than 2)
// to the file named, for LAB_RETURNING (./helpers.mjs launch). Run by scripts/test.sh before the files that
// check what a run did; each of their contexts then starts as a returning learner's.
//   node tests/e2e/returning.mjs FILE
import { writeFileSync } from 'node:fs';
import { launch, startServer } from './helpers.mjs';

const file = process.argv[2];
if (!file) throw new Error('usage: node tests/e2e/returning.mjs FILE');
delete process.env.LAB_RETURNING; // this visit is the first one
const [server, browser] = await Promise.all([startServer(), launch()]);
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}#playground`);
  await page.evaluate(() => window.lab.ready);
  const kept = await page.evaluate(() => Object.fromEntries(Object.keys(localStorage).filter((k) => k.startsWith('concurrency-lab:')).map((k) => [k, localStorage.getItem(k)])));
  if (!kept['concurrency-lab:calibration']) throw new Error(`the first visit kept no calibration: ${JSON.stringify(kept)}`);
  writeFileSync(file, JSON.stringify(kept));
  console.log(`a returning learner's settings: ${Object.keys(kept).join(', ')} -> ${file}`);
} finally {
  await browser.close();
  server.close();
}
