// Helpers of the embedding tests (embed-*.test.mjs): a plain static server that sends no custom headers
// (like GitHub Pages or any bucket), serving dist/ under a sub-path, and a "course page" server on another
// port (another origin) that serves host pages holding the lab in an iframe. Both on 127.0.0.1 only.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { ROOT } from './helpers.mjs';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.wasm': 'application/wasm', '.json': 'application/json', '.map': 'application/json', '.png': 'image/png',
};

function listen(server) {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({ origin: `http://127.0.0.1:${port}`, port, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) });
    });
  });
}

/**
 * dist/ under `base` (e.g. /course/lab/) with only Content-Type and Content-Length: no COOP/COEP, no CSP,
 * no latency endpoint (api/delay is a 404 like any missing file). `headers` are added to every file (a
 * host where the author can set some). Resolves to { origin, url, close }.
 */
export async function startStaticServer(base = '/course/lab/', { dir = join(ROOT, 'dist'), headers = {} } = {}) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (!path.startsWith(base)) return end(res, 404);
    const rel = normalize(path.slice(base.length) || 'index.html');
    if (rel.startsWith('..')) return end(res, 404);
    const file = join(dir, rel.endsWith('/') ? `${rel}index.html` : rel);
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': body.length, ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      end(res, 404);
    }
  });
  const s = await listen(server);
  return { ...s, url: `${s.origin}${base}` };
}

function end(res, status) {
  res.writeHead(status, { 'Content-Type': 'text/plain' });
  res.end(status === 404 ? 'Not Found' : '');
}

/**
 * A course page server on its own port: GET /host?src=URL serves a plain page (no isolation headers) that
 * holds `src` in an iframe and logs every message the frame posts in `window.received`. Optional:
 * `width` of the frame, its `sandbox` and `allow` attributes.
 */
export async function startHostServer() {
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname !== '/host') return end(res, 404);
    const src = url.searchParams.get('src') ?? '';
    const width = Number(url.searchParams.get('width') ?? 900);
    const sandbox = url.searchParams.get('sandbox');
    // Like most course pages, no `allow` attribute unless asked for.
    const allow = url.searchParams.get('allow');
    const attr = (s) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A course page</title></head>
<body style="margin:0">
<h1 style="font:16px sans-serif;margin:4px">A course page</h1>
<iframe id="lab" title="Concurrency Lab" src="${attr(src)}" style="width:${width}px;height:600px;border:1px solid #888"
  ${sandbox !== null ? `sandbox="${attr(sandbox)}"` : ''} ${allow !== null ? `allow="${attr(allow)}"` : ''}></iframe>
<script>
  window.received = [];
  addEventListener('message', (e) => {
    if (e.source !== document.getElementById('lab').contentWindow) return;
    window.received.push({ origin: e.origin, data: e.data });
    if (e.data && e.data.type === 'lab:height') document.getElementById('lab').style.height = e.data.height + 'px';
  });
  window.send = (msg, target) => document.getElementById('lab').contentWindow.postMessage(msg, target || '*');
</script>
</body></html>`;
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  return listen(server);
}

/** The lab's frame in a host page (a playwright Frame), once its `window.lab` is ready. */
export async function labFrame(page, timeout = 30_000) {
  const el = await page.waitForSelector('#lab');
  const deadline = Date.now() + timeout;
  for (;;) {
    const frame = await el.contentFrame();
    try {
      if (frame && (await frame.evaluate(() => !!window.lab && window.lab.ready.then(() => true)))) return frame;
    } catch {
      /* the frame is reloading (the service worker's one reload) */
    }
    if (Date.now() > deadline) throw new Error('the lab in the frame did not become ready');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Waits until the page (top level) has `window.lab` ready, across the service worker's one reload. */
export async function labReady(page, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      const status = await page.evaluate(() => window.lab && window.lab.ready);
      if (status) return status;
    } catch {
      /* navigating */
    }
    if (Date.now() > deadline) throw new Error('the lab did not become ready');
    await new Promise((r) => setTimeout(r, 200));
  }
}
