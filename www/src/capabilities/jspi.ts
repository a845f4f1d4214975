// WebAssembly stack switching (JSPI), tried, not read from the presence of a global: an import that
// suspends on a promise, called through `WebAssembly.promising` (what Pyodide's asyncio.run needs). Tried
// in workers only (the page's main thread compiles no WebAssembly): by the capability check's worker
// (./worker.ts) for `status().capabilities`, and by the real-Python worker, where the program runs, for
// what `lab.python.run` changes (../python/real/worker.ts).

const describe = (e: unknown) => `${(e as Error)?.name ?? 'Error'}: ${(e as Error)?.message ?? String(e)}`;

/** True, or why JSPI does not work here. */
export async function tryJspi(): Promise<true | string> {
  const W = WebAssembly as unknown as { Suspending?: new (f: () => Promise<number>) => unknown; promising?: (f: unknown) => () => Promise<number> };
  if (typeof W.Suspending !== 'function' || typeof W.promising !== 'function') return 'this browser has no WebAssembly stack switching (JSPI: no WebAssembly.Suspending)';
  try {
    // (module (import "m" "f" (func (result i32))) (func (export "g") (result i32) call 0))
    const bytes = new Uint8Array([
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x02, 0x07, 0x01, 0x01, 0x6d, 0x01, 0x66, 0x00, 0x00,
      0x03, 0x02, 0x01, 0x00, 0x07, 0x05, 0x01, 0x01, 0x67, 0x00, 0x01, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x10, 0x00, 0x0b,
    ]);
    const f = new W.Suspending(() => Promise.resolve(42));
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { m: { f } } as unknown as WebAssembly.Imports);
    const got = await W.promising(instance.exports.g)();
    return got === 42 ? true : `WebAssembly stack switching (JSPI) gave ${got} where it should have given 42`;
  } catch (e) {
    return `WebAssembly stack switching (JSPI) failed: ${describe(e)}`;
  }
}
