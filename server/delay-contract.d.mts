// Types of delay-contract.mjs, for the service worker's TypeScript (www/src/sw.ts).

export declare const MAX_DELAY_MS: number;
export declare const FAIL_KINDS: readonly ['status', 'reset', 'hang'];
export declare const HANG_MS: number;
export declare const FAULT_STATUS: number;
export declare const FAULT_STATUS_BODY: { error: string; status: number };

export type DelayQuery =
  | { ok: true; ms: number; fail: 'status' | 'reset' | 'hang' | undefined }
  | { ok: false; status: 400; body: { error: string; field: 'ms' | 'fail'; allowed: string } };

export declare function parseDelayQuery(params: URLSearchParams): DelayQuery;
