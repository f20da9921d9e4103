#!/usr/bin/env bash
# The web client's tests: its API types against the server's OpenAPI document, the type check,
# the Vitest component tests, the production build, then Playwright in Debian's Chromium against
# the real server with the fake model (`fake-llm`). Screenshots at phone and desktop widths land
# in web/e2e-artifacts/. Fails (never skips) when Node.js or Chromium is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v npm >/dev/null 2>&1 || { echo "web-test: npm (Node.js 20+) is required" >&2; exit 1; }
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$CHROMIUM_PATH" ] || { echo "web-test: Chromium not found at $CHROMIUM_PATH (apt-get install chromium)" >&2; exit 1; }

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --locked -q -p hellosales-server --bin hellosales -p hellosales-fake-providers --bin fake-llm

cd web
npm ci --no-audit --no-fund --loglevel=error
cd ..
./scripts/web-api-types.sh --check
cd web
npm run -s typecheck
npx --no-install vitest run
npx --no-install vite build --logLevel warn
rm -rf e2e-artifacts && mkdir -p e2e-artifacts
npx --no-install playwright test
