#!/usr/bin/env bash
# The whole check, stopping at the first failure:
#   set-up, cargo fmt --check, cargo test, wasm-pack test --node, node --test
# (test-support selftests, then the end-to-end tests against wrangler dev).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Tools: cargo's bin first; npm's binaryen (wasm-opt 132) ahead of any
# system wasm-opt (Debian's 108 breaks the module).
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# worker-build would otherwise download wasm-bindgen / wasm-opt from GitHub.
export WASM_BINDGEN_BIN="${WASM_BINDGEN_BIN:-wasm-bindgen}"
export WASM_OPT_BIN="${WASM_OPT_BIN:-$ROOT/node_modules/.bin/wasm-opt}"
if [ -z "${ESBUILD_BIN:-}" ] && [ -x "$ROOT/node_modules/@esbuild/linux-x64/bin/esbuild" ]; then
  export ESBUILD_BIN="$ROOT/node_modules/@esbuild/linux-x64/bin/esbuild"
fi
export WRANGLER_SEND_METRICS=false

STEP="start"
DONE=()
START_TIME=$SECONDS

finish() {
  local rc=$?
  local took=$((SECONDS - START_TIME))
  echo
  if [ "$rc" -eq 0 ]; then
    echo "test.sh: PASSED (${DONE[*]}) in ${took}s"
  else
    echo "test.sh: FAILED at step '$STEP' (exit $rc) after ${took}s; passed before it: ${DONE[*]:-none}"
  fi
}
trap finish EXIT

step() {
  STEP="$1"
  shift
  echo
  echo "==> [$STEP] $*"
  "$@"
  DONE+=("$STEP")
}

step setup scripts/setup.sh

if [ -f Cargo.toml ]; then
  step fmt cargo fmt --check
  step cargo-test cargo test
  step wasm-pack-test wasm-pack test --node --mode no-install
else
  echo "==> no Cargo.toml: Rust steps left out"
fi

# Selftests of the test support first: they need no worker and pin down the
# issuer, minter and origin the end-to-end tests rely on.
step node-test node --test tests/support/ tests/e2e/
