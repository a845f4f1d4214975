// The per-client cap on long delay requests (`fail=hang`, or `ms` >= 1000): what a server exposed
// beyond loopback turns on so that one client cannot hold every socket.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createLabHandler, isLoopback } from '../../server/app.mjs';
import { expectedHeaders, startLab } from './helpers.mjs';

const LIMIT = 3;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts a GET on its own connection. `done` resolves { status, headers, body, ms } or { error, ms };
 * `abort()` drops the connection from the client side.
 */
function open(base, path, { localAddress } = {}) {
  const t0 = performance.now();
  let req;
  const done = new Promise((resolve) => {
    req = http.get(`${base}${path}`, { agent: false, localAddress }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body, ms: performance.now() - t0 }));
      res.on('error', (err) => resolve({ error: err.code || err.message, ms: performance.now() - t0 }));
    });
    req.on('error', (err) => resolve({ error: err.code || err.message, ms: performance.now() - t0 }));
  });
  return { done, abort: () => req.destroy() };
}

/** How `pending` stands after `ms`: its result, or 'waiting'. */
const within = (pending, ms) => Promise.race([pending.done, sleep(ms).then(() => 'waiting')]);

/** Asserts a 429 from the cap, with its JSON, Retry-After and the API headers. */
function assertCapped(r) {
  assert.equal(r.status, 429, JSON.stringify(r));
  assert.equal(r.headers['retry-after'], '1');
  assert.match(r.headers['content-type'], /^application\/json/);
  for (const [name, value] of Object.entries(expectedHeaders(true))) assert.equal(r.headers[name], value, name);
  const body = JSON.parse(r.body);
  assert.equal(body.field, 'ms');
  assert.equal(body.allowed, `at most ${LIMIT} concurrent long requests per client`);
  assert.equal(body.limit, LIMIT);
  assert.match(body.error, new RegExp(`at most ${LIMIT} concurrent long requests per client`));
}

describe('perClientLimit: 3', () => {
  let lab;
  const held = [];
  before(async () => {
    lab = await startLab({ perClientLimit: LIMIT, hangMs: 5000 });
  });
  after(async () => {
    for (const h of held) h.abort();
    await lab.close();
  });

  /** Opens `n` hangs and waits until the server holds them (a hang never answers by itself). */
  async function hold(n, options) {
    const hangs = Array.from({ length: n }, (_, i) => open(lab.base, `/api/delay?ms=0&fail=hang&_=${i}`, options));
    held.push(...hangs);
    await sleep(150);
    for (const h of hangs) assert.equal(await within(h, 0), 'waiting', 'a held hang answered');
    return hangs;
  }

  test('the 4th concurrent hang gets 429 naming the limit; short requests are never capped', async () => {
    const hangs = await hold(LIMIT);
    assertCapped(await open(lab.base, '/api/delay?ms=0&fail=hang').done);
    // Long delays count as well as hangs.
    assertCapped(await open(lab.base, '/api/delay?ms=1000').done);
    assertCapped(await open(lab.base, '/x/api/delay?ms=10000&fail=status').done);
    // Short requests, and bad ones, are not capped.
    const short = await Promise.all(
      Array.from({ length: 20 }, (_, i) => open(lab.base, `/api/delay?ms=${i % 2 ? 999 : 10}&_=${i}`).done),
    );
    for (const r of short) assert.equal(r.status, 200, JSON.stringify(r));
    assert.equal((await open(lab.base, '/api/delay?ms=fast&fail=hang').done).status, 400);
    assert.equal((await open(lab.base, '/api/delay?ms=2000&fail=boom').done).status, 400);
    assert.equal((await open(lab.base, '/index.html').done).status, 200);

    // After one closes (client gone), a new one is accepted; then the cap is full again.
    hangs[0].abort();
    let again;
    const deadline = Date.now() + 2000;
    do {
      again = open(lab.base, '/api/delay?ms=0&fail=hang&again');
      const early = await within(again, 200);
      if (early === 'waiting') break;
      assertCapped(early); // the server had not seen the close yet: try again shortly
      again = null;
    } while (Date.now() < deadline);
    assert.ok(again, 'a slot was freed within 2 s of a client closing its hang');
    held.push(again);
    assertCapped(await open(lab.base, '/api/delay?ms=0&fail=hang').done);
  });

  test('counted per client address: another address has its own slots', async () => {
    // The cap of 127.0.0.1 is full (previous test); 127.0.0.2 is another client on loopback.
    assertCapped(await open(lab.base, '/api/delay?ms=0&fail=hang').done);
    await hold(LIMIT, { localAddress: '127.0.0.2' });
    assertCapped(await open(lab.base, '/api/delay?ms=0&fail=hang', { localAddress: '127.0.0.2' }).done);
  });

  test('released when the response ends: answered long delays and hangs the server closes', async () => {
    for (const h of held.splice(0)) h.abort();
    const small = await startLab({ perClientLimit: LIMIT, hangMs: 300 });
    try {
      const longs = Array.from({ length: LIMIT }, (_, i) => open(small.base, `/api/delay?ms=1000&_=${i}`));
      await sleep(100);
      assertCapped(await open(small.base, '/api/delay?ms=1000').done);
      for (const r of await Promise.all(longs.map((l) => l.done))) assert.equal(r.status, 200);
      // All three answered: the whole cap is free again; fill it with hangs the server ends itself.
      const hangs = Array.from({ length: LIMIT }, (_, i) => open(small.base, `/api/delay?ms=0&fail=hang&_=${i}`));
      await sleep(100);
      assertCapped(await open(small.base, '/api/delay?ms=0&fail=hang').done);
      for (const r of await Promise.all(hangs.map((h) => h.done))) assert.ok(r.error, JSON.stringify(r));
      await sleep(50);
      const next = await Promise.all(
        Array.from({ length: LIMIT }, (_, i) => open(small.base, `/api/delay?ms=1000&fail=status&_=${i}`).done),
      );
      for (const r of next) assert.equal(r.status, 503, JSON.stringify(r));
    } finally {
      await small.close();
    }
  });
});

test('released on keep-alive connections too (the connection stays open, the slot is freed)', async () => {
  const lab = await startLab({ perClientLimit: 1 });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = (path) =>
    new Promise((resolve, reject) => {
      http
        .get(`${lab.base}${path}`, { agent }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode, body, socket: res.socket }));
        })
        .on('error', reject);
    });
  try {
    const first = await get('/api/delay?ms=1000&fail=status');
    assert.equal(first.status, 503);
    const second = await get('/api/delay?ms=1000');
    assert.equal(second.status, 200, second.body);
    assert.equal(second.socket, first.socket, 'the same keep-alive connection');
  } finally {
    agent.destroy();
    await lab.close();
  }
});

test('no cap by default: 50 concurrent hangs are all held', async () => {
  const lab = await startLab({ hangMs: 5000 });
  const hangs = Array.from({ length: 50 }, (_, i) => open(lab.base, `/api/delay?ms=0&fail=hang&_=${i}`));
  try {
    await sleep(200);
    for (const h of hangs) assert.equal(await within(h, 0), 'waiting');
  } finally {
    for (const h of hangs) h.abort();
    await lab.close();
  }
});

test('perClientLimit must be a positive integer or null', async () => {
  const lab = await startLab(); // for a root
  try {
    for (const perClientLimit of [null, undefined, 1, 32]) createLabHandler({ root: lab.root, perClientLimit });
    for (const bad of [0, -1, 1.5, '3', NaN]) {
      assert.throws(() => createLabHandler({ root: lab.root, perClientLimit: bad }), /perClientLimit/, String(bad));
    }
  } finally {
    await lab.close();
  }
});

test('isLoopback: what turns the cap off in server.mjs', () => {
  for (const host of ['127.0.0.1', '127.8.9.10', 'localhost', 'LocalHost', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) {
    assert.equal(isLoopback(host), true, host);
  }
  for (const host of ['0.0.0.0', '::', '[::]', '10.0.0.1', '192.168.1.20', 'fe80::1', '::ffff:10.0.0.1', 'lab.example.org', '']) {
    assert.equal(isLoopback(host), false, host);
  }
});
