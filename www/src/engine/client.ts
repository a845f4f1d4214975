// The page's handle on the engine worker. It owns the Worker, so it can replace it (a restart after a
// crash is a new Worker: the rayon pool of a wasm instance can be built only once).
//
// A crash is any death of a worker of the engine: a panic (its hook reports it), a trap (an allocation
// failure aborts with `unreachable` and runs no hook: the worker's bootstrap reports it, see
// crash-report.ts), an error event, or an engine worker that stops answering while it runs (the
// watchdog). Every one comes here tagged with the engine's id; the run in progress then rejects with an
// EngineError naming what died, and carries the tasks it had finished (assembled by the fresh engine).

import * as Comlink from 'comlink';
import { CRASH_CHANNEL } from './crash-report';
import { keepCopies, type Copies } from './copies';
import { labCores, unavailableWhy } from '../capabilities';
import type { Build, SpawnRequest, EngineApi, EngineStartOptions, EngineStarted, EngineStats, PlainError, Result, Spec, Task, TaskListener } from './protocol';

/** How long a running (or starting) engine may leave a ping unanswered before it counts as dead. */
export const WATCHDOG_MS = 10_000;
/**
 * How many times in a row an engine is started when each start dies or stops answering before it is
 * ready; then the start gives up and says so (a crash loop at start-up must not restart for ever).
 */
export const START_ATTEMPTS = 3;

/** A start that failed because the engine died or stopped answering (worth another try, unlike a refusal). */
class StartFailure extends Error {}
/** Longest wait for a fresh engine to assemble a crashed run's Result. */
const CRASH_REPORT_MS = 60_000;
/** How long a crash report from another worker waits for the engine worker to pass on what it had (`crashed`). */
const FLUSH_MS = 1500;
/** How long a worker's death waits for its panic's own report (`crashed`), ms. */
const PANIC_GRACE_MS = 200;
/** A panic hook's report (src/web/glue.js, `report_panic`), which says what went wrong. */
const isPanic = (message: string) => message.startsWith('the lab engine panicked');
/** A worker's death, as its watcher reports it ("... died: Uncaught RuntimeError: unreachable"): a panic ends
 * in one (its trap), after its own report. */
const isDeath = (message: string) => message.includes(' died: ');

/**
 * The page's test flag, set before the page's scripts run (tests do it with an init script): `faults`
 * lets specs name the test-only fault kinds `trap` and `stall` (docs/API.md); `watchdogMs` shortens the
 * watchdog. A learner's page has none.
 */
interface TestFlag {
  faults?: boolean;
  watchdogMs?: number;
}
const testFlag = (): TestFlag => ((globalThis as { __concurrencyLabTest?: TestFlag }).__concurrencyLabTest ?? {});

/** The engine worker, named for what it is: a crash report says "the engine worker died". */
const newEngineWorker = () => new Worker(new URL('./engine-worker.js', import.meta.url), { type: 'module', name: 'the engine worker' });

export class EngineClient {
  private worker?: Worker;
  private remote?: Comlink.Remote<EngineApi>;
  private engineId = 0;
  /** The start in progress or done (the restart a crashed run waits for). */
  private starting?: Promise<EngineStarted>;
  /** Fails the start in progress when the engine dies or stops answering before it is ready. */
  private failStart?: (message: string) => void;
  /**
   * A crash being held (`crashed`), while the run's own answer waits: the crash it will end with (a panic's
   * report replaces a bare death), what it waits for, and whether the engine worker was asked to flush.
   */
  private held?: { crash: string; waits: Promise<void>[]; flushed: boolean };
  /** Fails the run in progress when the engine dies (its own promise never settles then). */
  private failRun?: (message: string, restarted?: Promise<EngineStarted>) => void;
  private panics?: BroadcastChannel;
  /** The Workers made for the running engine (its threads, processes, probe workers), by spawn id. */
  private children = new Map<number, Worker>();
  /** The engine worker started ahead of the first start (`prepare`). */
  private spare?: Worker;
  started?: EngineStarted;
  /** Told when the engine crashed (a panic, or a worker died); the owner restarts it (calls `start`). */
  onCrash?: (message: string) => void;

  /**
   * Starts the engine worker's script now, before the build is chosen: it fetches and compiles the build
   * it will most likely run meanwhile (engine-worker.ts). The first start takes it over.
   */
  prepare(): void {
    this.spare ??= newEngineWorker();
  }

  /**
   * Starts a worker running `build`; resolves once the engine (and its pool) can run. A start whose
   * engine dies or stops answering (the watchdog, as during a run) is tried again, up to
   * START_ATTEMPTS times in all; then it rejects with an EngineError saying the engine could not start
   * and why. A start the engine refuses (it answered with an error) rejects at once.
   */
  start(build: Build, stored?: EngineStartOptions['stored']): Promise<EngineStarted> {
    const starting = this.startWithRetries(build, stored);
    this.starting = starting;
    return starting;
  }

  private async startWithRetries(build: Build, stored?: EngineStartOptions['stored']): Promise<EngineStarted> {
    const failures: string[] = [];
    while (failures.length < START_ATTEMPTS) {
      try {
        return await this.startNow(build, stored);
      } catch (e) {
        if (!(e instanceof StartFailure)) throw e;
        failures.push(e.message);
      }
    }
    this.stop();
    const crash: PlainError = {
      name: 'EngineError',
      message: `the engine could not start: ${START_ATTEMPTS} tries in a row failed (${[...new Set(failures)].join('; ')}); reload the page to try again`,
    };
    throw crash;
  }

  private startNow(build: Build, stored?: EngineStartOptions['stored']): Promise<EngineStarted> {
    this.stop();
    const engineId = (this.engineId = crypto.getRandomValues(new Uint32Array(1))[0] || 1);
    const worker = (this.worker = this.spare ?? newEngineWorker());
    this.spare = undefined;
    const children = (this.children = new Map());
    worker.addEventListener('message', ({ data }) => {
      if (data?.type === 'engine:panic') this.crashed(data.engineId, data.message);
      else if (data?.type === 'engine:spawn' || data?.type === 'engine:terminate') this.spawn(worker, children, data);
    });
    worker.addEventListener('error', (e) => {
      e.preventDefault(); // handled: the run (or the start) fails with it, the engine restarts
      this.crashed(engineId, `the engine worker died: ${e.message || 'unknown error'}`);
    });
    // Every other worker of the engine (pool threads, Python threads, processes) reports by this channel.
    this.panics ??= new BroadcastChannel(CRASH_CHANNEL);
    this.panics.onmessage = ({ data }) => this.crashed(data?.engineId, data?.message, true);
    const remote = (this.remote = Comlink.wrap<EngineApi>(worker));
    const options: EngineStartOptions = { build, baseUrl: document.baseURI, cores: labCores(), engineId, stored, testFaults: testFlag().faults === true, unavailableWhy: unavailableWhy() };
    let fail: EngineClient['failStart'];
    return new Promise<EngineStarted>((resolve, reject) => {
      let over = false;
      // The same watchdog as a run's: an engine stuck as it starts (Firefox once deadlocked the engine
      // worker as it started its thread pool) would otherwise leave the start, and every run waiting
      // for it, waiting for ever.
      const unwatch = this.watch(remote, engineId, 'as it started');
      const settle = <A extends unknown[]>(f: (...args: A) => void) => (...args: A) => {
        if (over) return;
        over = true;
        unwatch();
        f(...args);
      };
      fail = this.failStart = settle((message: string) => reject(new StartFailure(message)));
      remote.start(options).then(
        settle((started: EngineStarted) => resolve((this.started = started))),
        settle(reject),
      );
    }).finally(() => {
      if (this.failStart === fail) this.failStart = undefined;
    });
  }

  /**
   * Runs `spec`. If the engine crashes meanwhile, rejects with an EngineError naming what died, once
   * the fresh engine has assembled the run's `result` from the tasks that had finished.
   */
  run(spec: Spec, onTask: TaskListener): Promise<Result> {
    const remote = this.remote;
    if (!remote) return Promise.reject({ name: 'EngineError', message: 'the engine is not running' });
    const t0 = performance.now();
    const finished: Task[] = [];
    let fail: EngineClient['failRun'];
    return new Promise<Result>((resolve, reject) => {
      let over = false;
      const unwatch = this.watch(remote, this.engineId, 'during a run');
      const settle = <A extends unknown[]>(f: (...args: A) => void) => (...args: A) => {
        if (over) return;
        over = true;
        unwatch();
        f(...args);
      };
      fail = this.failRun = settle((message: string, restarted?: Promise<EngineStarted>) => {
        const crash: PlainError = { name: 'EngineError', message };
        if (!restarted) return reject(crash);
        const wallMs = performance.now() - t0;
        const assembled = restarted.then(() => this.remote!.finishCrashed(spec, finished, wallMs, message));
        const late = new Promise<never>((_, no) => setTimeout(no, CRASH_REPORT_MS));
        Promise.race([assembled, late]).then(
          (result) => reject({ ...crash, result }),
          () => reject(crash),
        );
      });
      const report: TaskListener = (record, output) => {
        if (over) return;
        finished.push(record);
        onTask(record, output);
      };
      // The Result comes as the engine's JSON (parsed here once), with the history's copy of a big one.
      const parsed = (copies: Copies): Result => {
        const result = JSON.parse(copies.json) as Result;
        keepCopies(result, copies);
        return result;
      };
      // While a crash report is checked (`crashed`), the engine's own answer waits: the crash settles the run.
      const unlessCrashing = <A extends unknown[]>(f: (...args: A) => void) => (...args: A) => {
        if (!this.held) f(...args);
      };
      remote.run(spec, Comlink.proxy(report)).then(unlessCrashing(settle((copies: Copies) => resolve(parsed(copies)))), unlessCrashing(settle(reject)));
    }).finally(() => {
      if (this.failRun === fail) this.failRun = undefined;
    });
  }

  /**
   * The watchdog of a run: pings the engine worker every second; a ping left unanswered for the
   * watchdog's time means the engine's thread is stuck for good (a lock a dead thread held, an endless
   * loop), and counts as a crash. Returns the function that ends the watch.
   */
  private watch(remote: Comlink.Remote<EngineApi>, engineId: number, when: string): () => void {
    const limit = testFlag().watchdogMs ?? WATCHDOG_MS;
    const tick = Math.min(1000, limit / 4);
    let sentAt: number | undefined;
    let lastTick = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      // A page whose timers were held back (a background tab, a long task) cannot tell how long the
      // engine was silent: it asks again rather than blame the engine.
      if (now - lastTick > 2 * tick + 500) sentAt = undefined;
      lastTick = now;
      if (sentAt === undefined) {
        const at = (sentAt = now);
        remote.alive().then(() => sentAt === at && (sentAt = undefined), () => {});
      } else if (now - sentAt > limit) {
        this.crashed(engineId, `the engine stopped responding: no answer for ${((now - sentAt) / 1000).toFixed(0)} s ${when}`);
      }
    }, tick);
    return () => clearInterval(timer);
  }

  validate(spec: Spec): Promise<Spec> {
    if (!this.remote) return Promise.reject({ name: 'EngineError', message: 'the engine is not running' });
    return this.remote.validate(spec);
  }

  estimate(spec: Spec): Promise<number> {
    if (!this.remote) return Promise.reject({ name: 'EngineError', message: 'the engine is not running' });
    return this.remote.estimate(spec);
  }

  pythonProgram(spec: Spec, options: { baseUrl?: string; failing?: number[] } = {}): Promise<string> {
    if (!this.remote) return Promise.reject({ name: 'EngineError', message: 'the engine is not running' });
    return this.remote.pythonProgram(spec, options);
  }

  /**
   * A worker of the engine died (`message` says which). Where the report came straight to the page (the
   * crash channel: a process, a pool thread, a Python thread) while the engine worker may be alive, the
   * engine worker is asked a question first, for at most FLUSH_MS: its answer comes after every finished
   * task it had already passed on, so none is lost from the crashed run's record (a process's panic once
   * came back with two of its finished tasks marked cancelled: their reports were still on their way
   * through the engine worker). Meanwhile the run waits (`held`): it ends as a crash, not as the engine's
   * own rejection. An engine worker that is itself dead or stuck never answers: the crash then goes on.
   * A worker that panicked reports twice: its panic hook's text, then its death by the trap that follows
   * ("died: RuntimeError: unreachable", from the worker that watched it). The two come on the channel from
   * different workers, in either order (on a busy machine the death came first and the report lost the
   * panic's words), so a death by a trap waits at least PANIC_GRACE_MS, and a panic's report heard
   * meanwhile is the one the run ends with.
   */
  private crashed(engineId: number, message: string, flush = false): void {
    if (engineId !== this.engineId || !this.worker) return;
    const remote = this.remote;
    const mustFlush = flush && !!remote && !this.failStart;
    const flushing = () => {
      const noop = () => {};
      return remote ? Promise.race([remote.alive().then(noop, noop), new Promise<void>((r) => setTimeout(r, FLUSH_MS))]) : Promise.resolve();
    };
    const held = this.held;
    if (held) {
      if (isPanic(message) && !isPanic(held.crash)) held.crash = message;
      // A report from another worker while a bare death is held: its flush too, before the crash goes on.
      if (mustFlush && !held.flushed) {
        held.flushed = true;
        held.waits.push(flushing());
      }
      return;
    }
    const mayBePanic = !this.failStart && isDeath(message);
    if (!mustFlush && !mayBePanic) return this.crashNow(message);
    const hold = (this.held = { crash: message, flushed: mustFlush, waits: [] as Promise<void>[] });
    if (mustFlush) hold.waits.push(flushing());
    if (mayBePanic) hold.waits.push(new Promise<void>((r) => setTimeout(r, PANIC_GRACE_MS)));
    void (async () => {
      // Every wait, those added meanwhile included (each ends within FLUSH_MS).
      while (hold.waits.length) await Promise.all(hold.waits.splice(0));
      this.held = undefined;
      if (engineId === this.engineId && this.worker) this.crashNow(hold.crash);
    })();
  }

  /**
   * The engine died: stop it, let the owner restart it, then fail the run that was going on. An engine that
   * dies as it starts fails that start instead (which tries again, a few times).
   */
  private crashNow(message: string): void {
    this.stop();
    const failStart = this.failStart;
    if (failStart) {
      this.failStart = undefined;
      failStart(message);
      return;
    }
    const fail = this.failRun;
    this.failRun = undefined;
    this.starting = undefined;
    this.onCrash?.(message);
    fail?.(message, this.starting);
  }

  cancel(): void {
    void this.remote?.cancel();
  }

  /** The parallelism the machine has free now (a Compare's probe); undefined where it cannot tell. */
  async probe(): Promise<number | undefined> {
    return this.remote ? this.remote.probe() : undefined;
  }

  closeProbe(): void {
    void this.remote?.closeProbe();
  }

  async stats(): Promise<EngineStats> {
    return this.remote ? this.remote.stats() : { memoryBytes: 0, workers: 0 };
  }

  /**
   * Makes or ends a Worker for the engine worker `engine` (engine-worker.ts, `EngineWorker`: the engine's
   * Workers are the page's, so that Firefox never has a worker construct one). The new Worker runs
   * spawned-worker.ts, which takes `port` as its line to the engine and then imports the script asked for;
   * its `error` events go to the engine, which reports the death of whatever it was.
   */
  private spawn(engine: Worker, children: Map<number, Worker>, request: SpawnRequest): void {
    if (request.type === 'engine:terminate') {
      children.get(request.spawnId)?.terminate();
      children.delete(request.spawnId);
      return;
    }
    if (request.type !== 'engine:spawn' || engine !== this.worker) {
      // A spawn asked for by an engine that has since been stopped: nothing to make.
      if (request.type === 'engine:spawn') request.port.close();
      return;
    }
    const { spawnId, url, name, port } = request;
    const child = new Worker(new URL('./spawned-worker.js', import.meta.url), { type: 'module', name });
    children.set(spawnId, child);
    child.addEventListener('error', (e) => {
      e.preventDefault();
      const forward: SpawnRequest = { type: 'engine:child-error', spawnId, message: e.message || 'its script failed to load' };
      engine.postMessage(forward);
    });
    child.postMessage({ type: 'lab:adopt', url, port }, [port]);
  }

  /** Ends the worker and every Worker made for it (pool threads, Python threads, processes, probes). */
  stop(): void {
    this.remote?.[Comlink.releaseProxy]();
    this.worker?.terminate();
    for (const child of this.children.values()) child.terminate();
    this.children = new Map();
    this.worker = undefined;
    this.remote = undefined;
  }
}
