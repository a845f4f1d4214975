// Random request targets and query strings against the real server process (fast-check):
// never a 5xx, never a file from outside the site, bad `ms`/`fail` always a 400 naming the field.
//
// Bounded: FUZZ_RUNS (default 1500) paths and as many API queries, one request at a time, each with
// a timeout. Reproducible: the seed is fixed (FUZZ_SEED overrides it; a failure prints the seed
// and the shrunk counterexample).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { rawRequest, startServerProcess } from './helpers.mjs';

const RUNS = Number(process.env.FUZZ_RUNS || 1500);
const SEED = Number(process.env.FUZZ_SEED || 20240607);

// The site, and secrets beside it (not inside): a sibling file, a sibling directory whose name has
// the root's name as a prefix (a `startsWith(root)` check would let it through), the parent's file.
const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-fuzz-'));
const root = path.join(parent, 'site');
const SECRETS = {
  'secret.txt': 'SENTINEL-sibling-7f3a9c',
  'site-private/secret.txt': 'SENTINEL-prefix-dir-51be02',
  'site.txt': 'SENTINEL-prefix-file-c0ffee',
};
const SITE = {
  'index.html': '<!doctype html><title>lab</title>\n',
  'x.wasm': '\0asm\x01\0\0\0',
  'sub/a.js': 'export const a = 1;\n',
  'sub/index.html': '<!doctype html><title>sub</title>\n',
  'sub/with space.txt': 'a file with a space in its name\n',
  'sub/été.txt': 'a file with a non-ASCII name\n',
};
// The first line of /etc/passwd where there is one ("root:x:0:0:…").
const PASSWD = (() => {
  try {
    return fs.readFileSync('/etc/passwd', 'utf8').split('\n')[0].slice(0, 16) || null;
  } catch {
    return null;
  }
})();

let server;
before(async () => {
  for (const [file, text] of Object.entries({ ...Object.fromEntries(Object.entries(SITE).map(([f, t]) => [`site/${f}`, t])), ...SECRETS })) {
    fs.mkdirSync(path.dirname(path.join(parent, file)), { recursive: true });
    fs.writeFileSync(path.join(parent, file), text);
  }
  server = await startServerProcess({ LAB_ROOT: root });
});
after(async () => {
  await server?.close();
  fs.rmSync(parent, { recursive: true, force: true });
});

/** Fails if a body carries anything from outside the site. */
function assertNoLeak(body, what) {
  for (const secret of Object.values(SECRETS)) assert.ok(!body.includes(secret), `${what}: leaked ${secret}`);
  if (PASSWD) assert.ok(!body.includes(PASSWD), `${what}: leaked /etc/passwd`);
}

const siteBodies = new Set(Object.values(SITE));

// ---- paths ----------------------------------------------------------------------------------

const segment = fc.oneof(
  // Names that exist, plainly or encoded, so that many targets reach real files and the endpoint.
  { weight: 3, arbitrary: fc.constantFrom('sub', 'index.html', 'x.wasm', 'a.js', '%61.js', 'with%20space.txt', '%C3%A9t%C3%A9.txt', 'api', 'delay', 'x', 'site') },
  { weight: 3, arbitrary: fc.constantFrom(
    '..', '.', '', 'sub', 'index.html', 'etc', 'passwd', 'secret.txt', 'site-private', 'site.txt', 'site', 'api', 'delay',
    '%2e%2e', '%2E%2e', '.%2e', '%2e.', '%252e%252e', '%25252e%25252e', '%2e%2e%2f', '..%2f', '..%5c', '%2f', '%5c',
    '%252f', '\\', '..\\..', '\\..', '%00', 'index.html%00', 'a.js%00.html', '%c0%ae%c0%ae', '%e0%80%ae%e0%80%ae',
    '%u002e%u002e', '....', '...', '..;', ';', '~', '%', '%zz', '%2', '%%32%65', 'ü', '%C3%BC', '\t', '\x01', '\x7f',
    '*', 'C:', 'C:\\Windows', 'file:', '//', '/etc/passwd', '.well-known', 'index.html/', 'api%2fdelay',
  ) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }).map((s) => s.replace(/[\r\n]/g, '')) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 3 }).map((s) => s.replace(/[\r\n]/g, '')) },
);
const queryPart = fc.constantFrom(
  'ms=0', 'ms=5', 'ms=-1', 'ms=abc', 'ms=10001', 'ms=%35', 'fail=status', 'fail=reset', 'fail=boom', 'fail=',
  'a=..%2f..%2fetc%2fpasswd', 'file=/etc/passwd', '_=1', '', '&', '=', '%', '%zz', '?', '#x', 'ms', 'ms=1&ms=2',
);
const target = fc
  .record({
    start: fc.constantFrom('/', '/', '/', '//', '', '\\', '/%2e%2e/', '/sub/', '/x/api/'),
    segments: fc.array(segment, { maxLength: 6 }),
    query: fc.option(fc.array(queryPart, { maxLength: 4 }), { nil: undefined }),
    fragment: fc.boolean(),
  })
  .map(({ start, segments, query, fragment }) =>
    start + segments.join('/') + (query ? `?${query.join('&')}` : '') + (fragment ? '#frag' : ''),
  )
  .filter((t) => t.length > 0 && !t.includes(' '));
const method = fc.constantFrom('GET', 'GET', 'GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'CONNECT', 'BREW');

test(`random request targets (${RUNS}): never a 5xx, never a file from outside the site`, async () => {
  await fc.assert(
    fc.asyncProperty(target, method, async (t, m) => {
      const r = await rawRequest(server.port, t, { method: m, timeoutMs: 12_000 });
      const what = `${m} ${JSON.stringify(t)}`;
      if (r.error) {
        // Only a valid fail=reset on the endpoint closes without an answer.
        assert.ok(/fail=reset/.test(t) && /api\/delay/.test(t), `${what}: ${r.error}`);
        return;
      }
      const injected503 = r.status === 503 && /fail=status/.test(t);
      assert.ok(r.status < 500 || injected503, `${what}: status ${r.status}`);
      assertNoLeak(r.body, what);
      if (!['GET', 'HEAD'].includes(m) && r.status !== 400) assert.equal(r.status, 405, what);
      if (r.status === 200 && !/^application\/json/.test(r.headers['content-type'] || '')) {
        // A static file: exactly one of the site's own (an empty body for HEAD).
        assert.ok(m === 'HEAD' ? r.body === '' : siteBodies.has(Buffer.from(r.body, 'latin1').toString('utf8')), `${what}: unexpected body`);
      }
    }),
    { numRuns: RUNS, seed: SEED },
  );
});

// ---- the endpoint's query string --------------------------------------------------------------

/** Percent-encodes `text` so that URLSearchParams decodes it back to exactly `text`. */
function encode(text, all) {
  let out = '';
  for (const ch of text) {
    out += !all && /[A-Za-z0-9_.~-]/.test(ch)
      ? ch
      : [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return out;
}

const notDigits = (s) => !/^[0-9]+$/.test(s);
// Each parameter is [decoded value(s), valid?]; the query is built from decoded values, encoded
// (plainly or every byte as %XX), so the expected answer follows from how it was made.
const msParam = fc.oneof(
  fc.record({ n: fc.integer({ min: 0, max: 5 }), zeros: fc.integer({ min: 0, max: 3 }), twice: fc.boolean() })
    .map(({ n, zeros, twice }) => {
      const v = '0'.repeat(zeros) + n;
      return { values: twice ? [v, v] : [v], valid: true, ms: n };
    }),
  fc.constant({ values: [], valid: false }), // missing
  fc.constantFrom('', '-1', '1.5', '1e3', '+5', ' 5', '5 ', '0x10', '10001', '99999999', '1234567', 'NaN', 'Infinity',
    '٣', '５', '1,0', '5\0', 'abc', 'null', '[]', '{}', '0b1').map((v) => ({ values: [v], valid: false })),
  fc.string({ maxLength: 8 }).filter(notDigits).map((v) => ({ values: [v], valid: false })),
  fc.string({ unit: 'grapheme', maxLength: 4 }).filter(notDigits).map((v) => ({ values: [v], valid: false })),
  fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 6, max: 20 })).map(([a, b]) => ({ values: [String(a), String(b)], valid: false })),
);
const FAIL_VALID = ['status', 'reset']; // `hang` would hold the request for a minute
const failParam = fc.oneof(
  fc.constant({ values: [], valid: true }),
  fc.constantFrom(...FAIL_VALID).map((v) => ({ values: [v], valid: true, kind: v })),
  fc.constantFrom('', 'HANG', 'Status', 'reset ', ' reset', 'hang\0', 'boom', 'status,reset', '0', 'true').map((v) => ({ values: [v], valid: false })),
  fc.string({ maxLength: 8 }).filter((v) => !FAIL_VALID.includes(v) && v !== 'hang').map((v) => ({ values: [v], valid: false })),
  fc.constant({ values: ['status', 'reset'], valid: false }),
);
const extraParam = fc
  .tuple(fc.string({ minLength: 1, maxLength: 6 }), fc.string({ maxLength: 8 }))
  .filter(([k]) => k !== 'ms' && k !== 'fail');
const apiQuery = fc
  .record({
    ms: msParam,
    fail: failParam,
    extras: fc.array(extraParam, { maxLength: 3 }),
    encodeAll: fc.boolean(),
    prefix: fc.constantFrom('/api/delay', '/sub/api/delay', '/a/b/api/delay'),
    order: fc.integer({ min: 0, max: 1000 }),
  })
  .map(({ ms, fail, extras, encodeAll, prefix, order }) => {
    const pairs = [
      ...ms.values.map((v) => ['ms', v]),
      ...fail.values.map((v) => ['fail', v]),
      ...extras,
    ];
    // A reproducible shuffle: parameter order must not matter.
    for (let i = pairs.length - 1; i > 0; i--) {
      const j = (order + i * 7) % (i + 1);
      [pairs[i], pairs[j]] = [pairs[j], pairs[i]];
    }
    const query = pairs.map(([k, v]) => `${encode(k, encodeAll)}=${encode(v, encodeAll)}`).join('&');
    return { ms, fail, target: `${prefix}?${query}` };
  });

test(`random endpoint queries (${RUNS}): invalid ms/fail always 400 naming the field`, async () => {
  await fc.assert(
    fc.asyncProperty(apiQuery, async ({ ms, fail, target: t }) => {
      const r = await rawRequest(server.port, t, { timeoutMs: 5000 });
      const what = JSON.stringify(t);
      if (!ms.valid || !fail.valid) {
        assert.equal(r.status, 400, `${what}: ${JSON.stringify(r)}`);
        const body = JSON.parse(r.body);
        const field = ms.valid ? 'fail' : 'ms';
        assert.equal(body.field, field, what);
        assert.equal(body.allowed, field === 'ms' ? '0..10000' : 'status, reset, hang', what);
        assert.match(body.error, new RegExp(`\\b${field}\\b`), what);
        assertNoLeak(r.body, what);
      } else if (fail.kind === 'reset') {
        assert.ok(r.error, `${what}: expected a reset, got ${JSON.stringify(r)}`);
      } else if (fail.kind === 'status') {
        assert.equal(r.status, 503, what);
      } else {
        assert.equal(r.status, 200, `${what}: ${JSON.stringify(r)}`);
        assert.deepEqual(JSON.parse(r.body), { delayMs: ms.ms }, what);
      }
    }),
    { numRuns: RUNS, seed: SEED },
  );
});

test('after the fuzzing the server still runs, answers, and logged no error', async () => {
  assert.equal(server.child.exitCode, null);
  const res = await fetch(`${server.base}api/delay?ms=0`);
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  assert.equal(server.stderr(), '');
});
