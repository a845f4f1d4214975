// (e) axe-core scans of the full lab (with its Share dialog open too) and of the embed view with a compare,
// light and dark: no serious or critical violations. (f) The same embed at 360 px in a course page's
// iframe: no sideways scrolling, and a screenshot to look at. Plus the keyboard: Share and Run without a mouse.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, shot } from './helpers.mjs';
import { startHostServer, labFrame, labReady } from './embed-helpers.mjs';
import { axeScan } from './axe.mjs';

let server, host, browser;

before(async () => {
  [server, host, browser] = await Promise.all([startServer(), startHostServer(), launch()]);
});
after(async () => {
  await browser?.close();
  await host?.close();
  server?.close();
});

/** axe-core's serious and critical violations on the page (or in the frame) as it is now: none. */
async function scan(page, label) {
  const { bad, minor } = await axeScan(page, label);
  console.log(`# axe ${label}: ${bad.length} serious/critical; minor: ${minor.join(', ') || 'none'}`);
  assert.deepEqual(bad, [], `${label}: ${JSON.stringify(bad, null, 1)}`);
}

// Each view is set up once and scanned in both colour schemes: the dark one is CSS alone (a media query in
// style.css), so switching the emulated scheme on the same page restyles everything the scan reads.
const SCHEMES = ['light', 'dark'];

test('(e) axe: the full lab after a run and its Share dialog, light and dark', async () => {
  const context = await browser.newContext({ reducedMotion: 'reduce' });
  const page = await context.newPage();
  await page.goto(`${server.url}?workload=io-sleep&mode=asyncio&tasks=4&latencyMs=50`);
  await labReady(page);
  await page.click('#run');
  await page.locator('#results tbody tr').first().waitFor();
  for (const colorScheme of SCHEMES) {
    await page.emulateMedia({ colorScheme });
    await scan(page, `full lab (${colorScheme})`);
  }
  await page.click('#share');
  await page.waitForSelector('#share-dialog[open]');
  for (const colorScheme of SCHEMES) {
    await page.emulateMedia({ colorScheme });
    await scan(page, `Share dialog (${colorScheme})`);
  }
  await context.close();
});

test('(e) axe and (f) 360 px: the embed with a compare, in a course page\'s frame, light and dark: no serious issues, nothing scrolls sideways; screenshots', async () => {
  // One Compare, in the embed as a course page frames it at 360 px, read in both colour schemes.
  const context = await browser.newContext({ viewport: { width: 380, height: 1400 } });
  const page = await context.newPage();
  const src = `${server.url}embed.html?workload=io-fetch&mode=compare&tasks=8&latencyMs=100&parentOrigin=${encodeURIComponent(host.origin)}`;
  await page.goto(`${host.origin}/host?width=360&src=${encodeURIComponent(src)}`);
  const frame = await labFrame(page);
  await frame.click('#run');
  await frame.waitForSelector('#compare-view[data-state=done]', { timeout: 120_000 });
  await frame.locator('#compare-view tr[data-mode=asyncio] .show-timeline').click();
  for (const colorScheme of SCHEMES) {
    await page.emulateMedia({ colorScheme });
    await scan(frame, `embed with a compare (${colorScheme})`);
    const width = await frame.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    assert.ok(width.scroll <= width.client, `the embed scrolls sideways at 360 px (${colorScheme}): ${JSON.stringify(width)}`);
    // The host sized the frame from lab:height: the whole lab shows, no inner scroll bar.
    const content = await frame.evaluate(() => Math.ceil(document.body.getBoundingClientRect().height));
    await page.waitForFunction((h) => Math.abs(document.getElementById('lab').getBoundingClientRect().height - h) <= 4, content, { timeout: 10_000 }).catch(() => {});
    const sized = await page.evaluate(() => document.getElementById('lab').getBoundingClientRect().height);
    assert.ok(Math.abs(sized - content) <= 4, `frame ${sized} px for ${content} px of content (${colorScheme})`);
    await page.setViewportSize({ width: 380, height: Math.ceil(sized) + 60 });
    await shot(page, `embed-360-${colorScheme}`);
  }
  await context.close();
});

test('keyboard only: Share opens, keeps and returns the focus; the embed runs with Tab and Enter and announces the result', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}?workload=io-sleep&mode=asyncio&tasks=2&latencyMs=20`);
  await labReady(page);
  await page.focus('#share');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#share-dialog[open]');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'share-link', 'the link field has the focus');
  const link = new URL(await page.inputValue('#share-link'));
  assert.equal(link.searchParams.get('workload'), 'io-sleep');
  assert.equal(link.searchParams.get('latencyMs'), '20');
  const snippet = await page.inputValue('#share-snippet');
  assert.match(snippet, /<iframe src="http:\/\/127\.0\.0\.1:\d+\/embed\.html\?[^"]*workload=io-sleep[^"]*"/);
  assert.doesNotMatch(snippet, /src="[^"]*parentOrigin/, 'works as pasted: no placeholder to replace');
  assert.doesNotMatch(snippet, /<script/, 'no host script: the frame sizes itself on lti.frameResize');
  assert.match(snippet, /title="Concurrency Lab: io-sleep, asyncio"/);
  // Tab stays inside the modal dialog.
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press('Tab');
    assert.ok(await page.evaluate(() => document.getElementById('share-dialog').contains(document.activeElement) || document.activeElement === document.body), `Tab ${i + 1} left the dialog`);
  }
  await page.focus('#copy-link');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('#share-status').textContent !== '');
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.getElementById('share-dialog').open);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'share', 'the focus is back on Share');

  // A change in the form goes into the URL at once (so Share and a copied address reproduce it).
  await page.fill('#f-tasks', '3');
  await page.press('#f-tasks', 'Tab');
  assert.match(page.url(), /tasks=3/);

  // The embed, by keyboard: Tab reaches Run first; Enter runs; the live region says what happened.
  const embed = await context.newPage();
  await embed.goto(`${server.url}embed.html?workload=io-sleep&mode=asyncio&tasks=3&latencyMs=30`);
  await labReady(embed);
  await embed.waitForFunction(() => !document.querySelector('#run').disabled);
  await embed.keyboard.press('Tab');
  assert.equal(await embed.evaluate(() => document.activeElement.id), 'run');
  await embed.keyboard.press('Enter');
  await embed.waitForFunction(() => /asyncio took/.test(document.querySelector('#announce').textContent));
  assert.equal(await embed.getAttribute('#announce', 'aria-live'), 'polite');
  await context.close();
});
