#!/usr/bin/env bash
# Parafetch against curl --parallel, aria2c, xargs -P + curl and the seed's thread-queue
# pattern, on loopback only. See bench/README.md.
#
#   bench/run.sh [--quick] [--workload a|b|c|a,b] [--runs K] [--timeout S]
#   PARAFETCH=/path/to/parafetch bench/run.sh ...     # skip the build
#
# Prints a Markdown table and writes it to bench/results/latest.md (raw samples to
# bench/results/latest.json). Every server it starts is stopped by PID on exit.
set -euo pipefail

usage() {
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    exit "${1:-0}"
}

QUICK=0
WORKLOAD=all
RUNS=
TIMEOUT=300
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) QUICK=1 ;;
        --workload) WORKLOAD=${2:?--workload needs a|b|c}; shift ;;
        --workload=*) WORKLOAD=${1#*=} ;;
        --runs) RUNS=${2:?--runs needs a number}; shift ;;
        --runs=*) RUNS=${1#*=} ;;
        --timeout) TIMEOUT=${2:?--timeout needs seconds}; shift ;;
        --timeout=*) TIMEOUT=${1#*=} ;;
        -h|--help) usage 0 ;;
        *) echo "run.sh: unknown option $1" >&2; usage 2 >&2 ;;
    esac
    shift
done
case "$WORKLOAD" in
    all) ;;
    *) [[ "$WORKLOAD" =~ ^[abc](,[abc])*$ ]] || { echo "run.sh: --workload takes a, b, c (or a list like a,b)" >&2; exit 2; } ;;
esac
[ -n "$RUNS" ] || { [ "$QUICK" = 1 ] && RUNS=1 || RUNS=3; }

BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH")

# Everything stays on 127.0.0.1: no tool may be sent to a proxy.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY ftp_proxy FTP_PROXY
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost

# ---------------------------------------------------------------------------------------------
# Peers and build dependencies, from Debian packages only.
# ---------------------------------------------------------------------------------------------
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have curl || need+=(curl)
have aria2c || need+=(aria2)
have nginx || [ -x /usr/sbin/nginx ] || need+=(nginx)
[ -x /usr/bin/python3 ] || need+=(python3)
[ -x /usr/bin/time ] || need+=(time)
have timeout || need+=(coreutils)
have xargs || need+=(findutils)
if [ -z "${PARAFETCH:-}" ]; then
    for p in build-essential cmake ninja-build pkg-config qt6-base-dev qt6-base-dev-tools libgl-dev; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
    done
fi
# hyperfine is not needed: the harness times each run itself, because it also needs each
# run's peak RSS and interleaves the tools round by round.
if [ ${#need[@]} -gt 0 ]; then
    echo "run.sh: installing ${need[*]}" >&2
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        have sudo || { echo "run.sh: need root (or sudo) to install ${need[*]}" >&2; exit 1; }
        sudo=(sudo)
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
PYTHON=/usr/bin/python3

# ---------------------------------------------------------------------------------------------
# Parafetch, release build (the repo's preset: build/release).
# ---------------------------------------------------------------------------------------------
if [ -z "${PARAFETCH:-}" ]; then
    echo "run.sh: building Parafetch (release preset)" >&2
    (cd "$ROOT" && cmake --preset release >&2 && cmake --build --preset release --parallel "$(nproc)" >&2)
    PARAFETCH=$ROOT/build/release/app/parafetch
fi
[ -x "$PARAFETCH" ] || { echo "run.sh: $PARAFETCH is not an executable" >&2; exit 1; }
PARAFETCH=$(cd "$(dirname "$PARAFETCH")" && pwd)/$(basename "$PARAFETCH")

# ---------------------------------------------------------------------------------------------
# Servers, stopped by PID whatever happens.
# ---------------------------------------------------------------------------------------------
TMP=$(mktemp -d /tmp/parafetch-bench.XXXXXX)
chmod 755 "$TMP" # nginx workers run as nobody when we are root
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        # Give each a few seconds, then insist.
        for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.3; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    PIDS=()
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The Parafetch demo server on a free port; it prints the address it listens on.
"$PARAFETCH" --demo-server --port 0 >"$TMP/demo.log" 2>&1 &
PIDS+=($!)
DEMO_URL=
for _ in $(seq 1 100); do
    DEMO_URL=$(sed -n 's#^Parafetch demo server listening on \(http://127\.0\.0\.1:[0-9]*\)/.*#\1#p' "$TMP/demo.log")
    [ -n "$DEMO_URL" ] && break
    kill -0 "${PIDS[0]}" 2>/dev/null || break
    sleep 0.1
done
[ -n "$DEMO_URL" ] || { echo "run.sh: the demo server did not start:" >&2; cat "$TMP/demo.log" >&2; exit 1; }
echo "run.sh: demo server $DEMO_URL (pid ${PIDS[0]})" >&2

# nginx for pure bandwidth (sendfile) and as a server that is not the bottleneck for (b).
NGINX_URL=
if [ "$WORKLOAD" = all ] || [[ "$WORKLOAD" == *b* ]] || [[ "$WORKLOAD" == *c* ]]; then
    mkdir -p "$TMP/www" "$TMP/nginx/logs" "$TMP/nginx/tmp"
    head -c 1024 /dev/urandom >"$TMP/www/1k.bin"
    if [ "$WORKLOAD" = all ] || [[ "$WORKLOAD" == *c* ]]; then
        # Sparse files: their pages come from the page cache as zeros, no disk involved.
        truncate -s 256M "$TMP/www/256m.bin"
        truncate -s 1G "$TMP/www/1g.bin"
    fi
    chmod 755 "$TMP/www" && chmod 644 "$TMP/www"/*
    for attempt in 1 2 3 4 5; do
        NGINX_PORT=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        cat >"$TMP/nginx/nginx.conf" <<EOF
# Generated by bench/run.sh. One worker: on a 2-CPU machine the client needs the other CPU.
worker_processes 1;
error_log $TMP/nginx/logs/error.log warn;
pid $TMP/nginx/nginx.pid;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    open_file_cache max=64 inactive=120s;
    default_type application/octet-stream;
    types { }
    client_body_temp_path $TMP/nginx/tmp/body;
    proxy_temp_path $TMP/nginx/tmp/proxy;
    fastcgi_temp_path $TMP/nginx/tmp/fastcgi;
    uwsgi_temp_path $TMP/nginx/tmp/uwsgi;
    scgi_temp_path $TMP/nginx/tmp/scgi;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $TMP/www;
        location / { }
    }
}
EOF
        "$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -g 'daemon off;' 2>>"$TMP/nginx/logs/stderr.log" &
        NGINX_PID=$!
        up=0
        for _ in $(seq 1 50); do
            if curl -sf -o /dev/null "http://127.0.0.1:$NGINX_PORT/1k.bin"; then up=1; break; fi
            kill -0 "$NGINX_PID" 2>/dev/null || break
            sleep 0.1
        done
        if [ "$up" = 1 ]; then
            PIDS+=("$NGINX_PID")
            NGINX_URL=http://127.0.0.1:$NGINX_PORT
            break
        fi
        kill "$NGINX_PID" 2>/dev/null || true
        wait "$NGINX_PID" 2>/dev/null || true
    done
    [ -n "$NGINX_URL" ] || { echo "run.sh: nginx did not start:" >&2; cat "$TMP/nginx/logs/"* >&2; exit 1; }
    echo "run.sh: nginx $NGINX_URL (pid $NGINX_PID)" >&2
fi

# ---------------------------------------------------------------------------------------------
# Workloads (a), (b), (c).
# ---------------------------------------------------------------------------------------------
mkdir -p "$BENCH/results" "$TMP/work"
args=(--parafetch "$PARAFETCH" --python "$PYTHON" --demo-url "$DEMO_URL" --nginx-url "$NGINX_URL"
      --workload "$WORKLOAD" --runs "$RUNS" --timeout "$TIMEOUT" --workdir "$TMP/work"
      --out "$BENCH/results/latest.md" --json "$BENCH/results/latest.json")
[ "$QUICK" = 1 ] && args+=(--quick)
"$PYTHON" "$BENCH/harness.py" "${args[@]}"

# ---------------------------------------------------------------------------------------------
# TODO (d) — the window. NOT IMPLEMENTED: the GUI does not exist yet.
#   10,000 URLs with 128 workers: time to add them to the window, and the GUI thread's worst
#   stall during the run — how late a 10 ms QTimer fires on the GUI thread (p99 and max).
#   Targets (issue 4): stall p99 < 30 ms and max < 100 ms; 100,000 URLs added in under 1 s;
#   RSS with 100,000 finished rows under 300 MB.
#   Needs from the app: a way to start the GUI with a list and quit at the end of the run
#   (e.g. `parafetch -i LIST --autostart --quit-when-done --stall-report FILE`, run with
#   QT_QPA_PLATFORM=offscreen), printing add time and timer lateness percentiles.
# ---------------------------------------------------------------------------------------------
