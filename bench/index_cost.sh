#!/usr/bin/env bash
# What an index costs the writes: POST /tasks's statement (task_insert, by bench_sql) run by
# pgbench on a throwaway PostgreSQL cluster seeded as bench/run.sh seeds it (10,000 users, 100,000
# tasks), alternately with and without the given indexes, ROUNDS times each. For each run, per
# insert: the CPU time the cluster's processes took (postmaster, its children, and the backends
# that ended, from /proc), the WAL written and the buffers touched (counts, which the machine's
# other work does not move); and pgbench's rate; then the medians.
#   bench/index_cost.sh [INDEX...]     (default: tasks_created_at_id_idx)
#   ROUNDS (5), INSERTS (20000), CLIENTS (4), BENCH_BUILD_DIR (build/release)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BENCH_BUILD_DIR:-$ROOT/build/release}
ROUNDS=${ROUNDS:-5}
INSERTS=${INSERTS:-20000}
CLIENTS=${CLIENTS:-4}
PG_BIN=/usr/lib/postgresql/15/bin
INDEXES=("$@")
[[ ${#INDEXES[@]} -gt 0 ]] || INDEXES=(tasks_created_at_id_idx)
WORK=$(mktemp -d)
PG_DIR=""
cleanup() {
  [[ -z $PG_DIR ]] || pg_stop
  rm -rf "$WORK"
}
trap cleanup EXIT
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/pg_cluster.sh"

pg_start
"$BUILD/usertasks" --database "host=$PGHOST port=$PGPORT user=postgres dbname=bench" db upgrade >/dev/null
psql -q -X -v ON_ERROR_STOP=1 -d bench <<'SQL'
INSERT INTO users (name, email, created_at, updated_at)
  SELECT 'user ' || g, 'user' || g || '@example.com', now(), now() FROM generate_series(1, 10000) g;
INSERT INTO tasks (content, user_id, created_at, updated_at)
  SELECT 'task number ' || g, (g - 1) % 10000 + 1, now(), now() FROM generate_series(1, 100000) g;
VACUUM ANALYZE;
SQL
# The index definitions, to drop and make again.
declare -A DEFINITION
for index in "${INDEXES[@]}"; do
  DEFINITION[$index]=$(psql -X -A -t -d bench -c "SELECT pg_get_indexdef('$index'::regclass)")
done
{
  echo "\\set user_id random(1, 10000)"
  echo "BEGIN;"
  "$BUILD/bench/bench_sql" task_insert --pgbench --set done=false
  echo ";"
  echo "COMMIT;"
} >"$WORK/insert.sql"

# CPU seconds of the cluster so far: the postmaster and its children, with the children that ended.
cluster_cpu() {
  local postmaster ticks
  postmaster=$(head -n 1 "$PG_DIR/data/postmaster.pid")
  ticks=$(for pid in $postmaster $(pgrep -P "$postmaster"); do
    awk '{ print $14 + $15 + ($2 == "(postgres)" ? $16 + $17 : 0) }' "/proc/$pid/stat" 2>/dev/null || true
  done | awk '{ s += $1 } END { print s }')
  echo "$ticks $(getconf CLK_TCK)" | awk '{ printf "%.3f", $1 / $2 }'
}

# WAL written so far (bytes), and buffers the database's statements have touched (hits and reads):
# what the writes did, counted rather than timed, so not moved by what else the machine runs.
wal_bytes() { psql -X -A -t -d bench -c "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')"; }
buffers() {
  sleep 0.6 # the backends that ended flush their statistics on exit
  psql -X -A -t -d bench -c "SELECT blks_hit + blks_read FROM pg_stat_database WHERE datname = 'bench'"
}

run() {
  local before after wal_before wal_after buffers_before buffers_after
  psql -q -X -d bench -c "CHECKPOINT" >/dev/null
  buffers_before=$(buffers)
  wal_before=$(wal_bytes)
  before=$(cluster_cpu)
  pgbench -n -M prepared -c "$CLIENTS" -j 2 -t $((INSERTS / CLIENTS)) -f "$WORK/insert.sql" \
    -D "content=benchmark task" -D "now=$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)" bench >"$WORK/out" 2>&1 ||
    { cat "$WORK/out" >&2; exit 1; }
  after=$(cluster_cpu)
  wal_after=$(wal_bytes)
  buffers_after=$(buffers)
  local tps
  tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$WORK/out")
  echo "$1 cpu_us_per_insert=$(awk -v a="$before" -v b="$after" -v n="$INSERTS" 'BEGIN { printf "%.1f", (b - a) * 1e6 / n }')" \
    "wal_bytes_per_insert=$(( (wal_after - wal_before) / INSERTS ))" \
    "buffers_per_insert=$(awk -v a="$buffers_before" -v b="$buffers_after" -v n="$INSERTS" 'BEGIN { printf "%.2f", (b - a) / n }')" \
    "tps=$tps"
}

: >"$WORK/results"
for round in $(seq "$ROUNDS"); do
  run with | tee -a "$WORK/results"
  for index in "${INDEXES[@]}"; do psql -q -X -d bench -c "DROP INDEX $index"; done
  run without | tee -a "$WORK/results"
  for index in "${INDEXES[@]}"; do psql -q -X -d bench -c "${DEFINITION[$index]}"; done
done
for side in with without; do
  grep "^$side " "$WORK/results" | python3 -c "
import statistics, sys
rows = [dict(kv.split('=') for kv in line.split()[1:]) for line in sys.stdin]
print('$side ${INDEXES[*]}:', ', '.join(f'median {k} {statistics.median(float(r[k]) for r in rows):g}'
      for k in ('cpu_us_per_insert', 'wal_bytes_per_insert', 'buffers_per_insert', 'tps')), f'({len(rows)} runs)')"
done
