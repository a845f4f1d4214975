#!/usr/bin/env node
// CLI entry: serves the built lab.
//   LAB_ROOT  directory to serve (default: <repo>/dist)
//   HOST      address to bind (default 127.0.0.1: not exposed unless asked)
//   PORT      port (default 8080; 0 picks a free one)
//   LAB_PER_CLIENT_LIMIT  most delay requests (`api/delay`, any `ms`, hangs included) one client may
//             have open at once, a client being one IPv4 address or one IPv6 /64; default 300 whatever
//             HOST is (a class of 30 behind one NAT address, 6 connections each, is 180); 0 turns it
//             off (tests on loopback that hold more than that at once, such as the load test's hangs).
// Prints exactly one line, `Concurrency Lab: http://HOST:PORT/`, once listening (tests parse it).

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLabHandler, DEFAULT_PER_CLIENT_LIMIT } from './app.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const root = process.env.LAB_ROOT || path.join(repo, 'dist');
const host = process.env.HOST || '127.0.0.1';
const port = Number(process.env.PORT || 8080);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be an integer 0..65535 (0: any free port); got ${process.env.PORT}`);
  process.exit(1);
}

let perClientLimit = DEFAULT_PER_CLIENT_LIMIT;
if (process.env.LAB_PER_CLIENT_LIMIT) {
  const text = process.env.LAB_PER_CLIENT_LIMIT;
  if (!/^\d{1,9}$/.test(text)) {
    console.error(`LAB_PER_CLIENT_LIMIT must be an integer >= 0 (open delay requests per client; 0: no cap); got ${text}`);
    process.exit(1);
  }
  perClientLimit = Number(text);
}

/** The process's soft limit on open files (Linux), or null where it cannot be read. */
function openFileLimit() {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    return m && m[1] !== 'unlimited' ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

let handler;
try {
  handler = createLabHandler({ root, perClientLimit });
} catch (err) {
  console.error(err.message);
  process.exit(1);
}

const server = http.createServer(handler);
// Slow clients: the request head must arrive within 10 s and the whole request within 30 s (a
// slow response, like a `fail=hang` one, is not cut by these: they time the request only).
server.headersTimeout = 10_000;
server.requestTimeout = 30_000;
// An idle keep-alive connection is closed after 5 s (browsers reuse theirs well within that).
server.keepAliveTimeout = 5_000;
// Enough for a class on one server and the load test's 1,000 held `hang` requests, but below the
// open-file limit, so that past it new connections are refused one by one instead of accept()
// failing for the whole server.
const fdLimit = openFileLimit();
server.maxConnections = fdLimit ? Math.max(64, Math.min(10_000, fdLimit - 64)) : 10_000;

// CONNECT requests do not reach the request handler (Node hands them to 'connect' listeners and,
// without one, drops the connection unanswered): answer them like any other method, with a 405.
server.on('connect', (req, socket) => {
  socket.on('error', () => {});
  const res = new http.ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket);
  res.on('finish', () => {
    res.detachSocket(socket);
    socket.destroySoon();
  });
  handler(req, res);
});

let listening = false;
server.on('error', (err) => {
  if (!listening) {
    console.error(`Concurrency Lab: cannot listen on ${host}:${port}: ${err.message}`);
    process.exit(1);
  }
  // After start-up (e.g. accept() failing with EMFILE under a flood): report, keep serving.
  console.error(`Concurrency Lab: ${err.message}`);
});
server.listen(port, host, () => {
  listening = true;
  const shown = host.includes(':') ? `[${host}]` : host; // IPv6 literals need brackets in a URL
  console.log(`Concurrency Lab: http://${shown}:${server.address().port}/`);
});

function shutdown() {
  // Stop accepting, then drop open connections (keep-alive ones and `fail=hang` requests would
  // otherwise keep the process alive for up to a minute).
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
