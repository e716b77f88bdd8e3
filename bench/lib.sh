# SPDX-License-Identifier: GPL-3.0-or-later
# Shared by bench/run.sh and bench/profile.sh (sourced, not run): start the loopback servers
# and stop every one of them by PID on exit.
#
#   bench_init_tmp                 make $BENCH_TMP and $BENCH_SCRATCH (aria2c's download dir)
#                                  and install the EXIT/INT/TERM traps
#   bench_start_demo PARAFETCH     start `parafetch --demo-server --port 0`, set DEMO_URL
#                                  and DEMO_PID
#   bench_start_nginx [big] [tls]  start nginx serving 1k.bin (and with "big": 256m.bin,
#                                  1g.bin) from $BENCH_TMP/www, set NGINX_URL and NGINX_PID
#                                  (the master; its one worker is its child); /.status is
#                                  stub_status (the harness counts requests with it). With
#                                  "tls" the same files also over https with h2 (`ssl http2`,
#                                  a certificate from a CA made here) and over cleartext h2
#                                  (prior knowledge): NGINX_TLS_URL, NGINX_H2C_URL, NGINX_CA
#
# Everything listens on 127.0.0.1 only.

BENCH_PIDS=()
BENCH_TMP=
BENCH_SCRATCH=

bench_cleanup() {
    local pid
    for pid in "${BENCH_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${BENCH_PIDS[@]}"; do
        # A few seconds to exit cleanly, then insist.
        for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.3; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    BENCH_PIDS=()
    [ -n "$BENCH_TMP" ] && rm -rf "$BENCH_TMP"
    [ -n "$BENCH_SCRATCH" ] && rm -rf "$BENCH_SCRATCH"
    BENCH_TMP=
    BENCH_SCRATCH=
}

bench_init_tmp() {
    BENCH_TMP=$(mktemp -d /tmp/parafetch-bench.XXXXXX)
    chmod 755 "$BENCH_TMP" # nginx workers run as nobody when we are root
    # aria2c cannot discard bodies: it writes them into $BENCH_SCRATCH, on a tmpfs when there
    # is one with room (> 3 GiB), so that its numbers measure HTTP rather than the disk (on
    # a disk its per-download .aria2 control files dominate small-file runs).
    local avail
    avail=$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }')
    if [ -n "$avail" ] && [ "$avail" -gt $((3 * 1024 * 1024)) ] && [ -w /dev/shm ]; then
        BENCH_SCRATCH=$(mktemp -d /dev/shm/parafetch-bench.XXXXXX)
    else
        BENCH_SCRATCH=$(mktemp -d /tmp/parafetch-bench-scratch.XXXXXX)
    fi
    trap bench_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# Never send benchmark traffic to a proxy.
bench_no_proxy() {
    unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY ftp_proxy FTP_PROXY
    export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost
}

bench_free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

bench_start_demo() {
    local parafetch=$1 log=$BENCH_TMP/demo.log pid
    "$parafetch" --demo-server --port 0 >"$log" 2>&1 &
    pid=$!
    BENCH_PIDS+=("$pid")
    DEMO_PID=$pid
    DEMO_URL=
    for _ in $(seq 1 100); do
        DEMO_URL=$(sed -n 's#^Parafetch demo server listening on \(http://127\.0\.0\.1:[0-9]*\)/.*#\1#p' "$log")
        [ -n "$DEMO_URL" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$DEMO_URL" ]; then
        echo "bench: the demo server did not start:" >&2
        cat "$log" >&2
        return 1
    fi
    echo "bench: demo server $DEMO_URL (pid $pid)" >&2
}

# A CA and a certificate for 127.0.0.1 signed by it, in $1 (ca.pem, leaf.pem, leaf.key): a CA
# rather than a self-signed leaf, so that every client can be told to trust it as it would a
# real one (curl is run with -k all the same, as the issue writes its command line).
bench_make_cert() {
    local d=$1
    mkdir -p "$d"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 7 \
        -subj "/CN=Parafetch bench CA" -keyout "$d/ca.key" -out "$d/ca.pem" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
        2>/dev/null || return 1
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=127.0.0.1" \
        -keyout "$d/leaf.key" -out "$d/leaf.csr" 2>/dev/null || return 1
    printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "extendedKeyUsage=serverAuth" \
        "basicConstraints=CA:FALSE" >"$d/leaf.ext"
    openssl x509 -req -in "$d/leaf.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
        -days 7 -extfile "$d/leaf.ext" -out "$d/leaf.pem" 2>/dev/null || return 1
    chmod 644 "$d"/*
}

bench_start_nginx() {
    local big= tls= arg nginx dir=$BENCH_TMP/nginx www=$BENCH_TMP/www port pid up
    local tls_port= h2c_port= tls_servers=
    for arg in "$@"; do
        case "$arg" in
            big) big=big ;;
            tls) tls=tls ;;
        esac
    done
    nginx=$(command -v nginx || echo /usr/sbin/nginx)
    mkdir -p "$www" "$dir/logs" "$dir/tmp"
    head -c 1024 /dev/urandom >"$www/1k.bin"
    if [ "$big" = big ]; then
        # Sparse files: their pages come from the page cache as zeros, no disk involved.
        truncate -s 256M "$www/256m.bin"
        truncate -s 1G "$www/1g.bin"
    fi
    chmod 755 "$www" && chmod 644 "$www"/*
    NGINX_URL=
    NGINX_TLS_URL=
    NGINX_H2C_URL=
    NGINX_CA=
    if [ "$tls" = tls ]; then
        bench_make_cert "$dir/tls" || { echo "bench: openssl could not make a certificate" >&2; return 1; }
    fi
    for _ in 1 2 3 4 5; do
        port=$(bench_free_port)
        if [ "$tls" = tls ]; then
            tls_port=$(bench_free_port)
            h2c_port=$(bench_free_port)
            # h2 over TLS (ALPN offers h2 and http/1.1), and h2 with prior knowledge in the
            # clear (nginx 1.22: a cleartext "http2" port speaks only h2).
            tls_servers="
    server {
        listen 127.0.0.1:$tls_port ssl http2;
        ssl_certificate $dir/tls/leaf.pem;
        ssl_certificate_key $dir/tls/leaf.key;
        ssl_session_cache shared:bench:1m;
        http2_max_concurrent_streams 128;
        root $www;
        location / { }
    }
    server {
        listen 127.0.0.1:$h2c_port http2;
        http2_max_concurrent_streams 128;
        root $www;
        location / { }
    }"
        fi
        cat >"$dir/nginx.conf" <<EOF
# Generated by bench/lib.sh. One worker: on a 2-CPU machine the client needs the other CPU.
worker_processes 1;
error_log $dir/logs/error.log warn;
pid $dir/nginx.pid;
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
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    server {
        listen 127.0.0.1:$port;
        root $www;
        location / { }
        location = /.status { stub_status; }
    }$tls_servers
}
EOF
        "$nginx" -p "$dir" -e "$dir/logs/error.log" -c "$dir/nginx.conf" -g 'daemon off;' \
            2>>"$dir/logs/stderr.log" &
        pid=$!
        up=0
        for _ in $(seq 1 50); do
            if curl -sf -o /dev/null "http://127.0.0.1:$port/1k.bin"; then up=1; break; fi
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if [ "$up" = 1 ] && [ "$tls" = tls ]; then
            up=0
            for _ in $(seq 1 20); do
                if curl -sf --cacert "$dir/tls/ca.pem" -o /dev/null "https://127.0.0.1:$tls_port/1k.bin"; then up=1; break; fi
                sleep 0.1
            done
        fi
        if [ "$up" = 1 ]; then
            BENCH_PIDS+=("$pid")
            NGINX_PID=$pid
            NGINX_URL=http://127.0.0.1:$port
            if [ "$tls" = tls ]; then
                NGINX_TLS_URL=https://127.0.0.1:$tls_port
                NGINX_H2C_URL=http://127.0.0.1:$h2c_port
                NGINX_CA=$dir/tls/ca.pem
            fi
            echo "bench: nginx $NGINX_URL${NGINX_TLS_URL:+, $NGINX_TLS_URL, h2c $NGINX_H2C_URL} (pid $pid)" >&2
            return 0
        fi
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    echo "bench: nginx did not start:" >&2
    cat "$dir/logs/"* >&2
    return 1
}
