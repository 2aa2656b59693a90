#!/usr/bin/env bash
# Runs the async-nats crate's own integration tests against rill-server, skipping by name only
# the tests listed in tests/async-nats-skips.txt (each with its reason). Fails if any test fails.
#   scripts/async-nats-suite.sh [SUITE_DIR]
#   (TESTS: the core, JetStream, KV and object store files plus the service, pull-limit,
#   pinned-client, subject-validation, API-timeout and server-pool files by default)
set -euo pipefail
cd "$(dirname "$0")/.."
SUITE="${1:-$(cd .. && pwd)/shared/async-nats-suite}"
DEFAULT_TESTS="client_tests jetstream_tests kv_tests object_store service_tests
  pull_exceeded_max_request_test pinned_client_test subject_validation_test
  jetstream_api_timeout_tests server_pool_tests server_pool_parity_tests"
export TESTS="${TESTS:-$(echo $DEFAULT_TESTS)}"
cargo build -q -p rill --bin rill-server
skips=()
while IFS= read -r line; do
  name="${line%%#*}"; name="$(echo "$name" | xargs)"
  [ -n "$name" ] && skips+=(--skip "$name")
done < tests/async-nats-skips.txt
out="$(mktemp)"
"$SUITE/run_async_nats.sh" "$PWD/target/debug/rill-server" -- "${skips[@]}" | tee "$out"
# Count from this run's own output (the runner's summary line reads a log file that another
# run on the same machine could append to). Every file must report "test result: ok".
files=0; for t in $TESTS; do files=$((files + 1)); done
oks=$(grep -c '^test result: ok\.' "$out" || true)
passed=$(grep -Eo '^test result: [a-zA-Z]+\. [0-9]+ passed' "$out" | grep -Eo '[0-9]+ passed' | awk '{s+=$1} END{print s+0}')
failed=$(grep -Eo '^test result: [a-zA-Z]+\. [0-9]+ passed; [0-9]+ failed' "$out" | grep -Eo '[0-9]+ failed' | awk '{s+=$1} END{print s+0}')
rm -f "$out"
if [ "$oks" -eq "$files" ] && [ "$failed" -eq 0 ]; then
  echo "async-nats suite: $passed passed, 0 failed ($files files)"
else
  echo "async-nats suite FAILED: $passed passed, $failed failed, $oks of $files files ok"
  exit 1
fi
