#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Parafetch against curl --parallel, wget2, aria2c, xargs -P + curl and the seed's
# thread-queue pattern, on loopback only. See bench/README.md.
#
#   bench/run.sh [--quick] [--workload a|b|c|d|e|a,b] [--runs K] [--timeout S]
#                [--parafetch-row 'WORKLOADS:FLAGS']...   # e.g. 'be:--http1.1'
#   PARAFETCH=/path/to/parafetch bench/run.sh ...     # skip the build
#
# Prints a Markdown table and writes it to bench/results/latest.md (raw samples to
# bench/results/latest.json). Every server it starts is stopped by PID on exit.
set -euo pipefail

usage() {
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
    exit "${1:-0}"
}

QUICK=0
WORKLOAD=all
RUNS=
TIMEOUT=300
EXTRA_ROWS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) QUICK=1 ;;
        --workload) WORKLOAD=${2:?--workload needs a|b|c|d|e}; shift ;;
        --workload=*) WORKLOAD=${1#*=} ;;
        --runs) RUNS=${2:?--runs needs a number}; shift ;;
        --runs=*) RUNS=${1#*=} ;;
        --timeout) TIMEOUT=${2:?--timeout needs seconds}; shift ;;
        --timeout=*) TIMEOUT=${1#*=} ;;
        --parafetch-row) EXTRA_ROWS+=(--parafetch-row "${2:?--parafetch-row needs WORKLOADS:FLAGS}"); shift ;;
        --parafetch-row=*) EXTRA_ROWS+=(--parafetch-row "${1#*=}") ;;
        -h|--help) usage 0 ;;
        *) echo "run.sh: unknown option $1" >&2; usage 2 >&2 ;;
    esac
    shift
done
case "$WORKLOAD" in
    all) ;;
    *) [[ "$WORKLOAD" =~ ^[abcde](,[abcde])*$ ]] || { echo "run.sh: --workload takes a, b, c, d, e (or a list like a,b)" >&2; exit 2; } ;;
esac
[ -n "$RUNS" ] || { [ "$QUICK" = 1 ] && RUNS=1 || RUNS=3; }

BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH")

source "$BENCH/lib.sh"
bench_no_proxy

# ---------------------------------------------------------------------------------------------
# Peers and build dependencies, from Debian packages only.
# ---------------------------------------------------------------------------------------------
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have curl || need+=(curl)
have aria2c || need+=(aria2)
have wget2 || need+=(wget2)
have openssl || need+=(openssl)
have nginx || [ -x /usr/sbin/nginx ] || need+=(nginx)
[ -x /usr/bin/python3 ] || need+=(python3)
[ -x /usr/bin/time ] || need+=(time)
have timeout || need+=(coreutils)
have xargs || need+=(findutils)
if [ -z "${PARAFETCH:-}" ]; then
    for p in build-essential cmake ninja-build pkg-config qt6-base-dev qt6-base-dev-tools libgl-dev libssl-dev; do
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
# Workload (d) uses the window benchmark built next to it (CMake option PARAFETCH_BUILD_BENCH).
GUIBENCH=${GUIBENCH:-$(dirname "$(dirname "$PARAFETCH")")/bench/guibench/parafetch_guibench}
[ -x "$GUIBENCH" ] || GUIBENCH=

# ---------------------------------------------------------------------------------------------
# Servers (bench/lib.sh), stopped by PID whatever happens.
# ---------------------------------------------------------------------------------------------
bench_init_tmp
# Run copies: build/release is shared (scripts/run.sh builds there too), and a rebuild in the
# middle of a run would mix two binaries in one table.
mkdir -p "$BENCH_TMP/bin"
PARAFETCH_ORIGIN="${PARAFETCH#"$ROOT"/}, built $(date -r "$PARAFETCH" '+%F %T %Z'), sha256 $(sha256sum "$PARAFETCH" | cut -c1-12)"
cp "$PARAFETCH" "$BENCH_TMP/bin/parafetch"
PARAFETCH=$BENCH_TMP/bin/parafetch
if [ -n "$GUIBENCH" ]; then
    cp "$GUIBENCH" "$BENCH_TMP/bin/parafetch_guibench"
    GUIBENCH=$BENCH_TMP/bin/parafetch_guibench
fi
bench_start_demo "$PARAFETCH"
NGINX_URL=
NGINX_PID=0
NGINX_TLS_URL=
NGINX_H2C_URL=
NGINX_CA=
nginx_args=()
if [ "$WORKLOAD" = all ] || [[ "$WORKLOAD" == *c* ]]; then nginx_args+=(big); fi
# (e) is over TLS; (b) has a row over h2 to the same nginx.
if [ "$WORKLOAD" = all ] || [[ "$WORKLOAD" == *[be]* ]]; then nginx_args+=(tls); fi
if [ "$WORKLOAD" = all ] || [[ "$WORKLOAD" == *[bce]* ]]; then
    bench_start_nginx "${nginx_args[@]}"
fi

# ---------------------------------------------------------------------------------------------
# Workloads (a), (b), (c), (d), (e).
# ---------------------------------------------------------------------------------------------
mkdir -p "$BENCH/results" "$BENCH_TMP/work"
# The Qt floor for workloads (a) and (b): bench/qnam_floor.cpp (needs the Qt development files).
QNAM_FLOOR=
if [ "$WORKLOAD" = all ] || [[ "$WORKLOAD" == *[abe]* ]]; then
    if pkg-config --exists Qt6Network 2>/dev/null \
        && g++ -O2 -std=c++17 -fPIC "$BENCH/qnam_floor.cpp" -o "$BENCH_TMP/qnam_floor" \
               $(pkg-config --cflags --libs Qt6Network Qt6Core) 2>"$BENCH_TMP/qnam_floor.log"; then
        QNAM_FLOOR=$BENCH_TMP/qnam_floor
    else
        echo "run.sh: not building bench/qnam_floor.cpp (no Qt development files?)" >&2
    fi
fi
args=(--parafetch "$PARAFETCH" --python "$PYTHON" --demo-url "$DEMO_URL" --nginx-url "$NGINX_URL"
      --nginx-tls-url "$NGINX_TLS_URL" --nginx-h2c-url "$NGINX_H2C_URL" --ca-file "$NGINX_CA"
      --demo-pid "$DEMO_PID" --nginx-pid "$NGINX_PID" --qnam-floor "$QNAM_FLOOR"
      --guibench "$GUIBENCH" --parafetch-origin "$PARAFETCH_ORIGIN"
      --workload "$WORKLOAD" --runs "$RUNS" --timeout "$TIMEOUT" --workdir "$BENCH_TMP/work"
      --scratch-dir "$BENCH_SCRATCH/aria2"
      --out "$BENCH/results/latest.md" --json "$BENCH/results/latest.json")
[ "$QUICK" = 1 ] && args+=(--quick)
args+=("${EXTRA_ROWS[@]}")
[ -n "${BENCH_TOOLS:-}" ] && args+=(--tools "$BENCH_TOOLS")
# More harness options, e.g. HARNESS_ARGS='--quiet-wait 2 --max-attempts 2' on a busy machine.
if [ -n "${HARNESS_ARGS:-}" ]; then read -r -a extra_harness <<<"$HARNESS_ARGS"; args+=("${extra_harness[@]}"); fi
# In the background and waited for: a signal to this script then stops the harness and the
# servers at once (bash runs a trap only after its foreground child has ended).
"$PYTHON" "$BENCH/harness.py" "${args[@]}" &
HARNESS_PID=$!
BENCH_PIDS=("$HARNESS_PID" "${BENCH_PIDS[@]}")
wait "$HARNESS_PID"

# ---------------------------------------------------------------------------------------------
# (d) — the window: measured by harness.py through bench/guibench (parafetch_guibench, built by
# the release preset) when that binary exists: add time for 100,000 URLs, the GUI thread's
# stall (lateness of a 10 ms timer, p99 and max) while 10,000 URLs are fetched by 128 workers,
# and RSS with 100,000 finished rows. Without the binary the table says "not measured".
# TODO (d): guibench starts the run itself; measuring the real app end to end needs a way to
# start the GUI with a list and quit when done (e.g. `parafetch -i LIST --autostart
# --quit-when-done --stall-report FILE`), which the app does not offer yet.
# ---------------------------------------------------------------------------------------------
