#!/usr/bin/env bash
# The whole check, stopping at the first failure:
#   set-up (with Chromium), cargo fmt --check, cargo test (with the page's
#   core), a short fuzz run of every target, wasm-pack test --node and
#   --headless --chrome, the page build, and
#   node --test (test-support selftests, the end-to-end tests against
#   wrangler dev, the browser page in Chromium), then the log hygiene check
#   over every worker's output of that step.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Tools: cargo's bin first; npm's binaryen (wasm-opt 132) ahead of any
# system wasm-opt (Debian's 108 breaks the module).
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# The worker build (wrangler's [build], scripts/build-worker.sh) names
# wasm-bindgen, wasm-opt and esbuild for worker-build itself.
export WRANGLER_SEND_METRICS=false

STEP="start"
DONE=()
START_TIME=$SECONDS
# Everything the steps print is also kept here, to count tests at the end.
LOG="$(mktemp "${TMPDIR:-/tmp}/edge-test.XXXXXX")"

# "P F": tests passed and failed, from cargo/wasm-pack ("test result: ok. N
# passed; M failed") and node's runner ("# pass N", "# fail N", "# cancelled N").
count_tests() {
  {
    grep -Eo '^test result: [A-Za-z]+\. [0-9]+ passed; [0-9]+ failed' "$LOG" | awk '{print $4, $6}'
    grep -E '^(# |ℹ )(pass|fail|cancelled) [0-9]+$' "$LOG" \
      | awk '$2 == "pass" {print $3, 0} $2 != "pass" {print 0, $3}'
  } | awk '{p += $1; f += $2} END {print p + 0, f + 0}'
}

finish() {
  local rc=$?
  set +e +o pipefail
  local took=$((SECONDS - START_TIME))
  local counts
  counts="$(count_tests)"
  rm -f "$LOG"
  echo
  if [ "$rc" -eq 0 ]; then
    echo "test.sh: PASSED (${DONE[*]}) in ${took}s"
  else
    echo "test.sh: FAILED at step '$STEP' (exit $rc) after ${took}s; passed before it: ${DONE[*]:-none}"
  fi
  # The closing line: every test counted over all the runners (when any ran).
  if [ "$counts" != "0 0" ]; then
    echo "tests: ${counts% *} passed, ${counts#* } failed"
  fi
}
trap finish EXIT

step() {
  STEP="$1"
  shift
  echo
  echo "==> [$STEP] $*"
  "$@" 2>&1 | tee -a "$LOG"
  DONE+=("$STEP")
}

# --browser: Debian's chromium and chromium-driver, for the two browser steps.
step setup scripts/setup.sh --browser

if [ -f Cargo.toml ]; then
  step fmt cargo fmt --check
  # The browser feature adds the page's core (PEM keys, TOML configs,
  # assertions) to the default build, so its tests run too.
  step cargo-test cargo test --features browser
  # Every cargo fuzz target builds and runs briefly from its seeds; a crash
  # fails the step (the long run is in fuzz/README.md). A fixed seed: this
  # is a check of the commit, and the same commit should get the same
  # answer; the search for new crashes is the long, randomly seeded run.
  step fuzz env FUZZ_SEED=1 scripts/fuzz.sh 10
  step wasm-pack-test wasm-pack test --node --mode no-install
  # The same core tests, and the page's exports, in Chromium (webdriver.json
  # holds the flags Chromium needs as root). The worker face stays off: its
  # `fetch` export would shadow the browser's.
  export CHROMEDRIVER=/usr/bin/chromedriver
  WASM_BINDGEN_USE_BROWSER=1 step wasm-pack-chrome \
    wasm-pack test --headless --chrome --mode no-install . --features browser
  step build-page scripts/build-page.sh
else
  echo "==> no Cargo.toml: Rust steps left out"
fi

# Selftests of the test support first: they need no worker and pin down the
# issuer, minter and origin the end-to-end tests rely on. tests/browser/
# drives the page (www/) in Chromium, and its Explain against the worker.
# bench/targets.test.mjs: the verdicts the edge benchmark prints (the
# benchmark itself is not part of this run).
# Every worker start appends its whole output to one file here
# (tests/support/worker.mjs); emptied first so that only this run is read.
export E2E_LOG_DIR="${E2E_LOG_DIR:-$ROOT/target/e2e-logs}"
rm -rf "$E2E_LOG_DIR"
step node-test node --test tests/support/ bench/targets.test.mjs tests/e2e/ tests/browser/

# Log hygiene over what every worker of the step above printed: no token,
# Basic value or secret, and enough request lines that it means something.
step log-hygiene node --test tests/hygiene/
