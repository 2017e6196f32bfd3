#!/usr/bin/env bash
# Builds the browser page's wasm into www/pkg (git-ignored); afterwards www/
# is the whole site, to serve as it is (scripts/demo.sh does).
#
#   wasm-pack build --target web --profile page --features browser
#     (no default features, so neither the worker face nor its `fetch` export,
#     which would shadow globalThis.fetch in the page)
#   npm's wasm-opt -Oz --converge (binaryen 132; Debian's 108 breaks the module)
#
# Prints the wasm size raw and gzipped.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"

WASM_OPT="$ROOT/node_modules/.bin/wasm-opt"
if [ ! -x "$WASM_OPT" ] || ! command -v wasm-pack >/dev/null; then
  echo "build-page: tools missing: run scripts/setup.sh first" >&2
  exit 1
fi

wasm-pack build --mode no-install --profile page --target web --out-dir www/pkg --out-name edge_authz \
  . --no-default-features --features browser
# wasm-pack writes a package.json, README and .gitignore for npm; the page
# needs only the module, its glue and types.
rm -f www/pkg/package.json www/pkg/README.md

WASM=www/pkg/edge_authz_bg.wasm
# --converge repeats -Oz until the module stops shrinking: about 600 bytes
# of gzip for 8 s more (2026-12-07), with the page a few hundred bytes
# under its 200 KiB. The producers section names only the toolchain.
"$WASM_OPT" -Oz --converge --strip-producers "$WASM" -o "$WASM.opt"
mv "$WASM.opt" "$WASM"

raw=$(wc -c <"$WASM")
gz=$(gzip -9 -c "$WASM" | wc -c)
js=$(wc -c <www/pkg/edge_authz.js)
echo "build-page: $WASM $raw bytes raw, $gz bytes gzip -9 ($((gz / 1024)) KiB); glue $js bytes"
