#!/usr/bin/env bash
# Builds HelloSales and starts it on its embedded defaults (SQLite in ./data, no account, no
# network), printing the URL and how to get a development token. Extra arguments go to `serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --release --locked -p hellosales-server --bin hellosales -- serve "$@"
