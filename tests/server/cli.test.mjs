// server/server.mjs as a process: the start-up line, serving LAB_ROOT, shutting down on signals.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { INDEX_HTML, makeRoot, rawRequest } from './helpers.mjs';

const SERVER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../server/server.mjs');

function start(env) {
  const child = spawn(process.execPath, [SERVER], {
    env: { ...process.env, HOST: '', PORT: '', LAB_ROOT: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, out, err })));
  const listening = new Promise((resolve, reject) => {
    child.stdout.on('data', () => {
      const m = /^Concurrency Lab: (http:\/\/127\.0\.0\.1:(\d+)\/)\n/.exec(out);
      if (m) resolve(m[1]);
    });
    exited.then((r) => reject(new Error(`exited early: ${JSON.stringify(r)}`)));
  });
  return { child, listening, exited, output: () => out };
}

test('prints one line, serves LAB_ROOT, and stops on SIGTERM even with a hanging request', async () => {
  const root = makeRoot();
  const server = start({ LAB_ROOT: root, PORT: '0' });
  try {
    const base = await server.listening;
    const res = await fetch(base);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), INDEX_HTML);
    assert.equal(res.headers.get('cross-origin-embedder-policy'), 'require-corp');

    const hanging = fetch(`${base}api/delay?ms=0&fail=hang`).catch((e) => e);
    await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    server.child.kill('SIGTERM');
    const { code } = await server.exited;
    assert.equal(code, 0);
    assert.ok(performance.now() - t0 < 1500, 'shut down promptly');
    assert.ok((await hanging) instanceof Error);
    assert.equal(server.output().split('\n').filter(Boolean).length, 1, 'exactly one line on stdout');
  } finally {
    server.child.kill('SIGKILL');
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('SIGINT stops it too', async () => {
  const root = makeRoot();
  const server = start({ LAB_ROOT: root, PORT: '0', HOST: '127.0.0.1' });
  try {
    await server.listening;
    server.child.kill('SIGINT');
    assert.equal((await server.exited).code, 0);
  } finally {
    server.child.kill('SIGKILL');
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a missing root is a clear error, not a crash trace', async () => {
  const server = start({ LAB_ROOT: '/nonexistent/lab-root', PORT: '0' });
  server.listening.catch(() => {});
  const { code, err } = await server.exited;
  assert.equal(code, 1);
  assert.match(err, /nonexistent\/lab-root.*not a directory/);
});

test('LAB_PER_CLIENT_LIMIT sets the cap on open delay requests per client; 0 turns it off', async () => {
  const root = makeRoot();
  const capped = start({ LAB_ROOT: root, PORT: '0', LAB_PER_CLIENT_LIMIT: '1' });
  const off = start({ LAB_ROOT: root, PORT: '0', LAB_PER_CLIENT_LIMIT: '0' });
  const ac = new AbortController();
  try {
    const base = await capped.listening;
    const held = fetch(`${base}api/delay?ms=5000`, { signal: ac.signal }).catch(() => {});
    await new Promise((r) => setTimeout(r, 150));
    // Every open delay counts, a short one too.
    for (const path of ['api/delay?ms=0&fail=hang', 'api/delay?ms=10']) {
      const res = await fetch(`${base}${path}`);
      assert.equal(res.status, 429, path);
      assert.equal(res.headers.get('retry-after'), '1');
      const body = await res.json();
      assert.equal(body.limit, 1);
      assert.match(body.error, /at most 1 open delay requests per client .*LAB_PER_CLIENT_LIMIT/);
    }
    // With 0, nothing is capped: several at once from one address.
    const offBase = await off.listening;
    const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => fetch(`${offBase}api/delay?ms=100&_=${i}`)));
    for (const res of answers) {
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    }
  } finally {
    ac.abort();
    capped.child.kill('SIGKILL');
    off.child.kill('SIGKILL');
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a bad LAB_PER_CLIENT_LIMIT is a clear error', async () => {
  for (const bad of ['lots', '-1', '1.5', '1e3']) {
    const server = start({ LAB_ROOT: '/tmp', PORT: '0', LAB_PER_CLIENT_LIMIT: bad });
    server.listening.catch(() => {});
    const { code, err } = await server.exited;
    assert.equal(code, 1, bad);
    assert.match(err, new RegExp(`LAB_PER_CLIENT_LIMIT must be an integer >= 0 .*; got ${bad.replace('.', '\\.')}`), bad);
  }
});

test('CONNECT gets a 405 with the usual headers, not a dropped connection', async () => {
  const root = makeRoot();
  const server = start({ LAB_ROOT: root, PORT: '0' });
  try {
    const base = await server.listening;
    const r = await rawRequest(Number(new URL(base).port), '127.0.0.1:443', { method: 'CONNECT' });
    assert.equal(r.status, 405, JSON.stringify(r));
    assert.equal(r.headers.allow, 'GET, HEAD');
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
  } finally {
    server.child.kill('SIGKILL');
    fs.rmSync(root, { recursive: true, force: true });
  }
});
