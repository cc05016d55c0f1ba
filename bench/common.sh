# What the benchmark scripts share: a free port, and the CPU time processes used. Sourced.
# shellcheck shell=bash

# free_port: a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

CLK_TCK=$(getconf CLK_TCK) # the unit of /proc/PID/stat's CPU times

# cpu_ticks PID…: the CPU time, in clock ticks, that each PID and its children have used: its
# utime, stime, cutime and cstime (fields 14-17 of /proc/PID/stat; the last two hold the children
# it has waited for, such as the PostgreSQL backends that exited) and the utime and stime of its
# live children. The fields are counted after the name's ")", as a name may hold spaces.
cpu_ticks() {
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | sed 's/^\([0-9]*\) .*) /\1 /' |
    awk -v pids="$*" 'BEGIN { split(pids, list, " "); for (i in list) root[list[i]] = 1 }
      $1 in root { t += $13 + $14 + $15 + $16 } $3 in root { t += $13 + $14 }
      END { print t + 0 }'
}

# cpu_us BEFORE AFTER COUNT: the CPU microseconds per operation between two cpu_ticks readings
# (a tenth under 10).
cpu_us() {
  awk -v t="$(($2 - $1))" -v n="$3" -v hz="$CLK_TCK" \
    'BEGIN { us = (n > 0 ? t * 1e6 / hz / n : 0); printf (us < 10 ? "%.1f" : "%.0f"), us }'
}
