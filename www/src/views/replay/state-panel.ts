// "At this instant": the replay's state in the lesson's words, section by section (who holds the GIL,
// who waits; the running task and the ready queue), and what happens at exactly this instant. The words
// are ../../replay/describe.ts's; this only lays them out.

import type { Description } from '../../replay/describe';
import { el } from '../dom';

export class StatePanel {
  private readonly state = el('div', { className: 'replay-state' });
  private readonly happened = el('ul', { className: 'replay-happened' });
  readonly el = el('section', { className: 'replay-now' }, el('h3', { textContent: 'At this instant' }), this.state, el('h3', { textContent: 'What happens at this instant' }), this.happened);

  show(d: Description): void {
    this.state.replaceChildren(
      ...d.sections.map((sec) =>
        el('div', { className: 'replay-section' }, el('h4', { textContent: sec.title }), sec.items.length ? el('ul', {}, ...sec.items.map((i) => el('li', { textContent: i }))) : el('p', { className: 'none', textContent: sec.none })),
      ),
    );
    this.happened.replaceChildren(...(d.happened.length ? d.happened.map((h) => el('li', { textContent: h })) : [el('li', { className: 'none', textContent: 'nothing: this is between events' })]));
  }
}
