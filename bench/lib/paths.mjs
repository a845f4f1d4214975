// Where things are: the repository, the bench's own folder, its outputs.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = join(BENCH, '..');
export const OUT = join(BENCH, 'out');
export const VENV = join(BENCH, '.venv');
export const NATIVE_TARGET = join(ROOT, 'target', 'native');
export const NATIVE_BIN = join(NATIVE_TARGET, 'release', 'bench_native');
