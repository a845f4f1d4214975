// Which network the lab's I/O workloads use here: the real latency endpoint of a server, the one the
// lab's service worker simulates on a static host, or none. Shared by the page and the service worker
// (which marks its answers); no side effects.

/** How `api/delay` is answered: `real` (a server), `simulated` (the service worker), `none` (404 or down). */
export type Network = 'real' | 'simulated' | 'none';

/** The header on the service worker's answers; its value is `simulated`. */
export const SIMULATED_HEADER = 'X-Lab-Network';

/** Whether a workload's tasks call the latency endpoint: the engine's catalogue says (../rules.ts). */
export { usesNetwork } from './rules';

export interface NetworkInfo {
  network: Network;
  /** What that means for the runs, in words for the learner. */
  networkReason?: string;
}

/** Asks `api/delay?ms=0` (relative to `base`, so sub-paths work) who answers it. */
export async function detectNetwork(base: string, timeoutMs = 5000): Promise<NetworkInfo> {
  const url = new URL(`api/delay?ms=0&probe=${Date.now()}`, base);
  try {
    const r = await fetch(url, { cache: 'no-store', signal: AbortSignal.timeout(timeoutMs) });
    if (r.headers.get(SIMULATED_HEADER) === 'simulated') {
      return {
        network: 'simulated',
        networkReason:
          'there is no latency server on this host, so the lab\'s service worker answers api/delay inside the ' +
          'browser (same contract, same delays); no connection is opened, so the browser\'s limit of ' +
          'connections per host does not apply to these runs',
      };
    }
    const body = r.ok ? await r.json().catch(() => undefined) : undefined;
    if (body && typeof body.delayMs === 'number') return { network: 'real' };
    return { network: 'none', networkReason: `the latency endpoint answered HTTP ${r.status} here, so the tasks of workloads that make requests will fail (serve the lab with npm start, or from a host where its service worker can run)` };
  } catch (e) {
    return { network: 'none', networkReason: `the latency endpoint did not answer (${(e as Error).message}), so the tasks of workloads that make requests will fail` };
  }
}
