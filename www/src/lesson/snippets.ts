// The lesson's own snippets, runnable: its `fetch_data` and its "Essential Snippet (Concurrent API
// Calls)", verbatim but for the chapter's knob (the very text of docs/LESSON.md); shown whole in the
// chapters that have some, and run by "Run it in real Python" (../python/real/choices.ts).

import type { Chapter } from './chapters';

/** A number as a Python literal (the lesson's knob: a few seconds). */
const pyNum = (x: number): string => String(x);

export const lessonSnippets = {
  /** The lesson's `fetch_data` (section 2) verbatim, sleeping `seconds` instead of 2. */
  fetchData({ seconds: s }: { seconds: number }): string {
    return `import asyncio

async def fetch_data():
    print("Start fetching...")
    await asyncio.sleep(${pyNum(s)}) # Non-blocking sleep
    print("Done!")

asyncio.run(fetch_data())
`;
  },
  /** The lesson's "Essential Snippet (Concurrent API Calls)" verbatim, with `urls` for its list. */
  concurrentApiCalls({ urls }: { urls: string[] }): string {
    return `import asyncio
import aiohttp

async def call_api(url):
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as response:
            return await response.json()

async def main():
    urls = [${urls.map((u) => JSON.stringify(u)).join(', ')}]
    # Run ${urls.length === 2 ? 'both' : 'all of them'} simultaneously!
    results = await asyncio.gather(*(call_api(u) for u in urls))
    print(results)

asyncio.run(main())
`;
  },
};

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
