//! The driver, per mode and onError (the Python of each rule in ../faults.rs `OnError` and ../run.rs):
//! how the tasks are run (gather or a TaskGroup, an executor's map or submit, a multiprocessing Pool, a
//! plain loop), timed, and the output: the results, the lab's `value`, the wall time.

use super::text::{fill, indent, join, seconds, when};
use super::plan::Plan;
use crate::core::workload::Class;

/// The output: the results, the lab's value, the wall time.
fn output(p: &Plan) -> String {
    let collected = p.on_error == "return-exceptions";
    let ok = if collected { "ok" } else { "results" };
    let value = match p.workload.as_str() {
        "cpu-primes" => Some(fill(r#"print(f"primes below {N}: {sum(${ok})}")"#, &[("ok", ok)])),
        "cpu-mandelbrot" => Some(fill(r#"print(f"iterations: {sum(${ok})}")"#, &[("ok", ok)])),
        "io-fetch" => Some(fill(r#"print(f"delay reported (ms): {sum(r['delayMs'] for r in ${ok})}")"#, &[("ok", ok)])),
        "io-sleep" => Some(fill(r#"print(f"slept (ms): {sum(${ok})}")"#, &[("ok", ok)])),
        // The lab adds up what each step of a task returns: the delay the server reported, then the count.
        "mixed-pipeline" => Some(fill(
            r#"print(f"primes: {sum(n for _, n in ${ok})}")
print(f"lab value (delay ms + primes): {sum(ms + n for ms, n in ${ok})}")"#,
            &[("ok", ok)],
        )),
        super::work::TEST_WORKLOAD => Some(fill(r#"print(f"napped (ms): {sum(${ok})}")"#, &[("ok", ok)])),
        _ => None,
    };
    let show_list = collected || p.class != Class::Cpu;
    join(
        &[
            when(show_list, "print(results)"),
            when(collected, "ok = [r for r in results if not isinstance(r, Exception)]\nprint(f\"{TASKS - len(ok)} of {TASKS} tasks failed\")"),
            value,
            Some(r#"print(f"wall time: {elapsed:.3f} s")"#.into()),
        ],
        "\n",
    )
}

fn async_driver(p: &Plan) -> String {
    let call = if p.network { "work(session, i)" } else { "work(i)" };
    let run = match p.on_error.as_str() {
        "task-group" => fill(
            r##"# TaskGroup (3.11+): the first failure cancels the other tasks, and every exception is
# raised together in an ExceptionGroup.
async with asyncio.TaskGroup() as tg:
    running = [tg.create_task(${call}) for i in range(TASKS)]
results = [t.result() for t in running]"##,
            &[("call", call)],
        ),
        "return-exceptions" => fill(
            r##"# gather runs each coroutine as a task on the one event loop; return_exceptions=True
# makes a failure that task's result instead of raising it.
results = await asyncio.gather(
    *(${call} for i in range(TASKS)), return_exceptions=True
)"##,
            &[("call", call)],
        ),
        _ => fill(
            r##"# gather runs each coroutine as a task on the one event loop; results come in task order.
# The first exception is raised here at once; the other tasks are not cancelled.
results = await asyncio.gather(*(${call} for i in range(TASKS)))"##,
            &[("call", call)],
        ),
    };
    let timed = if p.network { format!("async with aiohttp.ClientSession() as session:\n{}", indent(&run, 4)) } else { run };
    fill(
        r##"async def main():
    start = time.perf_counter()
${timed}
    elapsed = time.perf_counter() - start
${output}


if __name__ == "__main__":
    asyncio.run(main())"##,
        &[("timed", &indent(&timed, 4)), ("output", &indent(&output(p), 4))],
    )
}

fn gil_note(p: &Plan) -> &'static str {
    if p.mode == "interpreters" {
        return "# Each worker thread runs its own interpreter with its own GIL (3.14+): CPU work runs in\n\
                # parallel; work and its argument are pickled to the interpreter, and its result back.";
    }
    if p.mode == "free-threaded" {
        return "# No GIL on python3.14t: the threads run Python in parallel.";
    }
    if p.spec.get("releasesGil") == Some(&super::text::Json::Bool(true)) && p.mode == "threads-gil" {
        return "# The lab ran this work as C code that releases the GIL, as NumPy's array loops,\n\
                # hashlib and zlib do: the threads then compute in parallel. Written in pure Python, as below,\n\
                # the work holds the GIL and the threads take turns; with NumPy it would be, for example,\n\
                #     count = np.count_nonzero(sieve[lo:hi])  # the loop runs in C, outside the GIL";
    }
    if p.class == Class::Cpu {
        return "# The threads share one GIL: only one runs Python at a time, so CPU-bound work gets no\n\
                # faster (the lesson's \"only one core\").";
    }
    if p.workload == "mixed-pipeline" {
        return "# A thread releases the GIL while it waits, so the waits overlap; the counting does not,\n\
                # since only one thread at a time holds the GIL.";
    }
    "# A thread releases the GIL while it waits, so the waits overlap."
}

fn set_switch_interval(p: &Plan) -> String {
    p.switch_interval()
        .map(|ms| format!("    sys.setswitchinterval({})  # the GIL's hand-over interval (default 0.005 s)\n", seconds(ms)))
        .unwrap_or_default()
}

fn executor_driver(p: &Plan) -> String {
    let executor = if p.mode == "interpreters" { "InterpreterPoolExecutor" } else { "ThreadPoolExecutor" };
    let workers = if p.spec.num("workers").is_some() { "max_workers=WORKERS" } else { "" };
    let pool = format!("with {executor}({workers}) as pool:");
    let items = p.input_items() != 0.0;
    let run = if p.on_error == "return-exceptions" {
        fill(
            r##"${pool}
    futures = [pool.submit(work, i${data}) for i in range(TASKS)]
# Leaving the with block waited for every task: collect each one's result or exception.
results = [f.exception() or f.result() for f in futures]"##,
            &[("pool", &pool), ("data", if items { ", DATA" } else { "" })],
        )
    } else {
        fill(
            r##"${pool}
    # map hands back the results in task order; the first failure in that order is raised
    # when reached, and tasks not yet started are cancelled.
    results = list(pool.map(work, range(TASKS)${data}))"##,
            &[("pool", &pool), ("data", if items { ", [DATA] * TASKS" } else { "" })],
        )
    };
    fill(
        r##"def main():
${interval}    start = time.perf_counter()
${note}
${run}
    elapsed = time.perf_counter() - start
${output}


if __name__ == "__main__":
    main()"##,
        &[("interval", &set_switch_interval(p)), ("note", &indent(gil_note(p), 4)), ("run", &indent(&run, 4)), ("output", &indent(&output(p), 4))],
    )
}

fn process_driver(p: &Plan) -> String {
    let workers = if p.spec.num("workers").is_some() { "processes=WORKERS" } else { "" };
    let pool = format!("with multiprocessing.Pool({workers}) as pool:");
    let run = if p.on_error == "return-exceptions" {
        fill(
            r##"${pool}
    pending = [pool.apply_async(work, (i,)) for i in range(TASKS)]
    results = []
    for r in pending:
        try:
            results.append(r.get())
        except Exception as e:  # the worker's exception, pickled back
            results.append(e)"##,
            &[("pool", &pool)],
        )
    } else if p.failing.is_some() {
        fill(
            r##"${pool}
    # imap hands back the results in task order, so the first failure in that order is raised
    # as soon as it is reached (as Executor.map does); pool.map would wait for every task.
    results = list(pool.imap(work, range(TASKS)))"##,
            &[("pool", &pool)],
        )
    } else {
        format!("{pool}\n    results = pool.map(work, range(TASKS), chunksize=1)  # one task per message")
    };
    let why = if p.workload == "io-fetch" || p.workload == "io-sleep" {
        "# Each worker is a separate Python process: the waits of different workers overlap."
    } else {
        "# Each worker is a separate Python process with its own GIL, so CPU work runs in parallel."
    };
    fill(
        r##"def main():
    start = time.perf_counter()
    ${why}
    # work and i are pickled to a worker, and the result pickled back.
${run}
    elapsed = time.perf_counter() - start
${output}


if __name__ == "__main__":
    # Workers start by fork on Linux up to 3.13, forkserver from 3.14, spawn on macOS and Windows
    # (as in the lab, where each one loads a copy of the lab). A spawned worker imports this file
    # anew: the guard keeps it from starting a pool of its own.
    main()"##,
        &[("why", why), ("run", &indent(&run, 4)), ("output", &indent(&output(p), 4))],
    )
}

fn sequential_driver(p: &Plan) -> String {
    let run = if p.on_error == "return-exceptions" {
        r##"results = []
for i in range(TASKS):
    try:
        results.append(work(i))
    except Exception as e:  # the failure becomes the task's result; the loop goes on
        results.append(e)"##
    } else {
        "# One task after another; the first exception ends the loop.\nresults = [work(i) for i in range(TASKS)]"
    };
    fill(
        r##"def main():
    start = time.perf_counter()
${run}
    elapsed = time.perf_counter() - start
${output}


if __name__ == "__main__":
    main()"##,
        &[("run", &indent(run, 4)), ("output", &indent(&output(p), 4))],
    )
}

/// `main()` and its guard, as the spec's mode runs the tasks.
pub fn driver(p: &Plan) -> String {
    if p.is_async {
        async_driver(p)
    } else if p.mode == "sequential" {
        sequential_driver(p)
    } else if p.mode == "processes" {
        process_driver(p)
    } else {
        executor_driver(p)
    }
}
