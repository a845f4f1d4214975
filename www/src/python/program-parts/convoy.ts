// The convoy effect's program (src/core/workload/convoy.rs): task 0 is the I/O thread, tasks
// 1..=cpuThreads the CPU-bound threads, all run at once (one thread each), as the lab runs them.

import { DEFAULT_SWITCH_INTERVAL_MS, type ProgramSpec } from './plan';
import { comment, indent, join, pyNum, seconds, specText } from './python-text';
import { IS_PRIME } from './work';

/** The whole convoy program for `spec` (sequential, threads-gil or free-threaded). */
export function convoyProgram(spec: ProgramSpec): string {
  const mode = spec.mode;
  if (!['sequential', 'threads-gil', 'free-threaded'].includes(mode)) throw new Error(`no Python program for convoy under mode "${mode}"`);
  const cpu = Number(spec.cpuThreads);
  const us = Number(spec.blockingUs);
  const threads = mode !== 'sequential';
  const interval = typeof spec.switchIntervalMs === 'number' ? spec.switchIntervalMs : DEFAULT_SWITCH_INTERVAL_MS;
  const parts = [
    comment(`What the Concurrency Lab ran, as a Python program: convoy, mode ${mode}: one I/O thread making short blocking calls beside ${cpu} CPU-bound thread${cpu === 1 ? '' : 's'}.`),
    comment(`Lab spec: ${specText(spec)}`),
    comment(
      'Python 3.11 or newer. The convoy effect (Beazley, 2010; bpo-7946): each blocking call gives up the GIL, ' +
        'and the I/O thread must win it back from a CPU-bound thread, which may keep it for a whole switch interval.',
    ),
  ];
  if (mode === 'free-threaded') parts.push('#', comment('Run it with the free-threaded build (python3.14t): with no GIL the I/O thread waits for no one.'));
  if (mode === 'sequential') parts.push('#', comment('No threads: the calls run alone on the main thread, and the CPU-bound loops find them done.'));
  const header = parts.join('\n');
  const imports = join(['import math', mode === 'threads-gil' && 'import sys', 'import threading', 'import time', threads && 'from concurrent.futures import ThreadPoolExecutor']);
  const constants = join([
    `TASKS = ${spec.tasks}  # task 0 is the I/O thread${cpu === 1 ? ', task 1 the CPU-bound one' : cpu > 1 ? `, tasks 1..${cpu} the CPU-bound ones` : ''}`,
    `CALLS = ${spec.calls}`,
    `BLOCKING_S = ${pyNum(us / 1e6)}  # each blocking call: ${us} µs`,
    threads && `WORKERS = ${spec.tasks}  # one thread per task: all run at once`,
  ]);
  const work = `done = threading.Event()
latencies = []  # each call's, ms: from its start until the thread runs Python again
io_ms = []


${IS_PRIME.split('\n\n\n')[0]}


def work(i):
    if i == 0:
        # The I/O thread: short blocking calls, one after another.
        io_start = time.perf_counter()
        for _ in range(CALLS):
            start = time.perf_counter()
            time.sleep(BLOCKING_S)  # blocks${threads ? ', and releases the GIL while it waits' : ''}
            # This line runs only once the thread ${mode === 'threads-gil' ? 'holds the GIL again' : 'runs Python again'}.
            latencies.append((time.perf_counter() - start) * 1000)
        io_ms.append((time.perf_counter() - io_start) * 1000)
        done.set()
        return CALLS
    # A CPU-bound thread: pure Python until the I/O thread is done.${mode === 'threads-gil' ? '\n    # It holds the GIL, and lets go when a waiting thread asks (after the switch interval).' : ''}
    n = 2 + i
    while not done.is_set():
        is_prime(n)
        n = 2 if n >= 65535 else n + 1
    return 0


def percentile(xs, q):
    s = sorted(xs)
    return s[max(0, math.ceil(q * len(s)) - 1)]`;
  const run = threads
    ? `with ThreadPoolExecutor(max_workers=WORKERS) as pool:
    results = list(pool.map(work, range(TASKS)))`
    : `results = [work(i) for i in range(TASKS)]`;
  const main = `def main():
${mode === 'threads-gil' ? `    sys.setswitchinterval(${seconds(interval)})  # the GIL's hand-over interval (default 0.005 s)\n` : ''}    start = time.perf_counter()
${indent(run, 4)}
    elapsed = time.perf_counter() - start
    p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    print(f"I/O thread: {io_ms[0]:.1f} ms in all; per call p50 {p50:.3f} ms, p99 {p99:.3f} ms")
    print(f"calls made: {sum(results)}")
    print(f"wall time: {elapsed:.3f} s")


if __name__ == "__main__":
    main()`;
  return `${header}\n\n${imports}\n\n${constants}\n\n\n${work}\n\n\n${main}\n`;
}
