# A throwaway PostgreSQL cluster for the benchmarks, sourced by bench/run.sh and the others.
# Needs PG_BIN, WORK and free_port (common.sh); pg_start sets PG_DIR, PG_AS and exports PGHOST,
# PGPORT, PGUSER, with an empty database "bench".

pg_start() {
  PG_DIR=$(mktemp -d /tmp/usertasks-bench-pg-XXXXXX)
  mkdir "$PG_DIR/socket"
  PG_PORT=$(free_port)
  if [[ $(id -u) -eq 0 ]]; then # initdb refuses root: the server runs as postgres
    chown -R postgres: "$PG_DIR"
    PG_AS=(/usr/sbin/runuser -u postgres --)
  else
    PG_AS=(env)
  fi
  (cd / && "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 \
    --locale=C.UTF-8 --no-sync --no-instructions >"$WORK/initdb.log" 2>&1) || {
    cat "$WORK/initdb.log" >&2
    exit 1
  }
  # Throwaway data: no fsync. Enough connections for pgbench's 64 and the service's pool.
  "${PG_AS[@]}" tee -a "$PG_DIR/data/postgresql.conf" >/dev/null <<EOF

port = $PG_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_DIR/socket'
fsync = off
full_page_writes = off
shared_buffers = 128MB
max_connections = 100
max_wal_size = 1GB
logging_collector = off
log_min_messages = warning
EOF
  (cd / && "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start \
    >/dev/null) || {
    cat "$PG_DIR/server.log" >&2
    exit 1
  }
  export PGHOST=$PG_DIR/socket PGPORT=$PG_PORT PGUSER=postgres
  psql -q -X -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE bench" >/dev/null
}

pg_stop() {
  "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
  PG_DIR=""
}
