#!/usr/bin/env bash
# The worker build that wrangler's [build] runs (and the benchmark): the
# Rust worker (opt-level s, our crate 3, LTO, one codegen unit, panic=abort),
# then npm binaryen's wasm-opt -Oz with the name section stripped. Output:
# build/index.js + build/index_bg.wasm, and our entry
# (src/worker_face/entry.mjs) as build/worker/shim.mjs, wrangler's `main`.
#
# wasm-opt takes ~20 s and wrangler builds at every start, so its output is
# kept under target/worker-opt/ by the hash of its input: an unchanged
# worker is optimised once.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"

# worker-build would otherwise download wasm-bindgen, wasm-opt and esbuild
# from GitHub.
export WASM_BINDGEN_BIN="${WASM_BINDGEN_BIN:-wasm-bindgen}"
export ESBUILD_BIN="${ESBUILD_BIN:-$ROOT/node_modules/@esbuild/linux-x64/bin/esbuild}"
WASM_OPT="$ROOT/node_modules/.bin/wasm-opt"
# [profile.release]'s opt-level "s", not "z": "z" made a new token's
# decision about 15 µs slower in workerd (83 against 67 µs, looped in one
# run, 2026-12-06) for 11 KB less gzip. Our own crate is at 3 since
# 2026-12-07 (Cargo.toml): 6 to 7 µs less wasm per new token for 10 KB of
# gzip; the bundle is 159.0 KiB of its 160 (README, "Figures").
export CARGO_PROFILE_RELEASE_PANIC=abort

worker-build --release --no-default-features --features worker-face

wasm="build/index_bg.wasm"
# wasm-bindgen adds exception handling (try_table) that the module's
# target_features section does not list. Not --all-features: that lets
# wasm-opt use encodings workerd cannot load ("unknown import kind").
# (--converge, which took 0.7 KB off the page, took 17 bytes off this.)
OPT_FLAGS=(-Oz --enable-exception-handling --strip-debug --strip-producers)
# Keyed by the flags too, so a change to them is not served an old output.
hash="$( (sha256sum "$wasm"; echo "${OPT_FLAGS[*]}") | sha256sum | cut -c1-16)"
kept="target/worker-opt/$hash.wasm"
if [ ! -f "$kept" ]; then
  mkdir -p target/worker-opt
  "$WASM_OPT" "${OPT_FLAGS[@]}" "$wasm" -o "$kept.tmp"
  mv "$kept.tmp" "$kept"
  # Old outputs are of no further use.
  find target/worker-opt -name '*.wasm' ! -name "$hash.wasm" -mmin +60 -delete 2>/dev/null || true
fi
cp "$kept" "$wasm"
# worker-build's shim re-exports its own class entry; ours calls `decide`
# once per request and proxies in the runtime's JS.
cp src/worker_face/entry.mjs build/worker/shim.mjs
echo "build-worker: $(stat -c %s "$wasm") bytes wasm, $(gzip -9c "$wasm" | wc -c) gzip; index.js $(gzip -9c build/index.js | wc -c) gzip"
