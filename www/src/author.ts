// author.html: a course author's page (issue 24, item 5). Pick a chapter and an activity, preview it live
// (embed.html in a frame of this page), copy the iframe snippet (with its `allow` attribute and what the host
// must do for threads and for the height), and watch the SPLICE messages the preview sends, as a host would
// receive them. This page answers the preview's `SPLICE.getState` as Runestone does (the state kept as a JSON
// string, here in memory only), so a reload of the preview shows the restore. Every text from the frame is
// shown as text.

import { CHAPTERS } from './lesson/chapters';
import { parseParentOrigins } from './embed/host-messages';

const $ = <T extends HTMLElement>(sel: string) => document.querySelector<T>(sel)!;
const chapterSel = $<HTMLSelectElement>('#author-chapter');
const activitySel = $<HTMLSelectElement>('#author-activity');
const scoringSel = $<HTMLSelectElement>('#author-scoring');
const originInput = $<HTMLInputElement>('#author-origin');
const snippet = $<HTMLTextAreaElement>('#author-snippet');
const preview = $<HTMLIFrameElement>('#author-preview');
const log = $('#author-messages');

for (const c of CHAPTERS) chapterSel.append(new Option(c.title, c.id));
const params = new URLSearchParams(location.search);
if (params.get('chapter') && CHAPTERS.some((c) => c.id === params.get('chapter'))) chapterSel.value = params.get('chapter')!;
if (params.get('activity') === '') activitySel.value = '';
if (params.get('scoring') === 'correct') scoringSel.value = 'correct';

/** The saved states of the previews, by content id, as JSON strings (what a SPLICE platform stores). */
const saved = new Map<string, string>();
let contentId: string | undefined;

function query(withOrigin: boolean): URLSearchParams {
  const q = new URLSearchParams({ chapter: chapterSel.value });
  if (activitySel.value) {
    q.set('activity', activitySel.value);
    if (scoringSel.value === 'correct') q.set('scoring', 'correct');
  }
  if (withOrigin) {
    const { origins } = parseParentOrigins(originInput.value || null);
    if (origins.length) q.set('parentOrigin', origins.join(','));
  }
  return q;
}

const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The iframe a course page holds: no script needed (the frame asks for its height with lti.frameResize). */
export function activitySnippet(src: string, title: string): string {
  return [
    `<iframe src="${attr(src)}"`,
    `  title="${attr(title)}" allow="cross-origin-isolated" loading="lazy"`,
    `  style="width:100%;height:640px;border:0"></iframe>`,
  ].join('\n');
}

function update(): void {
  const chapter = CHAPTERS.find((c) => c.id === chapterSel.value)!;
  scoringSel.disabled = !activitySel.value;
  const { bad } = parseParentOrigins(originInput.value || null);
  const err = $('#author-origin-error');
  err.hidden = bad.length === 0;
  err.textContent = bad.length ? `${bad.join(', ')} is not a full origin such as https://course.example.org (scheme, host and port; no path, no wildcard): it is left out.` : '';
  const src = new URL(`embed.html?${query(true)}`, location.href).href;
  const title = `Concurrency Lab: ${chapter.title}${activitySel.value ? ' (predict, run, explain)' : ''}`;
  snippet.value = activitySnippet(src, title);
  notes(new URL(location.href).origin);
  // The preview: the same page, here (this page's origin), without parentOrigin (as a SPLICE host has it).
  const previewSrc = new URL(`embed.html?${query(false)}`, location.href).href;
  if (preview.src !== previewSrc) {
    log.replaceChildren();
    contentId = undefined;
    preview.src = previewSrc;
  }
  history.replaceState(null, '', `?${query(false)}`);
}

function notes(labOrigin: string): void {
  const box = $('#author-host-notes');
  const p = (...parts: (string | Node)[]) => {
    const e = document.createElement('p');
    e.append(...parts);
    return e;
  };
  const code = (t: string) => Object.assign(document.createElement('code'), { textContent: t });
  box.replaceChildren(
    p(Object.assign(document.createElement('strong'), { textContent: 'What your course page must do' })),
    p(
      'Threads: nothing, in Chromium 137+ (Chrome, Edge): the lab isolates its own frame (',
      code('Document-Isolation-Policy'),
      '). Keep ',
      code('allow="cross-origin-isolated"'),
      ': a course page that is itself cross-origin isolated must grant it. Firefox and Safari run the lab in a course page\'s frame with its single-thread build (every chapter runs; modes that need threads at once say so and offer the lab in its own tab).',
    ),
    p(
      'Height and saved work: a platform that speaks SPLICE (Runestone, PreTeXt, OpenDSA, Codio) sizes the frame on ',
      code('lti.frameResize'),
      ', stores the state and score the activity reports and sends the state back when the learner returns. Canvas and Moodle do not speak SPLICE (they need LTI 1.3); there the frame stays at the snippet\'s height, and answers last only for the visit. Any other page can size it with one line:',
    ),
    Object.assign(document.createElement('pre'), {
      className: 'snippet',
      textContent: `<script>addEventListener('message', (e) => { if (e.origin === '${labOrigin}' && e.data && e.data.subject === 'lti.frameResize') for (const f of document.querySelectorAll('iframe')) if (f.contentWindow === e.source) f.style.height = e.data.height + 'px'; });</script>`,
    }),
    p('What leaves the frame: the activity\'s state (answers, explanation, verdicts, score, run ids), its score, run events with the chapter, run id and verdicts, and its size. Never the learner\'s identity: a platform\'s user_id is not kept or sent anywhere.'),
  );
}

$('#author-copy').addEventListener('click', async () => {
  const status = $('#author-copy-status');
  snippet.focus();
  snippet.select();
  try {
    await navigator.clipboard.writeText(snippet.value);
    status.textContent = 'Snippet copied.';
  } catch {
    status.textContent = document.execCommand?.('copy') ? 'Snippet copied.' : 'The snippet is selected: press Ctrl+C (⌘C on a Mac) to copy it.';
  }
});
$('#author-reset').addEventListener('click', () => {
  saved.clear();
  log.replaceChildren();
  contentId = undefined;
  preview.src = preview.src;
});
for (const e of [chapterSel, activitySel, scoringSel]) e.addEventListener('change', update);
originInput.addEventListener('change', update);

// --- This page as the preview's course platform.
const t0 = performance.now();
window.addEventListener('message', (e) => {
  if (e.source !== preview.contentWindow || e.origin !== location.origin) return;
  const m = e.data as Record<string, unknown> | null;
  if (!m || typeof m !== 'object') return;
  const name = String(m.subject ?? m.type ?? '?');
  if (name === 'lab:height') return; // said again by lti.frameResize
  const li = document.createElement('li');
  const head = document.createElement('strong');
  head.textContent = `${((performance.now() - t0) / 1000).toFixed(1)} s  ${name}`;
  const body = document.createElement('pre');
  body.textContent = JSON.stringify(m, (k, v) => (k === 'result' || k === 'status' ? '…' : v), 1).slice(0, 4000);
  li.append(head, body);
  log.append(li);
  if (m.subject === 'SPLICE.getState') {
    contentId = String(m.content_id);
    preview.contentWindow!.postMessage({ subject: 'SPLICE.getState.response', message_id: m.message_id, state: saved.get(contentId) ?? null }, location.origin);
  } else if (m.subject === 'SPLICE.reportScoreAndState' && contentId) {
    saved.set(contentId, JSON.stringify(m.state));
  } else if (m.subject === 'lti.frameResize' && typeof m.height === 'number') {
    preview.style.height = `${Math.min(Math.max(200, Math.ceil(m.height)), 5000)}px`;
  }
});

update();
