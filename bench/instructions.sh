#!/usr/bin/env bash
# Instructions per request of each given usertasks binary, counted by callgrind over a fixed stream
# of requests on one keep-alive connection (SQLite, one io thread, one worker): repeatable whatever
# else the machine does, so two builds compare side by side.
#   bench/instructions.sh OLD_BINARY NEW_BINARY [REQUESTS]
set -euo pipefail
REQUESTS=${3:-${REQUESTS:-2000}}
WORK=$(mktemp -d)
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$WORK"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# A fresh database with 100 users of 10 tasks each, made through the service itself.
seed() {
  local binary=$1 db=$2 port
  port=$(free_port)
  "$binary" --database "sqlite:$db" serve --migrate --port "$port" --log-level warn &
  SERVER=$!
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  local tasks
  tasks=$(python3 -c 'import json; print(json.dumps([{"content": f"task {i}"} for i in range(10)]))')
  for u in $(seq 100); do
    curl -sf -X POST -H 'content-type: application/json' "http://127.0.0.1:$port/users" \
      -d "{\"name\": \"user $u\", \"email\": \"u$u@example.com\", \"tasks\": $tasks}" >/dev/null
  done
  kill "$SERVER" && wait "$SERVER" || true
}

# Instructions per request of METHOD TARGET [BODY] against a copy of the database SEED.
measure() {
  local binary=$1 seed=$2 method=$3 target=$4 body=${5:-} port out
  cp "$seed" "$WORK/run.db"
  port=$(free_port)
  out=$WORK/callgrind.out
  rm -f "$out"*
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" \
    "$binary" --database "sqlite:$WORK/run.db" serve --port "$port" --threads 1 --pool 1 \
    --log-level warn >/dev/null 2>&1 &
  SERVER=$!
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
  local config=$WORK/curl.cfg
  : >"$config"
  for _ in $(seq "$REQUESTS"); do
    {
      echo "url = \"http://127.0.0.1:$port$target\""
      echo "request = $method"
      if [[ -n $body ]]; then
        echo 'header = "content-type: application/json"'
        echo "data = '$body'"
      fi
      echo 'output = /dev/null'
    } >>"$config"
  done
  callgrind_control -i on "$SERVER" >/dev/null 2>&1
  curl -s --config "$config"
  callgrind_control -i off "$SERVER" >/dev/null 2>&1
  kill "$SERVER" && wait "$SERVER" || true
  local total
  total=$(callgrind_annotate "$out" 2>/dev/null | awk "/PROGRAM TOTALS/ {gsub(\",\", \"\", \$1); print \$1}")
  echo $((total / REQUESTS))
}

# Each binary seeds its own database: its schema is its own migrations' head.
seed "$1" "$WORK/old.db"
seed "$2" "$WORK/new.db"
printf '%-26s %12s %12s %8s\n' request old new change
for spec in "GET /users/7" "GET /tasks/70" "GET /tasks?limit=100" "GET /users/7/tasks" \
  'POST /tasks {"content":"benchmark task","user_id":7}' \
  'PATCH /tasks/70 {"content":"changed","done":true}'; do
  read -r method target body <<<"$spec"
  old=$(measure "$1" "$WORK/old.db" "$method" "$target" "$body")
  new=$(measure "$2" "$WORK/new.db" "$method" "$target" "$body")
  printf '%-26s %12d %12d %+7.1f%%\n' "$method $target" "$old" "$new" \
    "$(python3 -c "print(($new - $old) * 100 / $old)")"
done
