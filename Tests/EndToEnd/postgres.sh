#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback for the store tests and benchmarks.
#
#   postgres.sh start DIR   creates a cluster in DIR (must not exist), starts it on a free port of
#                           127.0.0.1 and prints its URL: postgres://moat@127.0.0.1:PORT/moat
#   postgres.sh createdb DIR NAME
#                           creates database NAME in that cluster and prints its URL
#   postgres.sh stop DIR    stops that cluster and removes DIR
#   postgres.sh pause DIR   stops the server, keeping its data (an outage)
#   postgres.sh resume DIR  starts it again on the same port
#   postgres.sh freeze DIR  stops the server's processes (SIGSTOP): open connections get no answer
#   postgres.sh thaw DIR    lets them run again (SIGCONT)
#
# The cluster trades durability for speed (fsync and synchronous_commit off) unless PG_DURABLE=1,
# which benchmarks set.
#
# Trust authentication, loopback and a socket inside DIR only. Run as root, the server runs as the
# `postgres` user (initdb refuses root). Needs Debian's `postgresql` package (PostgreSQL 15; set
# PG_BIN to use another version's binaries). Exits 3 when the binaries are missing.
set -euo pipefail

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
cmd=${1:-}
dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then
    echo "usage: $0 start|stop DIR | createdb DIR NAME" >&2
    exit 2
fi
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ] || [ ! -x "$PG_BIN/pg_ctl" ]; then
    echo "postgres.sh: PostgreSQL server binaries not found (apt-get install postgresql)" >&2
    exit 3
fi

# Runs a command as the cluster's owner.
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

case "$cmd" in
start)
    # The server outlives this script: close descriptors inherited from the caller (pipes, and the
    # socket Foundation's Process watches to see its child exit) so it holds none of them open.
    for fd in /proc/$$/fd/*; do
        fd=${fd##*/}
        case $fd in 0 | 1 | 2 | 255) ;; *) eval "exec $fd>&-" 2>/dev/null || true ;; esac
    done
    if [ -e "$dir" ]; then
        echo "postgres.sh: $dir already exists" >&2
        exit 2
    fi
    mkdir -p "$dir"
    chmod 700 "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi
    as_owner "$PG_BIN/initdb" -D "$dir/data" -U moat --auth=trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        exit 1
    }
    fast="-c fsync=off -c synchronous_commit=off"
    if [ "${PG_DURABLE:-0}" = 1 ]; then fast=""; fi
    for _ in 1 2 3 4 5; do
        port=$(free_port)
        if as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
            -o "-k $dir -c listen_addresses=127.0.0.1 -p $port -c max_connections=300 $fast" \
            start >/dev/null 2>&1; then
            echo "$port" >"$dir/port"
            as_owner "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U moat moat
            echo "postgres://moat@127.0.0.1:$port/moat"
            exit 0
        fi
    done
    tail -n 20 "$dir/server.log" >&2 || true
    exit 1
    ;;
createdb)
    name=${3:?usage: $0 createdb DIR NAME}
    port=$(cat "$dir/port")
    as_owner "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U moat "$name"
    echo "postgres://moat@127.0.0.1:$port/$name"
    ;;
pause)
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
freeze | thaw)
    # SIGSTOP / SIGCONT the server and its backends: connections stay open, nothing answers.
    postmaster=$(head -n 1 "$dir/data/postmaster.pid")
    signal=$([ "$cmd" = freeze ] && echo STOP || echo CONT)
    kill -"$signal" "$postmaster" $(pgrep -P "$postmaster") 2>/dev/null || true
    ;;
resume)
    fast="-c fsync=off -c synchronous_commit=off"
    if [ "${PG_DURABLE:-0}" = 1 ]; then fast=""; fi
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-k $dir -c listen_addresses=127.0.0.1 -p $(cat "$dir/port") -c max_connections=300 $fast" start >/dev/null
    ;;
stop)
    if [ -d "$dir/data" ]; then
        as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start|stop|pause|resume DIR | createdb DIR NAME" >&2
    exit 2
    ;;
esac
