// The lab's service worker (built to dist/sw.js, at the site's root so its scope is the whole lab). It
// does two things, and only for a host that does not do them itself:
//
//  1. Cross-origin isolation on a host that sends no headers (the approach of coi-serviceworker): every
//     same-origin response it serves gets the COOP/COEP/CORP headers the lab's own server sends, plus
//     Document-Isolation-Policy, which isolates a frame inside a page that is not isolated (Chromium
//     137+). Headers the host sends already are left as they are.
//  2. The latency endpoint (`api/delay`, docs/CONTRACT.md) where there is no server: it probes the network
//     once; if a real endpoint answers, requests go to it untouched (not even through this worker);
//     otherwise it answers them here with the same contract: the same validation and 400 bodies (the
//     module the server uses), the delay, and `fail=status|reset|hang` (reset = a network error, hang =
//     no answer until the server's hang limit, then a network error). Its answers carry
//     `X-Lab-Network: simulated`, so the page can label such runs; the browser's limit of six
//     connections per host does not apply to them (no connection is opened).
//
// No caching: every other request goes to the network as it would without this worker.

import { FAULT_STATUS, FAULT_STATUS_BODY, HANG_MS, parseDelayQuery } from '../../server/delay-contract.mjs';
import { SIMULATED_HEADER } from './network';

// The DOM library types `self` as a Window; this file runs as a ServiceWorkerGlobalScope.
interface FetchEventLike extends Event {
  readonly request: Request;
  respondWith(response: Response | Promise<Response>): void;
}
interface ExtendableEventLike extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface ServiceWorkerScope {
  readonly registration: ServiceWorkerRegistration;
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', listener: (e: ExtendableEventLike) => void): void;
  addEventListener(type: 'fetch', listener: (e: FetchEventLike) => void): void;
}
const scope = self as unknown as ServiceWorkerScope;

/** What the lab's own server sends (server/app.mjs `setSecurityHeaders`); added where missing. */
const ISOLATION_HEADERS: [string, string][] = [
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Cross-Origin-Embedder-Policy', 'require-corp'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Document-Isolation-Policy', 'isolate-and-require-corp'],
];

scope.addEventListener('install', () => void scope.skipWaiting());
// Take over the open pages at once: the page that registered us reloads to be served (and isolated) by us.
scope.addEventListener('activate', (e) => e.waitUntil(scope.clients.claim()));

scope.addEventListener('fetch', (e) => {
  const request = e.request;
  // Only our own site, and only what a reload would ask for again.
  if (!request.url.startsWith(scope.registration.scope)) return;
  if (request.method !== 'GET' && request.method !== 'HEAD') return;
  // A Chromium quirk: such requests fail if answered by a worker (coi-serviceworker skips them too).
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
  const url = new URL(request.url);
  if (url.pathname.endsWith('/api/delay')) {
    if (endpoint === 'real') return; // straight to the network, as if this worker did not exist
    e.respondWith(delay(request, url));
    return;
  }
  e.respondWith(withIsolation(request));
});

async function withIsolation(request: Request): Promise<Response> {
  const response = await fetch(request);
  if (response.status === 0 || response.type === 'opaque' || response.type === 'opaqueredirect') return response;
  const headers = new Headers(response.headers);
  let changed = false;
  for (const [name, value] of ISOLATION_HEADERS) {
    if (!headers.has(name)) {
      headers.set(name, value);
      changed = true;
    }
  }
  if (!changed) return response;
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

// ---- The latency endpoint

/** What answers `api/delay` here: learned once per worker start by one probe of the network. */
let endpoint: 'real' | 'simulated' | undefined;
let probing: Promise<'real' | 'simulated'> | undefined;

function probe(): Promise<'real' | 'simulated'> {
  probing ??= fetch(new URL(`api/delay?ms=0&probe=${Date.now()}`, scope.registration.scope), { cache: 'no-store' })
    .then(async (r) => (r.ok && typeof (await r.json())?.delayMs === 'number' ? ('real' as const) : ('simulated' as const)))
    // A static host answers 404 (or its index page); an offline one fails: no server either way.
    .catch(() => 'simulated' as const)
    .then((kind) => (endpoint = kind));
  return probing;
}

async function delay(request: Request, url: URL): Promise<Response> {
  if ((await probe()) === 'real') return fetch(request);
  const parsed = parseDelayQuery(url.searchParams);
  if (!parsed.ok) return json(parsed.status, parsed.body);
  const { ms, fail } = parsed;
  // A request the page aborted (Stop, a timeout) ends here too, so no timer outlives it.
  if (!(await wait(fail === 'hang' ? HANG_MS : ms, request.signal))) return Response.error();
  if (fail === 'hang' || fail === 'reset') return Response.error(); // the page's fetch rejects: a dropped connection
  if (fail === 'status') return json(FAULT_STATUS, FAULT_STATUS_BODY);
  return json(200, { delayMs: ms });
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function wait(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => resolve(true), ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve(false);
    }, { once: true });
  });
}

/** An answer with the server's headers for the endpoint, and the mark of a simulated one. */
function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
      'Access-Control-Allow-Origin': '*',
      'Cross-Origin-Resource-Policy': 'cross-origin',
      [SIMULATED_HEADER]: 'simulated',
    },
  });
}
