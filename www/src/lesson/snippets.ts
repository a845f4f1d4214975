// The lesson's own snippets, runnable: its `fetch_data` and its "Essential Snippet (Concurrent API
// Calls)", verbatim but for the chapter's knob (the very text of docs/LESSON.md); shown whole in the
// chapters that have some, and run by "Run it in real Python" (../python/real/choices.ts); and where a
// chapter runs more than the lesson's code (chapter 2: eight coroutines), that program beside it.

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
  /** What chapter 2 runs: the lesson's `fetch_data` (as above), `coroutines` of it awaited together under
   *  asyncio.gather (one alone overlaps with nothing). */
  fetchDataGathered({ seconds: s, coroutines: n }: { seconds: number; coroutines: number }): string {
    return `import asyncio

async def fetch_data():
    print("Start fetching...")
    await asyncio.sleep(${pyNum(s)}) # Non-blocking sleep
    print("Done!")

async def main():
    # ${n} fetch_data coroutines at once, on one thread:
    # while one awaits its sleep, the event loop runs the next.
    await asyncio.gather(*(fetch_data() for _ in range(${n})))

asyncio.run(main())
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

/**
 * The program a chapter runs, where it is not the lesson's code itself (chapter 2 runs eight of the
 * lesson's coroutines under asyncio.gather), with the knob's value; `undefined` where the lesson's code is it.
 */
export function chapterProgram(chapter: Chapter, value?: number): { title: string; text: string } | undefined {
  if (chapter.snippet !== 'fetch-data') return undefined;
  const gather = chapter.experiments.find((x) => x.name === 'gather');
  const n = Number(gather?.spec.tasks ?? 8);
  return { title: `What the lab runs: ${n} of them at once, under asyncio.gather`, text: lessonSnippets.fetchDataGathered({ seconds: value ?? 2, coroutines: n }).trimEnd() };
}
