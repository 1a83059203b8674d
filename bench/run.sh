#!/usr/bin/env bash
# passthru's benchmark (QUALITY.md, "Performance method"): wrk against a cheap upstream,
# interleaved: direct, through passthru (the real CLI), through nginx as the reference proxy.
# Reports req/s, p50, p99 and requests per proxy CPU-second, as medians and as ratios.
# Not part of `npm test`. Run with `npm run bench`; see docs/performance.md.
#
# Knobs: BENCH_ROUNDS (3), BENCH_DURATION (10s), BENCH_CONNECTIONS (50), BENCH_WARMUP (3s),
#        BENCH_UPSTREAM (nginx|node), BENCH_PROFILE (0|1: also profile one passthru run),
#        BENCH_KEEP (0|1: keep the temp dir with configs and logs).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NODE="$ROOT/node_modules/.bin/node"
ROUNDS=${BENCH_ROUNDS:-3}
DURATION=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNECTIONS:-50}
WARMUP=${BENCH_WARMUP:-3s}
UPSTREAM=${BENCH_UPSTREAM:-nginx}
PROFILE=${BENCH_PROFILE:-0}
THREADS=2

case "$UPSTREAM" in nginx | node) ;; *) echo "BENCH_UPSTREAM must be nginx or node, got '$UPSTREAM'" >&2; exit 2 ;; esac
[ -x "$NODE" ] || { echo "no $NODE: run npm ci first" >&2; exit 1; }

# --- tools (Debian packages only) ---------------------------------------------------------
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "bench: need root (or sudo) to run: $*" >&2; return 1
  fi
}
PATH="$PATH:/usr/sbin:/sbin"
need() { # need COMMAND DEBIAN-PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "bench: installing $2 from Debian" >&2
  as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >&2
}
need wrk wrk
need nginx nginx
need curl curl

# --- processes and cleanup ----------------------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/passthru-bench.XXXXXX")
PIDS=()

alive() { # a child that exited but is not yet reaped is a zombie: not alive
  local state
  state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}
stop() { # stop PID: TERM, up to 10 s, then KILL; reaps it and forgets it
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 100); do alive "$pid" || break; sleep 0.1; done
  alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  local keep=() p
  for p in "${PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}
cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do stop "$pid"; done
  if [ "${BENCH_KEEP:-0}" = 1 ] || [ "$rc" -ne 0 ]; then echo "bench: configs and logs kept in $TMP" >&2
  else rm -rf "$TMP"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Free loopback ports, asked of the kernel (port 0) rather than guessed.
read -r UP_PORT PT_PORT PT_ADMIN NGX_PORT PROF_PORT PROF_ADMIN < <("$NODE" -e '
  const net = require("node:net");
  Promise.all(Array.from({ length: 6 }, () => new Promise((r) => { const s = net.createServer().listen(0, "127.0.0.1", () => r(s)); })))
    .then((ss) => { console.log(ss.map((s) => s.address().port).join(" ")); ss.forEach((s) => s.close()); });')

wait_200() { # wait_200 URL PID LOG: up to 15 s for a 200, failing early if PID dies
  local i
  for i in $(seq 150); do
    curl -fsS -o /dev/null --max-time 1 "$1" 2>/dev/null && return 0
    if ! alive "$2"; then echo "bench: process $2 died; its log ($3):" >&2; cat "$3" >&2; return 1; fi
    sleep 0.1
  done
  echo "bench: $1 did not answer 200 within 15 s; log ($3):" >&2; cat "$3" >&2; return 1
}

nginx_conf() { # nginx_conf NAME HTTP-BLOCK-BODY: a single-process nginx writing only under $TMP
  mkdir -p "$TMP/$1-tmp"
  cat >"$TMP/$1.conf" <<EOF
worker_processes 1;
daemon off;
master_process off;
pid $TMP/$1.pid;
error_log $TMP/$1-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $TMP/$1-tmp/body;
  proxy_temp_path $TMP/$1-tmp/proxy;
  fastcgi_temp_path $TMP/$1-tmp/fastcgi;
  uwsgi_temp_path $TMP/$1-tmp/uwsgi;
  scgi_temp_path $TMP/$1-tmp/scgi;
  keepalive_timeout 75s;
  keepalive_requests 1000000;
$2
}
EOF
}
start_nginx() { # start_nginx NAME: sets NGINX_PID
  nginx -e "$TMP/$1-error.log" -p "$TMP" -c "$TMP/$1.conf" >"$TMP/$1.log" 2>&1 &
  NGINX_PID=$!
  PIDS+=("$NGINX_PID")
}

# --- 1. the upstream ----------------------------------------------------------------------
if [ "$UPSTREAM" = nginx ]; then
  nginx_conf upstream "  server { listen 127.0.0.1:$UP_PORT; location / { default_type text/plain; return 200 \"ok\\n\"; } }"
  start_nginx upstream
  UP_PID=$NGINX_PID
  UP_LOG=$TMP/upstream-error.log
else
  "$NODE" "$ROOT/bench/upstream.ts" "$UP_PORT" >"$TMP/upstream.log" 2>&1 &
  UP_PID=$!
  PIDS+=("$UP_PID")
  UP_LOG=$TMP/upstream.log
fi
wait_200 "http://127.0.0.1:$UP_PORT/" "$UP_PID" "$UP_LOG"

# --- 2. passthru, through its real CLI ----------------------------------------------------
mkdir -p "$TMP/config"
cat >"$TMP/config/bench.yaml" <<EOF
apiVersion: passthru.dev/v1alpha1
kind: ReverseProxyTarget
metadata: {name: bench, namespace: bench}
spec:
  contextRoots: [/]
  servers: [{host: 127.0.0.1, port: $UP_PORT, route: up1}]
EOF
start_passthru() { # start_passthru PORT ADMIN LOG [node flags...]: sets PT_PID
  local port=$1 admin=$2 log=$3
  shift 3
  (cd "$ROOT" && exec "$NODE" "$@" cmd/passthru.ts serve --config "$TMP/config" \
    --listen "127.0.0.1:$port" --admin "127.0.0.1:$admin" --log-level warn --drain-timeout 5s) >"$log" 2>&1 &
  PT_PID=$!
  PIDS+=("$PT_PID")
  wait_200 "http://127.0.0.1:$port/" "$PT_PID" "$log"
}
start_passthru "$PT_PORT" "$PT_ADMIN" "$TMP/passthru.log"
PT_MAIN_PID=$PT_PID

# --- 3. nginx as the reference proxy (the same forwarding headers passthru sets) ------------
nginx_conf proxy "  upstream up { server 127.0.0.1:$UP_PORT; keepalive 64; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:$NGX_PORT;
    location / {
      proxy_pass http://up;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Host \$host;
    }
  }"
start_nginx proxy
NGX_PID=$NGINX_PID
wait_200 "http://127.0.0.1:$NGX_PORT/" "$NGX_PID" "$TMP/proxy-error.log"

# --- 4. measure, interleaved ----------------------------------------------------------------
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { # "utime stime" (fields 14 and 15 of /proc/PID/stat, all threads), in clock ticks
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo "bench: process $1 is gone" >&2; return 1; }
  # After "pid (comm) " the state is field 1, so fields 14 and 15 are $12 and $13.
  sed 's/^.*) //' <<<"$stat" | awk '{ print $12, $13 }'
}
RUNS=$TMP/runs.tsv
: >"$RUNS"
run_wrk() { # run_wrk NAME ROUND URL PROXY-PID|- [DURATION]: one wrk run, CPU deltas to $RUNS
  local name=$1 round=$2 url=$3 proxy=$4 dur=${5:-$DURATION}
  local out="$TMP/wrk-$name-$round.txt" uu0 us0 uu1 us1 pu0=0 ps0=0 pu1=0 ps1=0 pd=- psys=-
  read -r uu0 us0 < <(cpu_ticks "$UP_PID")
  [ "$proxy" = - ] || read -r pu0 ps0 < <(cpu_ticks "$proxy")
  wrk -t"$THREADS" -c"$CONNS" -d"$dur" --latency "$url" >"$out"
  read -r uu1 us1 < <(cpu_ticks "$UP_PID")
  [ "$proxy" = - ] || { read -r pu1 ps1 < <(cpu_ticks "$proxy"); pd=$((pu1 + ps1 - pu0 - ps0)); psys=$((ps1 - ps0)); }
  [ "$round" = warmup ] && return 0
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$round" "$pd" "$psys" "$((uu1 + us1 - uu0 - us0))" "$out" >>"$RUNS"
  awk -v n="$name" -v r="$round" '
    /Requests\/sec/ { rps = $2 } / 50%/ { p50 = $2 } / 99%/ { p99 = $2 }
    /Socket errors/ { err = $0 } /Non-2xx/ { non2xx = $0 }
    END { printf "  round %s %-12s %10s req/s  p50 %-8s p99 %-8s %s %s\n", r, n, rps, p50, p99, err, non2xx }' "$out"
}

NPROC=$(nproc)
echo "bench: nproc $NPROC; wrk, the upstream ($UPSTREAM) and the proxy share these $NPROC cores (expected: compare ratios)"
echo "bench: warm-up $WARMUP each, then $ROUNDS rounds of $DURATION, $CONNS connections, interleaved"
run_wrk direct warmup "http://127.0.0.1:$UP_PORT/" - "$WARMUP"
run_wrk passthru warmup "http://127.0.0.1:$PT_PORT/" "$PT_MAIN_PID" "$WARMUP"
run_wrk nginx-proxy warmup "http://127.0.0.1:$NGX_PORT/" "$NGX_PID" "$WARMUP"
for round in $(seq "$ROUNDS"); do
  run_wrk direct "$round" "http://127.0.0.1:$UP_PORT/" -
  run_wrk passthru "$round" "http://127.0.0.1:$PT_PORT/" "$PT_MAIN_PID"
  run_wrk nginx-proxy "$round" "http://127.0.0.1:$NGX_PORT/" "$NGX_PID"
done

# --- 5. report --------------------------------------------------------------------------------
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$ROOT/.bench"
echo
BENCH_CLK_TCK=$CLK_TCK BENCH_UPSTREAM=$UPSTREAM BENCH_ROUNDS=$ROUNDS BENCH_DURATION=$DURATION \
  BENCH_CONNECTIONS=$CONNS BENCH_WARMUP=$WARMUP \
  "$NODE" "$ROOT/bench/report.ts" "$RUNS" "$ROOT/.bench/results-$STAMP.json"

# Anything passthru logged at warn or above while under load is worth a look.
if [ -s "$TMP/passthru.log" ]; then
  echo
  echo "passthru logged $(wc -l <"$TMP/passthru.log") line(s) at warn or above; the first 5:"
  head -n 5 "$TMP/passthru.log"
fi

# --- 6. optional: profile one passthru run (a separate instance, so the figures above are clean)
if [ "$PROFILE" = 1 ]; then
  PROF_DIR=$TMP/profile
  mkdir -p "$PROF_DIR"
  echo
  echo "bench: profiling one $DURATION passthru run (node --cpu-prof)"
  start_passthru "$PROF_PORT" "$PROF_ADMIN" "$TMP/passthru-profile.log" --cpu-prof --cpu-prof-dir="$PROF_DIR"
  PROF_PID=$PT_PID
  run_wrk passthru-profiled warmup "http://127.0.0.1:$PROF_PORT/" "$PROF_PID" "$WARMUP"
  run_wrk passthru-profiled profile "http://127.0.0.1:$PROF_PORT/" "$PROF_PID"
  stop "$PROF_PID" # the profile is written when the process exits
  PROF_FILE=$(ls "$PROF_DIR"/*.cpuprofile 2>/dev/null | head -n 1 || true)
  if [ -z "$PROF_FILE" ]; then
    echo "bench: no .cpuprofile written; log:" >&2
    cat "$TMP/passthru-profile.log" >&2
    exit 1
  fi
  cp "$PROF_FILE" "$ROOT/.bench/profile-$STAMP.cpuprofile"
  "$NODE" "$ROOT/bench/profile-summary.ts" "$PROF_FILE" 10 | tee "$ROOT/.bench/profile-$STAMP.txt"
  echo "wrote $ROOT/.bench/profile-$STAMP.cpuprofile (open in Chrome DevTools > Performance)"
fi
