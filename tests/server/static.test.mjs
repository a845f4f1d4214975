// Static files: headers, content types, no listings, 404/405, path traversal, odd Range headers.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CSP } from '../../server/app.mjs';
import { A_JS, INDEX_HTML, WASM_BYTES, expectedHeaders, rawRequest, startLab } from './helpers.mjs';

let lab;
before(async () => {
  lab = await startLab();
});
after(() => lab.close());

function assertHeaders(headers, api = false) {
  const get = (name) => (typeof headers.get === 'function' ? headers.get(name) : headers[name]) ?? null;
  for (const [name, value] of Object.entries(expectedHeaders(api))) assert.equal(get(name), value, name);
  assert.equal(get('content-security-policy'), CSP);
  assert.equal(get('x-frame-options'), null);
}

describe('files', () => {
  test('/ serves index.html with every header', async () => {
    const res = await fetch(`${lab.base}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/html/);
    assert.equal(await res.text(), INDEX_HTML);
    assertHeaders(res.headers);
    assert.ok(res.headers.get('etag'));
  });

  test('real Python\'s versioned files and the pages\' hashed chunks are kept a year (immutable); every other file is revalidated', async () => {
    for (const file of ['/pyodide/314.0.7/pyodide.asm.wasm', '/chunk-Q5WOATXX.js']) {
      const kept = await fetch(lab.base + file);
      assert.equal(kept.status, 200, file);
      assert.equal(kept.headers.get('cache-control'), 'public, max-age=31536000, immutable', file);
      assertHeaders(kept.headers);
    }
    for (const file of ['/pyodide/pyodide.mjs', '/x.wasm', '/sub/a.js', '/main.js', '/']) {
      const res = await fetch(lab.base + file);
      assert.equal(res.status, 200, file);
      assert.match(res.headers.get('cache-control'), /max-age=0/, file);
    }
  });

  test('.wasm is application/wasm, .js and .mjs are text/javascript', async () => {
    const wasm = await fetch(`${lab.base}/x.wasm`);
    assert.equal(wasm.headers.get('content-type'), 'application/wasm');
    assert.deepEqual(Buffer.from(await wasm.arrayBuffer()), WASM_BYTES);
    assertHeaders(wasm.headers);
    for (const file of ['/sub/a.js', '/sub/b.mjs']) {
      const res = await fetch(lab.base + file);
      assert.equal(res.status, 200, file);
      assert.equal(res.headers.get('content-type'), 'text/javascript', file);
      assert.equal(await res.text(), A_JS);
      assertHeaders(res.headers);
    }
  });

  test('ETag revalidation gives 304 with the headers', async () => {
    const first = await fetch(`${lab.base}/x.wasm`);
    await first.arrayBuffer();
    const res = await fetch(`${lab.base}/x.wasm`, { headers: { 'If-None-Match': first.headers.get('etag') } });
    assert.equal(res.status, 304);
    assertHeaders(res.headers);
  });

  test('no directory listing for /sub/ or /sub', async () => {
    for (const p of ['/sub/', '/sub']) {
      const res = await fetch(lab.base + p);
      const body = await res.text();
      assert.equal(res.status, 404, p);
      assert.ok(!body.includes('a.js'), body);
    }
  });

  test('unknown path: 404 plain text with every header', async () => {
    const res = await fetch(`${lab.base}/nope.html`);
    assert.equal(res.status, 404);
    assert.match(res.headers.get('content-type'), /^text\/plain/);
    assert.match(await res.text(), /Not Found/);
    assertHeaders(res.headers);
  });

  test('Referrer-Policy: no-referrer on pages, files, the endpoint and errors (the lab\'s URLs stay with the lab)', async () => {
    for (const target of ['/', '/sub/a.js', '/api/delay?ms=0', '/api/delay?ms=nope', '/nope.html']) {
      const res = await fetch(`${lab.base}${target}`);
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer', target);
      await res.arrayBuffer();
    }
  });

  test('HEAD works like GET without a body', async () => {
    const res = await fetch(`${lab.base}/x.wasm`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/wasm');
    assert.equal(await res.text(), '');
  });

  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
    test(`${method}: 405 with Allow: GET, HEAD`, async () => {
      const res = await fetch(`${lab.base}/index.html`, { method, body: method === 'POST' || method === 'PUT' ? 'x' : undefined });
      assert.equal(res.status, 405);
      assert.equal(res.headers.get('allow'), 'GET, HEAD');
      assertHeaders(res.headers);
      await res.arrayBuffer();
    });
  }

  test('a bad Range header is ignored, not a crash', async () => {
    for (const range of ['bytes=5-2', 'bytes=-3', 'bytes=abc', 'bytes=0-1,3-4']) {
      const res = await fetch(`${lab.base}/index.html`, { headers: { Range: range } });
      assert.ok(res.status === 200 || res.status === 206, `${range}: ${res.status}`);
      await res.arrayBuffer();
    }
    const ok = await fetch(`${lab.base}/index.html`, { headers: { Range: 'bytes=2-5' } });
    assert.equal(ok.status, 206);
    assert.equal(await ok.text(), INDEX_HTML.slice(2, 6));
    const unsatisfiable = await fetch(`${lab.base}/index.html`, { headers: { Range: 'bytes=9999-' } });
    assert.equal(unsatisfiable.status, 416);
  });

  test('a file deleted after start-up is not a crash', async () => {
    fs.writeFileSync(path.join(lab.root, 'late.txt'), 'late'); // not known to sirv (listed at start)
    const late = await fetch(`${lab.base}/late.txt`);
    assert.equal(late.status, 404);
    fs.rmSync(path.join(lab.root, 'sub', 'b.mjs'));
    await fetch(`${lab.base}/sub/b.mjs`).then((r) => r.arrayBuffer()).catch(() => {});
    const res = await fetch(`${lab.base}/sub/a.js`);
    assert.equal(res.status, 200);
    fs.writeFileSync(path.join(lab.root, 'sub', 'b.mjs'), A_JS);
  });
});

describe('path traversal', () => {
  const passwd = fs.existsSync('/etc/passwd') ? fs.readFileSync('/etc/passwd', 'latin1') : 'root:x:0:0';
  const attempts = [
    '/../etc/passwd',
    '/../../../../../../etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/%2E%2E/%2E%2E/etc/passwd',
    '/%252e%252e/etc/passwd',
    '/%25252e%25252e/etc/passwd',
    '/..%5c..%5cetc%5cpasswd',
    '/..%2f..%2fetc%2fpasswd',
    '/sub/../../etc/passwd',
    '/sub/%2e%2e/%2e%2e/etc/passwd',
    '/%00',
    '/index.html%00.wasm',
    '//etc/passwd',
    '///etc/passwd',
    '/./index.html',
    '/%',
    '/%zz',
    '/..\\..\\etc\\passwd',
    '/../api/delay?ms=0',
    'etc/passwd',
  ];
  for (const target of attempts) {
    test(`${target}: 400/404, never the file`, async () => {
      const r = await rawRequest(lab.port, target);
      assert.ok(r.status === 400 || r.status === 404, `${target}: ${JSON.stringify(r).slice(0, 300)}`);
      assert.ok(!r.body.includes('root:x:0:0'), 'served /etc/passwd');
      assert.ok(!passwd || !r.body.includes(passwd.slice(0, 40)));
      // Our own 400/404 carry the headers; Node's parser rejects some raw bytes itself before us.
      if (r.headers['content-security-policy']) assertHeaders(r.headers);
    });
  }

  test('the server still works after all that', async () => {
    const res = await fetch(`${lab.base}/index.html`);
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  });
});
