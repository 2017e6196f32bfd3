#!/usr/bin/env bash
# The edge benchmark (README, "Edge benchmark"): ours, `jose`,
# `@tsndr/cloudflare-worker-jwt`, the peers' plumbing alone (`plumb`) and a
# pass-through worker side by side in one bare workerd process, driven by
# oha on loopback. Prints the table and
# writes target/bench-edge.json. Not part of scripts/test.sh; asserts
# nothing but that every worker answers and refuses like ours.
#
#   scripts/bench-edge.sh              set-up if needed, worker build, run (~7 min here plus the build)
#   BENCH_NO_BUILD=1 scripts/bench-edge.sh   measure build/ as it is
#   BENCH_ONLY=RS256-repeat,basic scripts/bench-edge.sh   some workloads only
#   BENCH_REPEAT=5 scripts/bench-edge.sh   five whole runs, each in a workerd of
#       its own, and the median of each target over them (bench/repeat.mjs;
#       an odd count, so that the median is a run's figure)
# More settings at the top of bench/run.mjs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"

# oha from crates.io; 1.16.0 builds on Rust 1.95 (needs 1.88). It does not
# compile without a TLS backend; native-tls links the system OpenSSL
# (Debian libssl-dev) instead of building aws-lc from C.
OHA_VERSION=1.16.0
export OHA="${OHA:-$HOME/.cargo/bin/oha}"
if ! "$OHA" --version 2>/dev/null | grep -q "$OHA_VERSION"; then
  if ! pkg-config --exists openssl 2>/dev/null; then
    echo "bench-edge: oha needs OpenSSL headers: apt-get install -y libssl-dev pkg-config" >&2
    exit 1
  fi
  echo "bench-edge: installing oha $OHA_VERSION (cargo install, ~10 minutes once)"
  cargo install --locked "oha@$OHA_VERSION" --no-default-features --features native-tls
fi

# worker-build, wasm-bindgen and the npm packages (the peers, esbuild and
# workerd are devDependencies, pinned in package.json): only what is missing.
scripts/setup.sh

if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
  echo "bench-edge: release worker build (the wrangler.toml [build] command)"
  cmd=$(node -e 'const t=require("fs").readFileSync("wrangler.toml","utf8");process.stdout.write(t.match(/^command\s*=\s*"(.*)"\s*$/m)[1])')
  mkdir -p target
  bash -c "$cmd" >target/bench-edge-build.log 2>&1 || { tail -30 target/bench-edge-build.log; exit 1; }
fi

REPEAT="${BENCH_REPEAT:-1}"
if ! [[ "$REPEAT" =~ ^[1-9][0-9]*$ ]]; then
  echo "bench-edge: BENCH_REPEAT is a count of runs (1 or more), not '$REPEAT'" >&2
  exit 2
fi
if [ "$REPEAT" = 1 ]; then
  exec node bench/run.mjs
fi
# One build, then whole runs one after another; each run's table is kept
# beside its JSON (target/bench-edge/run-<k>.md).
runs=()
for k in $(seq 1 "$REPEAT"); do
  echo "bench-edge: run $k of $REPEAT"
  BENCH_OUT="target/bench-edge/run-$k.json" node bench/run.mjs
  runs+=("target/bench-edge/run-$k.json")
done
# The last run is also the single-run table, as without BENCH_REPEAT.
cp "target/bench-edge/run-$REPEAT.json" target/bench-edge.json
cp "target/bench-edge/run-$REPEAT.md" target/bench-edge.md
exec node bench/repeat.mjs target/bench-edge-repeat.json "${runs[@]}"
