// The Python the lab puts beside a learner's program in the real-Python worker (./worker.ts), written out
// as Python in template literals so that it reads as Python here (as ../programs.ts does). Three small
// modules, written to /lab (on sys.path), and the runner the worker calls:
//  - lab_aiohttp: aiohttp's ClientSession as the lab's programs use it, over pyodide.http.pyfetch. A
//    browser gives Python no sockets, so aiohttp cannot run in the page; the browser's fetch can.
//  - lab_urllib: urllib.request.urlopen over the browser's synchronous XMLHttpRequest (pyodide.http.pyxhr),
//    which a Worker may use: a blocking request, as urlopen makes.
//  - lab_tracer: records when each coroutine of the program starts, awaits, resumes and ends
//    (sys.monitoring, on the program's own code objects only, so the work between costs nothing).
// Every request gets a URL of its own: Chromium lets only one request for a given URL use its HTTP cache
// at a time, so six concurrent requests for one URL would go one after another (1,217 ms for six 200 ms
// calls, against 216 ms with six URLs), which is the browser's cache, not asyncio.

/** The modules, by file name. */
export const LAB_MODULES: Record<string, string> = {
  'lab_fetch_url.py': `"""The lab's requests: resolved against the page's address, each given a URL of its own."""
import itertools
from urllib.parse import urljoin

# Set by the lab: the page's base URL. A relative URL in the program means the lab's own address
# (the page's), not the worker's script's.
BASE_URL = ""
_requests = itertools.count(1)


def distinct(url):
    """url, absolute, with a number of its own: Chromium serialises concurrent requests for one URL
    (its HTTP cache lock), which would hide the concurrency the program shows."""
    url = urljoin(BASE_URL, str(url))
    return f"{url}{'&' if '?' in url else '?'}lab_request={next(_requests)}"
`,
  'lab_aiohttp.py': `"""aiohttp's ClientSession, as far as the lab's programs use it, over pyodide.http.pyfetch (the
browser's fetch). A browser gives Python no sockets, so aiohttp itself cannot run in the page."""
from pyodide.http import pyfetch

from lab_fetch_url import distinct


class ClientError(Exception):
    pass


class ClientResponseError(ClientError):
    def __init__(self, status, message, url):
        super().__init__(f"{status}, message={message!r}, url={url!r}")
        self.status = status
        self.message = message


class ClientTimeout:
    def __init__(self, total=None, **kwargs):
        self.total = total


class ClientResponse:
    def __init__(self, response):
        self._response = response
        self.status = response.status
        self.reason = response.status_text
        self.url = response.url
        self.ok = response.ok

    def raise_for_status(self):
        if not self.ok:
            raise ClientResponseError(self.status, self.reason, self.url)

    async def json(self, **kwargs):
        return await self._response.json()

    async def text(self, **kwargs):
        return await self._response.string()

    async def read(self):
        return await self._response.bytes()

    def release(self):
        pass


class _Request:
    """What session.get returns: awaited, or used as \`async with session.get(url) as response\`."""

    def __init__(self, method, url, kwargs):
        self._method = method
        self._url = url
        self._kwargs = kwargs

    async def _send(self):
        try:
            response = await pyfetch(distinct(self._url), method=self._method)
        except Exception as e:
            raise ClientError(f"the request failed: {e}") from None
        return ClientResponse(response)

    def __await__(self):
        return self._send().__await__()

    async def __aenter__(self):
        return await self._send()

    async def __aexit__(self, *exc):
        return False


class ClientSession:
    def __init__(self, *args, **kwargs):
        self.closed = False

    def get(self, url, **kwargs):
        return _Request("GET", url, kwargs)

    def post(self, url, **kwargs):
        return _Request("POST", url, kwargs)

    async def close(self):
        self.closed = True

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()
        return False
`,
  'lab_urllib.py': `"""urllib.request.urlopen over the browser's synchronous XMLHttpRequest (pyodide.http.pyxhr): a
blocking request, as urlopen makes, where a browser gives Python no sockets."""
import io
import types
import urllib.error

from pyodide.http import pyxhr

from lab_fetch_url import distinct

error = urllib.error


def urlopen(url, data=None, timeout=None):
    response = pyxhr.get(distinct(url))
    if response.status_code == 0:
        raise urllib.error.URLError("the request failed (network error)")
    if not response.ok:
        raise urllib.error.HTTPError(url, response.status_code, response.text, None, None)
    body = io.BytesIO(response.content)
    body.status = response.status_code
    body.getcode = lambda: response.status_code
    return body


request = types.SimpleNamespace(urlopen=urlopen)
`,
  'lab_tracer.py': `"""When each coroutine of the program starts, awaits, resumes and ends, on the page's clock.

sys.monitoring events on the program's own coroutine code objects (and its \`work\` functions), so the
work in between runs untraced and at full speed. A coroutine awaited by another of the program's
coroutines is part of its caller's row: when it awaits, its caller awaits too."""
import sys

from js import performance

M = sys.monitoring
E = M.events
TOOL = 3  # a free tool id (0 debugger, 1 coverage, 2 profiler, 5 optimizer)
CO_COROUTINE = 0x80


def _codes(code):
    yield code
    for c in code.co_consts:
        if hasattr(c, "co_code"):
            yield from _codes(c)


def _label(frame):
    code = frame.f_code
    args = []
    for name in code.co_varnames[: code.co_argcount]:
        text = repr(frame.f_locals.get(name))
        args.append("…" if text.startswith("<") else text if len(text) <= 24 else text[:23] + "…")
    return f"{code.co_qualname}({', '.join(args)})"


class Tracer:
    def __init__(self, t0):
        self.t0 = t0
        self.watched = set()
        self.rows = {}  # id(frame) -> row, for the frames that are rows of their own
        self.order = []

    def now(self):
        return performance.now() - self.t0

    def watch(self, module_code, filename):
        for c in _codes(module_code):
            if c.co_filename == filename and c.co_name != "<module>" and (c.co_flags & CO_COROUTINE or c.co_name == "work"):
                self.watched.add(c)
        if M.get_tool(TOOL) is None:
            M.use_tool_id(TOOL, "concurrency-lab")
        M.register_callback(TOOL, E.PY_START, self._start)
        M.register_callback(TOOL, E.PY_RESUME, self._resume)
        M.register_callback(TOOL, E.PY_YIELD, self._yield)
        M.register_callback(TOOL, E.PY_RETURN, self._return)
        M.register_callback(TOOL, E.PY_UNWIND, self._unwind)
        for c in self.watched:
            M.set_local_events(TOOL, c, E.PY_START | E.PY_RESUME | E.PY_YIELD | E.PY_RETURN)
        # An exception leaving a frame is a global event: the callback returns at once for the rest.
        M.set_events(TOOL, E.PY_UNWIND)

    def stop(self):
        M.set_events(TOOL, 0)
        for c in self.watched:
            M.set_local_events(TOOL, c, 0)
        M.free_tool_id(TOOL)

    def _row(self):
        # The frame the event is about: the callback's caller.
        return self.rows.get(id(sys._getframe(2)))

    def _start(self, code, offset):
        frame = sys._getframe(1)
        caller = frame.f_back
        # Awaited (or called) by another traced frame that is running: part of that frame's row.
        if caller is not None and id(caller) in self.rows:
            return
        row = {"label": _label(frame), "startMs": self.now(), "endMs": None, "spans": [], "open": self.now(), "frame": frame}
        self.rows[id(frame)] = row
        self.order.append(row)

    def _resume(self, code, offset):
        row = self._row()
        if row is not None and row["open"] is None:
            t = self.now()
            if row["spans"]:
                row["spans"].append({"kind": "await", "startMs": row["spans"][-1]["endMs"], "endMs": t})
            row["open"] = t

    def _yield(self, code, offset, value):
        row = self._row()
        if row is not None and row["open"] is not None:
            row["spans"].append({"kind": "run", "startMs": row["open"], "endMs": self.now()})
            row["open"] = None

    def _end(self, row, error=None):
        if row is None:
            return
        t = self.now()
        if row["open"] is not None:
            row["spans"].append({"kind": "run", "startMs": row["open"], "endMs": t})
        row["open"] = None
        row["endMs"] = t
        if error:
            row["error"] = error
        del self.rows[id(row.pop("frame"))]

    def _return(self, code, offset, value):
        self._end(self._row())

    def _unwind(self, code, offset, exc):
        if code in self.watched:
            self._end(self._row(), type(exc).__name__)

    def tasks(self):
        end = self.now()
        out = []
        for row in self.order:
            if row["endMs"] is None:  # still suspended when the program ended
                row.pop("frame", None)
                if row["open"] is not None:
                    row["spans"].append({"kind": "run", "startMs": row["open"], "endMs": end})
                elif row["spans"]:
                    row["spans"].append({"kind": "await", "startMs": row["spans"][-1]["endMs"], "endMs": end})
                row["endMs"] = end
            row.pop("open", None)
            out.append(row)
        return out
`,
};

/**
 * The runner, run once in the worker's globals: `_lab_run(source, base_url, t0)` runs a program as
 * `__main__` in a namespace of its own and answers JSON: the error (class and traceback) and the trace.
 * Top-level `await` is allowed (the rewrite of `asyncio.run(main())` where there is no stack switching).
 */
export const RUNNER = `
import ast as _ast, json as _json, linecache as _linecache, sys as _sys, traceback as _traceback
_sys.path.insert(0, "/lab")
import lab_fetch_url as _lab_fetch_url
from lab_tracer import Tracer as _Tracer

_PROGRAM = "<program>"


async def _lab_run(source, base_url, t0):
    _lab_fetch_url.BASE_URL = base_url
    # The traceback shows the program's own lines.
    _linecache.cache[_PROGRAM] = (len(source), None, source.splitlines(True), _PROGRAM)
    error = None
    tracer = None
    try:
        code = compile(source, _PROGRAM, "exec", flags=_ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
        tracer = _Tracer(t0)
        tracer.watch(code, _PROGRAM)
        namespace = {"__name__": "__main__", "__builtins__": __builtins__}
        result = eval(code, namespace)
        if result is not None and hasattr(result, "__await__"):
            await result
    except SystemExit as e:
        if e.code not in (None, 0):
            error = {"name": "SystemExit", "message": f"SystemExit: {e.code}"}
    except BaseException as e:
        tb = e.__traceback__
        # The frames of this runner are not the program's: start the traceback at the program.
        while tb is not None and tb.tb_frame.f_code.co_filename != _PROGRAM:
            tb = tb.tb_next
        text = "".join(_traceback.format_exception(type(e), e, tb))
        error = {"name": type(e).__name__, "message": text.rstrip()}
    finally:
        _sys.stdout.flush()
        _sys.stderr.flush()
    trace = []
    if tracer is not None:
        trace = tracer.tasks()
        tracer.stop()
    return _json.dumps({"error": error, "trace": trace})
`;
