"""The convoy effect in CPython, as the lab's own program does it (www/src/python/programs.ts, convoy):
one I/O thread making CALLS blocking calls of BLOCKING_US (time.sleep, which releases the GIL) beside
CPU_THREADS pure-Python threads that compute until it is done.

    python convoy.py CALLS CPU_THREADS BLOCKING_US SWITCH_INTERVAL_MS

Prints one line of JSON: the I/O thread's total time and its per-call latencies (p50, p99), ms, and the
value (the calls made).
"""
import json
import math
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from kernels import is_prime  # the bench's pure-Python kernels, beside this file


def percentile(xs, q):
    s = sorted(xs)
    return s[max(0, math.ceil(q * len(s)) - 1)]


def main():
    calls, cpu_threads, blocking_us, interval_ms = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    sys.setswitchinterval(interval_ms / 1000)
    done = threading.Event()
    latencies = []
    io_ms = []

    def work(i):
        if i == 0:
            io_start = time.perf_counter()
            for _ in range(calls):
                start = time.perf_counter()
                time.sleep(blocking_us / 1e6)
                latencies.append((time.perf_counter() - start) * 1000)
            io_ms.append((time.perf_counter() - io_start) * 1000)
            done.set()
            return calls
        n = 2 + i
        while not done.is_set():
            is_prime(n)
            n = 2 if n >= 65535 else n + 1
        return 0

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=cpu_threads + 1) as pool:
        value = sum(pool.map(work, range(cpu_threads + 1)))
    wall = (time.perf_counter() - start) * 1000
    print(json.dumps({"wallMs": wall, "ioMs": io_ms[0], "p50": percentile(latencies, 0.5), "p99": percentile(latencies, 0.99), "value": value}))


if __name__ == "__main__":
    main()
