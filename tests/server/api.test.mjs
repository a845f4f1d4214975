// The latency endpoint: validation, delays, injected faults, sub-paths, concurrency, no leaks.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { expectedHeaders, rawRequest, startLab } from './helpers.mjs';

const HANG_MS = 800;
let lab;
before(async () => {
  lab = await startLab({ hangMs: HANG_MS });
});
after(() => lab.close());

function assertHeaders(res, api) {
  for (const [name, value] of Object.entries(expectedHeaders(api))) {
    assert.equal(res.headers.get(name), value, name);
  }
  assert.ok(res.headers.get('content-security-policy')?.includes("'wasm-unsafe-eval'"));
  assert.equal(res.headers.get('x-frame-options'), null);
}

/** A plain http.get that resolves how it ended: { status, body } or { error }, with elapsed ms. */
function get(path) {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = http.get(`${lab.base}${path}`, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body, ms: performance.now() - t0 }));
    });
    req.on('error', (err) => resolve({ error: err.code || err.message, ms: performance.now() - t0 }));
  });
}

describe('validation', () => {
  const badMs = [
    ['missing', ''],
    ['empty', 'ms='],
    ['fraction', 'ms=1.5'],
    ['letters', 'ms=abc'],
    ['exponent', 'ms=1e3'],
    ['negative', 'ms=-1'],
    ['too large', 'ms=10001'],
    ['plus sign', 'ms=%2B5'],
    ['space', 'ms=+5'],
    ['hex', 'ms=0x10'],
    ['repeated, different', 'ms=1&ms=2'],
  ];
  for (const [name, query] of badMs) {
    test(`ms ${name} (?${query}) is a 400 naming ms and 0..10000`, async () => {
      const res = await fetch(`${lab.base}/api/delay?${query}`);
      assert.equal(res.status, 400);
      assert.match(res.headers.get('content-type'), /^application\/json/);
      assertHeaders(res, true);
      const body = await res.json();
      assert.equal(body.field, 'ms');
      assert.equal(body.allowed, '0..10000');
      assert.match(body.error, /\bms\b/);
      assert.match(body.error, /0\.\.10000/);
    });
  }

  for (const query of ['fail=', 'fail', 'fail=boom', 'fail=STATUS', 'fail=status&fail=hang']) {
    test(`fail (?ms=0&${query}) is a 400 naming fail and its values`, async () => {
      const res = await fetch(`${lab.base}/api/delay?ms=0&${query}`);
      assert.equal(res.status, 400);
      assertHeaders(res, true);
      const body = await res.json();
      assert.equal(body.field, 'fail');
      assert.equal(body.allowed, 'status, reset, hang');
      assert.match(body.error, /fail/);
      assert.match(body.error, /status, reset, hang/);
    });
  }

  test('the same ms twice, other parameters and the boundaries are accepted', async () => {
    for (const query of ['ms=0&ms=0', 'ms=0&_=123&cb=x', 'ms=00', 'fail=status&ms=0&x=1']) {
      const res = await fetch(`${lab.base}/api/delay?${query}`);
      assert.equal(res.status, query.includes('fail=status') ? 503 : 200, query);
      await res.arrayBuffer();
    }
  });
});

describe('delays and faults', () => {
  test('200 {delayMs} after at least M ms, with the API headers', async () => {
    const t0 = performance.now();
    const res = await fetch(`${lab.base}/api/delay?ms=150`);
    const elapsed = performance.now() - t0;
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { delayMs: 150 });
    assert.ok(elapsed >= 149, `took ${elapsed} ms`);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assertHeaders(res, true);
  });

  test('ms=10000 is accepted (answer not awaited)', async () => {
    const ac = new AbortController();
    const pending = fetch(`${lab.base}/api/delay?ms=10000`, { signal: ac.signal });
    const early = await Promise.race([pending.then(() => 'answered', () => 'failed'), new Promise((r) => setTimeout(r, 200, 'waiting'))]);
    assert.equal(early, 'waiting');
    ac.abort();
    await pending.catch(() => {});
  });

  test('fail=status: 503 JSON after M ms', async () => {
    const t0 = performance.now();
    const res = await fetch(`${lab.base}/api/delay?ms=100&fail=status`);
    assert.ok(performance.now() - t0 >= 99);
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), { error: 'Service Unavailable (injected fault)', status: 503 });
    assertHeaders(res, true);
  });

  test('fail=reset: the socket is closed after M ms without a response', async () => {
    const r = await get('/api/delay?ms=100&fail=reset');
    assert.ok(r.error, `expected a socket error, got ${JSON.stringify(r)}`);
    assert.ok(r.ms >= 99, `after ${r.ms} ms`);
  });

  test('fail=hang: no answer within 300 ms, socket closed after hangMs', async () => {
    const pending = get('/api/delay?ms=0&fail=hang');
    const early = await Promise.race([pending, new Promise((r) => setTimeout(r, 300, 'waiting'))]);
    assert.equal(early, 'waiting');
    const r = await pending;
    assert.ok(r.error, `expected a socket error, got ${JSON.stringify(r)}`);
    assert.ok(r.ms >= HANG_MS - 5 && r.ms < HANG_MS + 1000, `closed after ${r.ms} ms`);
  });

  test('works under a sub-path', async () => {
    for (const path of ['/x/y/api/delay?ms=0', '/lab/api/delay?ms=0']) {
      const res = await fetch(lab.base + path);
      assert.equal(res.status, 200, path);
      assert.deepEqual(await res.json(), { delayMs: 0 });
      assertHeaders(res, true);
    }
  });

  test('HEAD answers with the headers and no body', async () => {
    const res = await fetch(`${lab.base}/api/delay?ms=0`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assertHeaders(res, true);
    assert.equal(await res.text(), '');
  });

  test('other methods on the API: 405 with Allow and the API headers', async () => {
    const res = await fetch(`${lab.base}/api/delay?ms=0`, { method: 'POST' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET, HEAD');
    assertHeaders(res, true);
  });
});

describe('load', () => {
  test('200 concurrent ms=300 requests all answer in under 1.5 s', async () => {
    const t0 = performance.now();
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        fetch(`${lab.base}/api/delay?ms=300&_=${i}`).then(async (r) => [r.status, await r.json()]),
      ),
    );
    const elapsed = performance.now() - t0;
    for (const [status, body] of results) {
      assert.equal(status, 200);
      assert.deepEqual(body, { delayMs: 300 });
    }
    assert.ok(elapsed < 1500, `took ${elapsed} ms`);
  });

  test('aborted requests leave no timers behind', async () => {
    // 300 at once from one address is the whole default per-client cap: this test is about timers, so
    // its server opts out of the cap (cap.test.mjs tests the cap).
    const uncapped = await startLab({ perClientLimit: 0 });
    const timers = () => process.getActiveResourcesInfo().filter((t) => t === 'Timeout').length;
    const baseline = timers();
    const agent = new http.Agent({ keepAlive: false });
    const requests = [];
    for (let i = 0; i < 300; i++) {
      const kind = ['', '&fail=status', '&fail=reset', '&fail=hang'][i % 4];
      const req = http.get(`${uncapped.base}/api/delay?ms=10000${kind}&_=${i}`, { agent });
      req.on('error', () => {});
      requests.push(req);
    }
    // Wait until the server holds them all (each one with a pending timer).
    const deadline = Date.now() + 3000;
    while (timers() < baseline + 300 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(timers() >= baseline + 300, `server timers: ${timers() - baseline}`);
    for (const req of requests) req.destroy();
    const deadline2 = Date.now() + 3000;
    while (timers() > baseline && Date.now() < deadline2) await new Promise((r) => setTimeout(r, 20));
    assert.ok(timers() <= baseline, `timers left: ${timers() - baseline}`);
    // The server still answers normally afterwards.
    const res = await fetch(`${uncapped.base}/api/delay?ms=0`);
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    await uncapped.close();
  });
});

test('raw request: absolute-form target is not a 5xx', async () => {
  const r = await rawRequest(lab.port, `http://127.0.0.1:${lab.port}/api/delay?ms=0`);
  assert.ok(r.status === 400 || r.status === 404, JSON.stringify(r));
});
