// The latency endpoint's contract (docs/CONTRACT.md "The latency endpoint"): which queries it accepts, the
// 400 answers it gives otherwise, and what its injected faults answer. One source of truth for the
// server (app.mjs) and the static build's service worker (www/src/sw.ts), which answers the same
// requests where there is no server; so the two cannot drift apart. Plain JavaScript with no imports:
// Node runs it as is and esbuild bundles it into the service worker.

/** Values `ms` may take (inclusive), as shown to users in errors. */
export const MAX_DELAY_MS = 10000;
/** The faults `fail=` may inject. */
export const FAIL_KINDS = ['status', 'reset', 'hang'];
/** How long a `fail=hang` request is held before its connection is dropped (a client without a timeout would wait forever). */
export const HANG_MS = 60_000;
/** The body of `fail=status`'s answer (HTTP 503). */
export const FAULT_STATUS = 503;
export const FAULT_STATUS_BODY = { error: 'Service Unavailable (injected fault)', status: FAULT_STATUS };

/** One value of a query parameter: undefined when absent, null when repeated with different values. */
function single(params, name) {
  const values = [...new Set(params.getAll(name))];
  if (values.length === 0) return undefined;
  return values.length === 1 ? values[0] : null;
}

/**
 * Reads a delay request's query. Other parameters (cache busters such as `task` and `n`) are ignored.
 * @param {URLSearchParams} params
 * @returns {{ ok: true, ms: number, fail: 'status' | 'reset' | 'hang' | undefined }
 *   | { ok: false, status: 400, body: { error: string, field: 'ms' | 'fail', allowed: string } }}
 */
export function parseDelayQuery(params) {
  const msText = single(params, 'ms');
  if (typeof msText !== 'string' || !/^[0-9]{1,6}$/.test(msText) || Number(msText) > MAX_DELAY_MS) {
    return {
      ok: false,
      status: 400,
      body: {
        error: `ms must be an integer in 0..${MAX_DELAY_MS} (milliseconds, plain digits); got ${
          msText === undefined ? 'none' : msText === null ? 'several values' : JSON.stringify(msText)
        }`,
        field: 'ms',
        allowed: `0..${MAX_DELAY_MS}`,
      },
    };
  }
  const fail = single(params, 'fail');
  if (fail !== undefined && !FAIL_KINDS.includes(fail)) {
    return {
      ok: false,
      status: 400,
      body: {
        error: `fail must be one of ${FAIL_KINDS.join(', ')} (or absent); got ${
          fail === null ? 'several values' : JSON.stringify(fail)
        }`,
        field: 'fail',
        allowed: FAIL_KINDS.join(', '),
      },
    };
  }
  return { ok: true, ms: Number(msText), fail };
}
