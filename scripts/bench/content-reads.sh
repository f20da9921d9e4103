#!/usr/bin/env bash
# Benchmark: authenticated content reads on PostgreSQL against pgbench's select-only ceiling.
#
# Creates a fresh database, starts the release server on it, seeds one organization with
# 10,000 products, waits until the semantic indexer has embedded them, then alternates wrk
# (64 connections) on GET /api/v1/products/{id} with pgbench -S at the same concurrency, round
# after round, and ends with wrk on GET /api/v1/products?limit=20. Each round's ratio compares
# two runs next to each other in time: on a shared machine the speed of both drifts by a factor
# of two or three within minutes, which a single pair of runs cannot tell from a real change.
# The verdict is on the median ratio of the rounds; every round is printed.
# Needs: PostgreSQL on 127.0.0.1:5432 (user postgres, trust), wrk, pgbench.
# Usage: scripts/bench/content-reads.sh [seconds per run, default 10]
# ROUNDS (default 5) sets the number of rounds.
# PGSSLMODE (libpq's variable, default prefer) sets the TLS mode of the server's pool and of
# pgbench alike, so that both sides of the comparison pay the same for it.
set -euo pipefail
cd "$(dirname "$0")/../.."

SECONDS_PER_RUN=${1:-10}
ROUNDS=${ROUNDS:-5}
CONNECTIONS=64
THREADS=2
PG=postgres://postgres@127.0.0.1:5432
DB=hs_bench_content
PGBENCH_DB=hs_bench_pgbench
PRODUCTS=10000
PORT=18080
TARGET=${CARGO_TARGET_DIR:-target}
SSLMODE=${PGSSLMODE:-prefer}
export PGSSLMODE=$SSLMODE

cargo build --release --locked -p hellosales-server --bin hellosales
BIN="$TARGET/release/hellosales"

psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
DATA_DIR=$(mktemp -d)
# The embedded models (fetched once with `hellosales models fetch`), outside the throwaway data dir.
MODELS=${HELLOSALES_MODELS_DIR:-$HOME/.cache/hellosales/models}
export DATABASE_URL="$PG/$DB?sslmode=$SSLMODE" HELLOSALES_DATA_DIR="$DATA_DIR" HELLOSALES_BIND="127.0.0.1:$PORT" \
  LOG_LEVEL=warn HELLOSALES_CONFIG="" LOCAL_MODEL_PATH="$MODELS/SmolLM2-135M-Instruct.Q4_1.gguf" \
  LOCAL_EMBEDDING_MODEL_DIR="$MODELS/all-MiniLM-L6-v2" \
  RATE_LIMIT_REQUESTS_PER_MINUTE=0 # one user's budget (600/min) would answer 429 to the load
"$BIN" serve >"$DATA_DIR/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$DATA_DIR"' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/health" >/dev/null && break
  sleep 0.1
done

TOKEN=$("$BIN" token --org org_bench --email bench@bench.test --role admin)
ORG=$(curl -fs -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/auth/me" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["organization"]["id"])')
psql "$PG/$DB" -qc "
  INSERT INTO products (id, org_id, name, description, category, key_features, pricing_info,
                        use_cases, is_active, created_at, updated_at)
  SELECT gen_random_uuid(), '$ORG', 'Product ' || i, 'Description of product ' || i,
         'category-' || (i % 20), '[\"fast\", \"secure\"]', '{\"usd_per_seat\": 49}',
         '[\"reporting\"]', true, now() - i * interval '1 second', now()
  FROM generate_series(1, $PRODUCTS) AS i;
  ANALYZE products;"
PRODUCT=$(psql "$PG/$DB" -tAc "SELECT id FROM products WHERE org_id = '$ORG' LIMIT 1 OFFSET $((PRODUCTS / 2))")

# The semantic indexer embeds the new products in the background (≈ 100 a second on 2 cores
# with the local model); measuring while it runs would measure the reads against the model's
# forward passes for the same cores. Wait until every product has its vector: steady state.
if [ "${EMBEDDING_PROVIDER:-local}" != none ]; then
  echo "== waiting for the semantic index to cover the $PRODUCTS products"
  for _ in $(seq 1 600); do
    INDEXED=$(psql "$PG/$DB" -tAc "SELECT count(*) FROM content_embeddings WHERE org_id = '$ORG' AND kind = 'product'")
    [ "$INDEXED" -ge "$PRODUCTS" ] && break
    sleep 1
  done
  if [ "$INDEXED" -lt "$PRODUCTS" ]; then
    echo "content-reads: the semantic index covers only $INDEXED products after 10 minutes" >&2
    exit 1
  fi
fi

run_wrk() { # name url; prints wrk's report; fails when any response was not a success
  echo "== $1" >&2
  local out
  out=$(wrk -t$THREADS -c$CONNECTIONS -d"${SECONDS_PER_RUN}s" --latency \
    -H "Authorization: Bearer $TOKEN" "$2")
  echo "$out" >&2
  if grep -q "Non-2xx" <<<"$out"; then
    echo "content-reads: some responses were errors; the run does not count" >&2
    exit 1
  fi
  awk '/^Requests\/sec:/ {print $2}' <<<"$out"
}
run_pgbench() { # prints pgbench's transactions per second
  echo "== pgbench -S (select-only), $CONNECTIONS clients, sslmode=$SSLMODE" >&2
  local out
  out=$(pgbench -S -c $CONNECTIONS -j $THREADS -T "$SECONDS_PER_RUN" "$PG/$PGBENCH_DB")
  echo "$out" | grep -E "^(latency|tps)" >&2
  awk '/^tps =/ {print $3}' <<<"$out"
}

psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $PGBENCH_DB" -c "CREATE DATABASE $PGBENCH_DB"
pgbench -q -i -s 10 "$PG/$PGBENCH_DB" >/dev/null 2>&1
SINGLE_URL="http://127.0.0.1:$PORT/api/v1/products/$PRODUCT"
curl -fs -H "Authorization: Bearer $TOKEN" "$SINGLE_URL" >/dev/null
# Warm-up, not counted: the pool opens its connections (TLS handshakes included) under the first
# load, as pgbench opens its own before its clock starts ("without initial connection time").
wrk -t$THREADS -c$CONNECTIONS -d3s -H "Authorization: Bearer $TOKEN" "$SINGLE_URL" >/dev/null
RATIOS=()
SUMMARY=""
for round in $(seq 1 "$ROUNDS"); do
  echo "== round $round of $ROUNDS" >&2
  # Odd rounds measure the server first, even rounds pgbench first: neither side always runs
  # on the heels of the other.
  if [ $((round % 2)) -eq 1 ]; then
    single=$(run_wrk "GET /api/v1/products/{id}" "$SINGLE_URL")
    tps=$(run_pgbench)
  else
    tps=$(run_pgbench)
    single=$(run_wrk "GET /api/v1/products/{id}" "$SINGLE_URL")
  fi
  ratio=$(awk -v a="$single" -v b="$tps" 'BEGIN {printf "%.1f", 100 * a / b}')
  RATIOS+=("$ratio")
  SUMMARY+=$(printf '\nround %d: single-row %s req/s, pgbench -S %s tps, ratio %s %%' \
    "$round" "$single" "$tps" "$ratio")
done
run_wrk "GET /api/v1/products?limit=20" "http://127.0.0.1:$PORT/api/v1/products?limit=20" >/dev/null

MEDIAN=$(printf '%s\n' "${RATIOS[@]}" | sort -n | awk '{v[NR] = $1} END {
  if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
echo "== summary$SUMMARY"
echo "median ratio: $MEDIAN % (target: at least 50 %)"

kill $SERVER && wait $SERVER || true
psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $PGBENCH_DB" -c "DROP DATABASE IF EXISTS $DB"
