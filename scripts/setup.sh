#!/usr/bin/env bash
# Installs what the project needs, and only what is missing. Safe to run again.
#
#   Rust target wasm32-unknown-unknown          (rustup)
#   worker-build 0.8.7                          cargo install --locked
#   wasm-bindgen-cli 0.2.130                    cargo install (NOT --locked: its
#                                               lockfile pins a crate the mirror lacks)
#   wasm-pack 0.15.1                            cargo install --locked
#   cargo-fuzz 0.13.2                           cargo install --locked (scripts/fuzz.sh;
#                                               needs the nightly toolchain, checked here)
#   npm devDependencies (wrangler, oidc-provider, binaryen, playwright-core;
#   for scripts/bench-edge.sh: jose, @tsndr/cloudflare-worker-jwt, esbuild,
#   @cloudflare/workerd-linux-64)                                            npm ci
#   chromium + chromium-driver                  only with --browser or SETUP_BROWSER=1
#
# Versions are pinned in shared/notes/toolchain.md; they must stay in step with
# Cargo.lock (wasm-bindgen) and package.json (wrangler).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"

WORKER_BUILD_VERSION=0.8.7
WASM_BINDGEN_VERSION=0.2.130
WASM_PACK_VERSION=0.15.1
CARGO_FUZZ_VERSION=0.13.2

WANT_BROWSER="${SETUP_BROWSER:-0}"
for arg in "$@"; do
  case "$arg" in
    --browser) WANT_BROWSER=1 ;;
    *) echo "setup: unknown argument $arg" >&2; exit 2 ;;
  esac
done

say() { echo "setup: $*"; }

# True when the binary is on PATH and `--version` names exactly this version.
has_version() {
  local bin="$1" version="$2" out
  command -v "$bin" >/dev/null 2>&1 || return 1
  out="$("$bin" --version 2>/dev/null || true)"
  grep -Eq "(^|[^0-9.])${version//./\\.}([^0-9.]|$)" <<<"$out"
}

# Another `cargo install` of the same crate (a parallel set-up) would race
# with ours for ~/.cargo/bin: wait for it instead.
wait_for_other_install() {
  local crate="$1" waited=0
  while pgrep -f "cargo install .*${crate}" >/dev/null 2>&1; do
    if [ "$waited" -eq 0 ]; then say "waiting for a running 'cargo install ... $crate' to finish"; fi
    sleep 5
    waited=$((waited + 5))
  done
}

# cargo_install BIN VERSION CRATE [cargo install flags...]
cargo_install() {
  local bin="$1" version="$2" crate="$3"
  shift 3
  if has_version "$bin" "$version"; then
    say "$bin $version present"
    return
  fi
  wait_for_other_install "$crate"
  if has_version "$bin" "$version"; then
    say "$bin $version present"
    return
  fi
  say "installing $bin $version: cargo install $* $crate@$version (takes minutes)"
  cargo install "$@" "$crate@$version"
  has_version "$bin" "$version" || { say "ERROR: $bin $version still not on PATH after install"; exit 1; }
}

# --- Rust ---------------------------------------------------------------------
if ! command -v cargo >/dev/null 2>&1 || ! command -v rustup >/dev/null 2>&1; then
  say "ERROR: cargo/rustup not found (expected in ~/.cargo/bin); install Rust with rustup first"
  exit 1
fi

if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "rust target wasm32-unknown-unknown present"
else
  say "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

cargo_install worker-build "$WORKER_BUILD_VERSION" worker-build --locked
cargo_install wasm-bindgen "$WASM_BINDGEN_VERSION" wasm-bindgen-cli
cargo_install wasm-pack "$WASM_PACK_VERSION" wasm-pack --locked

# cargo fuzz builds with libFuzzer's instrumentation, which needs nightly.
# Installing a toolchain is the machine's business, not this script's.
if rustup run nightly rustc --version >/dev/null 2>&1; then
  say "rust nightly toolchain present"
else
  say "ERROR: the nightly toolchain is missing; scripts/fuzz.sh needs it: rustup toolchain install nightly"
  exit 1
fi
cargo_install cargo-fuzz "$CARGO_FUZZ_VERSION" cargo-fuzz --locked

# --- npm ----------------------------------------------------------------------
if ! command -v npm >/dev/null 2>&1; then
  say "ERROR: npm not found (node 20 and npm are expected on the machine)"
  exit 1
fi
if [ -f package-lock.json ]; then
  # node_modules/.package-lock.json is what npm last installed; if it is at
  # least as new as the lockfile and the tools are there, nothing to do.
  if [ -x node_modules/.bin/wrangler ] && [ -x node_modules/.bin/wasm-opt ] && [ -d node_modules/oidc-provider ] \
     && [ -d node_modules/playwright-core ] \
     && [ -f node_modules/.package-lock.json ] && ! [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "npm packages present"
  elif [ -L node_modules ] && [ -x node_modules/.bin/wrangler ]; then
    # A worktree sharing another checkout's install: `npm ci` here would
    # empty that install under everyone using it. Its owner updates it.
    say "node_modules links to $(readlink node_modules): shared install left as it is"
  else
    say "npm ci"
    npm ci --no-audit --no-fund
  fi
else
  say "no package-lock.json: npm install"
  npm install --no-audit --no-fund
fi

# --- Browser (for browser-mode wasm tests and page checks) ----------------------
# >>> BROWSER SET-UP: enabled by `scripts/setup.sh --browser` or SETUP_BROWSER=1.
#     scripts/test.sh asks for it: wasm-pack test --chrome needs chromedriver,
#     the page tests (playwright-core) need /usr/bin/chromium.
if [ "$WANT_BROWSER" = "1" ]; then
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    say "chromium and chromedriver present"
  elif command -v apt-get >/dev/null 2>&1; then
    say "installing chromium and chromium-driver from Debian"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y chromium chromium-driver
  else
    say "ERROR: /usr/bin/chromium missing and no apt-get to install it"
    exit 1
  fi
fi
# <<< BROWSER SET-UP

say "done"
