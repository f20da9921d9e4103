#!/usr/bin/env bash
# Regenerates the web client's API types (web/src/api/schema.d.ts) from the server's OpenAPI
# document (`hellosales openapi`); with --check, fails when the committed types are out of date.
set -euo pipefail
cd "$(dirname "$0")/.."
check=false
[ "${1:-}" = "--check" ] && check=true

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo run --locked -q -p hellosales-server --bin hellosales -- openapi > "$work/openapi.json"
(cd web && npx --no-install openapi-typescript "$work/openapi.json" -o "$work/schema.d.ts" >/dev/null)
if $check; then
  if ! diff -u web/src/api/schema.d.ts "$work/schema.d.ts" > "$work/diff"; then
    head -40 "$work/diff" >&2
    echo "web/src/api/schema.d.ts is out of date with the OpenAPI document: run scripts/web-api-types.sh" >&2
    exit 1
  fi
else
  cp "$work/schema.d.ts" web/src/api/schema.d.ts
  echo "web/src/api/schema.d.ts regenerated"
fi
