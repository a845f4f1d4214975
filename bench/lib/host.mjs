// The host side of the bench: the lab's server, the native binary, the CPython virtual environment,
// and the facts about the machine that go into the report.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { NATIVE_BIN, NATIVE_TARGET, ROOT, VENV, BENCH } from './paths.mjs';

const log = (m) => process.stderr.write(`bench: ${m}\n`);

/** Runs a command and parses the one line of JSON it prints. */
export function runJson(cmd, args, { timeoutMs = 300_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}: ${err.trim() || out.trim()}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()));
      } catch {
        reject(new Error(`${cmd} ${args.join(' ')} printed no JSON: ${out}${err}`));
      }
    });
  });
}

/**
 * `node server/server.mjs` serving dist/, as `npm start` serves it: first on a free port, then, should
 * it stop without being asked to (a signal from outside on a shared machine), again on the same port,
 * so the open page keeps working. Resolves to { url, close(), restarts }.
 */
export async function startServer() {
  if (!existsSync(join(ROOT, 'dist', 'index.html'))) throw new Error('dist/ is missing: run `npm run build` first (npm run bench does)');
  const state = { url: '', restarts: 0, closing: false, child: undefined };
  const spawnOnce = (port) =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(ROOT, 'server', 'server.mjs')], {
        env: { ...process.env, PORT: String(port), LAB_ROOT: join(ROOT, 'dist') },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      let listening = false;
      child.stdout.on('data', (d) => {
        out += d;
        const m = out.match(/Concurrency Lab: (http:\/\/\S+)/);
        if (m && !listening) {
          listening = true;
          resolve({ child, url: m[1].endsWith('/') ? m[1] : `${m[1]}/` });
        }
      });
      child.on('exit', (code, signal) => {
        if (!listening) return reject(new Error(`the server exited (${signal ?? code}) before listening: ${out}`));
        if (state.closing) return;
        state.restarts++;
        log(`WARNING: the lab's server stopped (${signal ?? `exit ${code}`}) without the bench asking; restarting it on the same port`);
        state.ready = spawnOnce(new URL(state.url).port).then((s) => (state.child = s.child)).catch((e) => log(`ERROR: ${e.message}`));
      });
    });
  let first;
  for (let attempt = 0; ; attempt++) {
    try {
      first = await spawnOnce(0);
      break;
    } catch (e) {
      if (attempt >= 2) throw e;
      log(`${e.message}; trying again`);
    }
  }
  state.child = first.child;
  state.url = first.url;
  return {
    url: first.url,
    get restarts() {
      return state.restarts;
    },
    /** Resolves once a restarted server listens again. */
    settle: () => state.ready ?? Promise.resolve(),
    close: () => {
      state.closing = true;
      state.child?.kill('SIGTERM');
    },
  };
}

/** Builds src/bin/bench_native.rs (release, native rayon pool) in target/native. */
export function buildNative() {
  log('building the native reference (cargo build --release --bin bench_native)');
  execFileSync('cargo', ['build', '--release', '--quiet', '--features', 'parallel', '--bin', 'bench_native', '--target-dir', NATIVE_TARGET], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, PATH: `${process.env.HOME}/.cargo/bin:${process.env.PATH}` },
  });
  return NATIVE_BIN;
}

/** bench/kernel-wasm: the two kernels alone as a raw wasm module (a diagnostic row). Returns its bytes. */
export function buildKernelWasm() {
  log('building the raw wasm kernels (bench/kernel-wasm)');
  const target = join(ROOT, 'target', 'bench-kernel');
  execFileSync('cargo', ['+stable', 'build', '--release', '--quiet', '--target', 'wasm32-unknown-unknown', '--manifest-path', join(BENCH, 'kernel-wasm', 'Cargo.toml'), '--target-dir', target], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, PATH: `${process.env.HOME}/.cargo/bin:${process.env.PATH}` },
  });
  return readFileSync(join(target, 'wasm32-unknown-unknown', 'release', 'bench_kernel_wasm.wasm'));
}

/**
 * bench/.venv with aiohttp, made by the bench itself with the machine's python3. The packages are the
 * exact, hash-checked pins of bench/python/requirements.txt (`--require-hashes`); they are installed again
 * whenever that file is newer than the marker the last install left in the venv.
 */
export function ensureVenv() {
  const python = join(VENV, 'bin', 'python');
  const requirements = join(BENCH, 'python', 'requirements.txt');
  const marker = join(VENV, '.requirements-installed');
  if (!existsSync(python)) {
    log('making the CPython virtual environment bench/.venv');
    try {
      execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
    } catch (e) {
      throw new Error(`python3 -m venv failed (on Debian: apt-get install python3-venv, which scripts/setup.sh --test does): ${e.message}`);
    }
  }
  if (!existsSync(marker) || statSync(requirements).mtimeMs > statSync(marker).mtimeMs) {
    log('installing bench/python/requirements.txt into bench/.venv (exact pins, hash-checked)');
    execFileSync(
      python,
      ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--require-hashes', '-r', requirements],
      { stdio: 'inherit' },
    );
    writeFileSync(marker, `installed from bench/python/requirements.txt at ${new Date().toISOString()}\n`);
  }
  const aiohttp = execFileSync(python, ['-c', 'import aiohttp, sys; print(aiohttp.__version__, sys.version.split()[0])']).toString().trim().split(' ');
  return { python, aiohttp: aiohttp[0], version: aiohttp[1] };
}

const tryRun = (cmd, args) => {
  try {
    return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return undefined;
  }
};

/** What the report says about the machine. */
export function machine() {
  const model = cpus()[0]?.model ?? 'unknown';
  let os = 'unknown';
  try {
    os = readFileSync('/etc/os-release', 'utf8').match(/PRETTY_NAME="([^"]+)"/)?.[1] ?? os;
  } catch {}
  return {
    cores: cpus().length,
    cpu: model,
    os,
    node: process.version,
    rustc: tryRun('rustc', ['--version']),
  };
}
