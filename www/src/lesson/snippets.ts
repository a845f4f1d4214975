// The lesson's own Python, shown whole in the chapters that have some (../shared/lesson/, as written).

import type { Chapter } from './chapters';

const FETCH_DATA = `import asyncio

async def fetch_data():
    print("Start fetching...")
    await asyncio.sleep(2) # Non-blocking sleep
    print("Done!")

asyncio.run(fetch_data())`;

const API_CALLS = `import asyncio
import aiohttp

async def call_api(url):
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as response:
            return await response.json()

async def main():
    urls = ["https://api1.com", "https://api2.com"]
    # Run both simultaneously!
    results = await asyncio.gather(*(call_api(u) for u in urls))
    print(results)

asyncio.run(main())`;

/** The lesson's code for a chapter, verbatim, if the chapter has some. */
export function lessonSnippet(chapter: Chapter): string | undefined {
  return chapter.snippet === 'fetch-data' ? FETCH_DATA : chapter.snippet === 'api-calls' ? API_CALLS : undefined;
}
