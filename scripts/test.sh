#!/usr/bin/env bash
# Runs every test of the project: Rust unit, property and process tests (cargo nextest), and
# the nats-py tests. Installs what it needs (cargo-nextest if missing, a Python venv).
set -euo pipefail
cd "$(dirname "$0")/.."
export RUST_BACKTRACE=0

if ! cargo nextest --version >/dev/null 2>&1; then
  echo "== installing cargo-nextest"
  cargo install --locked cargo-nextest
fi

echo "== python environment (nats-py, pytest)"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install -q --disable-pip-version-check -r tests/python/requirements.txt

echo "== build"
cargo build --workspace --bins --tests

echo "== rust tests"
cargo nextest run --workspace --no-fail-fast "$@"

echo "== python tests (nats-py)"
.venv/bin/python -m pytest tests/python -q
