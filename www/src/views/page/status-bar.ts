// What the engine is: isolation, build, threads, state; whether results survive a reload; its last crash.

import type { Status } from '../../lab/lab-api';
import { describeCores } from '../../capabilities/decide';

export function renderStatus(el: HTMLElement, s: Status): void {
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
  el.replaceChildren(
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
    el.append(p);
  }
  if (s.buildReason) {
    const why = document.createElement('p');
    why.className = 'build-reason';
    why.textContent = `Single build because ${s.buildReason}.`;
    el.append(why);
  }
}
