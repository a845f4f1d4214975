// Building a view's elements in one expression: the timeline's parts and the replay view's share these.

/** A `tag` element with `props` assigned (className, textContent, id, …) and `children` appended. */
export const el = <K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, unknown> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
};

/** A div of class `cls` holding `text`. */
export const div = (cls: string, text?: string) => Object.assign(document.createElement('div'), { className: cls, textContent: text ?? '' });

/** A button that says `text`, is named `label` (its tooltip and its accessible name) and does `act`. */
export const button = (text: string, label: string, act: () => void): HTMLButtonElement => {
  const b = el('button', { type: 'button', textContent: text, title: label });
  b.setAttribute('aria-label', label);
  b.addEventListener('click', act);
  return b;
};
