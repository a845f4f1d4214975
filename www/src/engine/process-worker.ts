// One "process" of the `processes` mode: its own Web Worker with its own wasm instance and its own
// memory (the single build, so it runs without cross-origin isolation too), like a multiprocessing
// worker started with the spawn method. Tasks arrive by message and records leave by message:
// that structured clone is this model's "pickling".

import { watchForDeath } from './crash-report';
import type { TaskOutput } from './protocol';

interface EngineModule {
  default(init?: { module_or_path: WebAssembly.Module }): Promise<unknown>;
  start(baseUrl: string, cores: number, poolThreads: number, engineId: number): string;
  allowTestFaults(on: boolean): void;
  runTask(spec: string, id: number, t0: number, lane: string, onTask: (record: string, output?: TaskOutput) => void): Promise<string>;
}

export type ProcessMessage =
  | { type: 'start'; baseUrl: string; cores: number; module?: WebAssembly.Module; engineId: number; testFaults: boolean }
  | { type: 'task'; spec: string; id: number; t0: number; lane: string };

export type ProcessReply =
  | { type: 'ready'; at: number }
  | { type: 'done'; id: number; record: string; output?: TaskOutput }
  | { type: 'failed'; id?: number; message: string };

const epoch = () => performance.timeOrigin + performance.now();
let engine: EngineModule | undefined;
let engineId = 0;
const reply = (m: ProcessReply) => postMessage(m);
// A process that dies (a trap runs no panic hook) says so on the engine's crash channel: the run waiting
// for its task fails at once, with the finished tasks kept, and the engine restarts.
watchForDeath(() => engineId, () => self.name || 'a process');

self.addEventListener('message', async ({ data }: MessageEvent<ProcessMessage>) => {
  try {
    if (data.type === 'start') {
      engineId = data.engineId;
      const mod = (await import(new URL('./pkg/single/concurrency_lab.js', import.meta.url).href)) as EngineModule;
      // The module arrives compiled (by the engine worker): this process instantiates it with its own
      // memory, as a spawned interpreter loads its own copy of Python.
      await mod.default(data.module ? { module_or_path: data.module } : undefined);
      // The parent engine's id: a panic here is a crash of the engine's run, reported to its page.
      mod.start(data.baseUrl, data.cores, 0, data.engineId);
      mod.allowTestFaults(data.testFaults);
      engine = mod;
      reply({ type: 'ready', at: epoch() });
    } else if (data.type === 'task') {
      if (!engine) throw new Error('task before start');
      let output: TaskOutput | undefined;
      const record = await engine.runTask(data.spec, data.id, data.t0, data.lane, (_, o) => (output = o));
      // The result travels back as a message: this process's "pickling" of its result.
      postMessage({ type: 'done', id: data.id, record, output } satisfies ProcessReply, { transfer: output ? [output.data.buffer] : [] });
    }
  } catch (e) {
    const message = typeof e === 'string' ? e : `${(e as Error)?.name}: ${(e as Error)?.message}`;
    reply({ type: 'failed', id: data.type === 'task' ? data.id : undefined, message });
  }
});
