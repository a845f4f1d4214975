// axe-core, as every end-to-end test scans a page (or a frame) with it: WCAG 2.1 A/AA and best practice,
// injected through the driver (the page's CSP, script-src 'self', stays as it is).
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';

const AXE = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Scans `page` (a page or a frame) as it is now. Resolves to `{ label, bad, minor, all }`: `bad` the serious
 * and critical violations (id, impact, help and up to three nodes each), `minor` the others as "id (impact)",
 * `all` every violation as `bad` gives them, `checked` how many rules found something to check and passed.
 */
export async function axeScan(page, label) {
  await page.evaluate(AXE);
  let checked = 0;
  const violations = await page.evaluate(() =>
    window.axe
      .run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })
      .then((r) => ({ checked: r.passes.length, violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')}: ${n.failureSummary}`) })) })),
  ).then((r) => ((checked = r.checked), r.violations));
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  return { label, bad, minor: violations.filter((v) => !bad.includes(v)).map((v) => `${v.id} (${v.impact})`), all: violations, checked };
}
