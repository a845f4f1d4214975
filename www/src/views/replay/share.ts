// Sharing a replay's instant: a link that opens this run at this instant, copied to the clipboard (or
// left selected in its box to copy by hand); a run too large for a link travels as a file, and the link
// then gives the instant only.

import { fmtT } from '../../replay/describe';
import { replayLink } from '../../replay/link';
import type { RunRecord } from '../../replay/record';
import { button, el } from '../dom';

export class LinkShare {
  private readonly linkOut = el('input', { type: 'text', readOnly: true, className: 'replay-link', id: 'replay-link' });
  private readonly linkStatus = el('p', { className: 'replay-link-status' });
  readonly el: HTMLElement;

  /**
   * `baseUrl`: the page's address without its query (links are made from it); `shown`: the run and the
   * instant shown (no run: the button does nothing).
   */
  constructor(
    private readonly baseUrl: () => string,
    private readonly shown: () => { r?: RunRecord; tMs: number },
  ) {
    this.linkStatus.setAttribute('role', 'status');
    const copy = button('Copy a link to this instant', 'Copy a link to this instant (it opens this run there)', () => void this.copyLink());
    this.el = el('div', { className: 'replay-share' }, copy, el('label', { htmlFor: 'replay-link', className: 'visually-hidden', textContent: 'Link to this instant' }), this.linkOut, this.linkStatus);
  }

  /** Empties the box and its status (another run). */
  clear(): void {
    this.linkOut.value = '';
    this.linkStatus.textContent = '';
  }

  private async copyLink(): Promise<void> {
    const { r, tMs } = this.shown();
    if (!r) return;
    const { query, tooLarge } = await replayLink(r as RunRecord & Record<string, unknown>, tMs);
    const url = `${this.baseUrl()}${query}`;
    this.linkOut.value = url;
    let copied = false;
    try {
      await navigator.clipboard.writeText(url);
      copied = true;
    } catch {
      // No clipboard (permissions, an insecure page): the link is in the box, selected, to copy by hand.
      this.linkOut.select();
    }
    this.linkStatus.textContent = tooLarge
      ? `This run is too large to travel in a link (${Math.round(tooLarge.bytes / 1024)} KB): the link gives the instant only. Share the run as a file too (Results → Export JSON); whoever opens the link imports it (Import a run) to replay it at this instant.`
      : `${copied ? 'Copied' : 'Here is'} a link that opens this run at ${fmtT(this.shown().tMs)}.`;
  }
}
