// The lab's production HTTP handler: static files of the build plus the latency endpoint
// (`…/api/delay`, see shared/API.md "The latency endpoint").
//
// Plain Node (no framework): one function sets the isolation and security headers on every
// response, the path is checked by us before sirv sees it, and the endpoint's timers are tied to
// the response's lifetime so aborted requests leave nothing behind.

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import sirv from 'sirv';
import { FAULT_STATUS, FAULT_STATUS_BODY, HANG_MS, MAX_DELAY_MS, parseDelayQuery } from './delay-contract.mjs';

export { MAX_DELAY_MS };

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

/** A delay request is "long" (and so counts against the per-client cap) from this many ms on, or with fail=hang. */
export const LONG_DELAY_MS = 1000;

const LOOPBACK = new net.BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4'); // also matches IPv4-mapped IPv6 (::ffff:127.0.0.1)
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * True when `host` (a bind address such as the server's HOST) is reachable from this machine only:
 * 127.0.0.0/8, ::1 (in any spelling, bracketed or not) or `localhost`. Anything else, including
 * wildcard addresses (0.0.0.0, ::) and other host names, counts as exposed.
 */
export function isLoopback(host) {
  const a = String(host).toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (a === 'localhost') return true;
  if (net.isIPv4(a)) return LOOPBACK.check(a, 'ipv4');
  if (net.isIPv6(a)) return LOOPBACK.check(a, 'ipv6');
  return false;
}

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
const sendJson = (res, status, body, extra) => send(res, status, 'application/json', JSON.stringify(body), extra);

/** The client's address as counted by the per-client cap (`::ffff:1.2.3.4` is the same client as 1.2.3.4). */
function clientAddress(req) {
  const address = req.socket.remoteAddress || 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/**
 * Counts the long requests each client address has in flight. `acquire` answers whether one more
 * may start; a granted slot is given back when the response closes (answered, failed, reset, hung
 * up by the server, or the client went away), so the count can never leak.
 */
function createClientCap(limit) {
  const inFlight = new Map(); // address -> count (absent when 0, so the map holds active clients only)
  return {
    limit,
    acquire(req, res) {
      if (req.socket.destroyed) return true; // gone already: nothing will run, nothing to count
      const address = clientAddress(req);
      const count = inFlight.get(address) || 0;
      if (count >= limit) return false;
      inFlight.set(address, count + 1);
      res.once('close', () => {
        const left = inFlight.get(address) - 1;
        if (left > 0) inFlight.set(address, left);
        else inFlight.delete(address);
      });
      return true;
    },
  };
}

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

/**
 * The latency endpoint. Validates `ms` and `fail`, then answers (or fails) after `ms` ms.
 * Every timer is cleared when the response closes (client gone), so aborted requests leak nothing.
 */
function handleDelay(req, res, query, hangMs, cap) {
  // Validation is the contract's (shared with the static build's service worker).
  const parsed = parseDelayQuery(new URLSearchParams(query));
  if (!parsed.ok) return sendJson(res, parsed.status, parsed.body);
  const { ms, fail } = parsed;

  if (cap && (fail === 'hang' || ms >= LONG_DELAY_MS) && !cap.acquire(req, res)) {
    const allowed = `at most ${cap.limit} concurrent long requests per client`;
    return sendJson(
      res,
      429,
      {
        error: `Too Many Requests: ${allowed} (fail=hang or ms >= ${LONG_DELAY_MS}), and this client has ${cap.limit} in flight; retry when one has ended`,
        field: 'ms',
        allowed,
        limit: cap.limit,
      },
      { 'Retry-After': '1' },
    );
  }

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
      sendJson(res, FAULT_STATUS, FAULT_STATUS_BODY);
    } else {
      sendJson(res, 200, { delayMs: ms });
    }
  });
}

/**
 * Creates the lab's request handler.
 * @param {{ root: string, hangMs?: number, perClientLimit?: number | null }} options
 *   root: the directory to serve (the build, usually `dist/`); read once, at creation.
 *   hangMs: how long `fail=hang` keeps the socket open before closing it (default 60 s).
 *   perClientLimit: when a number, the most "long" delay requests (`fail=hang`, or `ms` >= 1000)
 *     one client address may have in flight; more get 429 with `Retry-After: 1`. Off (null, the
 *     default) for loopback use, where the lab's own tests run hundreds at once.
 * @returns {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void}
 */
export function createLabHandler({ root, hangMs = HANG_MS, perClientLimit = null } = {}) {
  if (!root) throw new TypeError('createLabHandler: root is required');
  if (perClientLimit != null && !(Number.isInteger(perClientLimit) && perClientLimit >= 1)) {
    throw new TypeError(`createLabHandler: perClientLimit must be a positive integer or null; got ${perClientLimit}`);
  }
  const cap = perClientLimit == null ? null : createClientCap(perClientLimit);
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

  function labHandler(req, res) {
    const url = req.url || '';
    const q = url.indexOf('?');
    const pathname = safePathname(q === -1 ? url : url.slice(0, q));
    const api = pathname !== null && pathname.endsWith('/api/delay');
    setSecurityHeaders(res, api);

    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendText(res, 405, 'Method Not Allowed', { Allow: 'GET, HEAD' });
    }
    if (pathname === null) return sendText(res, 400, 'Bad Request');
    if (api) return handleDelay(req, res, q === -1 ? '' : url.slice(q + 1), hangMs, cap);

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
  }

  // Last line of defence: a bug reached by some odd request must cost that request, not the
  // process (an exception thrown here would otherwise be uncaught and stop the server).
  return function safeLabHandler(req, res) {
    try {
      labHandler(req, res);
    } catch (err) {
      console.error(`Concurrency Lab: error on ${req.method} ${JSON.stringify(req.url)}: ${err?.stack || err}`);
      if (res.headersSent) res.destroy();
      else sendText(res, 500, 'Internal Server Error');
    }
  };
}
