// Course activities (issue 24): the state, its checks and its score (www/src/activity/state.ts), over
// verdicts decided by the one verdict module from recorded-looking Compares (so "inconclusive" is forced
// deterministically, as a busy machine would leave it); and the SPLICE client's rules (activity/splice.ts)
// against a fake parent window.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadTs } from './load-ts.mjs';
import { result, at, probed } from './fixtures.mjs';

let s, v, q, sp;
before(async () => {
  [s, v, q, sp] = await Promise.all([
    loadTs('www/src/activity/state.ts'),
    loadTs('www/src/measure/verdicts.ts'),
    loadTs('www/src/activity/questions.ts'),
    loadTs('www/src/activity/splice.ts'),
  ]);
});

const SEQ = [1000, 1040, 980];
/** The gil chapter's Compare (sequential, threads-gil, processes) at these speedups, probes reading `idle`. */
function gilRun({ threads = 0.95, processes = 1.8, parallelism = 1.9, unavailable = false } = {}) {
  const machine = { parallelism };
  const measurement = probed(3, parallelism);
  const outcome = {
    sequential: result('sequential', SEQ, { machine, measurement }),
    'threads-gil': result('threads-gil', at(SEQ, threads), { machine, measurement }),
    processes: unavailable ? { error: { name: 'Unavailable', message: 'no', reason: 'this build cannot start processes' } } : result('processes', at(SEQ, processes), { machine, measurement }),
  };
  const claims = v.claims(outcome).filter((c) => ['threads-gil-cpu', 'processes-cpu'].includes(c.id));
  const results = Object.entries(outcome).map(([mode, r]) => ({ name: `cpu-bound/${mode}`, result: r }));
  return { claims, results };
}

const RIGHT = { 'threads-help': 'yes', 'processes-help': 'yes', 'threads-speedup': 1 };
function stateWith(answers, run, scoring = 'correct') {
  const st = s.emptyState('gil', scoring);
  return s.withScore({ ...st, answers, runIds: ['run-1'], verdicts: s.verdictsFromRun(run) });
}

test('every chapter has questions, each decided by one of its claims; choices name both verdicts', async () => {
  const { CHAPTERS } = await loadTs('www/src/lesson/chapters.ts');
  for (const c of CHAPTERS) {
    const qs = q.questionsOf(c.id);
    assert.ok(qs.length >= 2, c.id);
    assert.equal(new Set(qs.map((x) => x.id)).size, qs.length, `${c.id}: ids unique`);
    for (const x of qs) {
      assert.ok(c.claims.includes(x.claim), `${c.id}/${x.id}: ${x.claim} is the chapter's`);
      if (x.kind === 'choice') assert.deepEqual(x.options.map((o) => o.if).sort(), ['borne-out', 'not-borne-out'], `${c.id}/${x.id}`);
      assert.ok(x.why.length > 20);
    }
    for (const p of q.publicQuestions(c.id)) {
      assert.deepEqual(Object.keys(p).sort(), p.kind === 'choice' ? ['claim', 'id', 'kind', 'options', 'prompt'] : ['claim', 'id', 'kind', 'prompt']);
      for (const o of p.options ?? []) assert.deepEqual(Object.keys(o).sort(), ['label', 'value'], 'no answer key in the public shape');
    }
  }
});

test('scoring=correct: all right and the claims borne out give 1; one of three wrong gives 2/3', () => {
  const run = gilRun();
  assert.deepEqual(run.claims.map((c) => c.verdict), ['borne-out', 'borne-out']);
  const all = stateWith(RIGHT, run);
  assert.equal(all.score, 1);
  assert.deepEqual(all.scored, ['threads-help', 'processes-help', 'threads-speedup']);
  assert.deepEqual(all.correct, all.scored);
  const one = stateWith({ ...RIGHT, 'processes-help': 'no' }, run);
  assert.equal(one.score, 2 / 3);
  assert.deepEqual(one.correct, ['threads-help', 'threads-speedup']);
  // An estimate is right within a factor of 1.5 of the speedup measured here (0.95x), either way.
  assert.equal(stateWith({ ...RIGHT, 'threads-speedup': 1.25 }, run).score, 1);
  assert.equal(stateWith({ ...RIGHT, 'threads-speedup': 0.67 }, run).score, 1);
  assert.equal(stateWith({ ...RIGHT, 'threads-speedup': 1.5 }, run).score, 2 / 3);
  assert.equal(stateWith({ ...RIGHT, 'threads-speedup': 0.5 }, run).score, 2 / 3);
  // A claim not borne out here makes the other answer right.
  const refuted = gilRun({ processes: 1.05 });
  assert.equal(refuted.claims.find((c) => c.id === 'processes-cpu').verdict, 'not-borne-out');
  assert.equal(stateWith({ ...RIGHT, 'processes-help': 'no' }, refuted).score, 1);
});

test('a claim a busy machine leaves inconclusive leaves its question unscored: never wrong because of the machine', () => {
  // Processes only 1.05x while the probes read 1.1 of 2 cores free: inconclusive, not "not borne out".
  const busy = gilRun({ processes: 1.05, parallelism: 1.1 });
  const byId = Object.fromEntries(busy.claims.map((c) => [c.id, c.verdict]));
  assert.equal(byId['processes-cpu'], 'inconclusive');
  const st = stateWith(RIGHT, busy);
  assert.ok(!st.scored.includes('processes-help'));
  assert.ok(!st.untestable.includes('processes-help'));
  // The learner predicted processes help: the busy run does not mark that wrong.
  assert.equal(st.score, st.correct.length / st.scored.length);
  assert.ok(!st.scored.includes('processes-help') && st.correct.every((id) => st.scored.includes(id)));
  // A later run that decides it scores it; a later busy run never undoes a decided verdict.
  const decidedNow = s.mergeVerdicts(st.verdicts, s.verdictsFromRun(gilRun()));
  assert.equal(decidedNow['processes-cpu'].verdict, 'borne-out');
  const kept = s.mergeVerdicts(decidedNow, s.verdictsFromRun(busy));
  assert.equal(kept['processes-cpu'].verdict, 'borne-out');
});

test('a mode Unavailable here lists its question as untestable, out of the score', () => {
  const st = stateWith(RIGHT, gilRun({ unavailable: true }));
  assert.deepEqual(st.untestable, ['processes-help']);
  assert.ok(!st.scored.includes('processes-help'));
  assert.equal(st.verdicts['processes-cpu'].unavailable, true);
});

test('scoring=completion: a third each for predicting before the run, a run that decided the claims, an explanation', () => {
  let st = s.emptyState('gil', 'completion');
  assert.equal(st.score, 0);
  st = s.withScore({ ...st, answers: RIGHT });
  assert.equal(st.score, 0, 'answers count once a run has locked them');
  st = s.withScore({ ...st, runIds: ['r'] });
  assert.equal(st.score, 1 / 3);
  st = s.withScore({ ...st, verdicts: s.verdictsFromRun(gilRun({ processes: 1.05, parallelism: 1.1 })) });
  assert.equal(st.score, 2 / 3, 'a busy machine never lowers the score');
  st = s.withScore({ ...st, explanation: 'The GIL lets one thread run at a time.' });
  assert.equal(st.score, 1);
  // Wrong answers do not lower a completion score; correctness is kept anyway.
  const wrong = s.withScore({ ...st, answers: { 'threads-help': 'no', 'processes-help': 'no', 'threads-speedup': 8 } });
  assert.equal(wrong.score, 1);
  assert.deepEqual(wrong.correct, []);
});

test('checkState: an object or a JSON string of one; unknown answers dropped with a note; the score recomputed; nothing unknown kept', () => {
  const good = stateWith(RIGHT, gilRun());
  const fromObject = s.checkState({ ...good, score: 0.1, user_id: 'u1', context_id: 'c' }, 'gil', 'correct');
  assert.ok(fromObject.ok);
  assert.equal(fromObject.state.score, 1, 'a stored score is never believed');
  assert.equal(fromObject.state.user_id, undefined);
  assert.deepEqual(fromObject.notes, []);
  const fromString = s.checkState(JSON.stringify(good), 'gil', 'correct');
  assert.deepEqual(fromString.state, fromObject.state);
  const old = s.checkState({ ...good, answers: { ...RIGHT, 'gone-question': 'yes', 'threads-help': 'maybe' } }, 'gil', 'correct');
  assert.ok(old.ok);
  assert.deepEqual(Object.keys(old.state.answers).sort(), ['processes-help', 'threads-speedup']);
  assert.match(old.notes[0], /^2 saved answers .* dropped\.$/);
  // Verdicts without a run are not believed; unknown claims, bad verdicts and texts are left out.
  const noRun = s.checkState({ ...good, runIds: [] }, 'gil', 'correct');
  assert.deepEqual(noRun.state.verdicts, {});
  const odd = s.checkState({ ...good, verdicts: { 'asyncio-io': { verdict: 'borne-out', speedup: 8, text: '' }, 'threads-gil-cpu': { verdict: 'yes' }, 'processes-cpu': { verdict: 'borne-out', speedup: 'x', text: 5 } } }, 'gil', 'correct');
  assert.deepEqual(odd.state.verdicts, { 'processes-cpu': { verdict: 'borne-out', speedup: null, text: '' } });
  const long = s.checkState({ ...good, explanation: 'x'.repeat(5000), runIds: ['a', 'b', 'c', 'd', 'e', 'f', 'g', '<img>'] }, 'gil', 'correct');
  assert.equal(long.state.explanation.length, s.MAX_EXPLANATION);
  assert.deepEqual(long.state.runIds, ['c', 'd', 'e', 'f', 'g']);
});

test('checkState refuses what it cannot use, saying why', () => {
  const good = stateWith(RIGHT, gilRun());
  const why = (raw, chapter = 'gil') => {
    const c = s.checkState(raw, chapter, 'correct');
    assert.equal(c.ok, false);
    return c.reason;
  };
  assert.match(why('not json{'), /not JSON/);
  assert.match(why('[1,2]'), /not an object/);
  assert.match(why(42), /not an object/);
  assert.match(why({ ...good, v: undefined }), /no version/);
  assert.match(why({ ...good, v: 2 }), /newer version/);
  assert.match(why(good, 'asyncio'), /another chapter/);
  assert.equal(s.checkState(null, 'gil', 'correct').ok, false);
});

test('the size cap: a state of exactly 16 KiB (as sent) is taken, one byte more is refused', () => {
  const json = JSON.stringify(stateWith(RIGHT, gilRun()));
  const pad = (n) => json.slice(0, -1) + ' '.repeat(n - s.stateBytes(json)) + '}';
  const atCap = pad(s.MAX_STATE_BYTES);
  assert.equal(s.stateBytes(atCap), 16384);
  assert.ok(s.checkState(atCap, 'gil', 'correct').ok);
  assert.match(s.checkState(pad(s.MAX_STATE_BYTES + 1), 'gil', 'correct').reason, /larger than 16384 bytes/);
  // Multi-byte characters count as bytes.
  const wide = { ...stateWith(RIGHT, gilRun()), explanation: '€'.repeat(600), padding: 'é'.repeat(7000) };
  assert.equal(s.checkState(wide, 'gil', 'correct').ok, false);
  // Ours never grows past it: every field at its limit.
  // The chapter with the most claims (4), every text at its limit in characters JSON writes as six bytes.
  const ctl = (n) => '\u0001'.repeat(n);
  const claims = ['interpreters-cpu', 'interpreters-start', 'interpreters-data', 'threads-gil-cpu'];
  const worst = {
    v: 1, chapter: 'subinterpreters', scoring: 'correct', explanation: ctl(600),
    answers: { 'interpreters-help': 'yes', 'interpreters-start': 'yes', 'large-data': 'yes' },
    verdicts: Object.fromEntries(claims.map((id) => [id, { verdict: 'inconclusive', speedup: 1.2345678, text: ctl(200), unavailable: true }])),
    runIds: Array.from({ length: 5 }, (_, i) => `${i}`.repeat(64)),
  };
  const biggest = s.checkState(worst, 'subinterpreters', 'correct');
  assert.ok(biggest.ok);
  const bytes = s.stateBytes(JSON.stringify(biggest.state));
  console.log(`# the largest state: ${bytes} bytes`);
  assert.ok(bytes < 0.75 * s.MAX_STATE_BYTES, `${bytes} bytes`);
});

// --- The SPLICE client against a fake parent.
function fakeEnv(origins = []) {
  const listeners = [];
  const sent = [];
  const self = { addEventListener: (type, f) => type === 'message' && listeners.push(f) };
  const parent = { postMessage: (data, target) => sent.push({ data, target, t: Date.now() }) };
  const deliver = (data, { source = parent, origin = 'https://course.example' } = {}) => listeners.forEach((f) => f({ data, source, origin }));
  return { env: { self, parent, origins }, sent, deliver };
}
const wait = (ms) => new Promise((r) => setTimeout(r, ms));

test('SPLICE: getState once with the content id; only the first matching response from the parent (and an allowed origin) is used', () => {
  const { env, sent, deliver } = fakeEnv(['https://course.example']);
  const restored = [];
  const c = new sp.SpliceClient(env, 'chapter/gil/predict', { restore: (x) => restored.push(x), changed: () => false, report: () => ({ score: 0, state: {} }) });
  c.start();
  c.start();
  assert.equal(sent.length, 1);
  const { data, target } = sent[0];
  assert.deepEqual(Object.keys(data).sort(), ['content_id', 'message_id', 'subject']);
  assert.equal(data.subject, 'SPLICE.getState');
  assert.equal(data.content_id, 'chapter/gil/predict');
  assert.equal(target, 'https://course.example');
  const id = data.message_id;
  deliver({ subject: 'SPLICE.getState.response', message_id: id, state: 'from another window' }, { source: {} });
  deliver({ subject: 'SPLICE.getState.response', message_id: id, state: 'from another origin' }, { origin: 'https://evil.example' });
  deliver({ subject: 'SPLICE.getState.response', message_id: 'other', state: 'wrong id' });
  assert.deepEqual(restored, []);
  deliver({ subject: 'SPLICE.getState.response', message_id: id, state: '{"v":1}', user_id: 'u1' });
  deliver({ subject: 'SPLICE.getState.response', message_id: id, state: 'second' });
  assert.deepEqual(restored, ['{"v":1}']);
});

test('SPLICE: nothing reported before the first change; then at most once a second; a flush at once; a late response after a change is not applied', async () => {
  const { env, sent, deliver } = fakeEnv();
  let changed = false;
  const restored = [];
  let n = 0;
  const c = new sp.SpliceClient(env, 'chapter/gil/predict', { restore: (x) => restored.push(x), changed: () => changed, report: () => ({ score: 0.5, state: { n: ++n } }) });
  c.start();
  assert.equal(sent[0].target, '*', 'no parentOrigin: "*"');
  c.flush();
  c.changed();
  await wait(50);
  assert.equal(sent.length, 1, 'nothing before the learner changes anything');
  changed = true;
  for (let i = 0; i < 5; i++) c.changed();
  await wait(50);
  const reports = () => sent.filter((m) => m.data.subject === 'SPLICE.reportScoreAndState');
  assert.equal(reports().length, 1);
  for (let i = 0; i < 5; i++) c.changed();
  await wait(300);
  assert.equal(reports().length, 1, 'the next waits for the second to pass');
  await wait(900);
  assert.equal(reports().length, 2);
  assert.ok(reports()[1].t - reports()[0].t >= 990);
  c.flush();
  assert.equal(reports().length, 3, 'a flush (blur, run end) reports at once');
  assert.deepEqual(Object.keys(reports()[2].data).sort(), ['message_id', 'score', 'state', 'subject']);
  assert.equal(new Set(sent.map((m) => m.data.message_id)).size, sent.length, 'a fresh message_id each');
  deliver({ subject: 'SPLICE.getState.response', message_id: sent[0].data.message_id, state: 'late' });
  assert.deepEqual(restored, [], 'the learner changed something first');
  c.event('run-started', { chapter: 'gil', runId: 'r1', verdicts: {}, extra: 'never sent' });
  const ev = sent.at(-1).data;
  assert.deepEqual(Object.keys(ev.data).sort(), ['chapter', 'runId', 'verdicts']);
});

test('SPLICE: a late response is applied while nothing has changed', () => {
  const { env, sent, deliver } = fakeEnv();
  const restored = [];
  const c = new sp.SpliceClient(env, 'chapter/gil/predict', { restore: (x) => restored.push(x), changed: () => false, report: () => ({ score: 0, state: {} }) });
  c.start();
  deliver({ subject: 'SPLICE.getState.response', message_id: sent[0].data.message_id, state: { v: 1 } });
  assert.deepEqual(restored, [{ v: 1 }]);
});

// A question whose claim's mode this browser cannot run is untestable before any run (not asked): not
// scored, not needed for "predicted before the run", and listed in the state.
test('claims this browser cannot test make their questions untestable before a run, and completion does not wait for them', () => {
  const st = { ...s.emptyState('free-threading', 'completion'), runIds: ['run-1'] };
  const none = s.withScore(st, new Set(['free-threaded-cpu']));
  assert.deepEqual(none.untestable, ['no-gil-help', 'no-gil-speedup']);
  assert.deepEqual(none.scored, []);
  assert.equal(none.score, 1 / 3, 'predicted (nothing to ask) with a run locked, nothing run or explained yet');
  const asked = s.withScore(st);
  assert.deepEqual(asked.untestable, []);
  assert.equal(asked.score, 0, 'every question is asked, none answered');
  const gil = s.withScore({ ...s.emptyState('gil', 'correct'), answers: RIGHT, runIds: ['run-1'], verdicts: s.verdictsFromRun(gilRun()) }, new Set(['processes-cpu']));
  assert.deepEqual(gil.untestable, ['processes-help']);
  assert.deepEqual(gil.scored, ['threads-help', 'threads-speedup']);
  assert.equal(gil.score, 1);
});
