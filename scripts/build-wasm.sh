#!/usr/bin/env bash
# Builds the engine's two wasm builds into www/pkg/{threads,single}, the Python program module into
# www/pkg/program, and prints their sizes.
#   threads: nightly, std rebuilt with atomics, shared imported memory, wasm-bindgen-rayon pool.
#   single:  nightly too (std rebuilt for size), no atomics: for pages that are not cross-origin isolated
#            (and for `processes`).
#   program: the Python program generator alone (feature `program`, src/web/program.rs), fetched by the
#            engine worker when a program is first asked for; not in the two engine builds.
# Each build has a target dir of its own: the two engine builds' RUSTFLAGS differ, and sharing one would
# rebuild everything every time; `program` has single's RUSTFLAGS but other features, and in one dir each
# of the two rebuilt this crate after the other on every run (10-13 s of a built tree's `npm test`; its own
# dir costs one more build of std, once: about 80 s on one core).
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE=${PROFILE:-wasm}
OUT=www/pkg
mkdir -p "$OUT"

# The linker must make the memory shared and imported: this nightly no longer does it by itself, and a
# plain exported memory makes initThreadPool fail with "DataCloneError: #<Memory> could not be cloned".
# 512 MiB is reserved up front by the browser for a shared memory; phones may refuse more.
# Both builds have 128-bit SIMD (the mandelbrot kernel's f64x2): Chromium, Firefox and WebKit all do.
SIMD="-C target-feature=+simd128"
# A panic's place (which the crash report shows) names its file: std's and the crates' files by their
# path on this machine (/root/.rustup/toolchains/nightly-.../lib/rustlib/src/rust/library/core/src/...,
# /root/.cargo/registry/src/index.crates.io-.../rayon-core-1.13.0/src/...). Written from a shorter root
# instead (rust/core/src/..., crates/index.crates.io-.../rayon-core-1.13.0/src/...): the same bytes on every
# machine, and smaller (docs/PERFORMANCE.md, "Size").
REMAP="--remap-path-prefix=$(rustc +nightly --print sysroot)/lib/rustlib/src/rust/library=rust \
 --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}/registry/src=crates"
THREADS_RUSTFLAGS="$SIMD -C target-feature=+atomics,+bulk-memory,+mutable-globals \
 -C link-arg=--shared-memory -C link-arg=--max-memory=536870912 -C link-arg=--import-memory \
 -C link-arg=--export=__wasm_init_tls -C link-arg=--export=__tls_size \
 -C link-arg=--export=__tls_align -C link-arg=--export=__tls_base"

build() { # name target-dir toolchain rustflags cargo-args...
  local name=$1 dir=$2 toolchain=$3 flags=$4; shift 4
  echo "== building the $name build"
  RUSTFLAGS="$flags" cargo "+$toolchain" build --lib --profile "$PROFILE" --target wasm32-unknown-unknown \
    --target-dir "$dir" "$@"
  local wasm="$dir/wasm32-unknown-unknown/$PROFILE/concurrency_lab.wasm"
  # What follows (wasm-bindgen, wasm-opt, esbuild: half a minute) is skipped when its input is the one
  # it last made this output from: the same wasm, this script, the same wasm-bindgen and binaryen. So a
  # built tree's `npm test` does not redo it (issue 20: the suite's time).
  local stamp
  stamp="$(cat "$wasm" "$0" | sha256sum | cut -c1-64) $PROFILE $(wasm-bindgen --version) $(node_modules/.bin/wasm-opt --version)"
  if [ -f "$OUT/$name/.built-from" ] && [ "$(cat "$OUT/$name/.built-from")" = "$stamp" ]; then
    echo "   $OUT/$name is up to date"
    return
  fi
  rm -rf "${OUT:?}/$name"
  wasm-bindgen "$wasm" --target web --out-dir "$OUT/$name" --no-typescript
  if [ "$PROFILE" != dev ]; then
    local f="$OUT/$name/concurrency_lab_bg.wasm"
    # binaryen from npm, not Debian's: Debian's wasm-opt 108 rewrites wasm-bindgen's externref table as
    # anyref, which the browser then refuses. The features are those rustc enables for wasm32.
    # -Oz: for size, as the profile (-O3 left the threads build 1 KB larger, gzip). --converge repeats the
    # passes while they still shrink it (0.5 KB gzip off the threads build). --low-memory-unused lets it
    # fold constant offsets into loads and stores (1.5 KB): true of both builds, whose first 1 MB is the
    # main thread's stack, growing down from 1 MB (rustc's stack-first layout; data starts at 1 MB, and
    # the pool's and the Python threads' stacks and TLS are allocated on the heap), so an address below
    # 1 KB is never used.
    node_modules/.bin/wasm-opt -Oz --converge --low-memory-unused --enable-simd --enable-threads --enable-bulk-memory --enable-mutable-globals --enable-sign-ext \
      --enable-reference-types --enable-multivalue \
      --enable-nontrapping-float-to-int "$f" -o "$f.opt" && mv "$f.opt" "$f"
    # The glue, minified (esbuild, as the pages' scripts): 3.7 KB gzip off the threads build's 10 KB.
    # Its exports keep their names (the engine worker, the pool's and the Python threads' workers and
    # wasm-bindgen-rayon's helper call them by name); its imports of the snippets are left as they are.
    local js="$OUT/$name/concurrency_lab.js"
    node_modules/.bin/esbuild "$js" --minify --format=esm --log-level=error --outfile="$js.min" && mv "$js.min" "$js"
  fi
  echo "$stamp" >"$OUT/$name/.built-from"
}

# std rebuilt for both (the threads build needs it for atomics): at the profile's opt-level "z", and with
# std's own `optimize_for_size` (smaller sort and formatting code; the same results). It takes the single
# build from 210.9 to 198.2 KB gzip and the threads build from 244.9 to 236.1 KB (docs/PERFORMANCE.md).
STD="-Z build-std=panic_abort,std -Z build-std-features=optimize_for_size"
build threads target/threads nightly "$REMAP $THREADS_RUSTFLAGS" --features threads $STD
build single target/single nightly "$REMAP $SIMD" $STD
build program target/program nightly "$REMAP $SIMD" --features program $STD

# The subinterpreters' raw module (mode `interpreters`): no_std; each interpreter instantiates it anew
# (src/web/interpreter.rs) with its thread's memory, cleared, as its one import (17 pages: the stack and
# the data; INITIAL_PAGES there).
echo "== building the interpreter module"
RUSTFLAGS="-C link-arg=--import-memory -C link-arg=--initial-memory=1114112" cargo +stable build --release --target wasm32-unknown-unknown --manifest-path crates/interpreter-kernel/Cargo.toml \
  --target-dir target/interpreter-kernel
cp target/interpreter-kernel/wasm32-unknown-unknown/release/interpreter_kernel.wasm "$OUT/interpreter.wasm"

echo "== sizes (raw / gzip)"
for name in threads single program; do
  for f in "$OUT/$name"/concurrency_lab_bg.wasm "$OUT/$name"/concurrency_lab.js; do
    printf '  %-45s %8d B  %8d B gzip\n' "$f" "$(wc -c <"$f")" "$(gzip -9c "$f" | wc -c)"
  done
done
printf '  %-45s %8d B  %8d B gzip\n' "$OUT/interpreter.wasm" "$(wc -c <"$OUT/interpreter.wasm")" "$(gzip -9c "$OUT/interpreter.wasm" | wc -c)"
