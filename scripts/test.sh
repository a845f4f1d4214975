#!/usr/bin/env bash
# `npm test`: set up, build, and run every test layer:
#   1. type check of the front end        4. the wasm facade in headless Chromium (wasm-bindgen-test)
#   2. the Rust core, natively             5. end to end: the served lab in Chromium (playwright-core)
#   3. the server (node:test) and a short load run   6. the benchmark in its smoke form
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

bash scripts/setup.sh --test
echo "== build"
bash scripts/build-wasm.sh
node scripts/build-web.mjs

echo "== 1. type check"
node_modules/.bin/tsc -p .

echo "== 2. Rust core, native (cargo test)"
cargo test --features parallel --target-dir target/native

echo "== 2b. front-end logic (node:test)"
node --test tests/unit/*.test.mjs
node --test tests/python/*.test.mjs

echo "== 3. server (node:test), and a short load run"
node --test tests/server/*.test.mjs
node scripts/loadtest.mjs --short

echo "== 4. wasm facade in headless Chromium (wasm-bindgen-test)"
log=$(mktemp)
PORT=0 LAB_ROOT=dist node server/server.mjs >"$log" 2>&1 &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q 'Concurrency Lab: http' "$log" && break; sleep 0.1; done
url=$(grep -o 'http://[^ ]*' "$log" | head -1)
[ -n "$url" ] || { cat "$log"; echo "the server did not start"; exit 1; }
LAB_TEST_SERVER="$url" CHROMEDRIVER=/usr/bin/chromedriver \
  cargo +stable test --target wasm32-unknown-unknown --target-dir target/single-test --test web_facade
kill $server_pid 2>/dev/null || true

echo "== 5. end to end in Chromium (playwright-core)"
# One file at a time: timing assertions must not share the two cores with another test.
node --test --test-concurrency=1 tests/e2e/*.test.mjs

echo "== 6. benchmark smoke run (every implementation, tiny sizes, values agree)"
node --test --test-concurrency=1 tests/bench/*.test.mjs
