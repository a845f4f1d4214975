// Shared set-up for the server tests: a temp root with a few files, the handler on an ephemeral
// port, and a raw HTTP client that sends the request target exactly as written (fetch and URL
// would normalise `..` away before it reaches the server).

import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createLabHandler } from '../../server/app.mjs';

export const INDEX_HTML = '<!doctype html><title>lab</title>\n';
export const WASM_BYTES = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
export const A_JS = 'export const a = 1;\n';

export function makeRoot() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-root-'));
  fs.writeFileSync(path.join(root, 'index.html'), INDEX_HTML);
  fs.writeFileSync(path.join(root, 'x.wasm'), WASM_BYTES);
  fs.mkdirSync(path.join(root, 'sub'));
  fs.writeFileSync(path.join(root, 'sub', 'a.js'), A_JS);
  fs.writeFileSync(path.join(root, 'sub', 'b.mjs'), A_JS);
  // A page's chunk as scripts/build-web.mjs names it (esbuild's `[name]-[hash]`), and an entry named as it is.
  fs.writeFileSync(path.join(root, 'chunk-Q5WOATXX.js'), A_JS);
  fs.writeFileSync(path.join(root, 'main.js'), A_JS);
  // Real Python's files, under their version (scripts/build-web.mjs), and a folder that only looks alike.
  fs.mkdirSync(path.join(root, 'pyodide', '314.0.7'), { recursive: true });
  fs.writeFileSync(path.join(root, 'pyodide', '314.0.7', 'pyodide.asm.wasm'), WASM_BYTES);
  fs.writeFileSync(path.join(root, 'pyodide', 'pyodide.mjs'), A_JS);
  return root;
}

/** Starts the handler on 127.0.0.1:0; returns { base, port, root, server, close }. */
export async function startLab(options = {}) {
  const root = makeRoot();
  const server = http.createServer(createLabHandler({ root, ...options }));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    port,
    root,
    server,
    base: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * Sends `METHOD target HTTP/1.1` over a raw socket and reads until the server closes.
 * Resolves { status, headers (lower-case names), body } or { error } if the socket failed.
 */
export function rawRequest(port, target, { method = 'GET', timeoutMs = 5000 } = {}) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks = [];
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      resolve({ error: 'timeout' });
    });
    socket.on('connect', () => {
      socket.write(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    });
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', (err) => resolve({ error: err.code || err.message }));
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end === -1) return resolve({ error: 'no response', text });
      const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
      const headers = {};
      for (const line of lines) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: text.slice(end + 4) });
    });
  });
}

/** The headers every response must carry; `api` selects the endpoint's CORP and extras. */
export function expectedHeaders(api) {
  return {
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-embedder-policy': 'require-corp',
    'cross-origin-resource-policy': api ? 'cross-origin' : 'same-origin',
    'document-isolation-policy': 'isolate-and-require-corp',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    ...(api ? { 'cache-control': 'no-store', 'access-control-allow-origin': '*' } : {}),
  };
}

/**
 * Runs the real `server/server.mjs` as a child process on 127.0.0.1 (PORT=0 unless given) and
 * resolves { child, base (with a trailing slash), port, stderr(), exited, close() } once it prints
 * its start-up line. Rejects if it exits first or does not start within 10 s.
 */
export async function startServerProcess(env = {}) {
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const serverPath = fileURLToPath(new URL('../../server/server.mjs', import.meta.url));
  const child = spawn(process.execPath, [serverPath], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LAB_PER_CLIENT_LIMIT: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 10 s: ${out}${err}`)), 10_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /Concurrency Lab: (http:\/\/\S+\/)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    exited.then((r) => {
      clearTimeout(timer);
      reject(new Error(`server exited early (${JSON.stringify(r)}): ${out}${err}`));
    });
  });
  return {
    child,
    base,
    port: Number(new URL(base).port),
    stderr: () => err,
    exited,
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
