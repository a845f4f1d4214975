// The lesson's own snippets, runnable: its `fetch_data` and its "Essential Snippet (Concurrent API
// Calls)", verbatim but for the chapter's knob.

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
