// Renders the README's browser table (issue 22, item 7) from the cross-browser suite's last results
// (tests/out/browsers/ENGINE.json, written by tests/browsers/results.mjs, a file per engine), keeps them in
// docs/browsers.json, and writes the table into README.md between its markers.
//   node scripts/browser-table.mjs            render from tests/out/browsers/ (else docs/browsers.json)
//   node scripts/browser-table.mjs --check    fail if README.md's table differs from docs/browsers.json's
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readResults } from '../tests/browsers/results.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const kept = join(root, 'docs/browsers.json');
const readme = join(root, 'README.md');
const BEGIN = '<!-- browser-table: begin (scripts/browser-table.mjs) -->';
const END = '<!-- browser-table: end -->';
const ENGINES = [
  ['chromium', 'Chromium'],
  ['firefox', 'Firefox ESR'],
  ['webkit', 'WebKit, default settings'],
  ['webkit-sab', 'WebKit, `JSC_useSharedArrayBuffer=1` (as Safari under isolation)'],
];

const check = process.argv.includes('--check');
const fresh = check ? {} : readResults();
const fromRun = Object.keys(fresh).length > 0;
const results = fromRun ? fresh : JSON.parse(readFileSync(kept, 'utf8'));

/** "Firefox 153", "WebKitGTK 2.50 (MiniBrowser)", "Chromium 156" from a user agent. */
function version(ua = '', webkitgtk) {
  if (webkitgtk) return `WebKitGTK ${webkitgtk.replace(/-.*/, '')}, MiniBrowser`;
  const ff = ua.match(/Firefox\/(\d+)/);
  if (ff) return `Firefox ${ff[1]}`;
  const ch = ua.match(/Chrom(?:e|ium)\/(\d+)/);
  if (ch) return `Chromium ${ch[1]}`;
  const wk = ua.match(/AppleWebKit\/([\d.]+)/);
  if (wk) return `WebKitGTK (AppleWebKit/${wk[1]})`;
  return 'unknown';
}

/** WebKitGTK's version from Debian, for results recorded before the suite noted it. */
const installedWebkit = () => {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Version}', 'webkit2gtk-driver'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
};
const yes = (b) => (b ? 'yes' : 'no');
function row(key, name) {
  const r = results[key];
  if (r && key.startsWith('webkit') && !r.webkitgtk) r.webkitgtk = installedWebkit();
  if (!r) return `| ${name} | not run | | | | | | | |`;
  const caps = r.capabilities ?? {};
  const modes = Object.entries(r.modes ?? {});
  const runs = modes.filter(([, v]) => v === 'runs').map(([m]) => m);
  const not = modes.filter(([, v]) => v !== 'runs').map(([m]) => m);
  const modeText = not.length ? `${runs.length} of ${modes.length}: not ${not.join(', ')}` : `all ${modes.length}`;
  const cores = r.cores !== undefined ? `${r.cores} (${r.coresSource === 'probe' ? 'measured' : 'reported'}; the browser says ${r.hardwareConcurrency})` : '';
  const py = r.python ? `${r.python.fetchData?.join(' / ')}; gather of six 200 ms calls ${r.python.gatherMs} ms${r.python.changes?.length ? `; changed: \`${r.python.changes.join('`, `')}\`` : ''}` : '';
  // WebKitGTK at default settings runs the gil chapter in the course frame only (the same single build as top
  // level: cross-browser.test.mjs, SAME_AS_FRAME).
  const gil = r.gil ? Object.entries(r.gil.verdicts).map(([k, v]) => `${k} ${v}`).join(', ') + ` (machine ${r.gil.load})` : key === 'webkit' && r.courseFrame?.gil ? 'the single build, as in the frame (last column)' : '';
  const pages = (r.gilPages ?? []).length > 1 ? `; ${r.gilPages.length} fresh pages: ${r.gilPages.map((p) => Object.values(p.verdicts).every((v) => v === 'borne-out') ? 'both borne out' : Object.entries(p.verdicts).filter(([, v]) => v !== 'borne-out').map(([k, v]) => `${k} ${v}`).join(', ')).join(' / ')}` : '';
  const cf = r.courseFrame;
  const verdictsOf = (c) => (c ? Object.entries(c.verdicts).map(([k, v]) => `${k} ${v}`).join(', ') + ` (machine ${c.load})` : 'not run');
  // WebKit with shared memory is not run in a frame: without isolation it has none to post there either, so
  // its frame is WebKit's at default settings (tests/browsers/course-frame.test.mjs, SAME_AS_WEBKIT).
  const frame = cf ? `${cf.build}; \`gil\`: ${verdictsOf(cf.gil)}; \`threads-vs-processes\`: ${verdictsOf(cf['threads-vs-processes'])}` : key === 'webkit-sab' ? 'as WebKit at default settings (no isolation there, so no shared memory either)' : '';
  return `| ${name} (${version(r.userAgent, r.webkitgtk)}) | ${r.build} | ${yes(caps.sharedMemory)}${caps.sharedMemory ? '' : `: ${caps.why?.sharedMemory ?? ''}`} | ${yes(caps.jspi)} | ${modeText} | ${cores} | ${py} | ${gil}${pages} | ${frame} |`;
}

const dates = Object.values(results).map((r) => r.at).filter(Boolean).sort();
const table = [
  BEGIN,
  `From the cross-browser suite's last runs (${dates.length ? `${dates[0].slice(0, 10)}${dates.at(-1).slice(0, 10) !== dates[0].slice(0, 10) ? ` to ${dates.at(-1).slice(0, 10)}` : ''}` : 'none yet'}), on this 2-core machine, top level, cross-origin isolated by the lab's own server (the last column: in a frame of a plain page on another site):`,
  '',
  '| engine | build | shared memory to a worker | JSPI | modes | cores | real Python: `fetch_data`; `gather` | `gil` chapter | in a course page on another site (no isolation): build, chapters |',
  '|---|---|---|---|---|---|---|---|---|',
  ...ENGINES.map(([k, n]) => row(k, n)),
  END,
].join('\n');

const text = readFileSync(readme, 'utf8');
const a = text.indexOf(BEGIN);
const b = text.indexOf(END);
if (a < 0 || b < 0) throw new Error(`README.md has no ${BEGIN} ... ${END}`);
const next = text.slice(0, a) + table + text.slice(b + END.length);
if (check) {
  if (next !== text) {
    console.error('README.md\'s browser table differs from docs/browsers.json: run node scripts/browser-table.mjs');
    process.exit(1);
  }
} else {
  writeFileSync(readme, next);
  writeFileSync(kept, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`README.md's browser table written from ${fromRun ? 'tests/out/browsers/' : 'docs/browsers.json'}`);
}
