// The rule the end-to-end tests hold a chapter's verdicts to under the load the operating system measured
// (tests/e2e/load.mjs, `verdictRule`), checked on made-up verdicts: so a rule that can never fail, or that
// fails a right answer, shows here before it judges a browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verdictRule } from '../e2e/load.mjs';

const quiet = { cores: 0.01, peak: 0.05, seconds: 10, machineCores: 2, top: [], slower: 0.05 };
const busy = { cores: 1.2, peak: 1.5, seconds: 10, machineCores: 2, top: [], slower: 0 };
const idleMachine = [{ parallelism: 1.9, probes: [1.9, 1.85, 1.95] }];
const busyMachine = [{ parallelism: 0.9, probes: [0.9, 0.8, 1.0] }];
const claim = (id, verdict, speedup, why) => ({ id, verdict, why, measured: { speedup, text: `${id}: ${speedup}x` } });
const rule = (claims, load = quiet, machines = idleMachine) => verdictRule({ claims, machines, load, needsIdle: ['processes-cpu', 'threads-gil-cpu'], busyShare: 0.75, cores: 2 });

test('quiet: every claim borne out passes; one left open or refuted fails', () => {
  assert.deepEqual(rule([claim('processes-cpu', 'borne-out', 1.6), claim('threads-gil-cpu', 'borne-out', 0.93)]).problems, []);
  assert.equal(rule([claim('processes-cpu', 'inconclusive', 1.3)]).problems.length, 1);
  assert.match(rule([claim('processes-cpu', 'not-borne-out', 1.1)]).problems.join(), /refuted/);
});

test('quiet: threads under the GIL (or asyncio) faster than sequential on the same work by more than 5% (asyncio 8%) fails, borne out or not', () => {
  assert.deepEqual(rule([claim('threads-gil-cpu', 'borne-out', 1.05), claim('asyncio-cpu', 'borne-out', 0.99)]).problems, []);
  assert.match(rule([claim('threads-gil-cpu', 'borne-out', 1.1)]).problems.join(), /median round was over 1.05x/);
  assert.match(rule([claim('asyncio-cpu', 'borne-out', 1.12)]).problems.join(), /asyncio-cpu.*over 1.08x/);
  assert.deepEqual(rule([claim('asyncio-cpu', 'borne-out', 1.07)]).problems, [], 'asyncio has a little more room (about 1x)');
  assert.match(rule([claim('threads-gil-cpu', 'inconclusive', 1.3)]).problems.join(), /over 1.05x/, 'judged whatever the verdict');
  // A claim as the page shows it (tests/e2e/load.mjs, shownClaims): its words only, no speedup to judge.
  assert.deepEqual(rule([{ id: 'threads-gil-cpu', verdict: 'borne-out', why: '', measured: { text: 'threads-gil: 0.95x of sequential' } }]).problems, []);
  // A parallel mode's speedup is its claim, not a bias.
  assert.deepEqual(rule([claim('processes-cpu', 'borne-out', 1.9)]).problems, []);
});

test('busy: a faster threads-gil is not held against the lab; a claim left open must say busy; the probes must have seen it', () => {
  assert.deepEqual(rule([claim('threads-gil-cpu', 'borne-out', 1.2), claim('processes-cpu', 'inconclusive', 1.1, 'the machine was busy')], busy, busyMachine).problems, []);
  assert.equal(rule([claim('processes-cpu', 'inconclusive', 1.1, 'rounds on both sides')], busy, busyMachine).problems.length, 1);
  assert.match(rule([claim('processes-cpu', 'borne-out', 1.5)], busy, idleMachine).problems.join(), /no probe of the lab read the machine busy/);
});

test('cores slower than their best (by the meter) keep a machine from reading quiet, never make it busy', async () => {
  const { loadClass } = await import('../e2e/load.mjs');
  assert.equal(loadClass({ cores: 0.01, peak: 0.05, slower: 0.05 }), 'quiet');
  assert.equal(loadClass({ cores: 0.01, peak: 0.05, slower: 0.5 }), 'between');
  assert.equal(loadClass({ cores: 0.01, peak: 0.05, slower: NaN }), 'between', 'no meter: not known quiet');
  assert.equal(loadClass({ cores: 0.01, peak: 0.05, slower: 1.5 }), 'between');
  assert.equal(loadClass({ cores: 1.2, peak: 1.5, slower: 0 }), 'busy');
  assert.equal(loadClass({ cores: 0.01, peak: 0.05, slower: 0.1, slowerPeak: 0.7 }), 'between', 'a burst of slow cores is not averaged away');
  // A claim left open on a machine whose cores were slow is not held against the lab.
  assert.deepEqual(rule([claim('processes-cpu', 'inconclusive', 1.2, 'rounds on both sides')], { ...quiet, slower: 0.5 }).problems, []);
});
