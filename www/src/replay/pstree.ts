// What `python -m asyncio pstree PID` would print for an asyncio run at the replay's instant (Python
// 3.14): the await graph the lab's run has then (the main task awaiting `gather` or a TaskGroup, each
// pending task with its coroutine stack, in the lab's Python program, which the engine writes:
// src/core/python, given as `program`), and
// the tree CPython's own `asyncio.tools.build_async_tree` draws of it, ported line for line.
// tests/unit/replay-pstree.test.mjs feeds the same graph to CPython 3.14's tools.py (from the pinned
// npm `pyodide` package) and compares the text.

import { usesNetwork, workloadInfo } from '../rules';
import type { Replay, ReplayState } from './replay';
import type { RunRecord } from './record';

// The shapes `_remote_debugging.RemoteUnwinder.get_all_awaited_by()` returns, which tools.py reads.
export interface FrameInfo {
  filename: string;
  lineno: number;
  funcname: string;
}
export interface CoroInfo {
  call_stack: FrameInfo[];
  /** In `awaited_by`: the id of the task that awaits (tools.py calls it `task_name` too). */
  task_name: number | string;
}
export interface TaskInfo {
  task_id: number;
  task_name: string;
  coroutine_stack: CoroInfo[];
  awaited_by: CoroInfo[];
}
export interface AwaitedInfo {
  thread_id: number;
  awaited_by: TaskInfo[];
}

export class CycleFoundError extends Error {
  constructor(readonly cycles: (number | string)[][]) {
    super('await-graph contains cycles - cannot print a tree!');
  }
}

// --- tools.py, ported (CPython 3.14, Lib/asyncio/tools.py) -------------------------------------------

const formatEntry = (f: FrameInfo) => (f.lineno === 0 && f.filename === '' ? f.funcname : `${f.funcname} ${f.filename}:${f.lineno}`);

type Key = string; // "T:<task id>" or "C:<n>": tools.py's (NodeType, id) tuples

function index(result: AwaitedInfo[]) {
  const id2name = new Map<number | string, string>();
  const awaits: [number | string, string[], number][] = [];
  const taskStacks = new Map<number, string[]>();
  for (const info of result) {
    for (const task of info.awaited_by) {
      id2name.set(task.task_id, task.task_name);
      for (const coro of task.coroutine_stack) taskStacks.set(task.task_id, coro.call_stack.map(formatEntry));
      for (const coro of task.awaited_by) awaits.push([coro.task_name, coro.call_stack.map(formatEntry), task.task_id]);
    }
  }
  return { id2name, awaits, taskStacks };
}

function findCycles(awaits: [number | string, string[], number][]): (number | string)[][] {
  const graph = new Map<number | string, Set<number | string>>();
  for (const [parent, , child] of awaits) {
    if (!graph.has(parent)) graph.set(parent, new Set());
    graph.get(parent)!.add(child);
  }
  const color = new Map<number | string, number>();
  const path: (number | string)[] = [];
  const cycles: (number | string)[][] = [];
  const dfs = (v: number | string) => {
    color.set(v, 1);
    path.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!color.get(w)) dfs(w);
      else if (color.get(w) === 1) cycles.push([...path.slice(path.indexOf(w)), w]);
    }
    color.set(v, 2);
    path.pop();
  };
  for (const v of [...graph.keys()]) if (!color.get(v)) dfs(v);
  return cycles;
}

/** tools.py `build_async_tree`: one list of lines per root task. */
export function buildAsyncTree(result: AwaitedInfo[], taskEmoji = '(T)', corEmoji = ''): string[][] {
  const { id2name, awaits, taskStacks } = index(result);
  const cycles = findCycles(awaits);
  if (cycles.length) throw new CycleFoundError(cycles);
  const labels = new Map<Key, string>();
  for (const [tid, name] of id2name) labels.set(`T:${tid}`, name);
  const children = new Map<Key, Key[]>();
  const kids = (k: Key) => {
    if (!children.has(k)) children.set(k, []);
    return children.get(k)!;
  };
  const corNodes = new Map<Key, Map<string, Key>>();
  let nextCor = 1;
  const corNode = (parent: Key, frame: string): Key => {
    const known = corNodes.get(parent)?.get(frame);
    if (known) return known;
    const key = `C:${nextCor++}`;
    labels.set(key, frame);
    kids(parent).push(key);
    if (!corNodes.has(parent)) corNodes.set(parent, new Map());
    corNodes.get(parent)!.set(frame, key);
    return key;
  };
  for (const [parent, stack, child] of awaits) {
    let cur: Key = `T:${parent}`;
    for (const frame of [...stack].reverse()) cur = corNode(cur, frame);
    const childKey = `T:${child}`;
    if (!kids(cur).includes(childKey)) kids(cur).push(childKey);
  }
  const awaiting = new Set(awaits.map(([parent]) => String(parent)));
  for (const tid of id2name.keys()) {
    const stack = taskStacks.get(tid as number);
    if (!awaiting.has(String(tid)) && stack) {
      let cur: Key = `T:${tid}`;
      for (const frame of [...stack].reverse()) cur = corNode(cur, frame);
    }
  }
  const pretty = (k: Key) => `${k.startsWith('T:') ? taskEmoji : corEmoji} ${labels.get(k)}`;
  const render = (k: Key, prefix: string, last: boolean, buf: string[]) => {
    buf.push(`${prefix}${last ? '└── ' : '├── '}${pretty(k)}`);
    const newPrefix = prefix + (last ? '    ' : '│   ');
    const ks = children.get(k) ?? [];
    ks.forEach((kid, i) => render(kid, newPrefix, i === ks.length - 1, buf));
    return buf;
  };
  const all = new Set([...children.values()].flat());
  return [...labels.keys()].filter((k) => !all.has(k)).map((root) => render(root, '', true, []));
}

/** What `python -m asyncio pstree PID` prints (tools.py `display_awaited_by_tasks_tree`). */
export function pstreeText(result: AwaitedInfo[]): string {
  return buildAsyncTree(result)
    .map((tree) => tree.join('\n'))
    .join('\n');
}

// --- The lab's await graph -----------------------------------------------------------------------------

/** The name the lab gives its program in a pstree. */
export const PROGRAM_FILE = 'lab.py';
/**
 * Where CPython 3.14's asyncio suspends (Lib/asyncio/...: the lines the tree shows, in the pinned
 * pyodide's stdlib; the pstree test checks them there).
 */
export const STDLIB_FRAMES = {
  sleep: { funcname: 'sleep', filename: 'Lib/asyncio/tasks.py', lineno: 702 },
  waitFor: { funcname: 'wait_for', filename: 'Lib/asyncio/tasks.py', lineno: 488 },
  taskGroupAexit: { funcname: 'TaskGroup.__aexit__', filename: 'Lib/asyncio/taskgroups.py', lineno: 72 },
  taskGroupInner: { funcname: 'TaskGroup._aexit', filename: 'Lib/asyncio/taskgroups.py', lineno: 121 },
} satisfies Record<string, FrameInfo>;

/**
 * The lines of the lab's program where its coroutines suspend, found in the program's own text (the
 * engine writes it: `lab.python.program`). Without a program (none for this workload, or not yet
 * written) frames are named without a place, as tools.py prints a frame with no file.
 */
function programLines(spec: RunRecord['spec'], program = ''): Record<'main' | 'workDef' | 'workAwait' | 'callApi' | 'compute', number> {
  const lines = program.split('\n');
  const find = (test: (l: string) => boolean, from = 0) => {
    const i = lines.findIndex((l, j) => j >= from && test(l));
    return i < 0 ? 0 : i + 1;
  };
  const mainDef = find((l) => l.startsWith('async def main('));
  const workDef = find((l) => l.startsWith('async def work('));
  const main = spec.onError === 'task-group' ? find((l) => l.includes('async with asyncio.TaskGroup()'), mainDef) : find((l) => l.includes('await asyncio.gather('), mainDef);
  return {
    main,
    workDef,
    workAwait: find((l) => /\bawait (asyncio\.(sleep|wait_for)|call_api)\(/.test(l), workDef),
    callApi: find((l) => l.includes('async with session.get(')),
    compute: find((l) => /count_primes\(lo|total \+= sum\(escape/.test(l), workDef),
  };
}

const frame = (funcname: string, lineno: number): FrameInfo => (lineno ? { funcname, filename: PROGRAM_FILE, lineno } : { funcname, filename: '', lineno: 0 });

/**
 * The await graph of an asyncio run at the replay's instant, as `get_all_awaited_by` would give it:
 * `Task-1` is `main()` (until gather or the TaskGroup returned or raised, at the run's `wallMs`), and task
 * i is `Task-{i + 2}` (the order gather creates them). A task's coroutine stack is where it is suspended:
 * at its await (on I/O, or ready to resume), at the line it runs, or at its `def` before it first ran.
 * aiohttp's own frames below `call_api` are left out: they depend on its version. `program`: the run's
 * program (`lab.python.program(r.spec)`), for the lines; without it, frames have no place.
 */
export function awaitGraph(r: RunRecord, rp: Replay, s: ReplayState, program?: string): AwaitedInfo[] {
  const spec = r.spec;
  const lines = programLines(spec, program);
  const taskGroup = spec.onError === 'task-group';
  const timeout = typeof spec.timeoutMs === 'number';
  // What the work awaits, as the engine's catalogue says: a request (through call_api) or a timer.
  const workload = workloadInfo(spec.workload);
  const fetch = usesNetwork(spec.workload);
  const sleeps = workload?.waits?.on === 'sleep';
  const waitsOnly = workload?.class === 'io';
  const mainId = 1;
  const mainStack: FrameInfo[] = taskGroup ? [STDLIB_FRAMES.taskGroupInner, STDLIB_FRAMES.taskGroupAexit, frame('main', lines.main)] : [frame('main', lines.main)];
  const mainAwaits = s.tMs < r.wallMs;
  const running = new Set(s.running);
  const ended = new Set(s.ended.map((e) => e.taskId));
  // A task that has awaited I/O stays suspended at that await until it runs again.
  const awaited = new Set<number>();
  for (const e of rp.events) {
    if (e.tMs > s.tMs) break;
    if (e.taskId === undefined) continue;
    if (e.kind === 'task-awaiting') awaited.add(e.taskId);
    if (e.kind === 'run-start') awaited.delete(e.taskId);
  }
  const ran = new Set<number>();
  for (const e of rp.events) {
    if (e.tMs > s.tMs) break;
    if ((e.kind === 'run-start' || e.kind === 'task-awaiting') && e.taskId !== undefined) ran.add(e.taskId);
  }
  const suspendedAtAwait = (): FrameInfo[] => {
    const inner: FrameInfo[] = fetch ? [frame('call_api', lines.callApi)] : sleeps ? [STDLIB_FRAMES.sleep] : [];
    return [...inner, ...(timeout ? [STDLIB_FRAMES.waitFor] : []), frame('work', lines.workAwait)];
  };
  const tasks: TaskInfo[] = [];
  if (mainAwaits) tasks.push({ task_id: mainId, task_name: 'Task-1', coroutine_stack: [{ call_stack: mainStack, task_name: mainId }], awaited_by: [] });
  for (const t of [...r.tasks].sort((a, b) => a.id - b.id)) {
    if (ended.has(t.id) || t.startMs > s.tMs || !t.lane) continue;
    let stack: FrameInfo[];
    if (running.has(t.id) && !awaited.has(t.id)) stack = [frame('work', waitsOnly ? lines.workAwait : lines.compute)];
    else if (awaited.has(t.id)) stack = suspendedAtAwait();
    else if (!ran.has(t.id)) stack = [frame('work', lines.workDef)];
    else stack = [frame('work', lines.compute || lines.workAwait)];
    const id = t.id + 2;
    tasks.push({
      task_id: id,
      task_name: `Task-${id}`,
      coroutine_stack: [{ call_stack: stack, task_name: id }],
      awaited_by: mainAwaits ? [{ call_stack: mainStack, task_name: mainId }] : [],
    });
  }
  return [{ thread_id: 1, awaited_by: tasks }];
}
