// The single build's turn of the engine's loop (src/web/glue.js, `engine_turn`), in node, which has the
// same MessageChannel, BroadcastChannel and timers: every turn ends, however many wait at once. Two Python
// threads' futures can each be in a turn (one after its task, the holder between chunks); when one
// turn's answer was kept in a single slot the other's never came, and a run hung (a WebKitGTK course
// frame's threads-vs-processes chapter, in a quiet npm test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { engine_turn } from '../../src/web/glue.js';

const within = (ms, promise, what) =>
  Promise.race([promise, new Promise((_, no) => setTimeout(() => no(new Error(`${what} did not end within ${ms} ms`)), ms))]);

test('turns taken one after another all end, the timers\' and the posts\'', async () => {
  for (let i = 0; i < 20; i++) await within(1000, engine_turn(), `turn ${i}`);
});

test('turns waiting at the same time all end, two posts among them', async () => {
  // Six at once, as six threads each due a turn in one round of the engine's loop: four timers in a row
  // between two posts, so some round has two posts waiting at once, whatever the phase it starts in.
  for (let round = 0; round < 10; round++) {
    const turns = Array.from({ length: 6 }, () => engine_turn());
    await within(1000, Promise.all(turns), `round ${round}'s six turns at once`);
  }
});
