// The lab's production HTTP handler: static files of the build plus the latency endpoint
// (`…/api/delay`, see docs/CONTRACT.md "The latency endpoint").
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

/**
 * The most delay requests one client may have open at once, by default, whatever address the server
 * binds. A class behind one NAT address is one client: 30 learners whose browsers each open the 6
 * connections a browser allows per host make 180; 300 leaves room for a Python program of the lesson
 * (aiohttp opens up to 100) or a larger class, while one client still cannot hold every socket.
 */
export const DEFAULT_PER_CLIENT_LIMIT = 300;

/** Files a sandboxed frame (an opaque origin) may load: the boot check and the style that says what it found. */
const SANDBOX_SAFE = /\/(boot\.js|style\.css)$/;
/** Files that never change at their URL: real CPython's, under a folder named for its version
 *  (scripts/build-web.mjs). A browser keeps them a year without asking again, so a returning visit loads
 *  CPython from its cache with no request at all. */
const IMMUTABLE = /^\/pyodide\/\d+\.\d+\.\d+[^/]*\//;
/** The pages' chunks, named for a hash of their content (scripts/build-web.mjs, esbuild's `[name]-[hash]`):
 *  a changed chunk has a new name, so a returning visit need not ask again (the entries and the engine's
 *  files, named as they are, are still revalidated every time). */
const HASHED_CHUNK = /^\/[a-z]+(?:-[a-z]+)*-[A-Z0-9]{8}\.js$/;

/**
 * Sets the headers every response carries (static files, API, errors).
 * @param {import('node:http').ServerResponse} res
 * @param {boolean} api  true for the latency endpoint
 * @param {boolean} [anyOrigin]  the file may be loaded by any document (CORP cross-origin)
 */
export function setSecurityHeaders(res, api, anyOrigin = api) {
  // COOP + COEP make the page cross-origin isolated, which is what gives it SharedArrayBuffer
  // and so shared wasm memory for the threaded engine (workers and wasm need them too).
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  // Under COEP every subresource must opt in with CORP (or CORS). Our own files are for our own
  // pages only; the latency endpoint may be used from other origins (embedders, course pages).
  // boot.js and style.css too (SANDBOX_SAFE): a frame sandboxed without allow-same-origin has an opaque
  // origin, which CORP same-origin refuses; those two tell it why the lab cannot start there.
  res.setHeader('Cross-Origin-Resource-Policy', anyOrigin ? 'cross-origin' : 'same-origin');
  // COOP/COEP do nothing for an iframe whose ancestors did not opt in (an LMS page never does);
  // this header isolates our document by itself (Chromium 137+), so the embedded lab gets threads.
  res.setHeader('Document-Isolation-Policy', 'isolate-and-require-corp');
  // Browsers must trust our Content-Type (module scripts and wasm streaming depend on it).
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', CSP);
  // The lab's URLs carry a learner's settings and the course page's origin: other sites need none of
  // it (the lab links out to documentation only), so no Referer leaves the lab.
  res.setHeader('Referrer-Policy', 'no-referrer');
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

/** Reads the 8 groups of an IPv6 address (any spelling: `::`, an IPv4 tail, a zone); null if it is not one. */
function ipv6Groups(address) {
  const a = address.replace(/%.*$/, ''); // fe80::1%eth0: the zone names an interface, not a host
  if (!net.isIPv6(a)) return null;
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const part = (s) => {
    if (!s) return [];
    const out = [];
    for (const g of s.split(':')) {
      if (g.includes('.')) {
        const [b0, b1, b2, b3] = g.split('.').map(Number); // an IPv4 tail (::ffff:1.2.3.4) is two groups
        out.push((b0 << 8) | b1, (b2 << 8) | b3);
      } else out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = part(head);
  const right = part(tail);
  return tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill(0), ...right];
}

/**
 * The key a client is counted under by the per-client cap: an IPv4 address as it is (an IPv4-mapped
 * IPv6 address, `::ffff:1.2.3.4`, is that IPv4 client), an IPv6 address by its /64, written
 * `2001:db8:0:1::/64`: one household or one machine gets a whole /64 and picks any address in it, so
 * keying by the full address would give it billions of caps.
 */
export function clientKey(address) {
  const a = String(address ?? '');
  if (net.isIPv4(a)) return a;
  const g = ipv6Groups(a);
  if (!g) return a || 'unknown';
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return [g[6] >> 8, g[6] & 255, g[7] >> 8, g[7] & 255].join('.');
  }
  return `${g.slice(0, 4).map((x) => x.toString(16)).join(':')}::/64`;
}

/**
 * Counts the delay requests each client has open (every one, whatever its `ms`: a class's short
 * requests add up as much as one client's long ones). `acquire` answers whether one more may start;
 * a granted slot is given back when the response closes (answered, failed, reset, hung up by the
 * server, or the client went away), so the count can never leak.
 */
function createClientCap(limit) {
  const open = new Map(); // client key -> count (absent when 0, so the map holds active clients only)
  return {
    limit,
    /** `{ key }` when the request may go on (its slot taken), `{ key, refused: true }` when its client is at the cap. */
    acquire(req, res) {
      const key = clientKey(req.socket.remoteAddress);
      if (req.socket.destroyed) return { key }; // gone already: nothing will run, nothing to count
      const count = open.get(key) || 0;
      if (count >= limit) return { key, refused: true };
      open.set(key, count + 1);
      res.once('close', () => {
        const left = open.get(key) - 1;
        if (left > 0) open.set(key, left);
        else open.delete(key);
      });
      return { key };
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

  const slot = cap?.acquire(req, res);
  if (slot?.refused) {
    const allowed = `at most ${cap.limit} open delay requests per client (one IPv4 address, or one IPv6 /64)`;
    return sendJson(
      res,
      429,
      {
        error:
          `Too Many Requests: ${allowed}, and ${slot.key} has ${cap.limit} open; retry when one has ended. ` +
          `A class behind one address that needs more: whoever runs the server sets LAB_PER_CLIENT_LIMIT.`,
        allowed,
        limit: cap.limit,
        client: slot.key,
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
 * @param {{ root: string, hangMs?: number, perClientLimit?: number }} options
 *   root: the directory to serve (the build, usually `dist/`); read once, at creation.
 *   hangMs: how long `fail=hang` keeps the socket open before closing it (default 60 s).
 *   perClientLimit: the most delay requests (any `ms`, hangs included) one client may have open at
 *     once, counted per IPv4 address or IPv6 /64 (`clientKey`); more get 429 with `Retry-After: 1`.
 *     Default `DEFAULT_PER_CLIENT_LIMIT` (300); 0 turns the cap off (only for tests on loopback that
 *     hold more than that at once).
 * @returns {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void}
 */
export function createLabHandler({ root, hangMs = HANG_MS, perClientLimit = DEFAULT_PER_CLIENT_LIMIT } = {}) {
  if (!root) throw new TypeError('createLabHandler: root is required');
  if (!(Number.isInteger(perClientLimit) && perClientLimit >= 0)) {
    throw new TypeError(`createLabHandler: perClientLimit must be an integer >= 0 (0: no cap); got ${perClientLimit}`);
  }
  const cap = perClientLimit === 0 ? null : createClientCap(perClientLimit);
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
    setHeaders: (res, pathname) => {
      if (IMMUTABLE.test(pathname) || HASHED_CHUNK.test(pathname)) res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    },
    onNoMatch: (req, res) => sendText(res, 404, 'Not Found'),
  });

  function labHandler(req, res) {
    const url = req.url || '';
    const q = url.indexOf('?');
    const pathname = safePathname(q === -1 ? url : url.slice(0, q));
    const api = pathname !== null && pathname.endsWith('/api/delay');
    setSecurityHeaders(res, api, api || (pathname !== null && SANDBOX_SAFE.test(pathname)));

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
