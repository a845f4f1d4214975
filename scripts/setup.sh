#!/usr/bin/env bash
# Installs whatever this machine lacks to build (and, with --test, to test) the lab. Idempotent: when
# nothing is missing it only looks, and takes a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
TEST=0
[ "${1:-}" = "--test" ] && TEST=1

say() { echo "setup: $*"; }
sudo_if_needed() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian packages, for the tests: Chromium and its driver; Firefox ESR (driven over WebDriver BiDi by
# puppeteer-core, no driver); WebKitGTK's WebKitWebDriver and MiniBrowser, with Xvfb (and xauth, which
# xvfb-run needs) for a display, and ImageMagick's `import` for WebKitGTK's screenshots of that display
# (tests/browsers/drivers.mjs says why).
apt_wanted=()
[ "$TEST" = 1 ] && apt_wanted+=(chromium chromium-driver firefox-esr webkit2gtk-driver xvfb xauth imagemagick)
# tests/python makes bench/.venv with `python3 -m venv`, which Debian's python3 cannot do without ensurepip.
if [ "$TEST" = 1 ] && ! python3 -c 'import ensurepip' 2>/dev/null; then apt_wanted+=(python3-venv); fi
apt_missing=()
for p in "${apt_wanted[@]+"${apt_wanted[@]}"}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || apt_missing+=("$p")
done
if [ ${#apt_missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${apt_missing[*]}"
  sudo_if_needed apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_missing[@]}" >/dev/null
fi

# Rust: both wasm builds need nightly's rust-src (std is rebuilt: with atomics for threads, for size for
# both) and nightly's wasm32 target; stable's wasm32 target builds the tests' wasm and the interpreter module.
if ! rustup component list --toolchain nightly --installed 2>/dev/null | grep -q '^rust-src'; then
  say "adding rust-src to nightly"; rustup component add rust-src --toolchain nightly
fi
for tc in nightly stable; do
  if ! rustup target list --toolchain "$tc" --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$'; then
    say "adding wasm32-unknown-unknown to $tc"; rustup target add wasm32-unknown-unknown --toolchain "$tc"
  fi
done

# wasm-bindgen-cli must match the wasm-bindgen crate exactly: take the version from Cargo.lock.
want=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/[^0-9.]/, "", $0); print; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  # --locked fails here: the registry copy lacks one locked transitive version (TOOLCHAIN.md).
  say "installing wasm-bindgen-cli $want (had: ${have:-none}); this takes a few minutes"
  cargo install wasm-bindgen-cli --version "=$want"
fi

# npm packages, when package-lock.json is newer than the installed tree. Never through a link to another
# checkout's node_modules (a worktree sharing the main tree's): npm ci empties the link's target first, and
# a fresh worktree's package-lock.json is always newer than that tree's install.
if [ -L node_modules ]; then
  say "node_modules is a link to $(readlink node_modules): not installing npm packages through it"
elif [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"; npm ci --no-audit --no-fund --loglevel=error
fi
say "ready"
