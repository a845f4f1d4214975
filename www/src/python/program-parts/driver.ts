// The driver, per mode and onError (src/core/faults.rs `OnError::python`): how the tasks are run
// (gather or a TaskGroup, an executor's map or submit, a multiprocessing Pool, a plain loop), timed, and
// the output: the results, the lab's `value`, the wall time.

import { inputItems, switchInterval, type Plan } from './plan';
import { indent, join, seconds } from './python-text';

// ---------------------------------------------------------------------------------------------------
// The output: the results, the lab's value, the wall time

function output(p: Plan): string {
  const collected = p.onError === 'return-exceptions';
  const ok = collected ? 'ok' : 'results';
  const value: Record<string, string> = {
    'cpu-primes': `print(f"primes below {N}: {sum(${ok})}")`,
    'cpu-mandelbrot': `print(f"iterations: {sum(${ok})}")`,
    'io-fetch': `print(f"delay reported (ms): {sum(r['delayMs'] for r in ${ok})}")`,
    'io-sleep': `print(f"slept (ms): {sum(${ok})}")`,
    // The lab adds up what each step of a task returns: the delay the server reported, then the count.
    'mixed-pipeline': `print(f"primes: {sum(n for _, n in ${ok})}")
print(f"lab value (delay ms + primes): {sum(ms + n for ms, n in ${ok})}")`,
  };
  const showList = collected || !p.workload.startsWith('cpu-');
  return join([
    showList && 'print(results)',
    collected &&
      `ok = [r for r in results if not isinstance(r, Exception)]
print(f"{TASKS - len(ok)} of {TASKS} tasks failed")`,
    value[p.workload],
    'print(f"wall time: {elapsed:.3f} s")',
  ]);
}

// ---------------------------------------------------------------------------------------------------
// The driver, per mode and onError

function asyncDriver(p: Plan): string {
  const call = p.network ? 'work(session, i)' : 'work(i)';
  let run: string;
  if (p.onError === 'task-group') {
    run = `# TaskGroup (3.11+): the first failure cancels the other tasks, and every exception is
# raised together in an ExceptionGroup.
async with asyncio.TaskGroup() as tg:
    running = [tg.create_task(${call}) for i in range(TASKS)]
results = [t.result() for t in running]`;
  } else if (p.onError === 'return-exceptions') {
    run = `# gather runs each coroutine as a task on the one event loop; return_exceptions=True
# makes a failure that task's result instead of raising it.
results = await asyncio.gather(
    *(${call} for i in range(TASKS)), return_exceptions=True
)`;
  } else {
    run = `# gather runs each coroutine as a task on the one event loop; results come in task order.
# The first exception is raised here at once; the other tasks are not cancelled.
results = await asyncio.gather(*(${call} for i in range(TASKS)))`;
  }
  const timed = p.network
    ? `async with aiohttp.ClientSession() as session:\n${indent(run, 4)}`
    : run;
  return `async def main():
    start = time.perf_counter()
${indent(timed, 4)}
    elapsed = time.perf_counter() - start
${indent(output(p), 4)}


if __name__ == "__main__":
    asyncio.run(main())`;
}

function gilNote(p: Plan): string {
  if (p.mode === 'interpreters') {
    return `# Each worker thread runs its own interpreter with its own GIL (3.14+): CPU work runs in
# parallel; work and its argument are pickled to the interpreter, and its result back.`;
  }
  if (p.mode === 'free-threaded') return '# No GIL on python3.14t: the threads run Python in parallel.';
  if (p.spec.releasesGil === true && p.mode === 'threads-gil') {
    return `# The lab ran this work as C code that releases the GIL (releasesGil), as NumPy's array loops,
# hashlib and zlib do: the threads then compute in parallel. Written in pure Python, as below,
# the work holds the GIL and the threads take turns; with NumPy it would be, for example,
#     count = np.count_nonzero(sieve[lo:hi])  # the loop runs in C, outside the GIL`;
  }
  if (p.workload.startsWith('cpu-')) {
    return `# The threads share one GIL: only one runs Python at a time, so CPU-bound work gets no
# faster (the lesson's "only one core").`;
  }
  if (p.workload === 'mixed-pipeline') {
    return `# A thread releases the GIL while it waits, so the waits overlap; the counting does not,
# since only one thread at a time holds the GIL.`;
  }
  return '# A thread releases the GIL while it waits, so the waits overlap.';
}

function executorDriver(p: Plan): string {
  const executor = p.mode === 'interpreters' ? 'InterpreterPoolExecutor' : 'ThreadPoolExecutor';
  const pool = `with ${executor}(${typeof p.spec.workers === 'number' ? 'max_workers=WORKERS' : ''}) as pool:`;
  const run =
    p.onError === 'return-exceptions'
      ? `${pool}
    futures = [pool.submit(work, i${inputItems(p) ? ', DATA' : ''}) for i in range(TASKS)]
# Leaving the with block waited for every task: collect each one's result or exception.
results = [f.exception() or f.result() for f in futures]`
      : `${pool}
    # map hands back the results in task order; the first failure in that order is raised
    # when reached, and tasks not yet started are cancelled.
    results = list(pool.map(work, range(TASKS)${inputItems(p) ? ', [DATA] * TASKS' : ''}))`;
  const interval = switchInterval(p);
  return `def main():
${interval !== undefined ? `    sys.setswitchinterval(${seconds(interval)})  # the GIL's hand-over interval (default 0.005 s)\n` : ''}    start = time.perf_counter()
${indent(gilNote(p), 4)}
${indent(run, 4)}
    elapsed = time.perf_counter() - start
${indent(output(p), 4)}


if __name__ == "__main__":
    main()`;
}

function processDriver(p: Plan): string {
  const pool = `with multiprocessing.Pool(${typeof p.spec.workers === 'number' ? 'processes=WORKERS' : ''}) as pool:`;
  let run: string;
  if (p.onError === 'return-exceptions') {
    run = `${pool}
    pending = [pool.apply_async(work, (i,)) for i in range(TASKS)]
    results = []
    for r in pending:
        try:
            results.append(r.get())
        except Exception as e:  # the worker's exception, pickled back
            results.append(e)`;
  } else if (p.failing) {
    run = `${pool}
    # imap hands back the results in task order, so the first failure in that order is raised
    # as soon as it is reached (as Executor.map does); pool.map would wait for every task.
    results = list(pool.imap(work, range(TASKS)))`;
  } else {
    run = `${pool}
    results = pool.map(work, range(TASKS), chunksize=1)  # one task per message`;
  }
  const why =
    p.workload === 'io-fetch' || p.workload === 'io-sleep'
      ? '# Each worker is a separate Python process: the waits of different workers overlap.'
      : '# Each worker is a separate Python process with its own GIL, so CPU work runs in parallel.';
  return `def main():
    start = time.perf_counter()
    ${why}
    # work and i are pickled to a worker, and the result pickled back.
${indent(run, 4)}
    elapsed = time.perf_counter() - start
${indent(output(p), 4)}


if __name__ == "__main__":
    # Workers start by fork on Linux up to 3.13, forkserver from 3.14, spawn on macOS and Windows
    # (as in the lab, where each one loads its own engine). A spawned worker imports this file
    # anew: the guard keeps it from starting a pool of its own.
    main()`;
}

function sequentialDriver(p: Plan): string {
  const run =
    p.onError === 'return-exceptions'
      ? `results = []
for i in range(TASKS):
    try:
        results.append(work(i))
    except Exception as e:  # the failure becomes the task's result; the loop goes on
        results.append(e)`
      : `# One task after another; the first exception ends the loop.
results = [work(i) for i in range(TASKS)]`;
  return `def main():
    start = time.perf_counter()
${indent(run, 4)}
    elapsed = time.perf_counter() - start
${indent(output(p), 4)}


if __name__ == "__main__":
    main()`;
}

/** `main()` and its guard, as the spec's mode runs the tasks. */
export function driver(p: Plan): string {
  if (p.isAsync) return asyncDriver(p);
  if (p.mode === 'sequential') return sequentialDriver(p);
  if (p.mode === 'processes') return processDriver(p);
  return executorDriver(p);
}
