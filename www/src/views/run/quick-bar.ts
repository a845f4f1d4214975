// The bar above the chapters: the workload selector and "Compare all modes", on every view. It follows
// the form's workload, and sets it before a Compare.

import type { Catalogue } from '../../engine/protocol';

const $ = <T extends HTMLElement>(sel: string) => document.querySelector<T>(sel)!;

export function setUpQuickBar(cat: Catalogue, compare: () => void): void {
  const select = $<HTMLSelectElement>('#quick-workload');
  select.replaceChildren(...cat.workloads.map((w) => new Option(w.title, w.name)));
  const formWorkload = () => $<HTMLSelectElement>('#f-workload');
  select.value = formWorkload().value;
  select.disabled = false;
  $<HTMLButtonElement>('#quick-compare').disabled = false;
  $('#experiment').addEventListener('change', () => (select.value = formWorkload().value));
  $('#quick-compare').addEventListener('click', () => {
    if (select.value !== formWorkload().value) {
      const w = formWorkload();
      w.value = select.value;
      w.dispatchEvent(new Event('change', { bubbles: true }));
    }
    compare();
  });
}
