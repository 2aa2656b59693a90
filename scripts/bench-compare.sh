#!/usr/bin/env bash
# Side-by-side benchmark of rill-server and nats-server; see scripts/bench-compare.py for the
# method and the MSGS / ROUNDS / SCENARIOS / RILL_SERVER_BIN / ... knobs.
exec python3 "$(dirname "$0")/bench-compare.py" "$@"
