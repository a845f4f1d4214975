// The lesson's own Python, shown whole in the chapters that have some: the very text of
// docs/LESSON.md, made by the one module that writes Python programs (../python/programs.ts).

import { lessonSnippets } from '../python/programs';
import type { Chapter } from './chapters';

/**
 * The lesson's code for a chapter, as the lesson writes it, if the chapter has some; with the chapter's
 * knob (the sleep's seconds; the number of URLs, the lesson's two first), as the run will use it.
 */
export function lessonSnippet(chapter: Chapter, value?: number): string | undefined {
  if (chapter.snippet === 'fetch-data') return lessonSnippets.fetchData({ seconds: value ?? 2 }).trimEnd();
  if (chapter.snippet === 'api-calls') {
    const n = Math.max(2, Math.round(value ?? 2));
    const urls = ['https://api1.com', 'https://api2.com', ...Array.from({ length: n - 2 }, (_, i) => `https://api${i + 3}.com`)];
    return lessonSnippets.concurrentApiCalls({ urls }).trimEnd();
  }
  return undefined;
}
