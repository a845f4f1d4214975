// lab/job-queue.ts: the lab's one queue. Jobs run one at a time in order; a Stop reaches the running job and
// rejects the waiting ones; a signal reaches its own job only; past the cap a job is refused; the owner's
// hooks are called around each job, and a job queued while the last one ends starts after it; a failed job's
// hook (which keeps a run cut short) is awaited before it rejects, and a job that waits for its record holds
// the queue until then.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadTs } from './load-ts.mjs';

let q;
before(async () => {
  q = await loadTs('www/src/lab/job-queue.ts');
});

/** A queue whose hooks log what happens; `cancelEngine` counts engine cancels. */
function makeQueue({ ready = () => Promise.resolve(), ended = () => Promise.resolve() } = {}) {
  const log = [];
  const hooks = {
    ready,
    started: () => log.push('started'),
    cancelEngine: () => log.push('cancel-engine'),
    failed: (err) => log.push(`failed ${err.name}`),
    ended: async () => {
      log.push('ended');
      await ended();
    },
  };
  return { queue: new q.JobQueue(hooks), log };
}

/** A job that waits until `release()` and then resolves to `value`. */
function held(value) {
  let release;
  const gate = new Promise((r) => (release = r));
  return { exec: async (job) => ((await gate), job.cancelled ? Promise.reject(Object.assign(new Error('stopped'), { name: 'AbortError' })) : value), release: () => release() };
}

test('jobs run one at a time, in the order they came', async () => {
  const { queue } = makeQueue();
  const order = [];
  let running = 0;
  const job = (name, ms) => async () => {
    running++;
    assert.equal(running, 1, 'never two jobs at once');
    order.push(`${name} start`);
    await new Promise((r) => setTimeout(r, ms));
    order.push(`${name} end`);
    running--;
    return name;
  };
  const out = await Promise.all([queue.enqueue(job('a', 20)), queue.enqueue(job('b', 1)), queue.enqueue(job('c', 5))]);
  assert.deepEqual(out, ['a', 'b', 'c']);
  assert.deepEqual(order, ['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
});

test('a Stop cancels the running job through the engine (or its own stop) and rejects every waiting one', async () => {
  const { queue, log } = makeQueue();
  const first = held('first');
  const running = queue.enqueue(first.exec);
  const waiting = [queue.enqueue(async () => 'never'), queue.enqueue(async () => 'never')];
  await new Promise((r) => setTimeout(r, 0));
  queue.cancelAll();
  assert.ok(log.includes('cancel-engine'), 'the engine was told');
  for (const w of waiting) await assert.rejects(w, (e) => e.name === 'AbortError' && /before it started/.test(e.message));
  first.release();
  await assert.rejects(running, { name: 'AbortError' });
  assert.ok(log.includes('failed AbortError'), 'the owner heard of the failure (it records a cut run)');

  // A job with a stop of its own (a real-Python run) is ended by it, not by the engine's cancel.
  const own = queue.enqueue(
    (job) =>
      new Promise((_, reject) => {
        job.stop = () => reject(Object.assign(new Error('ended its worker'), { name: 'AbortError' }));
      }),
  );
  await new Promise((r) => setTimeout(r, 0));
  const cancels = log.filter((l) => l === 'cancel-engine').length;
  queue.cancelAll();
  await assert.rejects(own, /ended its worker/);
  assert.equal(log.filter((l) => l === 'cancel-engine').length, cancels, 'no engine cancel for a job with its own stop');
});

test("an AbortSignal reaches its own job only: a waiting job leaves the queue, the running one is stopped", async () => {
  const { queue } = makeQueue();
  const first = held('first');
  const running = queue.enqueue(first.exec);
  const controller = new AbortController();
  const aborted = queue.enqueue(async () => 'never', controller.signal);
  const after = queue.enqueue(async () => 'after');
  controller.abort();
  await assert.rejects(aborted, { name: 'AbortError' });
  first.release();
  assert.equal(await running, 'first', 'the running job was not touched');
  assert.equal(await after, 'after', 'the next job still ran');
  // Already aborted: refused at once.
  await assert.rejects(queue.enqueue(async () => 'x', AbortSignal.abort()), { name: 'AbortError' });
});

test('past the cap a job is refused as Unavailable, saying the queue is full', async () => {
  const { queue } = makeQueue();
  const first = held('first');
  const running = queue.enqueue(first.exec);
  await new Promise((r) => setTimeout(r, 0));
  const waiting = Array.from({ length: q.QUEUE_CAP }, () => queue.enqueue(async () => 'ok'));
  assert.equal(queue.waiting, q.QUEUE_CAP);
  await assert.rejects(queue.enqueue(async () => 'one too many'), (e) => e.name === 'Unavailable' && /queue full/.test(e.reason));
  first.release();
  assert.equal(await running, 'first');
  assert.equal((await Promise.all(waiting)).length, q.QUEUE_CAP);
  assert.equal(queue.waiting, 0);
});

test('hooks: ready before each job, started, ended after each; a job queued while one ends runs after it', async () => {
  let endGate;
  let ready = 0;
  const { queue, log } = makeQueue({
    ready: async () => {
      ready++;
    },
    ended: () => (log.length < 4 ? new Promise((r) => (endGate = r)) : Promise.resolve()),
  });
  const a = queue.enqueue(async () => 'a');
  assert.equal(await a, 'a');
  // The first job's end hook is still running: `current` is empty, and a new job starts now.
  assert.equal(queue.current, undefined);
  let releaseB;
  const b = queue.enqueue(() => new Promise((r) => (releaseB = () => r('b'))));
  await new Promise((r) => setTimeout(r, 0));
  // While the first job's end hook still runs, the second is current: the owner must not call the lab ready.
  assert.ok(queue.current, "the second job runs while the first one's end hook is still under way");
  endGate();
  releaseB();
  assert.equal(await b, 'b');
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(ready, 2);
  assert.deepEqual(log, ['started', 'ended', 'started', 'ended']);
});

test('a job waits for the engine; a Stop meanwhile rejects it before it starts', async () => {
  let engineUp;
  const engine = new Promise((r) => (engineUp = r));
  const { queue, log } = makeQueue({ ready: () => engine });
  let ran = false;
  const job = queue.enqueue(async () => (ran = true));
  await new Promise((r) => setTimeout(r, 0));
  assert.ok(queue.current, 'it is the current job, waiting for the engine');
  queue.cancelAll();
  engineUp();
  await assert.rejects(job, (e) => e.name === 'AbortError' && /before it started/.test(e.message));
  assert.equal(ran, false);
  assert.ok(!log.includes('started'), 'the lab was never marked busy for it');
});

test("a failed job's hook is awaited before the job rejects (a run cut short is kept first); a hook that throws changes nothing", async () => {
  const order = [];
  let keep;
  const kept = new Promise((r) => (keep = r));
  const queue = new q.JobQueue({
    ready: () => Promise.resolve(),
    started: () => {},
    cancelEngine: () => {},
    failed: async (err) => {
      order.push(`failed ${err.name}`);
      if (err.message === 'hook throws') throw new Error('the hook broke');
      await kept;
      order.push('kept');
    },
    ended: async () => {
      order.push('ended');
    },
  });
  const job = queue.enqueue(async () => {
    throw Object.assign(new Error('stopped'), { name: 'AbortError' });
  });
  const next = queue.enqueue(async () => order.push('next ran'));
  job.catch(() => order.push('rejected'));
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(order, ['failed AbortError'], 'neither rejected nor ended, and the next job waits, until the record is kept');
  assert.ok(queue.current, 'the failed job is still the current one');
  keep();
  await assert.rejects(job, { name: 'AbortError', message: 'stopped' });
  await next;
  assert.deepEqual(order.slice(0, 2), ['failed AbortError', 'kept']);
  assert.deepEqual(order.slice(2, 4).sort(), ['ended', 'rejected'], 'rejected as the job ends (the end hook starts in the same turn)');
  assert.equal(order[4], 'next ran');
  await assert.rejects(queue.enqueue(async () => {
    throw new Error('hook throws');
  }), { message: 'hook throws' });
});

test('a job that waits for its record after its work holds the queue until then: busy to the very end', async () => {
  const { queue, log } = makeQueue();
  let commit;
  const committed = new Promise((r) => (commit = r));
  const first = queue.enqueue(async () => {
    log.push('run done');
    await committed; // as lab.run awaits its record's commit
    log.push('committed');
    return 'first';
  });
  const second = queue.enqueue(async () => log.push('second started'));
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(log, ['started', 'run done'], "the second job waits for the first one's write");
  commit();
  assert.equal(await first, 'first');
  await second;
  assert.deepEqual(log, ['started', 'run done', 'committed', 'ended', 'started', 'second started', 'ended']);
});
