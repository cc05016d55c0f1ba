#!/usr/bin/env bash
# What the trigram indexes of q= (migration 0005) cost the writes on PostgreSQL: POST /tasks and
# POST /users through the service, on databases that differ only by their indexes, measured in
# turns in one run so that the machine's noise falls on all of them alike.
#
#   bench/write_cost.sh [ROUNDS]        (BENCH_SECONDS per run, 10 by default; ROUNDS 3)
#   WRITE_COST_VARIANTS="before after" WRITE_COST_ENDPOINTS=post_task bench/write_cost.sh   (some)
#
# Databases, each seeded as bench/run.sh seeds (10,000 users, 100,000 tasks "task number N"):
#   before        migrated to 0004: no trigram index
#   after         migrated to head: GIN trigram indexes on lower(content), lower(name),
#                 lower(email) (users) and lower(name) (tags), fastupdate on (PostgreSQL's default)
#                 with a pending list of 256 kB
#   fastupdate-off  the same with fastupdate off on the indexes of tasks and users
#   pending-4MB   the same with PostgreSQL's default pending list of 4 MB
#   gist          the same with GiST trigram indexes (gist_trgm_ops) in place of the GIN ones
# Each gets its own server (pool 4, --log-level warn). Each round loads every endpoint on every
# database with wrk (64 connections, 2 threads) and counts the CPU time the server and the whole
# cluster (postmaster, backends, autovacuum, writers) used meanwhile, from /proc: CPU ms per
# request is the figure that noise moves least. Prints one line per run, then the means.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BENCH_BUILD_DIR:-$ROOT/build/release}
BIN=$BUILD/usertasks
DURATION=${BENCH_SECONDS:-10}
ROUNDS=${1:-3}
PG_BIN=/usr/lib/postgresql/15/bin
USERS=10000
TASKS=100000
read -r -a VARIANTS <<<"${WRITE_COST_VARIANTS:-before after fastupdate-off pending-4MB gist}"
read -r -a ENDPOINTS <<<"${WRITE_COST_ENDPOINTS:-post_task post_user}"

for tool in wrk curl python3 psql; do
  command -v "$tool" >/dev/null || { echo "write_cost.sh: $tool is not installed" >&2; exit 1; }
done
[[ -x $BIN ]] || { echo "write_cost.sh: $BIN is missing; build the release preset first" >&2; exit 1; }

WORK=$(mktemp -d /tmp/usertasks-write-cost-XXXXXX)
PG_DIR=""
PIDS=()
cleanup() {
  local status=$? pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  [[ -z $PG_DIR ]] || pg_stop
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/pg_cluster.sh"

pg_start
POSTMASTER=$(head -n 1 "$PG_DIR/data/postmaster.pid")
declare -A PORT SERVER
for variant in "${VARIANTS[@]}"; do
  db=$(tr -- '-' '_' <<<"${variant,,}")
  psql -q -X -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $db" >/dev/null
  url="host=$PGHOST port=$PGPORT user=postgres dbname=$db"
  if [[ $variant == before ]]; then
    "$BIN" --database "$url" db upgrade 0004 >/dev/null
  else
    "$BIN" --database "$url" db upgrade >/dev/null
  fi
  if [[ $variant == fastupdate-off ]]; then
    psql -q -X -v ON_ERROR_STOP=1 -d "$db" -c "ALTER INDEX tasks_content_trgm_idx SET (fastupdate = off);
ALTER INDEX users_name_trgm_idx SET (fastupdate = off);
ALTER INDEX users_email_trgm_idx SET (fastupdate = off)"
  fi
  if [[ $variant == gist ]]; then
    psql -q -X -v ON_ERROR_STOP=1 -d "$db" <<EOF
DROP INDEX tasks_content_trgm_idx, users_name_trgm_idx, users_email_trgm_idx;
CREATE INDEX tasks_content_trgm_idx ON tasks USING gist (lower(content) gist_trgm_ops);
CREATE INDEX users_name_trgm_idx ON users USING gist (lower(name) gist_trgm_ops);
CREATE INDEX users_email_trgm_idx ON users USING gist (lower(email) gist_trgm_ops);
EOF
  fi
  if [[ $variant == pending-4MB ]]; then
    psql -q -X -v ON_ERROR_STOP=1 -d "$db" -c "ALTER INDEX tasks_content_trgm_idx RESET (gin_pending_list_limit);
ALTER INDEX users_name_trgm_idx RESET (gin_pending_list_limit);
ALTER INDEX users_email_trgm_idx RESET (gin_pending_list_limit)"
  fi
  psql -q -X -v ON_ERROR_STOP=1 -d "$db" <<EOF
INSERT INTO users (name, email, created_at, updated_at)
  SELECT 'user ' || g, 'user' || g || '@example.com', now(), now() FROM generate_series(1, $USERS) g;
INSERT INTO tasks (content, user_id, created_at, updated_at)
  SELECT 'task number ' || g, (g - 1) % $USERS + 1, now(), now() FROM generate_series(1, $TASKS) g;
VACUUM ANALYZE;
EOF
  PORT[$variant]=$(free_port)
  "$BIN" --database "$url" serve --host 127.0.0.1 --port "${PORT[$variant]}" --log-level warn \
    >"$WORK/server-$variant.log" 2>&1 &
  SERVER[$variant]=$!
  PIDS+=("${SERVER[$variant]}")
  for _ in $(seq 1 100); do
    curl -sf -m 1 "http://127.0.0.1:${PORT[$variant]}/healthz" >/dev/null && break
    sleep 0.1
  done
done

echo "# write cost of the trigram indexes: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)," \
  "$DURATION s per run, $ROUNDS rounds"
declare -A SUM_MS SUM_PG SUM_RPS COUNT
for round in $(seq 1 "$ROUNDS"); do
  # Each round starts one variant further on, so that none always runs first.
  order=("${VARIANTS[@]:$(((round - 1) % ${#VARIANTS[@]}))}" "${VARIANTS[@]:0:$(((round - 1) % ${#VARIANTS[@]}))}")
  for endpoint in "${ENDPOINTS[@]}"; do
    for variant in "${order[@]}"; do
      before_all=$(cpu_ticks "${SERVER[$variant]}" "$POSTMASTER")
      before_pg=$(cpu_ticks "$POSTMASTER")
      BENCH_ENDPOINT=$endpoint BENCH_USERS=$USERS BENCH_TASKS=$TASKS \
        timeout $((DURATION + 60)) wrk -t 2 -c 64 -d "${DURATION}s" --latency \
        -s "$ROOT/bench/wrk.lua" "http://127.0.0.1:${PORT[$variant]}" >"$WORK/wrk.out" 2>&1
      after_all=$(cpu_ticks "${SERVER[$variant]}" "$POSTMASTER")
      after_pg=$(cpu_ticks "$POSTMASTER")
      line=$(grep '^BENCH ' "$WORK/wrk.out")
      requests=$(sed -n 's/.* requests=\([0-9]*\) .*/\1/p' <<<"$line")
      rps=$(sed -n 's/.* rps=\([0-9.]*\) .*/\1/p' <<<"$line")
      p99=$(sed -n 's/.* p99_ms=\([0-9.]*\) .*/\1/p' <<<"$line")
      errors=$(sed -n 's/.* non2xx=\([0-9]*\) errors=\([0-9]*\).*/\1+\2/p' <<<"$line")
      ms=$(awk -v t=$((after_all - before_all)) -v n="$requests" -v hz="$CLK_TCK" \
        'BEGIN { printf "%.3f", t * 1000 / hz / n }')
      pg=$(awk -v t=$((after_pg - before_pg)) -v n="$requests" -v hz="$CLK_TCK" \
        'BEGIN { printf "%.3f", t * 1000 / hz / n }')
      echo "round $round $endpoint $variant: $rps req/s, p99 $p99 ms, CPU $ms ms/request" \
        "(PostgreSQL $pg), errors $errors"
      key="$endpoint $variant"
      SUM_MS[$key]=$(awk -v a="${SUM_MS[$key]:-0}" -v b="$ms" 'BEGIN { print a + b }')
      SUM_PG[$key]=$(awk -v a="${SUM_PG[$key]:-0}" -v b="$pg" 'BEGIN { print a + b }')
      SUM_RPS[$key]=$(awk -v a="${SUM_RPS[$key]:-0}" -v b="$rps" 'BEGIN { print a + b }')
      COUNT[$key]=$((${COUNT[$key]:-0} + 1))
    done
  done
done
echo
echo "| endpoint | database | req/s | CPU ms/request | of which PostgreSQL |"
echo "|---|---|---:|---:|---:|"
for endpoint in "${ENDPOINTS[@]}"; do
  for variant in "${VARIANTS[@]}"; do
    key="$endpoint $variant"
    awk -v e="$endpoint" -v v="$variant" -v r="${SUM_RPS[$key]}" -v m="${SUM_MS[$key]}" \
      -v p="${SUM_PG[$key]}" -v n="${COUNT[$key]}" \
      'BEGIN { printf "| %s | %s | %.0f | %.3f | %.3f |\n", e, v, r / n, m / n, p / n }'
  done
done
