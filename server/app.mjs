// The lab's production HTTP handler: static files of the build plus the latency endpoint
// (`…/api/delay`, see shared/API.md "The latency endpoint").
//
// Plain Node (no framework): one function sets the isolation and security headers on every
// response, the path is checked by us before sirv sees it, and the endpoint's timers are tied to
// the response's lifetime so aborted requests leave nothing behind.

import fs from 'node:fs';
import path from 'node:path';
import sirv from 'sirv';

/** Content-Security-Policy of every response; exported so the build can put the same in a meta tag. */
export const CSP = [
  "default-src 'self'",
  // The engine is WebAssembly: compiling it needs 'wasm-unsafe-eval' (but not JS eval).
  "script-src 'self' 'wasm-unsafe-eval'",
  // The thread pool's workers may be started from blob: URLs.
  "worker-src 'self' blob:",
  // Fetches go to our own latency endpoint only.
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self'",
  // The lab is meant to be embedded in any course page (LMS); so no X-Frame-Options either.
  'frame-ancestors *',
  "base-uri 'self'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

/** Values `ms` may take (inclusive), as shown to users in errors. */
export const MAX_DELAY_MS = 10000;
const FAIL_KINDS = ['status', 'reset', 'hang'];

/**
 * Sets the headers every response carries (static files, API, errors).
 * @param {import('node:http').ServerResponse} res
 * @param {boolean} api  true for the latency endpoint
 */
export function setSecurityHeaders(res, api) {
  // COOP + COEP make the page cross-origin isolated, which is what gives it SharedArrayBuffer
  // and so shared wasm memory for the threaded engine (workers and wasm need them too).
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  // Under COEP every subresource must opt in with CORP (or CORS). Our own files are for our own
  // pages only; the latency endpoint may be used from other origins (embedders, course pages).
  res.setHeader('Cross-Origin-Resource-Policy', api ? 'cross-origin' : 'same-origin');
  // COOP/COEP do nothing for an iframe whose ancestors did not opt in (an LMS page never does);
  // this header isolates our document by itself (Chromium 137+), so the embedded lab gets threads.
  res.setHeader('Document-Isolation-Policy', 'isolate-and-require-corp');
  // Browsers must trust our Content-Type (module scripts and wasm streaming depend on it).
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', CSP);
  if (api) {
    // Every delay request must reach the server (a cached answer would take 0 ms), and any page
    // may call it.
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Access-Control-Allow-Origin', '*');
  }
}

function send(res, status, type, body, extra = {}) {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...extra });
  res.end(body);
}
const sendText = (res, status, text, extra) => send(res, status, 'text/plain; charset=utf-8', text + '\n', extra);
const sendJson = (res, status, body) => send(res, status, 'application/json', JSON.stringify(body));

/**
 * Decodes the raw path of the request target and checks it is a plain path below the root.
 * Returns the decoded path, or null for anything that could escape the root or is malformed:
 * `..` or `.` segments, empty segments (`//etc/passwd`), backslashes (Windows separators), NUL and
 * other control bytes, a target that is not origin-form (`http://…`, `*`), bad percent-encoding.
 * It decodes repeatedly (double-encoded `%252e%252e`) because a later layer may decode again.
 */
function safePathname(rawPath) {
  if (!rawPath.startsWith('/')) return null;
  let p = rawPath;
  for (let i = 0; i < 4; i++) {
    if (/[\\\x00-\x1f\x7f]/.test(p)) return null;
    const segments = p.split('/').slice(1);
    // A trailing slash gives one empty last segment, which is fine (`/sub/`); others are not.
    if (segments.some((s, j) => s === '..' || s === '.' || (s === '' && j < segments.length - 1))) {
      return null;
    }
    if (!p.includes('%')) return p;
    try {
      p = decodeURIComponent(p);
    } catch {
      return null;
    }
  }
  return null; // still encoded after several rounds: nobody sends that honestly
}

/** One value of a query parameter: undefined when absent, null when repeated with different values. */
function single(params, name) {
  const values = [...new Set(params.getAll(name))];
  if (values.length === 0) return undefined;
  return values.length === 1 ? values[0] : null;
}

/**
 * The latency endpoint. Validates `ms` and `fail`, then answers (or fails) after `ms` ms.
 * Every timer is cleared when the response closes (client gone), so aborted requests leak nothing.
 */
function handleDelay(req, res, query, hangMs) {
  const params = new URLSearchParams(query);
  const msText = single(params, 'ms');
  if (typeof msText !== 'string' || !/^[0-9]{1,6}$/.test(msText) || Number(msText) > MAX_DELAY_MS) {
    return sendJson(res, 400, {
      error: `ms must be an integer in 0..${MAX_DELAY_MS} (milliseconds, plain digits); got ${
        msText === undefined ? 'none' : msText === null ? 'several values' : JSON.stringify(msText)
      }`,
      field: 'ms',
      allowed: `0..${MAX_DELAY_MS}`,
    });
  }
  const fail = single(params, 'fail');
  if (fail !== undefined && !FAIL_KINDS.includes(fail)) {
    return sendJson(res, 400, {
      error: `fail must be one of ${FAIL_KINDS.join(', ')} (or absent); got ${
        fail === null ? 'several values' : JSON.stringify(fail)
      }`,
      field: 'fail',
      allowed: FAIL_KINDS.join(', '),
    });
  }
  const ms = Number(msText);

  let timer;
  const later = (delay, fn) => {
    timer = setTimeout(fn, delay);
  };
  res.on('close', () => clearTimeout(timer));

  if (fail === 'hang') {
    // Never answer; a client without a timeout would wait forever, so let the socket go at last.
    return later(hangMs, () => req.socket.destroy());
  }
  later(ms, () => {
    if (fail === 'reset') {
      req.socket.destroy(); // the client sees a connection reset / socket hang-up, no response
    } else if (fail === 'status') {
      sendJson(res, 503, { error: 'Service Unavailable (injected fault)', status: 503 });
    } else {
      sendJson(res, 200, { delayMs: ms });
    }
  });
}

/**
 * Creates the lab's request handler.
 * @param {{ root: string, hangMs?: number }} options
 *   root: the directory to serve (the build, usually `dist/`); read once, at creation.
 *   hangMs: how long `fail=hang` keeps the socket open before closing it (default 60 s).
 * @returns {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void}
 */
export function createLabHandler({ root, hangMs = 60_000 } = {}) {
  if (!root) throw new TypeError('createLabHandler: root is required');
  root = path.resolve(root);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
    throw new Error(`createLabHandler: root ${root} is not a directory (build the lab first?)`);
  }

  // dev: false makes sirv list the files under root once, now, and serve only those: nothing
  // outside root (or added later) can ever be served, and there is no disk access per lookup.
  // sirv has no directory listings; `/` and `/sub/` serve their index.html if there is one.
  const serveStatic = sirv(root, {
    dev: false,
    etag: true,
    // Revalidate every time (cheap with the ETag): a rebuilt engine's JS and wasm must not mix
    // with stale cached copies.
    maxAge: 0,
    onNoMatch: (req, res) => sendText(res, 404, 'Not Found'),
  });

  return function labHandler(req, res) {
    const url = req.url || '';
    const q = url.indexOf('?');
    const pathname = safePathname(q === -1 ? url : url.slice(0, q));
    const api = pathname !== null && pathname.endsWith('/api/delay');
    setSecurityHeaders(res, api);

    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendText(res, 405, 'Method Not Allowed', { Allow: 'GET, HEAD' });
    }
    if (pathname === null) return sendText(res, 400, 'Bad Request');
    if (api) return handleDelay(req, res, q === -1 ? '' : url.slice(q + 1), hangMs);

    // sirv trusts the Range header: `bytes=5-2` makes it throw inside the request handler, which
    // would crash the process. Ignore (serve the whole file) any Range other than `bytes=S-[E]`,
    // E >= S, as HTTP allows.
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range || '');
    if (req.headers.range && (!range || (range[2] !== '' && Number(range[2]) < Number(range[1])))) {
      delete req.headers.range;
    }
    // sirv pipes a file stream into res without an error handler; a file deleted after start-up
    // would otherwise raise an unhandled 'error' and crash the process.
    res.once('pipe', (source) => source.on('error', () => res.destroy()));
    serveStatic(req, res);
  };
}
