// What the page and the pane (./pane.ts, its own script) agree on about a share link's edited program.

/** The longest edited program a share link carries (characters of the program). */
export const MAX_LINK_PY_CHARS = 2000;
