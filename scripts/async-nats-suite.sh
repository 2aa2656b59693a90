#!/usr/bin/env bash
# Runs the async-nats crate's own integration tests against rill-server, skipping by name only
# the tests listed in tests/async-nats-skips.txt (each with its reason). Fails if any test fails.
#   scripts/async-nats-suite.sh [SUITE_DIR]
#   (TESTS="client_tests jetstream_tests kv_tests object_store" by default)
set -euo pipefail
cd "$(dirname "$0")/.."
SUITE="${1:-$(cd .. && pwd)/shared/async-nats-suite}"
export TESTS="${TESTS:-client_tests jetstream_tests kv_tests object_store}"
cargo build -q -p rill --bin rill-server
skips=()
while IFS= read -r line; do
  name="${line%%#*}"; name="$(echo "$name" | xargs)"
  [ -n "$name" ] && skips+=(--skip "$name")
done < tests/async-nats-skips.txt
out="$(mktemp)"
"$SUITE/run_async_nats.sh" "$PWD/target/debug/rill-server" -- "${skips[@]}" | tee "$out"
last="$(tail -n 1 "$out")"
rm -f "$out"
case "$last" in
  *" 0 failed") echo "async-nats suite: $last" ;;
  *) echo "async-nats suite FAILED: $last"; exit 1 ;;
esac
