// One tooltip for a whole chart, shown beside whatever element has the pointer or the keyboard focus.
// Keyboard users get the same numbers as mouse users; the focused element also carries them in its
// aria-label, so a screen reader reads them without the tooltip.

export class Tooltip {
  readonly el: HTMLElement;
  private anchor?: HTMLElement;

  /** `host` must be positioned (the tooltip is placed in its coordinates). */
  constructor(private readonly host: HTMLElement) {
    this.el = document.createElement('div');
    this.el.className = 'tooltip';
    this.el.setAttribute('role', 'tooltip');
    this.el.id = `tip-${host.id || Math.random().toString(36).slice(2)}`;
    this.el.hidden = true;
    host.append(this.el);
  }

  /** Shows `lines` (the first one bold) next to `anchor`. */
  show(anchor: HTMLElement, lines: string[]): void {
    this.anchor = anchor;
    const [head, ...rest] = lines;
    const strong = document.createElement('strong');
    strong.textContent = head;
    this.el.replaceChildren(strong, ...rest.map((l) => Object.assign(document.createElement('div'), { textContent: l })));
    this.el.hidden = false;
    anchor.setAttribute('aria-describedby', this.el.id);
    const host = this.host.getBoundingClientRect();
    const a = anchor.getBoundingClientRect();
    const tip = this.el.getBoundingClientRect();
    // Above the element when there is room, else below it; always inside the host's width.
    const left = Math.min(Math.max(0, a.left - host.left + a.width / 2 - tip.width / 2), Math.max(0, host.width - tip.width));
    const above = a.top - host.top - tip.height - 6;
    const top = above >= 0 ? above : a.bottom - host.top + 6;
    this.el.style.left = `${left}px`;
    this.el.style.top = `${top}px`;
  }

  /** Hides the tooltip if it belongs to `anchor` (or whatever it belongs to, with no argument). */
  hide(anchor?: HTMLElement): void {
    if (anchor && anchor !== this.anchor) return;
    this.anchor?.removeAttribute('aria-describedby');
    this.anchor = undefined;
    this.el.hidden = true;
  }
}
