// The per-client cap on open delay requests: on by default whatever HOST is, every open `api/delay`
// counted (short ones too), a client being one IPv4 address or one IPv6 /64. A class behind one NAT
// address (30 learners x the browser's 6 connections = 180) is served; past the cap, a 429 says why.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { clientKey, createLabHandler, DEFAULT_PER_CLIENT_LIMIT } from '../../server/app.mjs';
import { expectedHeaders, makeRoot, startLab, startServerProcess } from './helpers.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const CLASS = 30 * 6; // learners x the connections a browser opens to one host

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

/** Counts the delay requests `lab`'s server has received (its handler has run for them). */
function arrivals(lab) {
  let n = 0;
  lab.server.on('request', (req) => {
    if (req.url.includes('/api/delay')) n++;
  });
  return {
    /** Resolves once `target` have arrived in all (fails after 5 s). */
    async reach(target) {
      const deadline = Date.now() + 5000;
      while (n < target) {
        assert.ok(Date.now() < deadline, `the server saw ${n} of ${target} delay requests in 5 s`);
        await sleep(10);
      }
    },
  };
}

/** Asserts a 429 from the cap of `limit` for client `key`: JSON that says why, Retry-After, the API headers. */
function assertCapped(r, limit, key = '127.0.0.1') {
  assert.equal(r.status, 429, JSON.stringify(r));
  assert.equal(r.headers['retry-after'], '1');
  assert.match(r.headers['content-type'], /^application\/json/);
  for (const [name, value] of Object.entries(expectedHeaders(true))) assert.equal(r.headers[name], value, name);
  const body = JSON.parse(r.body);
  const allowed = `at most ${limit} open delay requests per client (one IPv4 address, or one IPv6 /64)`;
  assert.equal(body.allowed, allowed);
  assert.equal(body.limit, limit);
  assert.equal(body.client, key);
  assert.equal(
    body.error,
    `Too Many Requests: ${allowed}, and ${key} has ${limit} open; retry when one has ended. ` +
      'A class behind one address that needs more: whoever runs the server sets LAB_PER_CLIENT_LIMIT.',
  );
}

describe('the default cap', () => {
  test('is several hundred open delays per client, enough for a class behind one address', () => {
    assert.equal(DEFAULT_PER_CLIENT_LIMIT, 300);
    assert.ok(DEFAULT_PER_CLIENT_LIMIT >= CLASS);
  });

  test(`a class of ${CLASS} concurrent delays from one address is served; past ${DEFAULT_PER_CLIENT_LIMIT} open, a 429 says why`, async () => {
    const lab = await startLab({ hangMs: 10_000 }); // no perClientLimit: the default
    const seen = arrivals(lab);
    const held = [];
    try {
      const t0 = performance.now();
      const learners = Array.from({ length: CLASS }, (_, i) => open(lab.base, `/api/delay?ms=1500&learner=${i}`));
      held.push(...learners);
      await seen.reach(CLASS);
      // The rest of the cap, taken by hangs; then one more of any kind is refused, a short one too.
      const rest = DEFAULT_PER_CLIENT_LIMIT - CLASS;
      held.push(...Array.from({ length: rest }, (_, i) => open(lab.base, `/api/delay?ms=0&fail=hang&_=${i}`)));
      await seen.reach(DEFAULT_PER_CLIENT_LIMIT);
      for (const path of ['/api/delay?ms=0', '/api/delay?ms=10000', '/api/delay?ms=0&fail=hang']) {
        const r = await open(lab.base, path).done;
        assertCapped(r, DEFAULT_PER_CLIENT_LIMIT);
        assert.ok(r.ms < 1000, `refused at once, not after the delay (${r.ms} ms)`);
      }
      // Another address has its own cap (127.0.0.2 is another client on loopback).
      assert.equal((await open(lab.base, '/api/delay?ms=0', { localAddress: '127.0.0.2' }).done).status, 200);
      const answers = await Promise.all(learners.map((l) => l.done));
      const elapsed = performance.now() - t0;
      for (const r of answers) {
        assert.equal(r.status, 200, JSON.stringify(r));
        assert.deepEqual(JSON.parse(r.body), { delayMs: 1500 });
      }
      assert.ok(elapsed < 4000, `the class's delays took ${elapsed} ms`);
      // Their 180 slots are free again (the hangs still hold theirs).
      await sleep(50);
      const again = await Promise.all(Array.from({ length: CLASS }, (_, i) => open(lab.base, `/api/delay?ms=100&again=${i}`).done));
      for (const r of again) assert.equal(r.status, 200, JSON.stringify(r));
    } finally {
      for (const h of held) h.abort();
      await lab.close();
    }
  });

  test('server.mjs caps by default on loopback too (LAB_PER_CLIENT_LIMIT unset)', async () => {
    const root = makeRoot();
    const server = await startServerProcess({ LAB_ROOT: root, HOST: '127.0.0.1' });
    const n = DEFAULT_PER_CLIENT_LIMIT + 1;
    const hangs = Array.from({ length: n }, (_, i) => open(server.base, `api/delay?ms=0&fail=hang&_=${i}`));
    try {
      // Whichever arrives last is refused; the others are held.
      const refused = await Promise.race([Promise.race(hangs.map((h) => h.done)), sleep(5000).then(() => null)]);
      assert.ok(refused, `no answer within 5 s to ${n} hangs`);
      assertCapped(refused, DEFAULT_PER_CLIENT_LIMIT);
      await sleep(200);
      const states = await Promise.all(hangs.map((h) => within(h, 0)));
      assert.equal(states.filter((s) => s === 'waiting').length, DEFAULT_PER_CLIENT_LIMIT, 'the rest are held');
    } finally {
      for (const h of hangs) h.abort();
      await server.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('perClientLimit: 3', () => {
  const LIMIT = 3;
  let lab;
  let seen;
  const held = [];
  before(async () => {
    lab = await startLab({ perClientLimit: LIMIT, hangMs: 5000 });
    seen = arrivals(lab);
  });
  after(async () => {
    for (const h of held) h.abort();
    await lab.close();
  });

  let sent = 0;
  /** Opens `n` hangs and waits until the server holds them (a hang never answers by itself). */
  async function hold(n, options) {
    const hangs = Array.from({ length: n }, (_, i) => open(lab.base, `/api/delay?ms=0&fail=hang&_=${i}`, options));
    held.push(...hangs);
    sent += n;
    await seen.reach(sent);
    for (const h of hangs) assert.equal(await within(h, 0), 'waiting', 'a held hang answered');
    return hangs;
  }
  /** A request that is answered (so counted as sent). */
  const ask = (path, options) => {
    sent++;
    return open(lab.base, path, options).done;
  };

  test('with 3 open, a 4th delay of any length gets 429; bad requests and files are not delay requests', async () => {
    const hangs = await hold(LIMIT);
    for (const path of ['/api/delay?ms=0&fail=hang', '/api/delay?ms=1000', '/x/api/delay?ms=10000&fail=status', '/api/delay?ms=0', '/api/delay?ms=10']) {
      assertCapped(await ask(path), LIMIT);
    }
    assert.equal((await ask('/api/delay?ms=fast&fail=hang')).status, 400);
    assert.equal((await ask('/api/delay?ms=2000&fail=boom')).status, 400);
    assert.equal((await open(lab.base, '/index.html').done).status, 200);

    // After one closes (client gone), a new one is accepted; then the cap is full again.
    hangs[0].abort();
    let again;
    const deadline = Date.now() + 2000;
    do {
      again = open(lab.base, '/api/delay?ms=0&fail=hang&again');
      sent++;
      const early = await within(again, 200);
      if (early === 'waiting') break;
      assertCapped(early, LIMIT); // the server had not seen the close yet: try again shortly
      again = null;
    } while (Date.now() < deadline);
    assert.ok(again, 'a slot was freed within 2 s of a client closing its hang');
    held.push(again);
    assertCapped(await ask('/api/delay?ms=0&fail=hang'), LIMIT);
  });

  test('counted per client address: another address has its own slots', async () => {
    // The cap of 127.0.0.1 is full (previous test); 127.0.0.2 is another client on loopback.
    assertCapped(await ask('/api/delay?ms=0&fail=hang'), LIMIT);
    await hold(LIMIT, { localAddress: '127.0.0.2' });
    assertCapped(await ask('/api/delay?ms=0&fail=hang', { localAddress: '127.0.0.2' }), LIMIT, '127.0.0.2');
  });

  test('short delays count while they are open: 3 at once are served, a 4th at the same time is not', async () => {
    for (const h of held.splice(0)) h.abort();
    const small = await startLab({ perClientLimit: LIMIT });
    const smallSeen = arrivals(small);
    try {
      const shorts = Array.from({ length: LIMIT }, (_, i) => open(small.base, `/api/delay?ms=300&_=${i}`));
      await smallSeen.reach(LIMIT);
      assertCapped(await open(small.base, '/api/delay?ms=0').done, LIMIT);
      for (const r of await Promise.all(shorts.map((s) => s.done))) assert.equal(r.status, 200);
      // One after another, any number: each is open for a moment only.
      for (let i = 0; i < 20; i++) assert.equal((await open(small.base, `/api/delay?ms=0&seq=${i}`).done).status, 200);
    } finally {
      await small.close();
    }
  });

  test('released when the response ends: answered delays and hangs the server closes', async () => {
    const small = await startLab({ perClientLimit: LIMIT, hangMs: 300 });
    const smallSeen = arrivals(small);
    try {
      const longs = Array.from({ length: LIMIT }, (_, i) => open(small.base, `/api/delay?ms=1000&_=${i}`));
      await smallSeen.reach(LIMIT);
      assertCapped(await open(small.base, '/api/delay?ms=1000').done, LIMIT);
      for (const r of await Promise.all(longs.map((l) => l.done))) assert.equal(r.status, 200);
      // All three answered: the whole cap is free again; fill it with hangs the server ends itself.
      const hangs = Array.from({ length: LIMIT }, (_, i) => open(small.base, `/api/delay?ms=0&fail=hang&_=${i}`));
      await smallSeen.reach(LIMIT + 1 + LIMIT);
      assertCapped(await open(small.base, '/api/delay?ms=0&fail=hang').done, LIMIT);
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
    const first = await get('/api/delay?ms=100&fail=status');
    assert.equal(first.status, 503);
    const second = await get('/api/delay?ms=100');
    assert.equal(second.status, 200, second.body);
    assert.equal(second.socket, first.socket, 'the same keep-alive connection');
  } finally {
    agent.destroy();
    await lab.close();
  }
});

test('perClientLimit: 0 turns the cap off (for tests on loopback): more hangs than the default are all held', async () => {
  const lab = await startLab({ perClientLimit: 0, hangMs: 5000 });
  const seen = arrivals(lab);
  const n = DEFAULT_PER_CLIENT_LIMIT + 20;
  const hangs = Array.from({ length: n }, (_, i) => open(lab.base, `/api/delay?ms=0&fail=hang&_=${i}`));
  try {
    await seen.reach(n);
    await sleep(50);
    for (const h of hangs) assert.equal(await within(h, 0), 'waiting');
  } finally {
    for (const h of hangs) h.abort();
    await lab.close();
  }
});

test('perClientLimit must be an integer >= 0, and the error names it', async () => {
  const lab = await startLab(); // for a root
  try {
    for (const perClientLimit of [undefined, 0, 1, 300, 5000]) createLabHandler({ root: lab.root, perClientLimit });
    for (const bad of [-1, 1.5, '3', NaN, null, Infinity]) {
      assert.throws(() => createLabHandler({ root: lab.root, perClientLimit: bad }), /perClientLimit must be an integer >= 0 \(0: no cap\)/, String(bad));
    }
  } finally {
    await lab.close();
  }
});

describe('clientKey: who counts as one client', () => {
  test('an IPv4 address is itself; an IPv4-mapped IPv6 address is that IPv4 client', () => {
    assert.equal(clientKey('203.0.113.7'), '203.0.113.7');
    assert.equal(clientKey('::ffff:203.0.113.7'), '203.0.113.7');
    assert.equal(clientKey('::FFFF:cb00:7107'), '203.0.113.7', 'the same, in hex');
    assert.notEqual(clientKey('203.0.113.7'), clientKey('203.0.113.8'));
  });

  test('an IPv6 address counts by its /64, however it is written', () => {
    const key = '2001:db8:1:2::/64';
    for (const a of [
      '2001:db8:1:2::1',
      '2001:db8:1:2:ffff:ffff:ffff:ffff',
      '2001:DB8:1:2:a:b:c:d',
      '2001:0db8:0001:0002:0000:0000:0000:0009',
      '2001:db8:1:2::',
      '2001:db8:1:2:0:0:1.2.3.4',
      '2001:db8:1:2::5%eth0',
    ]) {
      assert.equal(clientKey(a), key, a);
    }
    // Another /64, even next door, is another client.
    for (const a of ['2001:db8:1:3::1', '2001:db8:1::1', '2001:db8::1:2:0:1', '2001:db9:1:2::1']) {
      assert.notEqual(clientKey(a), key, a);
    }
    assert.equal(clientKey('2001:db8::'), '2001:db8:0:0::/64');
    assert.equal(clientKey('::1'), '0:0:0:0::/64');
    assert.equal(clientKey('fe80::1%lo'), 'fe80:0:0:0::/64');
  });

  test('anything else is kept as it is (never a crash)', () => {
    assert.equal(clientKey(undefined), 'unknown');
    assert.equal(clientKey(''), 'unknown');
    assert.equal(clientKey('not an address'), 'not an address');
  });
});
