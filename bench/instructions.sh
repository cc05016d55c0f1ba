#!/usr/bin/env bash
# Instructions per request of each given usertasks binary, counted by callgrind over a fixed stream
# of requests on one keep-alive connection (one io thread, one database connection): repeatable
# whatever else the machine does, so two builds compare side by side. The service's own process
# is counted; on PostgreSQL, the server's backends are not.
#   bench/instructions.sh OLD_BINARY NEW_BINARY [REQUESTS]
#   BACKEND=postgresql bench/instructions.sh …    (a throwaway cluster; default: sqlite)
#   OLD_SQL="DROP INDEX x" bench/instructions.sh NEW NEW …   SQL run on the old side's database
#                       after its seeding: one binary against itself without an index, say
#   OLD_ARGS=--no-change-feed bench/instructions.sh NEW NEW …   more `serve` arguments for the old
#                       side (NEW_ARGS for the new one): one binary with and without the change feed
#   MATCHING='^(POST|PATCH)' bench/instructions.sh …   only the rows whose request matches (grep -E)
# Each database has 100 users of 10 tasks (user u's tasks are 10u-9 … 10u). Where the binary has
# tags (GET /tags answers), the tasks of users 51-100 get 1 to 3 of 16 tags, as bench/run.sh seeds
# them: GET /users/57 and GET /tasks/570 read tags on the new binary and none on an old one
# without tags, and the `tag=` rows (marked "new only") are measured on binaries with tags alone.
# A row may end in `key` (each request with an Idempotency-Key of its own: processed and stored)
# or `replay` (every request with one key: the first is processed, the rest are replayed); a
# binary without idempotency keys ignores the header, so its column is the POST without a key.
set -euo pipefail
REQUESTS=${3:-${REQUESTS:-2000}}
BACKEND=${BACKEND:-sqlite}
PG_BIN=/usr/lib/postgresql/15/bin
WORK=$(mktemp -d)
SERVER="" PG_DIR=""
cleanup() {
  [[ -z $SERVER ]] || kill "$SERVER" 2>/dev/null || true
  [[ -z $PG_DIR ]] || pg_stop
  rm -rf "$WORK"
}
trap cleanup EXIT

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/pg_cluster.sh"

# The database of binary NAME (old or new): a file of its own, or a database of the cluster.
database_of() {
  if [[ $BACKEND == postgresql ]]; then
    echo "host=$PGHOST port=$PGPORT user=postgres dbname=$1"
  else
    echo "sqlite:$WORK/$1.db"
  fi
}

# bench/run.sh's tag names and shape: task i gets 1 + h % 3 names, h a hash of i, the first one
# number (h / 3) % 16, then 5 and 10 further on.
TAG_NAMES="home work urgent errands phone email reading health finance travel garden kids car
  shopping someday waiting"

# curl's config for PATCH /tasks/{id} {"tags": […]} on the tasks of users 51-100, on PORT.
tag_requests() {
  python3 - "$1" $TAG_NAMES <<'PY'
import json, sys
port, names = sys.argv[1], sys.argv[2:]
out = []
for task in range(501, 1001):
    h = (task * 2654435761) % 4294967296
    tags = [names[(h // 3 + 5 * j) % len(names)] for j in range(1 + h % 3)]
    body = json.dumps({"tags": tags}).replace('"', '\\"')
    out += [f'url = "http://127.0.0.1:{port}/tasks/{task}"', "request = PATCH",
            'header = "content-type: application/json"', f'data = "{body}"', "output = /dev/null",
            'write-out = "%{http_code}\\n"', "next"]
print("\n".join(out[:-1]))
PY
}

# A fresh database with 100 users of 10 tasks each, made through the service itself; on a binary
# with tags, the tasks of users 51-100 carry tags.
seed() {
  local binary=$1 database=$2 port
  port=$(free_port)
  "$binary" --database "$database" serve --migrate --port "$port" --log-level warn &
  SERVER=$!
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  local tasks
  tasks=$(python3 -c 'import json; print(json.dumps([{"content": f"task {i}"} for i in range(10)]))')
  for u in $(seq 100); do
    curl -sf -X POST -H 'content-type: application/json' "http://127.0.0.1:$port/users" \
      -d "{\"name\": \"user $u\", \"email\": \"u$u@example.com\", \"tasks\": $tasks}" >/dev/null
  done
  if curl -sf "http://127.0.0.1:$port/tags" >/dev/null; then
    tag_requests "$port" >"$WORK/tags.cfg"
    curl -s --config "$WORK/tags.cfg" >"$WORK/tag-statuses"
    if grep -qv '^200' "$WORK/tag-statuses"; then
      echo "instructions.sh: tagging the tasks answered $(sort "$WORK/tag-statuses" | uniq -c)" >&2
      exit 1
    fi
    echo "$1: $(wc -l <"$WORK/tag-statuses") tasks tagged;" \
      "user 57's tasks carry $(curl -sf "http://127.0.0.1:$port/users/57" |
        python3 -c 'import json, sys; print(sum(len(t["tags"]) for t in json.load(sys.stdin)["tasks"]))') tags" >&2
  fi
  kill "$SERVER" && wait "$SERVER" || true
}

# Instructions per request of METHOD TARGET [BODY [KEYS]] against DATABASE (SQLite: a copy of
# it); KEYS is `key` or `replay` (above).
measure() {
  local binary=$1 database=$2 method=$3 target=$4 body=${5:-} keys=${6:-} port out extra
  read -r -a extra <<<"${7:-}"
  if [[ $BACKEND == sqlite ]]; then
    cp "${database#sqlite:}" "$WORK/run.db"
    database="sqlite:$WORK/run.db"
  fi
  port=$(free_port)
  out=$WORK/callgrind.out
  rm -f "$out"*
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" \
    "$binary" --database "$database" serve --port "$port" --threads 1 --pool 1 \
    --log-level warn "${extra[@]}" >/dev/null 2>&1 &
  SERVER=$!
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
  local config=$WORK/curl.cfg
  : >"$config"
  for i in $(seq "$REQUESTS"); do
    {
      echo "url = \"http://127.0.0.1:$port$target\""
      echo "request = $method"
      [[ $keys != key ]] || echo "header = \"Idempotency-Key: bench-$i\""
      [[ $keys != replay ]] || echo 'header = "Idempotency-Key: bench"'
      if [[ -n $body ]]; then
        echo 'header = "content-type: application/json"'
        echo "data = \"${body//\"/\\\"}\""  # curl's config: "…", with \" inside
      fi
      echo 'output = /dev/null'
      echo 'write-out = "%{http_code}\n"' # each transfer's own: -w would cover the first alone
      echo 'next'  # the options above are this transfer's alone
    } >>"$config"
  done
  sed -i '$d' "$config"  # no transfer follows the last
  callgrind_control -i on "$SERVER" >/dev/null 2>&1
  curl -s --config "$config" >"$WORK/statuses"
  callgrind_control -i off "$SERVER" >/dev/null 2>&1
  # Only successes count: a stream of 400s would measure something else.
  if [[ $(grep -c '^2' "$WORK/statuses") -ne $REQUESTS ]]; then
    echo "instructions.sh: $method $target answered $(grep -v '^2' "$WORK/statuses" | sort | uniq -c)" >&2
    exit 1
  fi
  kill "$SERVER" && wait "$SERVER" || true
  local total
  total=$(callgrind_annotate "$out" 2>/dev/null | awk "/PROGRAM TOTALS/ {gsub(\",\", \"\", \$1); print \$1}")
  echo $((total / REQUESTS))
}

# Each binary seeds its own database: its schema is its own migrations' head.
if [[ $BACKEND == postgresql ]]; then
  pg_start
  psql -q -X -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE old" -c "CREATE DATABASE new"
fi
seed "$1" "$(database_of old)"
seed "$2" "$(database_of new)"
if [[ -n ${OLD_SQL:-} ]]; then
  if [[ $BACKEND == postgresql ]]; then
    psql -q -X -v ON_ERROR_STOP=1 -d old -c "$OLD_SQL"
  else
    sqlite3 -bail "$WORK/old.db" "$OLD_SQL"
  fi
fi
# Whether binary NAME (old or new) has tags: its database has the tags table.
has_tags() {
  if [[ $BACKEND == postgresql ]]; then
    [[ $(psql -X -A -t -d "$1" -c "SELECT to_regclass('tags') IS NOT NULL") == t ]]
  else
    [[ -n $(sqlite3 "$WORK/$1.db" "SELECT name FROM sqlite_master WHERE name = 'tags'") ]]
  fi
}

printf '%-40s %12s %12s %8s\n' request old new change
for spec in "GET /users/7" "GET /users/57" "GET /tasks/70" "GET /tasks/570" \
  "GET /tasks?limit=100" "GET /users/7/tasks" \
  "GET /tasks?tag=home&limit=100" "GET /tasks?tag=home&tag=email&limit=100" \
  'POST /tasks {"content":"benchmark task","user_id":7}' \
  'POST /tasks {"content":"benchmark task","user_id":7} key' \
  'POST /tasks {"content":"benchmark task","user_id":7} replay' \
  'PATCH /tasks/70 {"content":"changed","done":true}'; do
  grep -qE -- "${MATCHING:-.}" <<<"$spec" || continue
  read -r method target body <<<"$spec"
  keys=""  # a last word `key` or `replay` (above) is not the body's
  if [[ $body == *' key' || $body == *' replay' ]]; then
    keys=${body##* }
    body=${body% *}
  fi
  for side in old new; do
    binary=$1 extra=${OLD_ARGS:-}
    [[ $side == old ]] || binary=$2 extra=${NEW_ARGS:-}
    if [[ $target == *tag=* ]] && ! has_tags "$side"; then
      declare "$side=—"
    else
      declare "$side=$(measure "$binary" "$(database_of "$side")" "$method" "$target" "$body" \
        "$keys" "$extra")"
    fi
  done
  label="$method $target${keys:+ ($keys)}"
  if [[ $old == — || $new == — ]]; then
    printf '%-40s %12s %12s %8s\n' "$label" "$old" "$new" "new only"
  else
    printf '%-40s %12d %12d %+7.1f%%\n' "$label" "$old" "$new" \
      "$(python3 -c "print(($new - $old) * 100 / $old)")"
  fi
done
