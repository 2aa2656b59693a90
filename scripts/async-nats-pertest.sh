#!/usr/bin/env bash
# Runs each test of the async-nats crate's own test files alone, with a timeout, against
# rill-server, and prints PASS / FAIL / HANG per test plus a count per file. Useful to see
# exactly which tests a feature still misses (the suite runner stops a whole file at its
# timeout when one test hangs).
#   scripts/async-nats-pertest.sh [FILES...]     (default: jetstream_tests kv_tests object_store)
# Needs one prior run of scripts/async-nats-suite.sh (it builds the test binaries).
set -u
cd "$(dirname "$0")/.."
FILES=("$@"); [ ${#FILES[@]} -eq 0 ] && FILES=(jetstream_tests kv_tests object_store)
DEPS="${ASYNC_NATS_TARGET:-$HOME/.cache/conformance/async-nats-target}/debug/deps"
WORK="${ASYNC_NATS_WORK:-${TMPDIR:-/tmp}/conformance-async-nats-0.51.0}/async-nats"
cargo build -q -p rill --bin rill-server
export NATS_SERVER_BIN="$PWD/target/debug/rill-server" RUST_BACKTRACE=0
cd "$WORK" || { echo "run scripts/async-nats-suite.sh once first"; exit 2; }
# Tests slow by design get more time: kv::watch_hearbeats_first puts a value every 10 s,
# ten times, so it takes ~100 s against nats-server too.
timeout_for() {
  case "$1" in
    kv::watch_hearbeats_first) echo "${LONG_TEST_TIMEOUT:-150}" ;;
    *) echo "${PER_TEST_TIMEOUT:-45}" ;;
  esac
}
for f in "${FILES[@]}"; do
  bin=$(ls -t "$DEPS/$f"-* 2>/dev/null | grep -v '\.d$' | head -1)
  [ -n "$bin" ] || { echo "no test binary for $f"; continue; }
  pass=0; fail=0
  for t in $("$bin" --list 2>/dev/null | grep ': test$' | sed 's/: test$//'); do
    timeout "$(timeout_for "$t")" "$bin" --exact "$t" --test-threads 1 >/dev/null 2>&1
    case $? in
      0) echo "PASS $f $t"; pass=$((pass+1)) ;;
      124) echo "HANG $f $t"; fail=$((fail+1)) ;;
      *) echo "FAIL $f $t"; fail=$((fail+1)) ;;
    esac
  done
  echo "== $f: $pass passed, $fail failed"
done
