// The lesson's own Python, shown whole in the chapters that have some: the very text of
// ../shared/lesson/, made by the one module that writes Python programs (../python/programs.ts).

import { lessonSnippets } from '../python/programs';
import type { Chapter } from './chapters';

/** The lesson's code for a chapter, as the lesson writes it, if the chapter has some. */
export function lessonSnippet(chapter: Chapter): string | undefined {
  if (chapter.snippet === 'fetch-data') return lessonSnippets.fetchData({ seconds: 2 }).trimEnd();
  if (chapter.snippet === 'api-calls') return lessonSnippets.concurrentApiCalls({ urls: ['https://api1.com', 'https://api2.com'] }).trimEnd();
  return undefined;
}
