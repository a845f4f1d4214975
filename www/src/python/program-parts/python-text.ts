// Python text from TypeScript: indenting, joining the parts that are present, numbers and seconds as
// Python literals, comments wrapped at 99 characters, the spec as a Python-style dict. Shared by every
// part of a program.

import type { ProgramSpec } from './plan';

/** Indents every non-empty line of `text` by `n` spaces. */
export function indent(text: string, n: number): string {
  const pad = ' '.repeat(n);
  return text
    .split('\n')
    .map((line) => (line ? pad + line : line))
    .join('\n');
}

/** Joins the parts that are present with `sep`. */
export function join(parts: (string | false | undefined | null)[], sep = '\n'): string {
  return parts.filter((p): p is string => typeof p === 'string' && p !== '').join(sep);
}

/** A number as a Python literal (the spec's numbers are small and finite). */
export function pyNum(x: number): string {
  return String(x);
}

/** Seconds from milliseconds, as a Python literal. */
export function seconds(ms: number): string {
  return pyNum(ms / 1000);
}

/** `text` as comment lines of at most `width` characters, broken at spaces. */
export function comment(text: string, width = 99): string {
  const lines: string[] = [];
  let line = '#';
  for (const word of text.split(' ')) {
    if (line.length > 1 && line.length + 1 + word.length > width) {
      lines.push(line);
      line = '#  ';
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines.join('\n');
}

/** The spec as a Python-style dict, `{"k": v, ...}`, so it wraps at its spaces. */
export function specText(spec: ProgramSpec): string {
  return JSON.stringify(spec).replace(/([,:])(?=["{\d-])/g, '$1 ');
}
