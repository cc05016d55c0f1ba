#!/usr/bin/env bash
# The change feed's benchmark (docs/performance.md, "Change feed"): run by bench/run.sh after its
# endpoint tables, or alone on an existing build/release.
#
#   bench/feed.sh [postgresql] [sqlite]          (both by default)
#
# For each backend: seed 10,000 users with 10 tasks each (as bench/run.sh, without tags), serve
# them with two servers at --log-level warn, F (the feed, --max-connections 10100
# --events-max-subscribers 10000) and N (--no-change-feed), then on F:
#   1. memory: F's VmRSS idle, then holding FEED_IDLE (10,000) idle GET /events subscribers
#      (bench/sse_bench idle);
#   2. fan-out: FEED_SUBSCRIBERS (1,000) subscribers, then FEED_CHANGES (200) single POST /tasks one
#      at a time; the time from sending each POST to each subscriber having its event
#      (bench/sse_bench fanout), p50/p99/max over all pairs;
# and 3. the outbox's write cost: POST /tasks with wrk (64 connections, 2 threads, bench/wrk.lua's
# post_task), FEED_SECONDS (5) per run, on F and N in turns, FEED_ROUNDS (3) rounds, the order
# flipped each round (F N, N F, F N) so that drift and noise fall on both; CPU time per request of
# the server and of PostgreSQL's processes from /proc. Medians over the rounds.
# Prints a table and writes it to bench/results/YYYY-MM-DD-COMMIT-feed.md.
#
# Environment: FEED_SECONDS, FEED_ROUNDS, FEED_SUBSCRIBERS, FEED_CHANGES, FEED_IDLE,
# BENCH_BUILD_DIR (build/release).
set -euo pipefail
shopt -s inherit_errexit

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BENCH_BUILD_DIR:-$ROOT/build/release}
BIN=$BUILD/usertasks
SSE=$BUILD/bench/sse_bench
SECONDS_PER_RUN=${FEED_SECONDS:-5}
ROUNDS=${FEED_ROUNDS:-3}
SUBSCRIBERS=${FEED_SUBSCRIBERS:-1000}
CHANGES=${FEED_CHANGES:-200}
IDLE=${FEED_IDLE:-10000}
PG_BIN=/usr/lib/postgresql/15/bin # pg_cluster.sh's
export PG_BIN
USERS=10000
TASKS=100000
BACKENDS=("$@")
[[ ${#BACKENDS[@]} -gt 0 ]] || BACKENDS=(postgresql sqlite)
for backend in "${BACKENDS[@]}"; do
  [[ $backend == postgresql || $backend == sqlite ]] || { echo "feed.sh: postgresql|sqlite" >&2 && exit 2; }
done
for tool in wrk curl python3 sqlite3 psql; do
  command -v "$tool" >/dev/null || { echo "feed.sh: $tool is not installed" >&2 && exit 1; }
done
for program in "$BIN" "$SSE"; do
  [[ -x $program ]] || { echo "feed.sh: $program is missing; build the release preset" >&2 && exit 1; }
done

WORK=$(mktemp -d /tmp/usertasks-feed-XXXXXX)
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

# field LINE NAME: the value of NAME=… in a "KEY k=v …" line.
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# seed postgresql|sqlite: sets DATABASE.
seed() {
  if [[ $1 == postgresql ]]; then
    pg_start
    DATABASE="host=$PGHOST port=$PGPORT user=postgres dbname=bench"
    "$BIN" --database "$DATABASE" db upgrade >/dev/null
    psql -q -X -v ON_ERROR_STOP=1 -d bench <<EOF
INSERT INTO users (name, email, created_at, updated_at)
  SELECT 'user ' || g, 'user' || g || '@example.com', now(), now() FROM generate_series(1, $USERS) g;
INSERT INTO tasks (content, user_id, created_at, updated_at)
  SELECT 'task number ' || g, (g - 1) % $USERS + 1, now(), now() FROM generate_series(1, $TASKS) g;
VACUUM ANALYZE;
EOF
  else
    local now
    now=$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)
    DATABASE="sqlite:$WORK/feed.db"
    "$BIN" --database "$DATABASE" db upgrade >/dev/null
    sqlite3 -bail "$WORK/feed.db" <<EOF
BEGIN;
WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < $USERS)
INSERT INTO users (name, email, created_at, updated_at)
  SELECT 'user ' || i, 'user' || i || '@example.com', '$now', '$now' FROM g;
WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < $TASKS)
INSERT INTO tasks (content, user_id, created_at, updated_at)
  SELECT 'task number ' || i, (i - 1) % $USERS + 1, '$now', '$now' FROM g;
COMMIT;
EOF
  fi
}

# start NAME [SERVE_ARGS…]: a server on DATABASE at a free port; sets PORT[NAME], PID[NAME].
declare -A PORT PID
start() {
  local name=$1 port
  port=$(free_port)
  "$BIN" --database "$DATABASE" serve --host 127.0.0.1 --port "$port" --log-level warn "${@:2}" \
    >"$WORK/server-$name.log" 2>&1 &
  PID[$name]=$! PORT[$name]=$port
  PIDS+=("$!")
  for _ in $(seq 1 100); do
    curl -sf -m 1 "http://127.0.0.1:$port/healthz" >/dev/null && return 0
    kill -0 "${PID[$name]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "feed.sh: server $name did not come up:" >&2
  cat "$WORK/server-$name.log" >&2
  exit 1
}

stop_servers() {
  local pid
  for pid in "${PID[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PID[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=() PID=() PORT=()
}

# write_run NAME POSTMASTER: one wrk run of POST /tasks on server NAME; prints "rps service_us db_us".
write_run() {
  local name=$1 before after before_db after_db line requests
  before=$(cpu_ticks "${PID[$name]}")
  before_db=$(cpu_ticks "$2")
  BENCH_ENDPOINT=post_task BENCH_USERS=$USERS BENCH_TASKS=$TASKS \
    timeout $((SECONDS_PER_RUN + 60)) wrk -t 2 -c 64 -d "${SECONDS_PER_RUN}s" \
    -s "$ROOT/bench/wrk.lua" "http://127.0.0.1:${PORT[$name]}" >"$WORK/wrk.out" 2>&1 || {
    cat "$WORK/wrk.out" >&2
    exit 1
  }
  after=$(cpu_ticks "${PID[$name]}")
  after_db=$(cpu_ticks "$2")
  line=$(grep '^BENCH ' "$WORK/wrk.out")
  requests=$(field "$line" requests)
  [[ $(field "$line" non2xx) == 0 && $(field "$line" errors) == 0 ]] ||
    echo "feed.sh: $name: $line" >&2
  awk -v r="$(field "$line" rps)" -v service=$((after - before)) -v db=$((after_db - before_db)) \
    -v n="$requests" -v hz="$CLK_TCK" \
    'BEGIN { printf "%.1f %.1f %.1f\n", r, service * 1e6 / hz / n, db * 1e6 / hz / n }'
}

declare -A RESULT # RESULT[backend key]
bench_feed() {
  local backend=$1 postmaster=-1 line
  echo "== feed on $backend: seeding $USERS users, $TASKS tasks"
  seed "$backend"
  [[ $backend != postgresql ]] || postmaster=$(head -n 1 "$PG_DIR/data/postmaster.pid")
  start feed --max-connections $((IDLE + 100)) --events-max-subscribers "$IDLE"
  start plain --no-change-feed
  sleep 0.5

  line=$(timeout 300 "$SSE" idle --port "${PORT[feed]}" --pid "${PID[feed]}" \
    --subscribers "$IDLE" --settle-s 2) || echo "feed.sh: idle subscribers: not all held" >&2
  echo "   $line"
  RESULT[$backend idle]=$line

  local db_pid=()
  [[ $backend != postgresql ]] || db_pid=(--db-pid "$postmaster")
  line=$(timeout 300 "$SSE" fanout --port "${PORT[feed]}" --pid "${PID[feed]}" "${db_pid[@]}" \
    --subscribers "$SUBSCRIBERS" --changes "$CHANGES" --users "$USERS") ||
    echo "feed.sh: fan-out: some events or answers missing" >&2
  echo "   $line"
  RESULT[$backend fanout]=$line

  local round order name values
  declare -A RPS CPU DB
  for round in $(seq 1 "$ROUNDS"); do
    order="feed plain"
    ((round % 2)) || order="plain feed"
    for name in $order; do
      read -r -a values <<<"$(write_run "$name" "$postmaster")"
      echo "   round $round, POST /tasks, $name: ${values[0]} req/s, service ${values[1]} µs/request, database ${values[2]} µs/request"
      RPS[$name]+=" ${values[0]}" CPU[$name]+=" ${values[1]}" DB[$name]+=" ${values[2]}"
    done
  done
  for name in feed plain; do
    RESULT[$backend $name]="$(median <<<"${RPS[$name]}") $(median <<<"${CPU[$name]}") $(median <<<"${DB[$name]}")"
  done
  stop_servers
  [[ $backend != postgresql ]] || pg_stop
}

for backend in "${BACKENDS[@]}"; do bench_feed "$backend"; done

# ---------------------------------------------------------------- the table

COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
DATE=$(date -u +%Y-%m-%d)
cell() { # cell BACKEND WHAT
  local b=$1 f i p n
  case $2 in
    latency)
      f=${RESULT[$b fanout]}
      echo "$(field "$f" p50_ms) / $(field "$f" p99_ms) / $(field "$f" max_ms) ($(field "$f" pairs) pairs, $(field "$f" missing) missing)"
      ;;
    fanout_cpu)
      f=${RESULT[$b fanout]}
      local db=""
      [[ $b != postgresql ]] || db="; database $(field "$f" db_cpu_us_per_change)"
      echo "$(field "$f" service_cpu_us_per_change) (kernel $(field "$f" service_system_us_per_change)$db; the client $(field "$f" client_cpu_us_per_change))"
      ;;
    memory)
      i=${RESULT[$b idle]}
      echo "$(field "$i" delta_mib) MiB, $(field "$i" kib_per_subscriber) KiB each ($(field "$i" ready) held, idle $(($(field "$i" rss_idle_kib) / 1024)) MiB, after closing $(($(field "$i" rss_closed_kib) / 1024)) MiB)"
      ;;
    rps | cpu | db)
      read -r -a p <<<"${RESULT[$b feed]}"
      read -r -a n <<<"${RESULT[$b plain]}"
      case $2 in rps) i=0 ;; cpu) i=1 ;; *) i=2 ;; esac
      awk -v a="${p[$i]}" -v b="${n[$i]}" 'BEGIN { printf "%.0f / %.0f (%+.1f %%)\n", a, b, (b > 0 ? (a - b) * 100 / b : 0) }'
      ;;
  esac
}
row() { # row LABEL WHAT TARGET
  local line="| $1" b
  for b in "${BACKENDS[@]}"; do line+=" | $(cell "$b" "$2")"; done
  echo "$line | $3 |"
}
file=$ROOT/bench/results/$DATE-$COMMIT-feed.md
mkdir -p "$ROOT/bench/results"
{
  echo "# usertasks change feed, $DATE"
  echo
  echo "- commit: $COMMIT; $(nproc) CPUs; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- bench/feed.sh: $USERS users, $TASKS tasks; $SUBSCRIBERS subscribers x $CHANGES changes; $IDLE idle subscribers; POST /tasks: wrk 64 connections, ${SECONDS_PER_RUN} s x $ROUNDS rounds per server, medians"
  echo
  header="| measure"
  rule="|---"
  for b in "${BACKENDS[@]}"; do header+=" | $b" rule+="|---:"; done
  echo "$header | target |"
  echo "$rule|---|"
  row "fan-out to $SUBSCRIBERS subscribers, ms p50 / p99 / max" latency "p99 < 50 ms"
  row "service CPU µs per change to $SUBSCRIBERS subscribers" fanout_cpu ""
  row "memory of $IDLE idle subscribers" memory "< 100 MiB"
  row "POST /tasks req/s, feed / --no-change-feed" rps "≥ -15 %"
  row "POST /tasks service CPU µs/request, feed / --no-change-feed" cpu ""
  [[ " ${BACKENDS[*]} " != *" postgresql "* ]] ||
    row "POST /tasks database CPU µs/request, feed / --no-change-feed" db ""
} >"$file"
echo
cat "$file"
echo "written to ${file#"$ROOT"/}"
