// Links between the lab's pages that keep the experiment's parameters: the full lab, the embed view, and
// "open the lab in its own tab" for a frame that cannot have threads (a tab of its own can be isolated).

/** Whether the page is inside another page's frame. */
export function framed(): boolean {
  try {
    return window.self !== window.top;
  } catch {
    return true;
  }
}

/** `params` without what only a frame's host needs (`parentOrigin`). */
function experimentOnly(params: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams(params);
  out.delete('parentOrigin');
  return out;
}

/** The full lab with these parameters (absolute, relative to this page: sub-paths work). */
export function fullLabUrl(params: URLSearchParams): string {
  const q = experimentOnly(params).toString();
  return new URL(`index.html${q ? `?${q}` : ''}`, location.href).href;
}

/** The embed view with these parameters, and `parentOrigin` if given. */
export function embedUrl(params: URLSearchParams, parentOrigin?: string): string {
  const q = experimentOnly(params);
  if (parentOrigin) q.set('parentOrigin', parentOrigin);
  return new URL(`embed.html?${q}`, location.href).href;
}

/** This page, with the same parameters, in a tab of its own. */
export function ownTabLink(text = 'Open the lab in its own tab'): HTMLAnchorElement {
  const a = document.createElement('a');
  const here = () => {
    const url = new URL(location.href);
    url.search = experimentOnly(url.searchParams).toString();
    return url.href;
  };
  a.href = here();
  // The page's URL follows its state (replaceState): take it as it is when the link is used.
  a.addEventListener('click', () => (a.href = here()));
  a.target = '_blank';
  a.rel = 'noopener';
  a.className = 'button-link';
  a.textContent = text;
  return a;
}

/**
 * In a frame that cannot be isolated the single build runs: say so where the status is (which `modes`
 * cannot run here), with a way to a tab of its own (which can be isolated, and so run them).
 */
export function showIsolationNote(note: HTMLElement, modes: string[]): void {
  note.replaceChildren(`${modes.join(' and ') || 'Some modes'} cannot run in this frame (the status's Details say why); they run in a tab of its own. `, ownTabLink());
  note.hidden = false;
}
