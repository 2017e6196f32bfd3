#!/usr/bin/env bash
# Figures for the README: release worker size (raw and gzip) and the
# per-request decision time, native and in wasm (node), for RS256, ES256 and
# EdDSA with cached keys (natively also a Keycloak-sized RS256 token). Not
# part of the test run; asserts nothing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"

echo "== release worker build (the wrangler.toml [build] command)"
cmd=$(node -e 'const t=require("fs").readFileSync("wrangler.toml","utf8");process.stdout.write(t.match(/^command\s*=\s*"(.*)"\s*$/m)[1])')
bash -c "$cmd" >/tmp/edge-authz-bench-build.log 2>&1 || { tail -30 /tmp/edge-authz-bench-build.log; exit 1; }
wasm=build/index_bg.wasm
raw=$(stat -c %s "$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
js=$(( $(stat -c %s build/index.js) ))
jsgz=$(gzip -9 -c build/index.js | wc -c)
printf '  worker wasm: %d bytes raw, %d bytes gzip (%.0f KiB)\n' "$raw" "$gz" "$(echo "$gz/1024" | bc -l)"
printf '  worker glue: %d bytes raw, %d bytes gzip\n' "$js" "$jsgz"

echo "== decision time, native"
cargo bench --quiet --bench decide 2>/dev/null | sed 's/^/  /'

echo "== decision time, wasm (node, wasm-bindgen-test-runner)"
cargo bench --quiet --bench decide --target wasm32-unknown-unknown 2>/dev/null \
  | sed 's/\x1b\[[0-9;]*m//g' | grep -E '^decide|time:' | paste - - | sed 's/  */ /g; s/^/  /'
