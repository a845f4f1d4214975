// The pstree of an asyncio run (www/src/replay/pstree.ts) against CPython 3.14's own asyncio.tools, run
// in the pinned npm `pyodide` package (CPython 3.14 compiled to WebAssembly, in node): the lab's await
// graph at an instant goes to tools.py's `build_async_tree` and to the lab's port, and the texts must match.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadPyodide } from 'pyodide';
import { loadTs } from './load-ts.mjs';
import { programOrNone } from './programs-fixture.mjs';

let P, R, py;
before(async () => {
  [P, R, py] = await Promise.all([loadTs('www/src/replay/pstree.ts'), loadTs('www/src/replay/replay.ts'), loadPyodide()]);
  // tools.py imports the remote-debugging module only for reading a live process; the tree is built from
  // plain records, given here in the shapes that module returns.
  py.runPython(`
import sys, types, json
from collections import namedtuple
m = types.ModuleType('_remote_debugging')
m.FrameInfo = namedtuple('FrameInfo', 'filename lineno funcname')
m.RemoteUnwinder = None
sys.modules['_remote_debugging'] = m
from asyncio.tools import build_async_tree, CycleFoundException
AwaitedInfo = namedtuple('AwaitedInfo', 'thread_id awaited_by')
TaskInfo = namedtuple('TaskInfo', 'task_id task_name coroutine_stack awaited_by')
CoroInfo = namedtuple('CoroInfo', 'call_stack task_name')

def _coro(c):
    return CoroInfo([m.FrameInfo(f['filename'], f['lineno'], f['funcname']) for f in c['call_stack']], c['task_name'])

def cpython_pstree(graph_json):
    graph = json.loads(graph_json)
    result = [AwaitedInfo(a['thread_id'], [TaskInfo(t['task_id'], t['task_name'], [_coro(c) for c in t['coroutine_stack']], [_coro(c) for c in t['awaited_by']]) for t in a['awaited_by']]) for a in graph]
    try:
        return "\\n".join("\\n".join(tree) for tree in build_async_tree(result))
    except CycleFoundException as e:
        return "cycle: " + repr(e.cycles)
`);
});

const cpython = (graph) => py.globals.get('cpython_pstree')(JSON.stringify(graph));
const fixture = (name) => JSON.parse(readFileSync(new URL(`./fixtures/replay-${name}.json`, import.meta.url), 'utf8'));

test('CPython is 3.14 and the stdlib lines the tree shows are where 3.14 suspends', () => {
  assert.match(py.runPython('import sys; sys.version'), /^3\.14\./);
  const line = (file, n) => py.runPython(`import zipfile, sys; zipfile.ZipFile(next(p for p in sys.path if p.endswith('.zip'))).read('asyncio/${file}').decode().splitlines()[${n - 1}].strip()`);
  const f = P.STDLIB_FRAMES;
  assert.equal(line('tasks.py', f.sleep.lineno), 'return await future');
  assert.equal(line('tasks.py', f.waitFor.lineno), 'return await fut');
  assert.equal(line('taskgroups.py', f.taskGroupAexit.lineno), 'return await self._aexit(et, exc)');
  assert.equal(line('taskgroups.py', f.taskGroupInner.lineno), 'await self._on_completed_fut');
});

test('a gather of three tasks (a recorded run): the same text as CPython 3.14 asyncio.tools prints', () => {
  const r = fixture('asyncio-io');
  const rp = R.replay(r);
  const graph = P.awaitGraph(r, rp, rp.stateAt(50), programOrNone(r.spec));
  const text = P.pstreeText(graph);
  assert.equal(text, cpython(graph));
  assert.equal(
    text,
    [
      '└── (T) Task-1',
      '    └──  main lab.py:' + graph[0].awaited_by[0].coroutine_stack[0].call_stack[0].lineno,
      ...[2, 3, 4].flatMap((id, i) => {
        const [branch, pipe] = i < 2 ? ['├── ', '│   '] : ['└── ', '    '];
        const work = graph[0].awaited_by[i + 1].coroutine_stack[0].call_stack.at(-1).lineno;
        return [`        ${branch}(T) Task-${id}`, `        ${pipe}└──  work lab.py:${work}`, `        ${pipe}    └──  sleep Lib/asyncio/tasks.py:702`];
      }),
    ].join('\n'),
  );
});

test('every instant of recorded asyncio runs: the port prints what CPython prints', () => {
  let compared = 0;
  for (const name of ['asyncio-io', 'asyncio-mixed', 'asyncio-fetch']) {
    const r = fixture(name);
    const rp = R.replay(r);
    for (const t of [0, ...rp.times, r.endMs + 1]) {
      const graph = P.awaitGraph(r, rp, rp.stateAt(t), programOrNone(r.spec));
      assert.equal(P.pstreeText(graph), cpython(graph), `${name} at ${t}`);
      compared++;
    }
  }
  assert.ok(compared > 20);
});

test('TaskGroup, timeouts, tasks left running after gather raised: the same text as CPython', () => {
  const base = fixture('asyncio-mixed');
  const variants = [
    { ...base, spec: { ...base.spec, onError: 'task-group' } },
    { ...base, spec: { ...base.spec, timeoutMs: 1000 } },
    { ...base, wallMs: 100 },
    { ...base, spec: { ...base.spec, workload: 'not-a-workload' } },
  ];
  for (const r of variants) {
    const rp = R.replay(r);
    for (const t of [10, 60, 120, 200]) {
      const graph = P.awaitGraph(r, rp, rp.stateAt(t), programOrNone(r.spec));
      assert.equal(P.pstreeText(graph), cpython(graph), `${JSON.stringify(r.spec)} wall ${r.wallMs} at ${t}`);
    }
  }
  const group = variants[0];
  const text = P.pstreeText(P.awaitGraph(group, R.replay(group), R.replay(group).stateAt(60), programOrNone(group.spec)));
  assert.match(text, /main lab\.py:\d+\n {8}└── {2}TaskGroup\.__aexit__ Lib\/asyncio\/taskgroups\.py:72\n {12}└── {2}TaskGroup\._aexit Lib\/asyncio\/taskgroups\.py:121/);
  const orphans = P.pstreeText(P.awaitGraph(variants[2], R.replay(variants[2]), R.replay(variants[2]).stateAt(200), programOrNone(variants[2].spec)));
  assert.ok(!orphans.includes('Task-1'), 'after gather raised, main() no longer awaits');
  assert.match(orphans, /^└── \(T\) Task-4\n/, 'the tasks still running are roots');
});

test('a graph with a cycle is refused, as tools.py refuses it', () => {
  const f = { filename: 'x.py', lineno: 1, funcname: 'f' };
  const graph = [{ thread_id: 1, awaited_by: [
    { task_id: 2, task_name: 'Task-2', coroutine_stack: [], awaited_by: [{ call_stack: [f], task_name: 3 }] },
    { task_id: 3, task_name: 'Task-3', coroutine_stack: [], awaited_by: [{ call_stack: [f], task_name: 2 }] },
  ] }];
  assert.match(cpython(graph), /^cycle: \[\[/);
  assert.throws(() => P.pstreeText(graph), (e) => e instanceof P.CycleFoundError && e.cycles.length === 1);
});
