#!/usr/bin/env bash
# Fuzzes the parsers and the decision with cargo fuzz (libFuzzer):
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Builds every target once (nightly, `cargo fuzz build`), then runs each
# TARGET (default: all of them) for SECONDS (default 600) from its committed
# seeds (fuzz/seeds/<target>/, read only) and its working corpus
# (fuzz/corpus/<target>/, kept between runs, not in git). Prints per target:
# runs, exec/s, coverage (cov/ft), crash or not; exits non-zero when any
# target crashed (the input is in fuzz/artifacts/<target>/).
#
# FUZZ_SANITIZER=address to build with ASan (default none: the crate has no
# `unsafe`, and ASan would halve the runs). Overflow checks and debug
# assertions are always on (-a). FUZZ_NICE=10 runs the targets under nice.
# FUZZ_SEED=N fixes libFuzzer's random seed (default: a new one each run),
# so a short run on a fresh checkout tries the same inputs on every machine
# that reaches as many runs in the time.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT/fuzz"
export PATH="$HOME/.cargo/bin:$PATH"

DURATION="${1:-600}"
[ $# -gt 0 ] && shift
case "$DURATION" in
  # (0 would be libFuzzer's "no limit".)
  '' | *[!0-9]* | 0) echo "fuzz.sh: SECONDS must be a whole number above 0, got '$DURATION'" >&2; exit 2 ;;
esac

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "fuzz.sh: the nightly toolchain is missing (rustup toolchain install nightly)" >&2
  exit 1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz.sh: cargo-fuzz is missing (scripts/setup.sh installs it)" >&2
  exit 1
fi

SANITIZER="${FUZZ_SANITIZER:-none}"
SEED="${FUZZ_SEED:-0}"
case "$SEED" in
  '' | *[!0-9]*) echo "fuzz.sh: FUZZ_SEED must be a whole number, got '$SEED'" >&2; exit 2 ;;
esac
NICE=()
if [ -n "${FUZZ_NICE:-}" ]; then NICE=(nice -n "$FUZZ_NICE"); fi

mapfile -t ALL < <(cargo +nightly fuzz list)
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then TARGETS=("${ALL[@]}"); fi
for t in "${TARGETS[@]}"; do
  if [[ " ${ALL[*]} " != *" $t "* ]]; then
    echo "fuzz.sh: no target '$t' (targets: ${ALL[*]})" >&2
    exit 2
  fi
done

# Inputs longer than this are never tried. Above max_token_bytes (8192)
# where a token or header is read, so the length refusals are reached; a
# JWKS may hold the 100 keys the parser reads and then some.
max_len() {
  case "$1" in
    jwks) echo 65536 ;;
    exchange_answer | routes) echo 4096 ;;
    *) echo 16384 ;;
  esac
}

build_start=$SECONDS
echo "fuzz.sh: building ${#ALL[@]} targets (sanitizer $SANITIZER)"
"${NICE[@]}" cargo +nightly fuzz build --sanitizer "$SANITIZER" --debug-assertions
BIN="${CARGO_TARGET_DIR:-$ROOT/fuzz/target}/x86_64-unknown-linux-gnu/release"
echo "fuzz.sh: built in $((SECONDS - build_start)) s"

LOGS="$(mktemp -d "${TMPDIR:-/tmp}/edge-fuzz.XXXXXX")"
trap 'rm -rf "$LOGS"' EXIT
SUMMARY=()
CRASHED=()
for t in "${TARGETS[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  before="$(find "artifacts/$t" -type f | wc -l)"
  echo "fuzz.sh: $t for ${DURATION} s"
  rc=0
  # -timeout: one input taking 10 s is a hang, reported as a crash.
  # -rss_limit_mb: the targets need ~30 MB; 1 GB means a runaway allocation.
  "${NICE[@]}" "$BIN/$t" \
    -max_total_time="$DURATION" -max_len="$(max_len "$t")" -rss_limit_mb=1024 \
    -timeout=10 -seed="$SEED" -print_final_stats=1 -artifact_prefix="artifacts/$t/" \
    "corpus/$t" "seeds/$t" >"$LOGS/$t.log" 2>&1 || rc=$?
  runs="$(awk '/^stat::number_of_executed_units/ {print $NF}' "$LOGS/$t.log")"
  speed="$(awk '/^stat::average_exec_per_sec/ {print $NF}' "$LOGS/$t.log")"
  cov="$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$LOGS/$t.log" | tail -n 1 | awk '{print $2 "/" $4}')"
  after="$(find "artifacts/$t" -type f | wc -l)"
  if [ "$rc" -ne 0 ] || [ "$after" -gt "$before" ]; then
    result="CRASH (exit $rc)"
    CRASHED+=("$t")
    echo "---- $t: what failed"
    grep -A 2 -E 'panicked at|ERROR: libFuzzer' "$LOGS/$t.log" | grep -v -E '^ *(stack backtrace|[0-9]+:)' || true
    grep -E '^(SUMMARY|MS:|Base64:)' "$LOGS/$t.log" || true
    echo "---- input(s) kept in fuzz/artifacts/$t/; reproduce: cargo +nightly fuzz run $t fuzz/artifacts/$t/<file>"
  else
    result="no crash"
  fi
  line="$(printf '%-16s runs %-10s exec/s %-7s cov/ft %-12s %s' "$t" "${runs:-?}" "${speed:-?}" "${cov:-?}" "$result")"
  echo "fuzz.sh: $line"
  SUMMARY+=("$line")
done

echo
echo "fuzz.sh: ${DURATION} s per target, $(date -u +%Y-%m-%dT%H:%MZ)"
printf '  %s\n' "${SUMMARY[@]}"
if [ ${#CRASHED[@]} -gt 0 ]; then
  echo "fuzz.sh: CRASHED: ${CRASHED[*]}"
  exit 1
fi
