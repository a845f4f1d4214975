#!/usr/bin/env node
// CLI entry: serves the built lab.
//   LAB_ROOT  directory to serve (default: <repo>/dist)
//   HOST      address to bind (default 127.0.0.1: not exposed unless asked)
//   PORT      port (default 8080; 0 picks a free one)
// Prints exactly one line, `Concurrency Lab: http://HOST:PORT/`, once listening (tests parse it).

import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLabHandler } from './app.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const root = process.env.LAB_ROOT || path.join(repo, 'dist');
const host = process.env.HOST || '127.0.0.1';
const port = Number(process.env.PORT || 8080);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be an integer 0..65535 (0: any free port); got ${process.env.PORT}`);
  process.exit(1);
}

let handler;
try {
  handler = createLabHandler({ root });
} catch (err) {
  console.error(err.message);
  process.exit(1);
}

const server = http.createServer(handler);
server.on('error', (err) => {
  console.error(`Concurrency Lab: cannot listen on ${host}:${port}: ${err.message}`);
  process.exit(1);
});
server.listen(port, host, () => {
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
