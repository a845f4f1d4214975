// The Share dialog: the link to the experiment on screen, and an iframe snippet that embeds it in a course
// page (embed.html with the same parameters), each with a Copy button. A modal <dialog>: it keeps the
// focus while open, Esc closes it, and the focus goes back to the Share button.

import type { Spec } from '../../engine/protocol';
import { linkFor } from '../../url-state';
import { MAX_LINK_PY_CHARS } from '../python/link';
import { embedUrl } from './own-tab';

/** Put in the snippet for the author to replace: the origin of the page that will hold the frame. */
export const PARENT_ORIGIN_PLACEHOLDER = 'https://your-course.example';

export interface ShareState {
  /** The experiment's parameters, as the full lab's URL holds them (`mode=compare` for a compare). */
  params: URLSearchParams;
  /** A few words for the frame's title (screen readers announce it). */
  title: string;
}

/**
 * What is on screen, to share: a chapter of the lesson, or the playground's experiment (every mode, for a
 * Compare); with a program the learner edited in a real-Python pane on screen (`py`) when it is short.
 */
export function shownState(shown: { chapter?: { id: string; title: string }; compare: boolean; spec: Spec; edited?: string }): ShareState {
  const { chapter, compare, edited } = shown;
  let state: ShareState;
  if (chapter) {
    state = { params: new URLSearchParams(linkFor({ spec: {}, chapter: chapter.id })), title: `the lesson, ${chapter.title}` };
  } else {
    const spec = { ...shown.spec };
    if (compare) delete spec.mode;
    const title = `${spec.workload ?? 'an experiment'}${compare ? ', every mode' : spec.mode ? `, ${spec.mode}` : ''}`;
    state = { params: new URLSearchParams(linkFor({ spec, compare })), title };
  }
  if (edited === undefined || edited.length > MAX_LINK_PY_CHARS) return state;
  state.params.set('py', edited);
  return { params: state.params, title: `${state.title}, with an edited Python program` };
}

export class ShareDialog {
  private readonly link: HTMLInputElement;
  private readonly snippet: HTMLTextAreaElement;
  private readonly status: HTMLElement;

  constructor(
    private readonly dialog: HTMLDialogElement,
    opener: HTMLButtonElement,
    private readonly state: () => ShareState,
  ) {
    this.link = dialog.querySelector('#share-link')!;
    this.snippet = dialog.querySelector('#share-snippet')!;
    this.status = dialog.querySelector('#share-status')!;
    opener.addEventListener('click', () => this.open());
    dialog.querySelector('#share-close')!.addEventListener('click', () => dialog.close());
    dialog.querySelector('#copy-link')!.addEventListener('click', () => void this.copy(this.link, 'Link copied.'));
    dialog.querySelector('#copy-snippet')!.addEventListener('click', () => void this.copy(this.snippet, 'Snippet copied.'));
    // A click on the backdrop (outside the dialog's box) closes it too.
    dialog.addEventListener('click', (e) => {
      if (e.target === dialog) {
        const r = dialog.getBoundingClientRect();
        const inside = e.clientX >= r.left && e.clientX <= r.right && e.clientY >= r.top && e.clientY <= r.bottom;
        if (!inside) dialog.close();
      }
    });
  }

  get isOpen(): boolean {
    return this.dialog.open;
  }

  open(): void {
    const { params, title } = this.state();
    const page = new URL(`?${params}`, location.href);
    this.link.value = page.href;
    // Works as pasted: no parentOrigin to replace, no script (the frame sizes itself on lti.frameResize).
    this.snippet.value = iframeSnippet(embedUrl(params), title);
    this.status.textContent = '';
    this.dialog.showModal();
    this.link.select();
  }

  private async copy(field: HTMLInputElement | HTMLTextAreaElement, done: string): Promise<void> {
    field.focus();
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
      this.status.textContent = done;
    } catch {
      // No clipboard access (a frame without clipboard-write, say): the text is selected for Ctrl+C.
      const copied = document.execCommand?.('copy');
      this.status.textContent = copied ? done : 'The text is selected: press Ctrl+C (⌘C on a Mac) to copy it.';
    }
  }
}

/** An iframe for a course page: no script (platforms that speak SPLICE size it on the lab's lti.frameResize;
 * README "Embedding" has a one-line script for other pages, and `parentOrigin` for pages that command it). */
export function iframeSnippet(src: string, title: string): string {
  const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return [
    `<iframe src="${attr(src)}" title="${attr(`Concurrency Lab: ${title}`)}"`,
    `  style="width:100%;height:520px;border:0" loading="lazy" allow="cross-origin-isolated"></iframe>`,
    `<!-- Sized by platforms that speak SPLICE (lti.frameResize); elsewhere see the lab's README, "Embedding". -->`,
    `<!-- For your page's scripts to command it (lab:run) and hear lab:result, add &parentOrigin=${PARENT_ORIGIN_PLACEHOLDER} to src. -->`,
  ].join('\n');
}
