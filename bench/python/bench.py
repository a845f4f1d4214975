"""CPython counterparts of the lab's modes, timed as the lab times them: from just before the work is
handed out until `map` or `gather` returns (a process pool's start-up and shutdown included, as the lab's
`processes` mode starts its workers afresh for each run).

    python bench.py cpu '<spec json>' sequential|threads|processes|asyncio
    python bench.py io <base url> <tasks> <latency ms> sequential|threads|processes|aiohttp
    python bench.py pool-start fork|spawn

Prints one line of JSON: {"wallMs": ..., "value": ..., "workers": ...}.
"""

import asyncio
import json
import multiprocessing
import os
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import kernels


def timed(fn):
    t0 = time.perf_counter()
    value, workers = fn()
    return {"wallMs": (time.perf_counter() - t0) * 1000.0, "value": value, "workers": workers}


# ---- CPU work -------------------------------------------------------------------------------------

def cpu(spec, mode):
    work = kernels.task_function(spec)
    tasks = range(spec["tasks"])
    if mode == "sequential":
        return timed(lambda: (sum(work(i) for i in tasks), 1))
    if mode == "threads":
        def run():
            # ThreadPoolExecutor's default: min(32, os.cpu_count() + 4) threads; the GIL lets one run.
            with ThreadPoolExecutor() as pool:
                return sum(pool.map(work, tasks)), pool._max_workers
        return timed(run)
    if mode == "processes":
        def run():
            # Pool's default: one process per CPU; chunksize=1 hands tasks out one at a time, as the lab.
            with multiprocessing.Pool() as pool:
                return sum(pool.map(work, tasks, chunksize=1)), pool._processes
        return timed(run)
    if mode == "asyncio":
        async def one(i):
            return work(i)  # never awaits: asyncio gives CPU-bound coroutines no speedup

        async def main():
            return sum(await asyncio.gather(*(one(i) for i in tasks)))
        return timed(lambda: (asyncio.run(main()), 1))
    raise SystemExit(f"unknown mode {mode}")


# ---- I/O work: the lab's latency endpoint ---------------------------------------------------------

def get_delay(url):
    with urllib.request.urlopen(url) as r:
        return json.load(r)["delayMs"]


def io(base, tasks, latency, mode):
    # A unique URL per request, as the lab makes them (no cache could answer one for another).
    urls = [f"{base}api/delay?ms={latency}&i={i}" for i in range(tasks)]
    if mode == "sequential":
        return timed(lambda: (sum(get_delay(u) for u in urls), 1))
    if mode == "threads":
        def run():
            with ThreadPoolExecutor() as pool:
                return sum(pool.map(get_delay, urls)), pool._max_workers
        return timed(run)
    if mode == "processes":
        def run():
            with multiprocessing.Pool() as pool:
                return sum(pool.map(get_delay, urls, chunksize=1)), pool._processes
        return timed(run)
    if mode == "aiohttp":
        import aiohttp

        # The lesson's snippet: one ClientSession (its TCPConnector allows 100 connections, no per-host
        # limit), asyncio.gather of every request.
        async def fetch(session, url):
            async with session.get(url) as response:
                return (await response.json())["delayMs"]

        async def main():
            async with aiohttp.ClientSession() as session:
                return sum(await asyncio.gather(*(fetch(session, u) for u in urls)))
        return timed(lambda: (asyncio.run(main()), 1))
    raise SystemExit(f"unknown mode {mode}")


# ---- Overheads ------------------------------------------------------------------------------------

def noop(i):
    return i


def pool_start(method):
    """A Pool(2) started, given a trivial map and closed (PYTHON-MODEL.md: fork ~9 ms, spawn ~83 ms)."""
    ctx = multiprocessing.get_context(method)

    def run():
        with ctx.Pool(2) as pool:
            return sum(pool.map(noop, range(2))), 2
    return timed(run)


def main(argv):
    kind = argv[1]
    if kind == "cpu":
        out = cpu(json.loads(argv[2]), argv[3])
    elif kind == "io":
        out = io(argv[2], int(argv[3]), int(argv[4]), argv[5])
    elif kind == "pool-start":
        out = pool_start(argv[2])
    else:
        raise SystemExit(__doc__)
    out["startMethod"] = multiprocessing.get_start_method()
    out["python"] = sys.version.split()[0]
    out["cpus"] = os.cpu_count()
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv)
