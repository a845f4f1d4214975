"""The benchmark's CPU kernels in pure Python: the same algorithms and the same split into tasks as the
lab's core (src/core/workload/cpu_primes.rs and cpu_mandelbrot.rs), written as a learner would.

Each task is `work(i)`: one contiguous share of the numbers (cpu-primes) or one band of rows
(cpu-mandelbrot); the run's value is the sum of the tasks' values, as in the lab.
"""


def split_range(lo, hi, parts, i):
    """The i-th of `parts` contiguous, nearly equal pieces of lo..hi (as the core's split_range)."""
    length = max(hi - lo, 0)
    parts = max(parts, 1)
    return lo + length * i // parts, lo + length * (i + 1) // parts


def is_prime(n):
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    d = 3
    while d * d <= n:
        if n % d == 0:
            return False
        d += 2
    return True


def primes_task(size, tasks, i):
    lo, hi = split_range(0, size, tasks, i)
    count = 0
    for n in range(lo, hi):
        if is_prime(n):
            count += 1
    return count


# The part of the complex plane drawn: the whole set, square (as the core's X0, Y0, SPAN).
X0, Y0, SPAN = -2.1, -1.3, 2.6


def escape(cx, cy, max_iter):
    x = y = 0.0
    for i in range(max_iter):
        if x * x + y * y > 4.0:
            return i
        x, y = x * x - y * y + cx, 2.0 * x * y + cy
    return max_iter


def mandelbrot_task(size, iterations, tasks, i):
    first, end = split_range(0, size, tasks, i)
    scale = SPAN / size
    total = 0
    for row in range(first, end):
        cy = Y0 + row * scale
        for px in range(size):
            total += escape(X0 + px * scale, cy, iterations)
    return total


def task_function(spec):
    """`work(i)` for a spec dict, as a picklable callable (multiprocessing sends it to the workers)."""
    if spec["workload"] == "cpu-primes":
        return _Task(primes_task, (spec["size"], spec["tasks"]))
    if spec["workload"] == "cpu-mandelbrot":
        return _Task(mandelbrot_task, (spec["size"], spec["iterations"], spec["tasks"]))
    raise ValueError(f"not a CPU workload: {spec['workload']}")


class _Task:
    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def __call__(self, i):
        return self.fn(*self.args, i)
