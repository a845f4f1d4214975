// Reading a Chromium performance trace (CDP Tracing through playwright-core) and a sampling profile taken
// beside it: the page's long main-thread tasks, what each spent its time on, and the JS it ran. Used by the
// experiments behind docs/PERFORMANCE.md (lag-trace.mjs, zoom-trace.mjs).

/** The trace categories these readings need. */
export const TRACE_CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'blink', 'blink.user_timing', 'toplevel', 'v8'];

/** The main-thread tasks over `threshold` ms in one trace, each with its slices' self time and its JS calls. */
export function longTasks(trace, threshold = 8) {
  const events = JSON.parse(trace.toString()).traceEvents;
  const names = new Map(events.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => [`${e.pid}:${e.tid}`, e.args.name]));
  const main = events.filter((e) => names.get(`${e.pid}:${e.tid}`) === 'CrRendererMain' && e.ph === 'X');
  // The renderer of the lab's page: the one with the most main-thread events.
  const byPid = new Map();
  for (const e of main) byPid.set(e.pid, (byPid.get(e.pid) ?? 0) + 1);
  const pid = [...byPid].sort((a, b) => b[1] - a[1])[0]?.[0];
  const mine = main.filter((e) => e.pid === pid).sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const all = mine.filter((e) => e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask');
  const tasks = all.filter((t) => !all.some((o) => o !== t && o.ts <= t.ts && o.ts + o.dur >= t.ts + t.dur));
  const out = [];
  for (const t of tasks) {
    if (t.dur / 1000 < threshold) continue;
    const inside = mine.filter((e) => e !== t && e.ts >= t.ts && e.ts + e.dur <= t.ts + t.dur);
    // Self time of each slice: its duration less its direct children's.
    const self = new Map();
    for (const e of inside) {
      const kids = inside.filter((k) => k !== e && k.ts >= e.ts && k.ts + k.dur <= e.ts + e.dur);
      const direct = kids.filter((k) => !kids.some((p) => p !== k && k.ts >= p.ts && k.ts + k.dur <= p.ts + p.dur));
      const s = e.dur - direct.reduce((a, k) => a + k.dur, 0);
      const label = e.name + (e.args?.data?.functionName ? ` ${e.args.data.functionName}` : '') + (e.args?.data?.url ? ` ${String(e.args.data.url).split('/').pop()}` : '') + (e.args?.data?.type ? ` ${e.args.data.type}` : '');
      self.set(label, (self.get(label) ?? 0) + s);
    }
    const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`);
    // What else ran meanwhile: every other thread's top-level slices overlapping the task (its thread clock).
    const beside = new Map();
    const others = events.filter((e) => e.ph === 'X' && !(e.pid === pid && names.get(`${e.pid}:${e.tid}`) === 'CrRendererMain') && e.ts < t.ts + t.dur && e.ts + e.dur > t.ts);
    const byThread = new Map();
    for (const e of others) {
      const k = `${e.pid}:${e.tid}`;
      if (!byThread.has(k)) byThread.set(k, []);
      byThread.get(k).push(e);
    }
    for (const [k, list] of byThread) {
      const tops = list.filter((e) => !list.some((o) => o !== e && o.ts <= e.ts && o.ts + o.dur >= e.ts + e.dur));
      const ms = tops.reduce((a, e) => a + Math.min(e.ts + e.dur, t.ts + t.dur) - Math.max(e.ts, t.ts), 0) / 1000;
      const label = names.get(k) ?? k;
      beside.set(label, (beside.get(label) ?? 0) + ms);
    }
    const besideTop = [...beside].filter(([, v]) => v > 0.5).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => `${k} ${v.toFixed(1)}`);
    out.push({ ms: t.dur / 1000, cpuMs: (t.tdur ?? NaN) / 1000, atMs: t.ts / 1000, fromStartMs: (t.ts - (tasks[0]?.ts ?? t.ts)) / 1000, top, besideTop });
  }
  out.busy = { tasks: tasks.length, wallMs: tasks.reduce((a, t) => a + t.dur, 0) / 1000, cpuMs: tasks.reduce((a, t) => a + (t.tdur ?? 0), 0) / 1000, spanMs: tasks.length ? (tasks.at(-1).ts + tasks.at(-1).dur - tasks[0].ts) / 1000 : 0 };
  return out;
}

/** The JS functions sampled during a task (self time, ms), from the CPU profile taken beside the trace. */
export function jsIn(profile, task) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    const next = t + (profile.timeDeltas[i + 1] ?? 0);
    if (t < task.atMs * 1000 || t > (task.atMs + task.ms) * 1000) continue;
    const n = nodes.get(profile.samples[i]);
    const f = n.callFrame;
    // The function and its caller chain's first named frames (what drew it).
    const chain = [];
    for (let id = n.id; id !== undefined && chain.length < 4; id = parent.get(id)) {
      const c = nodes.get(id).callFrame;
      if (c.functionName && !['(program)', '(root)'].includes(c.functionName)) chain.push(`${c.functionName}@${c.url.split('/').pop()}:${c.lineNumber}`);
    }
    const key = chain.join(' < ') || f.functionName;
    self.set(key, (self.get(key) ?? 0) + (next - t) / 1000);
  }
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => `${k} ${v.toFixed(1)}`);
}
