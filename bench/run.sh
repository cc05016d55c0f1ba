#!/usr/bin/env bash
# The usertasks benchmark: the service against its database's own ceiling. See docs/performance.md.
#
#   bench/run.sh [--scale] [--backend postgresql|sqlite|all] [--no-micro] [--no-feed] [--sweep]
#                [--only E,E…]
#
# For each backend: seed 10,000 users with 10 tasks each (--scale: 100,000 users, 1,000,000
# tasks), the tasks of the first half of the users carrying 1 to 3 tags of 16 (TAG_NAMES below),
# serve them with build/release/usertasks on a free loopback port, load each endpoint with wrk
# (64 connections, 2 threads, BENCH_SECONDS each, random ids), then run the same SQL without
# the service for as long (pgbench -M prepared on PostgreSQL, bench/sqlite_ceiling on SQLite),
# measure the server's memory idle and holding 1,000 keep-alive connections, and print and write
# bench/results/YYYY-MM-DD-COMMIT-BACKEND.md. Each endpoint's row gives the CPU time per request
# of the server process and, on PostgreSQL, of the cluster's processes, and the ceiling's per
# operation (/proc/PID/stat). After the endpoints: GET /users/{id}, GET /tasks/{id} and POST /tasks
# with one connection (wrk -c 1 -t 1), and the HTTP ceiling: nginx (2 workers, no access log)
# serving the answer to a GET /tasks/{id} as a static file under the same wrk load, beside the
# service's two point reads. Then the change feed's table on the same backends
# (bench/feed.sh: fan-out latency, memory per idle subscriber, what the outbox costs POST /tasks;
# not with --no-feed, --scale, --sweep or --only), then the micro-benchmarks. Everything runs on
# 127.0.0.1 and in a temporary directory; the cluster, the servers and nginx are stopped on exit.
# --sweep replaces the endpoint table: GET /users/{id} and POST /tasks under each --threads and
# --pool of BENCH_SWEEP ("1x2 1x4 2x2 2x4 2x8"), written to …-BACKEND-sweep.md.
# --only user,user_tagged,…: only the endpoints of these wrk.lua names (the table's second column
# below: user, user_tagged, task, tasks_of_tag, tasks_of_user, tasks_newest, users_with_tasks,
# post_task, patch_task, healthz), written to …-BACKEND-only.md; the one-connection table keeps
# those of its endpoints that are among them, and nginx runs if user or task is.
#
# Environment: BENCH_SECONDS (10), BENCH_CONNECTIONS (64), BENCH_THREADS (2), BENCH_HOLD (1000),
# BENCH_BUILD_DIR (build/release), BENCH_SWEEP (io threads x pool size, for --sweep).
set -euo pipefail
shopt -s inherit_errexit # a failure inside $(…) stops the run too

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BENCH_BUILD_DIR:-$ROOT/build/release}
BIN=$BUILD/usertasks
BENCH_BIN=$BUILD/bench
DURATION=${BENCH_SECONDS:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
HOLD=${BENCH_HOLD:-1000}
POOL=4 # the service's default --pool, and so the SQLite ceiling's threads
PG_BIN=/usr/lib/postgresql/15/bin
NGINX_BIN=/usr/sbin/nginx

USERS=10000
TASKS_PER_USER=10
# Tags: the tasks of users 1..USERS/2 carry 1 to 3 (2 on average) of these 16 names, drawn from a
# hash of the task's id (TASK_HASH, TAG_OF below); the other users' tasks carry none, and the rows
# that existed before tags (GET /users/{id}, GET /tasks/{id}, …) draw from those users only
# (wrk.lua), so that they still read what they read then. Each name is on about 1/8 of the tagged
# tasks, 1/16 of all tasks. The offsets 0, 5, 10 (mod 16) keep a task's names distinct.
TAG_NAMES=(home work urgent errands phone email reading health finance travel garden kids car
  shopping someday waiting)
SCALE=""
BACKENDS=(postgresql sqlite)
MICRO=1
FEED=1
SWEEP=0
ONLY=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --scale) USERS=100000 SCALE="-scale" ;;
    --backend)
      shift
      case ${1:-} in
        all) BACKENDS=(postgresql sqlite) ;;
        postgresql | sqlite) BACKENDS=("$1") ;;
        *) echo "run.sh: --backend postgresql|sqlite|all" >&2 && exit 2 ;;
      esac
      ;;
    --no-micro) MICRO=0 ;;
    --no-feed) FEED=0 ;;
    --sweep) SWEEP=1 MICRO=0 ;;
    --only)
      shift
      [[ -n ${1:-} ]] || { echo "run.sh: --only wants wrk.lua endpoint names, comma-separated" >&2 && exit 2; }
      ONLY=$1
      ;;
    -h | --help) sed -n '/^set -euo/q; 2,$p' "${BASH_SOURCE[0]}" && exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2 && exit 2 ;;
  esac
  shift
done
TASKS=$((USERS * TASKS_PER_USER))
TAGGED_USERS=$((USERS / 2))
TAG_LIST=$(IFS=,; echo "${TAG_NAMES[*]}")                         # home,work,…
TAG_SQL=$(printf "'%s'," "${TAG_NAMES[@]}") TAG_SQL=${TAG_SQL%,} # 'home','work',…
TAG_JSON=$(printf '"%s",' "${TAG_NAMES[@]}") TAG_JSON="[${TAG_JSON%,}]"
# The links of task g (of a tagged user): h = a hash of g; 1 + h % 3 names, the first one number
# (h / 3) % 16 of TAG_NAMES (from 0), the next ones 5 and 10 further on (j = 0, 1, 2).
TASK_HASH="(g * 2654435761) % 4294967296"
TAG_OF="(h / 3 + 5 * j) % ${#TAG_NAMES[@]} + 1" # from 1
TAG_LINKS="?"

for tool in wrk curl python3; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is not installed (make bench installs it)" >&2; exit 1; }
done
[[ -x $NGINX_BIN ]] || { echo "run.sh: $NGINX_BIN is not installed (make bench installs nginx-light)" >&2; exit 1; }
for program in "$BIN" "$BENCH_BIN/bench_sql" "$BENCH_BIN/sqlite_ceiling"; do
  [[ -x $program ]] || { echo "run.sh: $program is missing; build the release preset first" >&2; exit 1; }
done

# The endpoints: label, wrk endpoint (bench/wrk.lua), ceiling op (pgbench script / sqlite_ceiling),
# target ratio to the ceiling, and "info" where the run is repeated at the default log level.
ENDPOINTS=(
  "GET /users/{id}|user|user_with_tasks|0.6|info"
  "GET /users/{id}, tasks with tags|user_tagged|user_with_tagged_tasks|0.6"
  "GET /tasks/{id}|task|task_with_user|0.6"
  "GET /tasks?tag={name}&limit=100|tasks_of_tag|tasks_page_of_tag|0.6"
  "GET /tasks?user_id={id}&limit=100|tasks_of_user|tasks_page_of_user|0.6"
  "GET /tasks?sort=-created_at&limit=100|tasks_newest|tasks_page_newest|0.6"
  "GET /tasks?q=number%20{n}&limit=100|tasks_search|tasks_page_search|0.6"
  "GET /users?include=tasks&limit=50&after={id}|users_with_tasks|users_page_with_tasks|0.6"
  "POST /tasks|post_task|task_insert|0.8|info"
  "PATCH /tasks/{id}|patch_task|task_update|0.8"
  "GET /healthz|healthz|ping|0.6"
)
if [[ -n $ONLY ]]; then
  selected=()
  for name in ${ONLY//,/ }; do
    found=0
    for entry in "${ENDPOINTS[@]}"; do
      IFS='|' read -r _ endpoint _ <<<"$entry"
      [[ $endpoint != "$name" ]] || { selected+=("$entry") found=1; }
    done
    ((found)) || { echo "run.sh: --only: no endpoint $name" >&2 && exit 2; }
  done
  ENDPOINTS=("${selected[@]}")
fi

WORK=$(mktemp -d /tmp/usertasks-bench-XXXXXX)
PG_DIR=""
PG_PORT=""
PG_AS=()
SERVER_PID=""
SERVER_PORT=""
INFO_PID="" # bench_backend's second server, at the default log level
INFO_PORT=""
NGINX_PID="" # the HTTP ceiling (start_nginx)
NGINX_PORT=""

# stop_pid PID: SIGTERM, then SIGKILL after 15 s.
stop_pid() {
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 1 150); do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# stop_server: the server, bench_backend's second one and nginx, those that run.
stop_server() {
  local pid
  for pid in "$SERVER_PID" "$INFO_PID" "$NGINX_PID"; do
    [[ -z $pid ]] || stop_pid "$pid"
  done
  SERVER_PID="" INFO_PID="" NGINX_PID=""
}

cleanup() {
  local status=$?
  stop_server
  if [[ -n $PG_DIR && -f $PG_DIR/data/postmaster.pid ]]; then
    "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  [[ -n $PG_DIR ]] && rm -rf "$PG_DIR"
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_port, cpu_ticks, cpu_us (bench/common.sh); pg_start, pg_stop: a throwaway PostgreSQL
# cluster (bench/pg_cluster.sh).
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# shellcheck source-path=SCRIPTDIR source=pg_cluster.sh
source "$(dirname "${BASH_SOURCE[0]}")/pg_cluster.sh"

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# The part of it that is mapped files (SQLite's memory-mapped database pages), not the heap.
rss_file_kib() { awk '/^RssFile:/ { print $2 }' "/proc/$1/status"; }

load() { cut -d' ' -f1-3 /proc/loadavg; }

# pg_ticks: cpu_ticks of the throwaway cluster: its postmaster, and under it every backend and
# background process.
pg_ticks() { cpu_ticks "$(head -n 1 "$PG_DIR/data/postmaster.pid")"; }

# wait_up PID PORT LOG_FILE: waits for the server PID to answer GET /healthz on PORT; if it does
# not within 10 s, prints its log and stops the run.
wait_up() {
  for _ in $(seq 1 100); do
    if curl -sf -m 1 "http://127.0.0.1:$2/healthz" >/dev/null; then return 0; fi
    kill -0 "$1" 2>/dev/null || break
    sleep 0.1
  done
  echo "run.sh: the server on port $2 did not come up; its log:" >&2
  cat "$3" >&2
  exit 1
}

# start_server DATABASE LOG_LEVEL LOG_FILE [SERVE_ARGS…]: serves DATABASE on a free port; sets
# SERVER_PID/PORT.
start_server() {
  SERVER_PORT=$(free_port)
  "$BIN" --database "$1" serve --host 127.0.0.1 --port "$SERVER_PORT" --log-level "$2" "${@:4}" \
    >"$3" 2>&1 &
  SERVER_PID=$!
  wait_up "$SERVER_PID" "$SERVER_PORT" "$3"
}

# start_nginx FILE CONTENT_TYPE: the HTTP ceiling, nginx serving FILE as CONTENT_TYPE at every
# path on a free port, with 2 worker processes, no access log, and keep-alive connections that
# it does not close after 1,000 requests (the service does not); sets NGINX_PID/PORT.
start_nginx() {
  local dir=$WORK/nginx
  NGINX_PORT=$(free_port)
  mkdir -p "$dir/tmp"
  cp "$1" "$dir/body"
  # "user": a master run by root would hand its workers to nobody, who cannot read $WORK. The
  # temporary paths would be /var/lib/nginx's, and the pid file /run/nginx.pid.
  cat >"$dir/nginx.conf" <<EOF
user $(id -un);
worker_processes 2;
pid $dir/nginx.pid;
events {}
http {
  access_log off;
  types {}
  default_type "$2";
  keepalive_requests 1000000000;
  client_body_temp_path $dir/tmp;
  proxy_temp_path $dir/tmp;
  fastcgi_temp_path $dir/tmp;
  uwsgi_temp_path $dir/tmp;
  scgi_temp_path $dir/tmp;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $dir;
    try_files /body =404;
  }
}
EOF
  "$NGINX_BIN" -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' >"$dir/nginx.log" 2>&1 &
  NGINX_PID=$!
  wait_up "$NGINX_PID" "$NGINX_PORT" "$dir/nginx.log"
}

# field LINE NAME: the value of NAME=… in a "KEY k=v …" line.
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }

# latency_row LABEL LINE: the table row "| `LABEL` | req/s | p50 ms | p99 ms |" of a BENCH line.
latency_row() {
  echo "| \`$1\` | $(printf '%.0f' "$(field "$2" rps)") | $(field "$2" p50_ms) | $(field "$2" p99_ms) |"
}

# run_wrk ENDPOINT [PORT PID [CONNECTIONS]]: one wrk run against the server PID on PORT
# (SERVER_PID on SERVER_PORT) with CONNECTIONS (BENCH_CONNECTIONS; as many threads, up to
# BENCH_THREADS); prints its BENCH line, with cpu_us=…, the server's CPU µs per request, and while
# the cluster runs db_cpu_us=…, the cluster's.
run_wrk() {
  local pid=${3:-$SERVER_PID} connections=${4:-$CONNECTIONS} cpu db="" line
  cpu=$(cpu_ticks "$pid")
  [[ -z $PG_DIR ]] || db=$(pg_ticks)
  BENCH_ENDPOINT=$1 BENCH_USERS=$USERS BENCH_TASKS=$TASKS BENCH_TAGGED_USERS=$TAGGED_USERS \
    BENCH_TAGS=$TAG_LIST \
    timeout $((DURATION + 60)) wrk -t $((connections < THREADS ? connections : THREADS)) \
    -c "$connections" -d "${DURATION}s" --latency \
    -s "$ROOT/bench/wrk.lua" "http://127.0.0.1:${2:-$SERVER_PORT}" >"$WORK/wrk.out" 2>&1 || {
    cat "$WORK/wrk.out" >&2
    exit 1
  }
  line=$(grep '^BENCH ' "$WORK/wrk.out")
  line+=" cpu_us=$(cpu_us "$cpu" "$(cpu_ticks "$pid")" "$(field "$line" requests)")"
  [[ -z $db ]] || line+=" db_cpu_us=$(cpu_us "$db" "$(pg_ticks)" "$(field "$line" requests)")"
  echo "$line"
}

# ---------------------------------------------------------------- PostgreSQL


pg_seed() {
  "$BIN" --database "host=$PGHOST port=$PGPORT user=postgres dbname=bench" db upgrade >/dev/null
  psql -q -X -v ON_ERROR_STOP=1 -d bench <<EOF
INSERT INTO users (name, email, created_at, updated_at)
  SELECT 'user ' || g, 'user' || g || '@example.com', now(), now()
  FROM generate_series(1, $USERS) g;
-- A user's tasks are spread over the table, as tasks made over time would be.
INSERT INTO tasks (content, user_id, created_at, updated_at)
  SELECT 'task number ' || g, (g - 1) % $USERS + 1, now(), now()
  FROM generate_series(1, $TASKS) g;
INSERT INTO tags (name, created_at, updated_at)
  SELECT name, now(), now() FROM unnest(ARRAY[$TAG_SQL]) WITH ORDINALITY AS v(name, k) ORDER BY k;
INSERT INTO task_tags (task_id, tag_id)
  SELECT t.g, tags.id
  FROM (SELECT g, $TASK_HASH AS h FROM generate_series(1, $TASKS) g
        WHERE (g - 1) % $USERS < $TAGGED_USERS) t
  JOIN generate_series(0, 2) j ON j <= t.h % 3
  JOIN unnest(ARRAY[$TAG_SQL]) WITH ORDINALITY AS v(name, k) ON v.k = $TAG_OF
  JOIN tags ON tags.name = v.name;
VACUUM ANALYZE;
EOF
  TAG_LINKS=$(psql -X -A -t -d bench -c "SELECT count(*) FROM task_tags")
}

# A task of an untagged user, as a pgbench expression (task g belongs to user (g - 1) % users + 1).
UNTAGGED_TASK="$USERS * random(0, $((TASKS_PER_USER - 1))) + random($((TAGGED_USERS + 1)), $USERS)"

# pg_script OP: writes the pgbench script of OP (the service's statements, by bench_sql) to
# $WORK/OP.sql.
pg_script() {
  local sql=$BENCH_BIN/bench_sql
  {
    case $1 in
      ping) "$sql" ping --pgbench ;;
      user_with_tasks)
        echo "\\set id random($((TAGGED_USERS + 1)), $USERS)"
        "$sql" user_with_tasks --pgbench
        ;;
      user_with_tagged_tasks)
        echo "\\set id random(1, $TAGGED_USERS)"
        "$sql" user_with_tasks --pgbench
        ;;
      task_with_user)
        echo "\\set id $UNTAGGED_TASK"
        "$sql" task_with_user --pgbench
        ;;
      tasks_page_of_tag)
        # The service binds the names as a JSON array; here it is built from a random index.
        echo "\\set t random(1, ${#TAG_NAMES[@]})"
        "$sql" tasks_page_tagged --pgbench --set after=0 --set limit=101 --set done=NULL \
          --set due_before=NULL --set due_after=NULL \
          --set "tag='[\"' || (ARRAY[$TAG_SQL])[:t] || '\"]'"
        ;;
      tasks_page_search)
        # "number N": the tasks whose number starts with N, 0.11 % of them (wrk.lua).
        echo "\\set n random(100, 999)"
        "$sql" tasks_page --pgbench --set after=0 --set limit=101 --set "q='number ' || :n"
        ;;
      tasks_page_of_user)
        echo "\\set user_id random($((TAGGED_USERS + 1)), $USERS)"
        "$sql" tasks_page_of_user --pgbench --set after=0 --set limit=101 --set done=NULL
        ;;
      tasks_page_newest)
        # The statement the service makes for sort=-created_at, its first page.
        "$sql" tasks_page --sort -created_at --pgbench --set limit=101
        ;;
      users_page_with_tasks)
        # The page is users after+1 … after+50 (ids are dense), which the select-in gets as the
        # JSON array the service builds from the page.
        echo "\\set after random($TAGGED_USERS, $((USERS - 50)))"
        "$sql" users_page --pgbench --set limit=51
        echo ";"
        "$sql" tasks_of_users --pgbench \
          --set 'ids=(SELECT json_agg(g)::text FROM generate_series(:after + 1, :after + 50) g)'
        ;;
      task_insert)
        echo "\\set user_id random(1, $USERS)"
        echo "BEGIN;"
        "$sql" task_insert --pgbench --set done=false
        echo ";"
        echo "COMMIT"
        ;;
      task_update)
        echo "\\set id $UNTAGGED_TASK"
        echo "BEGIN;"
        "$sql" task_update --pgbench --set user_id=NULL --set done=NULL --set if_match=NULL
        echo ";"
        echo "COMMIT"
        ;;
      *) echo "run.sh: no pgbench script for $1" >&2 && exit 1 ;;
    esac
    echo ";"
  } >"$WORK/$1.sql"
}

# pg_ceiling OP CLIENTS: pgbench on OP's script; prints "CEILING op=… ops_per_s=… …
# db_cpu_us=…", the last the cluster's CPU µs per transaction (pgbench's own is not counted).
pg_ceiling() {
  pg_script "$1"
  local content="benchmark task"
  [[ $1 == task_update ]] && content="updated by the benchmark"
  # The service plans a search for its values (an unnamed statement each time): so does pgbench's
  # extended protocol; the rest is prepared once, as the service prepares it.
  local protocol=prepared
  [[ $1 != tasks_page_search ]] || protocol=extended
  local ticks
  ticks=$(pg_ticks)
  timeout $((DURATION + 60)) pgbench -n -M "$protocol" -c "$2" -j "$THREADS" \
    -T "$DURATION" -f "$WORK/$1.sql" -D "content=$content" \
    -D "now=$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)" bench >"$WORK/pgbench.out" 2>&1 || {
    cat "$WORK/$1.sql" "$WORK/pgbench.out" >&2
    exit 1
  }
  local tps latency failed transactions
  tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$WORK/pgbench.out")
  latency=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$WORK/pgbench.out")
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$WORK/pgbench.out")
  transactions=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' \
    "$WORK/pgbench.out")
  echo "CEILING op=$1 clients=$2 ops_per_s=$tps latency_avg_ms=${latency:-?} failed=${failed:-0}" \
    "db_cpu_us=$(cpu_us "$ticks" "$(pg_ticks)" "$transactions")"
}

# ---------------------------------------------------------------- SQLite

sqlite_seed() {
  local now
  now=$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)
  SQLITE_DB=$WORK/bench.db
  "$BIN" --database "sqlite:$SQLITE_DB" db upgrade >/dev/null
  # ASCII emails only: the sqlite3 shell's lower() agrees with the service's for them.
  sqlite3 -bail "$SQLITE_DB" <<EOF
BEGIN;
WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < $USERS)
INSERT INTO users (name, email, created_at, updated_at)
  SELECT 'user ' || i, 'user' || i || '@example.com', '$now', '$now' FROM g;
WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < $TASKS)
INSERT INTO tasks (content, user_id, created_at, updated_at)
  SELECT 'task number ' || i, (i - 1) % $USERS + 1, '$now', '$now' FROM g;
INSERT INTO tags (name, created_at, updated_at)
  SELECT value, '$now', '$now' FROM json_each('$TAG_JSON') ORDER BY key;
WITH RECURSIVE n(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM n WHERE g < $TASKS),
  t(g, h) AS (SELECT g, $TASK_HASH FROM n WHERE (g - 1) % $USERS < $TAGGED_USERS),
  js(j) AS (VALUES (0), (1), (2)),
  v(k, name) AS (SELECT key + 1, value FROM json_each('$TAG_JSON'))
INSERT INTO task_tags (task_id, tag_id)
  SELECT t.g, tags.id FROM t JOIN js ON js.j <= t.h % 3
  JOIN v ON v.k = (t.h / 3 + 5 * js.j) % ${#TAG_NAMES[@]} + 1
  JOIN tags ON tags.name = v.name;
COMMIT;
ANALYZE;
EOF
  TAG_LINKS=$(sqlite3 "$SQLITE_DB" "SELECT count(*) FROM task_tags")
}

# sqlite_ceiling OP: bench/sqlite_ceiling on OP; prints its CEILING line with db_cpu_us=…, the
# program's CPU µs per op (the database runs in it), which this shell gets when it ends.
sqlite_ceiling() {
  local shell=$BASHPID ticks line
  ticks=$(cpu_ticks "$shell")
  line=$(timeout $((DURATION + 60)) "$BENCH_BIN/sqlite_ceiling" --db "$SQLITE_DB" --op "$1" \
    --threads "$POOL" --seconds "$DURATION" --users "$USERS" --tasks "$TASKS" \
    --tagged-users "$TAGGED_USERS" --tags "$TAG_LIST")
  echo "$line db_cpu_us=$(cpu_us "$ticks" "$(cpu_ticks "$shell")" "$(field "$line" ops)")"
}

# ---------------------------------------------------------------- one backend

machine() {
  local cpu mem
  cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
  mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
  echo "$(nproc) CPUs ($cpu), $mem RAM, $(uname -sr)"
}

COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=""
if [[ -n $(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null) ]]; then
  DIRTY=" (working tree with uncommitted changes)"
fi
DATE=$(date -u +%Y-%m-%d)
mkdir -p "$ROOT/bench/results"

# seed postgresql|sqlite: makes the database (starting the cluster); sets DATABASE, its --database.
seed() {
  echo "== $1: seeding $USERS users, $TASKS tasks, tags on the tasks of users 1-$TAGGED_USERS"
  if [[ $1 == postgresql ]]; then
    pg_start
    pg_seed
    DATABASE="host=$PGHOST port=$PGPORT user=postgres dbname=bench"
  else
    sqlite_seed
    DATABASE="sqlite:$SQLITE_DB"
  fi
  echo "   $TAG_LINKS links of a task with a tag, ${#TAG_NAMES[@]} tags"
}


# sweep_backend postgresql|sqlite: GET /users/{id} and POST /tasks at each io-thread count and
# pool size of BENCH_SWEEP, to choose the defaults (docs/performance.md).
sweep_backend() {
  local backend=$1 config threads pool rows="" line user_line post_line file load_before
  seed "$backend"
  load_before=$(load)
  for config in ${BENCH_SWEEP:-1x2 1x4 2x2 2x4 2x8}; do
    threads=${config%x*} pool=${config#*x}
    start_server "$DATABASE" warn "$WORK/server-sweep.log" --threads "$threads" --pool "$pool"
    user_line=$(run_wrk user)
    post_line=$(run_wrk post_task)
    stop_server
    echo "-- --threads $threads --pool $pool: $user_line / $post_line"
    line="| $threads | $pool"
    for l in "$user_line" "$post_line"; do
      line+=" | $(printf '%.0f' "$(field "$l" rps)") | $(field "$l" p99_ms)"
    done
    rows+="$line |"$'\n'
  done
  [[ $backend != postgresql ]] || pg_stop
  file=$ROOT/bench/results/$DATE-$COMMIT-$backend$SCALE-sweep.md
  {
    echo "# usertasks on $backend, io threads and pool size, $DATE"
    echo
    echo "- commit: $COMMIT$DIRTY"
    echo "- machine: $(machine)"
    echo "- load average (1, 5, 15 min) before: $load_before; after: $(load)"
    echo "- data: $USERS users, $TASKS tasks, $TAG_LINKS links to ${#TAG_NAMES[@]} tags on the tasks of users 1-$TAGGED_USERS; wrk $CONNECTIONS connections, $THREADS threads, ${DURATION} s per endpoint, random ids"
    echo "- service: build/release/usertasks serve --log-level warn --threads T --pool P"
    echo
    echo "| --threads | --pool | \`GET /users/{id}\` req/s | p99 ms | \`POST /tasks\` req/s | p99 ms |"
    echo "|---:|---:|---:|---:|---:|---:|"
    printf '%s' "$rows"
  } >"$file"
  echo
  cat "$file"
  echo "written to ${file#"$ROOT"/}"
}

# bench_backend postgresql|sqlite
bench_backend() {
  local backend=$1
  local load_before load_after rss_fresh rss_after rss_after_file hold_line
  load_before=$(load)
  seed "$backend"

  # A second server at the default log level (an access-log line per request, to a file) waits
  # idle for its runs, each right after the same endpoint's run at warn, on the same data: the
  # writes and the ceiling's writes that follow make every user's task list longer.
  start_server "$DATABASE" info "$WORK/server-info.log"
  INFO_PID=$SERVER_PID INFO_PORT=$SERVER_PORT
  start_server "$DATABASE" warn "$WORK/server.log"
  sleep 0.5
  rss_fresh=$(rss_kib "$SERVER_PID")

  local rows="" notes="" info_rows="" entry label endpoint op target info line ceiling rps p50 p99
  local info_line non2xx errors ratio ok ceiling_rate ceiling_pool pool_rate best db_cpu
  local -A lines=() labels=() # by wrk.lua endpoint, for the tables that follow the first
  for entry in "${ENDPOINTS[@]}"; do
    IFS='|' read -r label endpoint op target info <<<"$entry"
    echo "-- $label"
    line=$(run_wrk "$endpoint")
    echo "   service: $line"
    lines[$endpoint]=$line labels[$endpoint]=$label
    if [[ $info == info ]]; then
      info_line=$(run_wrk "$endpoint" "$INFO_PORT" "$INFO_PID")
      echo "   service, --log-level info: $info_line"
      info_rows+="$(latency_row "$label" "$info_line")"$'\n'
    fi
    pool_rate="—"
    if [[ $backend == postgresql ]]; then
      ceiling=$(pg_ceiling "$op" "$CONNECTIONS")
      # Also with as many clients as the service has connections: on 2 cores, 64 backends can
      # be slower than 4.
      ceiling_pool=$(pg_ceiling "$op" "$POOL")
      echo "   ceiling: $ceiling"
      echo "   ceiling: $ceiling_pool"
      pool_rate=$(field "$ceiling_pool" ops_per_s)
      db_cpu=$(field "$line" db_cpu_us)
    else
      ceiling=$(sqlite_ceiling "$op")
      echo "   ceiling: $ceiling"
      db_cpu="in service"
    fi
    # The ratio and the ceiling's CPU are those of the higher ceiling.
    best=$ceiling
    if [[ $pool_rate != "—" ]] &&
      awk -v a="$(field "$ceiling" ops_per_s)" -v b="$pool_rate" 'BEGIN { exit !(b > a) }'; then
      best=$ceiling_pool
    fi
    rps=$(field "$line" rps)
    p50=$(field "$line" p50_ms)
    p99=$(field "$line" p99_ms)
    non2xx=$(field "$line" non2xx)
    errors=$(field "$line" errors)
    ceiling_rate=$(field "$ceiling" ops_per_s)
    ratio=$(awk -v a="$rps" -v b="$(field "$best" ops_per_s)" \
      'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
    ok=$(awk -v r="$ratio" -v t="$target" -v p="$p99" \
      'BEGIN { print (r >= t ? "yes" : "no") " / " (p <= 10 ? "yes" : "no") }')
    [[ $pool_rate == "—" ]] || pool_rate=$(printf '%.0f' "$pool_rate")
    rows+="| \`$label\` | $(printf '%.0f' "$rps") | $p50 | $p99 | $(printf '%.0f' "$ceiling_rate") | $pool_rate | $ratio | ≥ $target: $ok | $(field "$line" cpu_us) | $db_cpu | $(field "$best" db_cpu_us) | $((non2xx + errors)) |"$'\n'
    if ((non2xx + errors > 0)); then
      notes+="- \`$label\`: $non2xx answers not 2xx, $errors socket errors; the server's last log line: \`$(tail -n 1 "$WORK/server.log" | cut -c1-300)\`"$'\n'
    fi
  done

  sleep 1
  rss_after=$(rss_kib "$SERVER_PID")
  rss_after_file=$(rss_file_kib "$SERVER_PID")
  hold_line=$(timeout 120 python3 "$ROOT/bench/hold_connections.py" --port "$SERVER_PORT" \
    --pid "$SERVER_PID" --count "$HOLD") || true
  echo "   $hold_line"
  local hold_rss
  hold_rss=$(field "$hold_line" rss_kib)

  # One connection and one wrk thread: a request's latency with nothing queued before it.
  local one_rows="" one_line
  for endpoint in user task post_task; do
    [[ -n ${lines[$endpoint]:-} ]] || continue
    one_line=$(run_wrk "$endpoint" "$SERVER_PORT" "$SERVER_PID" 1)
    echo "   one connection, ${labels[$endpoint]}: $one_line"
    one_rows+="$(latency_row "${labels[$endpoint]}" "$one_line")"$'\n'
  done

  # The HTTP ceiling serves the answer to GET /tasks/{id} for a task of a user without tags (as
  # wrk.lua draws them), with its Content-Type.
  local body_id=$((TAGGED_USERS + 1)) content_type=""
  if [[ -n ${lines[task]:-}${lines[user]:-} ]]; then
    content_type=$(curl -sf -m 10 -o "$WORK/task.json" -w '%{content_type}' \
      "http://127.0.0.1:$SERVER_PORT/tasks/$body_id") ||
      { echo "run.sh: GET /tasks/$body_id, the HTTP ceiling's body, failed" >&2 && exit 1; }
  fi
  stop_server
  [[ $backend != postgresql ]] || pg_stop

  local http_rows="" nginx_line nginx_rps
  if [[ -n $content_type ]]; then
    echo "-- HTTP ceiling: nginx"
    start_nginx "$WORK/task.json" "$content_type"
    nginx_line=$(run_wrk task "$NGINX_PORT" "$NGINX_PID")
    stop_server
    echo "   nginx: $nginx_line"
    nginx_rps=$(field "$nginx_line" rps)
    http_rows="| nginx, the static file | $(printf '%.0f' "$nginx_rps") | $(field "$nginx_line" p99_ms) | $(field "$nginx_line" cpu_us) | 1.00 |"$'\n'
    for endpoint in task user; do
      [[ -n ${lines[$endpoint]:-} ]] || continue
      line=${lines[$endpoint]}
      rps=$(field "$line" rps)
      http_rows+="| usertasks, \`${labels[$endpoint]}\` | $(printf '%.0f' "$rps") | $(field "$line" p99_ms) | $(field "$line" cpu_us) | $(awk -v a="$rps" -v b="$nginx_rps" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }') |"$'\n'
    done
  fi
  load_after=$(load)

  local ceiling_name ceiling_cpu file
  if [[ $backend == postgresql ]]; then
    ceiling_name="pgbench -n -M prepared -c $CONNECTIONS -j $THREADS -T $DURATION, the same statements (and again with -c $POOL); -M extended for the search, which the service plans each time"
    ceiling_cpu="database CPU: the cluster's (the postmaster, its backends and background processes, the exited ones included) over the same run, per request; the ceiling's: the cluster's per pgbench transaction in the higher ceiling's run (pgbench's own CPU is not counted)."
  else
    ceiling_name="bench/sqlite_ceiling, the same statements on the same file from $POOL threads (the service's pool)"
    ceiling_cpu="The database runs in the service; the ceiling's database CPU: bench/sqlite_ceiling's (the database and the loop that drives it) per operation."
  fi
  file=$ROOT/bench/results/$DATE-$COMMIT-$backend$SCALE${ONLY:+-only}.md
  {
    echo "# usertasks on $backend, $DATE"
    echo
    echo "- commit: $COMMIT$DIRTY"
    echo "- machine: $(machine)"
    echo "- load average (1, 5, 15 min) before: $load_before; after: $load_after"
    echo "- data: $USERS users, $TASKS tasks, $TAG_LINKS links to ${#TAG_NAMES[@]} tags on the tasks of users 1-$TAGGED_USERS; wrk $CONNECTIONS connections, $THREADS threads, ${DURATION} s per endpoint, random ids"
    echo "- service: build/release/usertasks serve --log-level warn (pool $POOL, one io thread per core)"
    echo "- ceiling: $ceiling_name"
    echo
    echo "| endpoint | req/s | p50 ms | p99 ms | ceiling/s | ceiling/s, $POOL clients | ratio | target ratio / p99 ≤ 10 ms | service CPU µs/req | database CPU µs/req | ceiling's database CPU µs/op | errors |"
    echo "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|"
    printf '%s' "$rows"
    echo
    echo "ratio: req/s over the higher ceiling. errors: answers not 2xx plus socket errors."
    echo "service CPU: the server process's user and system time over the wrk run, per request wrk"
    echo "completed (/proc/PID/stat, in ticks of 1/$CLK_TCK s)."
    echo "$ceiling_cpu"
    [[ -z $notes ]] || printf '\n%s' "$notes"
    echo
    echo "With the default \`--log-level info\` (an access-log line per request, to a file), run by a"
    echo "second server right after the run above on the same endpoint:"
    echo
    echo "| endpoint | req/s | p50 ms | p99 ms |"
    echo "|---|---:|---:|---:|"
    printf '%s' "$info_rows"
    if [[ -n $one_rows ]]; then
      echo
      echo "With one connection (wrk -c 1 -t 1, ${DURATION} s), on the same server after the runs above:"
      echo
      echo "| endpoint | req/s | p50 ms | p99 ms |"
      echo "|---|---:|---:|---:|"
      printf '%s' "$one_rows"
    fi
    if [[ -n $http_rows ]]; then
      echo
      echo "HTTP ceiling: nginx $("$NGINX_BIN" -v 2>&1 | sed 's|.*/||') serving the answer to \`GET /tasks/$body_id\`"
      echo "($(wc -c <"$WORK/task.json") bytes, Content-Type: $content_type) as a static file, worker_processes 2,"
      echo "no access log, under the same wrk load as \`GET /tasks/{id}\`. CPU: the server's processes'"
      echo "(nginx: its master and workers) per request; ratio: req/s over nginx's."
      echo
      echo "| server | req/s | p99 ms | CPU µs/req | ratio to nginx |"
      echo "|---|---:|---:|---:|---:|"
      printf '%s' "$http_rows"
    fi
    echo
    echo "Resident memory (VmRSS) of the server: $((rss_fresh / 1024)) MiB idle after start," \
      "$((rss_after / 1024)) MiB idle after the load ($((rss_after_file / 1024)) MiB of it mapped" \
      "files)," \
      "$((${hold_rss:-0} / 1024)) MiB holding $HOLD keep-alive connections" \
      "($(field "$hold_line" answered) of them answered, $(field "$hold_line" still_open) still open)."
  } >"$file"
  echo
  cat "$file"
  echo
  echo "written to ${file#"$ROOT"/}"
}

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
for backend in "${BACKENDS[@]}"; do
  if [[ $SWEEP -eq 1 ]]; then sweep_backend "$backend"; else bench_backend "$backend"; fi
done

if [[ $FEED -eq 1 && $SWEEP -eq 0 && -z $ONLY && -z $SCALE ]]; then
  BENCH_BUILD_DIR=$BUILD "$ROOT/bench/feed.sh" "${BACKENDS[@]}"
fi

if [[ $MICRO -eq 1 ]]; then
  if [[ -x $BENCH_BIN/bench_micro ]]; then
    echo "== micro-benchmarks"
    file=$ROOT/bench/results/$DATE-$COMMIT-micro.md
    timeout 600 "$BENCH_BIN/bench_micro" --benchmark_min_time=0.2 >"$WORK/micro.out" 2>&1
    {
      echo "# usertasks micro-benchmarks, $DATE"
      echo
      echo "- commit: $COMMIT$DIRTY"
      echo "- machine: $(machine)"
      echo "- load average: $(load)"
      echo
      echo '```'
      cat "$WORK/micro.out"
      echo '```'
    } >"$file"
    cat "$WORK/micro.out"
    echo "written to ${file#"$ROOT"/}"
  else
    echo "bench_micro was not built (libbenchmark-dev missing): no micro-benchmarks"
  fi
fi
