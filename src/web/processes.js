// The `processes` mode's workers, started for the core's pool (src/core/mode/processes.rs, through
// processes.rs beside this file): each "process" is a Worker of its own running process-worker.js, which
// instantiates the single build afresh (its own memory) and runs the tasks it is sent (`runTask`).
//
// `new Worker` here is the engine worker's own constructor (www/src/engine/engine-worker.ts): the page
// makes the Worker and wires it to this worker by a MessagePort (Firefox deadlocks a worker that makes
// Workers under a worker debugger), and the Worker's `error` event reaches this code as usual.

// Starts a process and returns its handle at once (so that a Stop during its start-up can end it);
// `process_ready` waits for it. `init` is the process's start message ({ type: 'start', baseUrl, cores,
// module, engineId, testFaults }).
export function start_process(url, name, init) {
  const worker = new Worker(url, { type: 'module', name });
  const handle = { worker, pending: undefined, dead: undefined, ready: undefined };
  const die = (message) => {
    if (handle.dead) return;
    handle.dead = message;
    handle.pending?.reject(message);
    handle.pending = undefined;
  };
  handle.ready = new Promise((resolve, reject) => {
    handle.pending = { resolve, reject };
  });
  // Awaited by the start, unless a Stop came first: a later death is then nobody's rejection.
  handle.ready.catch(() => {});
  worker.addEventListener('message', ({ data }) => {
    if (handle.dead) return;
    const p = handle.pending;
    if (data?.type === 'ready') {
      handle.pending = undefined;
      p?.resolve(data.at);
    } else if (data?.type === 'done') {
      handle.pending = undefined;
      p?.resolve({ record: data.record, output: data.output });
    } else if (data?.type === 'engine:panic') {
      // The process is dying: its panic hook, or its crash report, names it and says why.
      die(data.message);
    } else if (data?.type === 'failed') {
      // Its task could not run at all.
      die(`${name} failed: ${data.message}`);
    }
  });
  worker.addEventListener('error', (e) => {
    // Handled here: the message names the process, not the engine worker.
    e.preventDefault();
    die(`${name} died: ${e.message || 'its script failed to load'}`);
  });
  worker.postMessage(init);
  return handle;
}

// Resolves, once the process is ready, to when it became ready on the shared clock (its own
// `timeOrigin + now()`); rejects with why it could not start.
export function process_ready(handle) {
  return handle.ready;
}

// Sends task `id` to the process: resolves to { record, output } (the record as JSON), or rejects with
// why the process died meanwhile.
export function process_run_task(handle, spec, id, t0, lane) {
  if (handle.dead) return Promise.reject(handle.dead);
  return new Promise((resolve, reject) => {
    handle.pending = { resolve, reject };
    handle.worker.postMessage({ type: 'task', spec, id, t0, lane });
  });
}

// Ends the process (the run is over, stopped, or failed).
export function end_process(handle) {
  handle.dead ??= 'ended';
  handle.pending = undefined;
  handle.worker.terminate();
}
