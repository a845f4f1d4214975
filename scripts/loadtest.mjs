#!/usr/bin/env node
// `npm run loadtest`: the production server (`server/server.mjs`, as a child process on 127.0.0.1,
// with its default per-client cap) under load, with autocannon. Checks, and prints as a table:
//   (a) a class behind one NAT address: 180 concurrent `ms=1000` (30 learners x 6 connections) from
//       one address: all 200, the last answered under 1.6 s after the batch started, 0 errors;
//   (b) the cap: 320 concurrent `ms=1000` from one address: exactly 300 (the default cap) answered
//       200, the other 20 refused at once (429 naming the limit, each in under 500 ms);
//   (c) 500 concurrent `ms=1000` from 2 addresses (250 each): all 200 within 1.6 s, 0 errors;
//   (d) 20,000 `ms=0` requests over 100 connections: 0 errors; throughput and p99 reported;
//   (e) 1,000 concurrent `fail=hang` requests held open, 250 from each of 4 addresses: a normal
//       `ms=100` request still answers in under 500 ms (5 tries, the slowest counts);
//   (f) the server's RSS (from /proc/PID/status) after the load and a short settle is within 50 MB
//       of what it was before.
// `--short` (for `npm test`): (a) and (b) with `ms=500` (all within 1.5 s), 100 held hangs with the
// same on-time check, and the memory check; about 5 s.
//
// Other client addresses are other loopback addresses (127.0.0.2, ...: Linux routes all of 127/8 to
// the loopback interface). Builds nothing: serves LAB_ROOT if set, else `dist/` if it holds a build,
// else a temp root with one page (the endpoint does not need the build). Loopback only; every phase
// is bounded in requests and time, and the whole run is stopped (exit 2) if it takes longer than its
// deadline. Exit code 0 when every check passes, 1 when one fails.
//
// Open files: 1,000 held sockets need about 1,200 descriptors in this process and as many in the
// server. Node raises its soft limit to the hard limit (`ulimit -Hn`) by itself;
// where even that is too low, the script holds as many hangs as it allows and says so under the
// table (the check then passes or fails on that smaller number).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { DEFAULT_PER_CLIENT_LIMIT } from '../server/app.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
if (args.includes('--help') || args.some((a) => a !== '--short')) {
  console.log('usage: node scripts/loadtest.mjs [--short]');
  process.exit(args.includes('--help') ? 0 : 2);
}
const SHORT = args.includes('--short');

const CAP = DEFAULT_PER_CLIENT_LIMIT; // the server runs with its defaults
const PLAN = SHORT
  ? { delayMs: 500, budgetMs: 1500, class: 180, overCap: 20, spread: 0, bulk: 0, hangs: 100, deadlineMs: 30_000 }
  : { delayMs: 1000, budgetMs: 1600, class: 180, overCap: 20, spread: 500, bulk: 20_000, bulkConnections: 100, hangs: 1000, deadlineMs: 180_000 };
/** Open requests per client address where a phase spreads over several (below the cap). */
const PER_ADDRESS = 250;
/** The n-th client address on loopback (0: 127.0.0.1). */
const address = (n) => `127.0.0.${n + 1}`;
const REFUSED_WITHIN_MS = 500; // a 429 is sent at once, not after the delay
const ON_TIME_MS = 500; // a normal ms=100 request while the hangs are held
const MEMORY_BUDGET_MB = 50;
const FD_MARGIN = 200; // descriptors besides the held sockets (autocannon's, node's own, stdio)

// ---- open-file limit ------------------------------------------------------------------------

/** The open-file limits of this process (Linux), or null where /proc is not there. */
function fileLimits() {
  try {
    const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    const n = (v) => (v === 'unlimited' ? Infinity : Number(v));
    return m ? { soft: n(m[1]), hard: n(m[2]) } : null;
  } catch {
    return null; // not Linux: trust the system
  }
}

const notes = [];
// Node raises its own soft limit to the hard one at start-up, so what /proc shows now is all this
// process (and the server, started the same way) can have.
const limits = fileLimits();
const needed = Math.max(PLAN.hangs, PLAN.spread, CAP + PLAN.overCap) + FD_MARGIN; // phases run one after the other
if (limits && limits.soft < needed) {
  const hangs = Math.max(0, Math.min(PLAN.hangs, limits.soft - FD_MARGIN));
  notes.push(`open-file limit ${limits.soft}: held ${hangs} hangs instead of ${PLAN.hangs}; raise the hard limit (ulimit -Hn) to ${needed} for the full check`);
  PLAN.hangs = hangs;
}

// ---- the server -------------------------------------------------------------------------------

function pickRoot() {
  if (process.env.LAB_ROOT) return { root: path.resolve(process.env.LAB_ROOT), temp: false };
  const dist = path.join(repo, 'dist');
  if (fs.existsSync(path.join(dist, 'index.html'))) return { root: dist, temp: false };
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-loadtest-'));
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>lab (load test)</title>\n');
  return { root, temp: true };
}

function startServer(root) {
  const child = spawn(process.execPath, [path.join(repo, 'server', 'server.mjs')], {
    // The server as shipped: its default per-client cap, whatever this shell's LAB_PER_CLIENT_LIMIT.
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LAB_ROOT: root, LAB_PER_CLIENT_LIMIT: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const base = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start within 10 s:\n${out}${err}`)), 10_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /Concurrency Lab: (http:\/\/127\.0\.0\.1:\d+\/)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    exited.then((r) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${JSON.stringify(r)}):\n${out}${err}`));
    });
  });
  return { child, base, exited, stderr: () => err };
}

/** The child's resident set size in MB, from /proc (null where there is none). */
function rssMb(pid) {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

// ---- helpers ----------------------------------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmt = (n, digits = 0) => (n == null ? 'n/a' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

/** One GET on a fresh connection (from `localAddress`): { status, body, ms } or { error, ms }; bounded by `timeoutMs`. */
function timedGet(url, timeoutMs = 5000, localAddress = undefined) {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs, localAddress }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body, ms: performance.now() - t0 }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve({ error: err.code || err.message, ms: performance.now() - t0 }));
  });
}

/**
 * `n` GETs of `url` at once, each on its own connection, request i from `addresses[i % length]`.
 * Resolves { results, wallMs }: every outcome, and the time from the start to the last answer.
 */
async function burst(url, n, addresses) {
  const t0 = performance.now();
  const results = await Promise.all(Array.from({ length: n }, (_, i) => timedGet(`${url}&_=${i}`, 10_000, addresses[i % addresses.length])));
  return { results, wallMs: performance.now() - t0 };
}

/** A burst's outcomes by status ('error' for none), and its slowest answer of `status`. */
function tally({ results }) {
  const by = {};
  for (const r of results) by[r.status ?? 'error'] = (by[r.status ?? 'error'] ?? 0) + 1;
  const slowest = (status) => Math.max(0, ...results.filter((r) => r.status === status).map((r) => r.ms));
  const errors = [...new Set(results.filter((r) => r.error).map((r) => r.error))];
  return { by, slowest, errors };
}

/**
 * autocannon, bounded in time (`timeout` per request). `wallMs` runs from the start to the last
 * response (autocannon's own end waits for its next sampling tick).
 */
async function cannon(opts) {
  const t0 = performance.now();
  let last = t0;
  const run = autocannon({ timeout: 10, sampleInt: 100, ...opts });
  run.on('response', () => (last = performance.now()));
  const result = await run;
  return { ...result, wallMs: last - t0 };
}

/**
 * Opens `n` connections that each send a `fail=hang` request and are then held. Resolves once all
 * are connected and written; `closedEarly()` counts those the server closed or answered.
 */
async function holdHangs(port, n, addresses) {
  const sockets = [];
  let early = 0;
  const batch = 100; // connect in batches: 1,000 SYNs at once could overflow the listen backlog
  for (let i = 0; i < n; i += batch) {
    const opened = [];
    for (let j = i; j < Math.min(n, i + batch); j++) {
      const socket = net.connect({ port, host: '127.0.0.1', localAddress: addresses[j % addresses.length] });
      socket.on('error', () => {});
      socket.on('data', () => early++);
      sockets.push(socket);
      opened.push(
        new Promise((resolve, reject) => {
          socket.once('connect', () => {
            socket.write(`GET /api/delay?ms=0&fail=hang&_=${j} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, resolve);
          });
          socket.once('close', () => reject(new Error(`hang ${j} closed before it was held`)));
        }),
      );
    }
    await Promise.all(opened);
  }
  return {
    openCount: () => sockets.filter((s) => !s.destroyed && !s.readableEnded).length,
    answered: () => early,
    release: () => sockets.forEach((s) => s.destroy()),
  };
}

// ---- the run ----------------------------------------------------------------------------------

const rows = [];
function check(name, target, measured, ok) {
  rows.push({ name, target, measured, result: ok === null ? 'n/a' : ok ? 'PASS' : 'FAIL' });
}
function printTable() {
  const head = { name: 'check', target: 'target', measured: 'measured', result: 'result' };
  const all = [head, ...rows];
  const w = Object.fromEntries(Object.keys(head).map((k) => [k, Math.max(...all.map((r) => String(r[k]).length))]));
  const line = (r) => `| ${Object.keys(head).map((k) => String(r[k]).padEnd(w[k])).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${Object.keys(head).map((k) => '-'.repeat(w[k] + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

const { root, temp } = pickRoot();
const server = startServer(root);
const cleanup = () => {
  server.child.kill('SIGKILL');
  if (temp) fs.rmSync(root, { recursive: true, force: true });
};
process.on('exit', cleanup);
const deadline = setTimeout(() => {
  console.error(`loadtest: stopped after ${PLAN.deadlineMs / 1000} s (deadline)`);
  printTable();
  process.exit(2);
}, PLAN.deadlineMs);
deadline.unref();
server.exited.then((r) => {
  console.error(`loadtest: the server exited during the run (${JSON.stringify(r)}):\n${server.stderr()}`);
  printTable();
  process.exit(1);
});

const base = await server.base;
const port = Number(new URL(base).port);
const pid = server.child.pid;
console.log(
  `loadtest${SHORT ? ' --short' : ''}: server ${base} (pid ${pid}, root ${temp ? 'a temp page' : path.relative(repo, root) || root}), ` +
    `node ${process.version}, ${os.cpus().length} cores, ${new Date().toISOString()}`,
);

// A small warm-up so that "before" is the server at work, not a process that has loaded nothing.
await cannon({ url: `${base}api/delay?ms=0`, connections: 10, amount: 500 });
await sleep(500);
const rssBefore = rssMb(pid);

const { delayMs: ms, budgetMs: budget } = PLAN;
const expectBody = JSON.stringify({ delayMs: ms });

// (a) a class behind one NAT address: every learner's browser opens its 6 connections at once
{
  const n = PLAN.class;
  const r = await cannon({ url: `${base}api/delay?ms=${ms}`, connections: n, amount: n, expectBody });
  const bad = r.errors + r.timeouts + r.non2xx + r.mismatches;
  // "All answered in under X": from the moment the batch starts (connecting included) to the last
  // answer, which is stricter than the slowest single request's latency (also shown).
  check(
    `a class: ${fmt(n)} concurrent ms=${ms}, one address`,
    `all 200 within ${fmt(budget)} ms, 0 errors`,
    `${fmt(r['2xx'])}x200, ${bad} errors; all answered in ${fmt(r.wallMs)} ms (slowest request ${fmt(r.latency.max)} ms, p50 ${fmt(r.latency.p50)})`,
    r['2xx'] === n && bad === 0 && r.wallMs < budget,
  );
}

// (b) past the per-client cap: whichever requests arrive after the cap is full are refused at once
{
  const n = CAP + PLAN.overCap;
  const b = await burst(`${base}api/delay?ms=${ms}`, n, [address(0)]);
  const { by, slowest, errors } = tally(b);
  const refused = b.results.filter((r) => r.status === 429);
  const named = refused.every((r) => JSON.parse(r.body).allowed?.startsWith(`at most ${CAP} open delay requests per client`));
  check(
    `the cap: ${fmt(n)} concurrent ms=${ms}, one address`,
    `${CAP}x200 within ${fmt(budget)} ms; ${PLAN.overCap}x429 naming the limit, each < ${REFUSED_WITHIN_MS} ms`,
    `${fmt(by[200] ?? 0)}x200 (last ${fmt(slowest(200))} ms), ${fmt(by[429] ?? 0)}x429 (slowest ${fmt(slowest(429))} ms)` +
      `${errors.length ? `; errors: ${errors.join(', ')}` : ''}`,
    by[200] === CAP && by[429] === PLAN.overCap && named && slowest(200) < budget && slowest(429) < REFUSED_WITHIN_MS,
  );
}

// (c) more concurrent delays than one client may have, from several
if (PLAN.spread) {
  const n = PLAN.spread;
  const addresses = Array.from({ length: Math.ceil(n / PER_ADDRESS) }, (_, i) => address(i));
  const b = await burst(`${base}api/delay?ms=${ms}`, n, addresses);
  const { by, slowest, errors } = tally(b);
  check(
    `${fmt(n)} concurrent ms=${ms}, ${addresses.length} addresses`,
    `all 200 within ${fmt(budget)} ms, 0 errors`,
    `${fmt(by[200] ?? 0)}x200; all answered in ${fmt(b.wallMs)} ms (slowest request ${fmt(slowest(200))} ms)` +
      `${errors.length ? `; errors: ${errors.join(', ')}` : ''}${by[429] ? `; ${by[429]}x429` : ''}`,
    by[200] === n && b.wallMs < budget && b.results.every((r) => r.status !== 200 || r.body === expectBody),
  );
}

// (d) throughput
if (PLAN.bulk) {
  const n = PLAN.bulk;
  const r = await cannon({ url: `${base}api/delay?ms=0`, connections: PLAN.bulkConnections, amount: n, expectBody: '{"delayMs":0}' });
  const bad = r.errors + r.timeouts + r.non2xx + r.mismatches;
  check(
    `${fmt(n)} x ms=0, ${PLAN.bulkConnections} connections`,
    '0 errors; throughput and p99',
    `${fmt(r['2xx'])}x200, ${bad} errors; ${fmt(n / (r.wallMs / 1000))} req/s, p99 ${fmt(r.latency.p99)} ms, in ${fmt(r.wallMs / 1000, 1)} s`,
    r['2xx'] === n && bad === 0,
  );
}

// (e) held hangs do not starve normal requests
let rssHeld = null;
{
  const n = PLAN.hangs;
  const addresses = Array.from({ length: Math.max(1, Math.ceil(n / PER_ADDRESS)) }, (_, i) => address(i));
  const hangs = await holdHangs(port, n, addresses);
  await sleep(300); // let the server read every request
  const times = [];
  let failures = 0;
  for (let i = 0; i < 5; i++) {
    const r = await timedGet(`${base}api/delay?ms=100&_=${i}`, 5000);
    if (r.status !== 200) failures++;
    times.push(r.ms);
  }
  rssHeld = rssMb(pid);
  const held = hangs.openCount();
  const slowest = Math.max(...times);
  check(
    `ms=100 while ${fmt(n)} hangs held (${addresses.length} address${addresses.length > 1 ? 'es' : ''})`,
    `200 in < ${ON_TIME_MS} ms, hangs still held`,
    `slowest of 5: ${fmt(slowest)} ms (${failures} failed); ${fmt(held)}/${fmt(n)} hangs open, ${hangs.answered()} answered`,
    failures === 0 && slowest < ON_TIME_MS && held === n && hangs.answered() === 0,
  );
  hangs.release();
}

// (f) memory back after the load
{
  await sleep(1000); // the server sees the closes and drops the requests
  let rssAfter = rssMb(pid);
  // Give the collector a bounded chance: RSS shrinks only when V8 returns pages after a GC.
  for (let i = 0; i < 8 && rssAfter != null && rssAfter - rssBefore > MEMORY_BUDGET_MB; i++) {
    await sleep(500);
    rssAfter = rssMb(pid);
  }
  const grew = rssAfter == null || rssBefore == null ? null : rssAfter - rssBefore;
  check(
    'server RSS after vs before',
    `within ${MEMORY_BUDGET_MB} MB`,
    grew == null
      ? 'no /proc here: not measured'
      : `${fmt(rssBefore, 1)} MB -> ${fmt(rssAfter, 1)} MB (${grew >= 0 ? '+' : ''}${fmt(grew, 1)} MB; ${fmt(rssHeld, 1)} MB with the hangs held)`,
    grew == null ? null : Math.abs(grew) <= MEMORY_BUDGET_MB,
  );
  // And it still answers.
  const r = await timedGet(`${base}api/delay?ms=0`, 5000);
  check('a request after it all', '200', r.status ? `${r.status} in ${fmt(r.ms)} ms` : r.error, r.status === 200);
}

printTable();
for (const note of notes) console.log(`note: ${note}`);
const failed = rows.filter((r) => r.result === 'FAIL').length;
console.log(failed ? `loadtest: ${failed} check(s) FAILED` : 'loadtest: all checks passed');
process.exit(failed ? 1 : 0);
