// The lab's engine (the single wasm build in dist/pkg/single, loaded in node) for tests/python: validates
// and runs specs, so the test can check its JS ports against the real thing. A process of its own, because
// the engine's glue keeps a MessageChannel open, which would keep the test's event loop alive for good.
//
// stdin: { baseUrl, validate: [spec], run: [spec], programs: [[spec, options]] } (JSON). stdout: one line
// of JSON, { validated: [spec | { error }], results: [Result | { error }], programs: [text | { error }] }
// (the Python program of each spec, as the engine writes it: src/core/python, in the program module
// dist/pkg/program that the engine worker loads for it). Runs go one at a time, as in the lab.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/pkg');
const load = async (build) => {
  const mod = await import(pathToFileURL(path.join(dist, build, 'concurrency_lab.js')).href);
  mod.initSync({ module: readFileSync(path.join(dist, build, 'concurrency_lab_bg.wasm')) });
  return mod;
};
const input = JSON.parse(readFileSync(0, 'utf8'));
const engine = await load('single');
engine.start(input.baseUrl, 2, 0, 1);
const programModule = input.programs?.length ? await load('program') : undefined;

const attempt = async (f) => {
  try {
    return JSON.parse(await f());
  } catch (e) {
    return { error: String(e?.message ?? e) };
  }
};
const validated = [];
for (const spec of input.validate ?? []) validated.push(await attempt(() => engine.validate(JSON.stringify(spec))));
const results = [];
for (const spec of input.run ?? []) results.push(await attempt(() => engine.run(JSON.stringify(spec))));
const programs = [];
for (const [spec, options] of input.programs ?? []) {
  try {
    programs.push(programModule.pythonProgram(JSON.stringify(spec), JSON.stringify(options ?? {})));
  } catch (e) {
    programs.push({ error: String(e?.message ?? e) });
  }
}
process.stdout.write(`${JSON.stringify({ validated, results, programs })}\n`);
process.exit(0);
