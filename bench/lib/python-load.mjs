// Real CPython in the page (www/src/python/real/): on a fresh page (a new context: empty cache), the lab
// ready, then the first `lab.python.run`: from the call to its result, the runtime's load included, and
// what that load fetched. Before the call the page must have fetched nothing of the runtime.
export async function pythonLoad(browser, url) {
  const context = await browser.newContext();
  try {
    const runtime = [];
    context.on('request', (r) => /\/pyodide\/|python-worker\.js/.test(r.url()) && runtime.push(r.url()));
    const page = await context.newPage();
    await page.goto(url);
    await page.evaluate(() => window.lab.ready);
    const fetchedBeforeAsked = runtime.length;
    const r = await page.evaluate(async () => {
      const t0 = performance.now();
      const first = await window.lab.python.run('print(1)');
      const firstResultMs = performance.now() - t0;
      const t1 = performance.now();
      await window.lab.python.run('print(2)');
      return { firstResultMs, loadMs: first.loadMs, transferredBytes: first.load.transferredBytes, secondMs: performance.now() - t1 };
    });
    return { ...r, fetchedBeforeAsked };
  } finally {
    await context.close();
  }
}
