// The learner's machine in one sentence ("Your browser: 2 cores, ready."), with what is worth knowing in
// learner words (results kept for this visit only, threads that cannot run here, a crash, a simulated
// network); the rest (isolation, build, thread pool, engine state, results storage, network, the reasons
// in the lab's own words, and the page's heartbeat) sits behind a "Details" disclosure.

import type { Status } from '../../lab/lab-api';
import { describeCores } from '../../capabilities/decide';

const STATE: Record<Status['state'], string> = {
  starting: 'getting ready…',
  ready: 'ready',
  busy: 'running an experiment',
  restarting: 'starting again after a crash…',
  stopped: 'stopped: the lab crashed and could not start again (the next run tries again; your results are kept)',
};

/** The one sentence about the learner's machine, and what a learner should know beside it. */
export function statusSentence(s: Status): { line: string; notes: string[] } {
  const cores = s.capabilities?.cores ?? (navigator.hardwareConcurrency || 1);
  const state = STATE[s.state] ?? s.state;
  // A state that goes on ("getting ready…") ends with its ellipsis, not another full stop.
  const line = `Your browser: ${cores} core${cores === 1 ? '' : 's'}, ${state}${state.endsWith('…') ? '' : '.'}`;
  const notes: string[] = [];
  if (s.build === 'single' && s.state !== 'starting') notes.push('Some modes cannot run on this page: its threads cannot share memory (Details says why).');
  if (!s.persistent) notes.push('Results last for this visit only.');
  if (s.lastCrash && s.state !== 'stopped') notes.push('The lab crashed once and started again by itself; your results are kept.');
  if (s.network === 'simulated') notes.push('Web requests are simulated in your browser (no server here).');
  if (s.network === 'none') notes.push('Web requests cannot be answered here, so the experiments that make them fail.');
  return { line, notes };
}

/** The parts of the status, made once inside `el`: the sentence, and the Details (which the heartbeat may join). */
function parts(el: HTMLElement): { line: HTMLElement; items: HTMLElement } {
  let line = el.querySelector<HTMLElement>(':scope > .status-line');
  let items = el.querySelector<HTMLElement>('.status-items');
  if (!line || !items) {
    line = Object.assign(document.createElement('p'), { className: 'status-line' });
    items = Object.assign(document.createElement('div'), { className: 'status-items' });
    const details = Object.assign(document.createElement('details'), { className: 'status-details' });
    details.append(Object.assign(document.createElement('summary'), { textContent: 'Details' }), items);
    // The page's heartbeat (main.ts) lives in the Details too, when the page has one.
    const heartbeat = el.querySelector('#heartbeat');
    if (heartbeat) details.append(heartbeat);
    el.replaceChildren(line, details);
  }
  return { line, items };
}

export function renderStatus(el: HTMLElement, s: Status): void {
  const { line, items: box } = parts(el);
  const { line: sentence, notes } = statusSentence(s);
  line.textContent = [sentence, ...notes].join(' ');
  line.dataset.level = s.state === 'ready' || s.state === 'busy' ? 'ok' : 'warn';

  const items: [string, string, string?][] = [
    ['Cross-origin isolated', s.crossOriginIsolated ? 'yes' : 'no', s.crossOriginIsolated ? 'ok' : 'warn'],
    ['Build', s.build],
    ['Thread pool', s.build === 'threads' ? `${s.threads} threads` : 'none'],
    ['Engine', s.state, s.state === 'ready' || s.state === 'busy' ? 'ok' : 'warn'],
    ['Cores', s.capabilities ? describeCores(s.capabilities) : String(navigator.hardwareConcurrency || 1)],
    ['Results', s.persistent ? 'kept in this browser' : 'this visit only', s.persistent ? undefined : 'warn'],
  ];
  // Who answers the I/O workloads' requests (a static host has no server: the service worker simulates it).
  if (s.network) {
    const network = { real: 'real (latency server)', simulated: 'simulated', none: 'none' }[s.network];
    items.push(['Network', network, s.network === 'real' ? undefined : 'warn']);
  }
  box.replaceChildren(
    ...items.map(([k, v, level]) => {
      const item = document.createElement('span');
      item.className = 'status-item';
      if (level) item.dataset.level = level;
      item.innerHTML = '<span class="k"></span> <strong class="v"></strong>';
      item.querySelector('.k')!.textContent = `${k}:`;
      item.querySelector('.v')!.textContent = v;
      return item;
    }),
  );
  for (const [cls, text] of [
    ['storage-reason', s.persistent || !s.storageReason ? '' : `Results: ${s.storageReason}.`],
    ['crash', !s.lastCrash ? '' : s.state === 'stopped'
      ? `The engine crashed and could not restart (${s.lastCrash}); results are kept, and the next run tries again.`
      : `The engine crashed and restarted by itself (${s.lastCrash}); results are kept.`],
    ['network-reason', s.networkReason ? `${s.network === 'simulated' ? 'Simulated network' : 'No network'}: ${s.networkReason}.` : ''],
  ]) {
    if (!text) continue;
    const p = document.createElement('p');
    p.className = `build-reason ${cls}`;
    p.textContent = text;
    box.append(p);
  }
  if (s.buildReason) {
    const why = document.createElement('p');
    why.className = 'build-reason';
    why.textContent = `Single build because ${s.buildReason}.`;
    box.append(why);
  }
}
