// Helpers of the course-activity tests (activity-*.test.mjs): a course site on its own port (another origin
// than the lab's server) serving docs/splice-host.html, the minimal page that speaks SPLICE as Runestone does
// (the state kept as a JSON string), and small readers of what it received.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from './helpers.mjs';

/** Serves /splice-host.html (docs/splice-host.html) on 127.0.0.1; resolves to { origin, url(src, query), close }. */
export async function startSpliceHost() {
  const html = await readFile(join(ROOT, 'docs', 'splice-host.html'));
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (path !== '/splice-host.html') {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      return res.end('Not Found');
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': html.length });
    res.end(html);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    url: (src, query = '') => `${origin}/splice-host.html?src=${encodeURIComponent(src)}${query}`,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}

/** The messages the host page received from the activity, as { data, t }. */
export const received = (page) => page.evaluate(() => window.splice.map((m) => ({ data: m.data, t: m.t, origin: m.origin })));
export const bySubject = (msgs, subject) => msgs.filter((m) => m.data.subject === subject);

/** A state as the host keeps it (a JSON string) for the gil chapter. */
export function gilState({ answers, verdicts, explanation = '', runIds = ['fixture-run-1'], scoring = 'correct', ...rest }) {
  return JSON.stringify({ v: 1, chapter: 'gil', scoring, answers, explanation, verdicts, score: 0, scored: [], correct: [], untestable: [], runIds, ...rest });
}

export const BORNE_OUT = {
  'threads-gil-cpu': { verdict: 'borne-out', speedup: 0.95, text: 'threads-gil: 0.95× sequential (0.93× to 0.97×, 3 rounds)' },
  'processes-cpu': { verdict: 'borne-out', speedup: 1.8, text: 'processes: 1.80× sequential (1.70× to 1.85×, 3 rounds)' },
};
export const ALL_RIGHT = { 'threads-help': 'yes', 'processes-help': 'yes', 'threads-speedup': 1 };

/** A screenshot of the host page with its frame at the height the activity asked for (lti.frameResize is
 * debounced), the viewport as tall as the page (a full-page capture leaves a tall frame's top blank). */
export async function hostShot(page, name) {
  await page.waitForTimeout(400);
  const height = await page.evaluate(() => Math.ceil(document.documentElement.scrollHeight));
  const size = page.viewportSize();
  await page.setViewportSize({ width: size.width, height: Math.min(height, 4000) });
  await page.screenshot({ path: join(ROOT, 'tests', 'out', `${name}.png`) });
  await page.setViewportSize(size);
}
