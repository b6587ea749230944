#!/usr/bin/env bash
# Runs COMMAND with a throwaway PostgreSQL cluster:
#
#   scripts/with-postgres.sh swift test
#
# Starts a fresh cluster on 127.0.0.1 (a free port, trust authentication, fsync off), creates the
# database "passline" owned by the user "passline", exports
#   PASSLINE_TEST_POSTGRES_URL=postgres://passline@127.0.0.1:PORT/passline
# runs COMMAND, then stops the cluster and deletes it, whether COMMAND succeeds, fails or is
# interrupted. Exits with COMMAND's status. PG_EXTRA_OPTIONS adds server settings, e.g.
#   PG_EXTRA_OPTIONS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_planning=on"
#
# Installs Debian's postgresql package (apt-get) when initdb/pg_ctl can't be found. initdb refuses
# to run as root, so as root the cluster runs as the "postgres" user (or a "passline-pg" system
# user created for it). Works unattended (no stdin, e.g. in CI).
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 64
fi

log() { echo "with-postgres: $*" >&2; }
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" # runuser and useradd live there

find_pg_bin() {
    local dir
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dir="$(dirname "$(readlink -f "$(command -v initdb)")")"
        if [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
    fi
    # Newest version first.
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5 -V -r) /usr/local/bin /usr/local/pgsql/bin; do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$(readlink -f "$dir/initdb" | xargs dirname)"
            return 0
        fi
    done
    return 1
}

if ! PG_BIN="$(find_pg_bin)"; then
    if ! command -v apt-get >/dev/null 2>&1; then
        log "initdb/pg_ctl not found and apt-get is unavailable: install PostgreSQL first"
        exit 69
    fi
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
            log "initdb/pg_ctl not found; run as root (or with sudo) so PostgreSQL can be installed"
            exit 69
        fi
    fi
    log "installing PostgreSQL with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq </dev/null >&2
    $SUDO apt-get install -y -qq --no-install-recommends postgresql </dev/null >&2
    PG_BIN="$(find_pg_bin)" || { log "PostgreSQL installed, but initdb/pg_ctl still not found"; exit 69; }
fi
for tool in initdb pg_ctl pg_isready createdb; do
    if [ ! -x "$PG_BIN/$tool" ]; then log "$PG_BIN/$tool is missing"; exit 69; fi
done

# Run the cluster as an unprivileged user when we are root.
RUN_AS=()
if [ "$(id -u)" -eq 0 ]; then
    PG_USER=postgres
    if ! id -u "$PG_USER" >/dev/null 2>&1; then
        PG_USER=passline-pg
        if ! id -u "$PG_USER" >/dev/null 2>&1; then
            useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER" 2>/dev/null \
                || adduser --system --no-create-home "$PG_USER" >/dev/null
        fi
    fi
    RUNUSER="$(command -v runuser 2>/dev/null || true)"
    for candidate in /usr/sbin/runuser /sbin/runuser; do
        if [ -z "$RUNUSER" ] && [ -x "$candidate" ]; then RUNUSER="$candidate"; fi
    done
    if [ -n "$RUNUSER" ]; then
        RUN_AS=("$RUNUSER" -u "$PG_USER" --)
    else
        RUN_AS=(su_as "$PG_USER")
    fi
fi
# su takes one command string: quote each argument for bash.
su_as() {
    local user="$1"
    shift
    su -s /bin/bash -c "$(printf '%q ' "$@")" "$user"
}
as_pg() { (cd "$TMP_ROOT" && "${RUN_AS[@]}" "$@"); }

# The cluster's user must reach the directory: as root, don't use a private $TMPDIR.
if [ "${#RUN_AS[@]}" -gt 0 ]; then TMP_BASE=/tmp; else TMP_BASE="${TMPDIR:-/tmp}"; fi
TMP_ROOT="$(mktemp -d "$TMP_BASE/passline-pg.XXXXXX")"
PGDATA="$TMP_ROOT/data"
PGSOCK="$TMP_ROOT/socket"
PGLOG="$TMP_ROOT/postgres.log"
mkdir -p "$PGSOCK"
chmod 700 "$TMP_ROOT"
if [ "${#RUN_AS[@]}" -gt 0 ]; then chown -R "$PG_USER" "$TMP_ROOT"; fi

STARTED=0
cleanup() {
    local status=$?
    trap - EXIT INT TERM HUP
    if [ "$STARTED" -eq 1 ]; then
        as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    fi
    rm -rf "$TMP_ROOT"
    exit "$status"
}
# On a signal, stop COMMAND (if running), then clean up through the EXIT trap. (A background
# command ignores SIGINT in a non-interactive shell, so it gets SIGTERM for an interrupt.)
CHILD=""
on_signal() {
    if [ -n "$CHILD" ]; then
        kill -"$1" "$CHILD" 2>/dev/null || true
        wait "$CHILD" 2>/dev/null || true
    fi
    exit "$2"
}
trap cleanup EXIT
trap 'on_signal TERM 130' INT
trap 'on_signal TERM 143' TERM
trap 'on_signal HUP 129' HUP

free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
        return
    fi
    local port
    for port in $(seq 55432 55532); do
        if ! (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
    done
    log "no free port found"
    return 1
}

as_pg "$PG_BIN/initdb" -D "$PGDATA" -A trust -U passline --no-sync -E UTF8 --locale=C.UTF-8 >"$TMP_ROOT/initdb.log" 2>&1 \
    || as_pg "$PG_BIN/initdb" -D "$PGDATA" -A trust -U passline --no-sync -E UTF8 --no-locale >"$TMP_ROOT/initdb.log" 2>&1 \
    || { log "initdb failed:"; cat "$TMP_ROOT/initdb.log" >&2; exit 1; }

# The chosen port can be taken between picking and binding: retry a few times.
PORT=""
for attempt in 1 2 3 4 5; do
    PORT="$(free_port)"
    STARTED=1
    # fsync off: a throwaway cluster. shared_buffers and max_wal_size: the broadcast benchmark's
    # million-row batches (docs/benchmarks.md) would otherwise checkpoint every 20 s.
    # max_connections: the parallel test pass runs dozens of servers at once, each with its own
    # pool (up to 10) and listener; 300 ran out once the Bitrix24 suites joined.
    if as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$PGLOG" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=1000 -c shared_buffers=512MB -c max_wal_size=4GB -c unix_socket_directories=$PGSOCK ${PG_EXTRA_OPTIONS:-}" \
        start >/dev/null 2>&1; then
        break
    fi
    STARTED=0
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m immediate stop >/dev/null 2>&1 || true
    if [ "$attempt" -eq 5 ]; then
        log "PostgreSQL did not start:"
        cat "$PGLOG" >&2 || true
        exit 1
    fi
done

for _ in $(seq 1 100); do
    if as_pg "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U passline -d postgres; then break; fi
    sleep 0.1
done
as_pg "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U passline -d postgres \
    || { log "PostgreSQL is not accepting connections:"; cat "$PGLOG" >&2; exit 1; }
as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PORT" -U passline -O passline passline

export PASSLINE_TEST_POSTGRES_URL="postgres://passline@127.0.0.1:$PORT/passline"
echo "with-postgres: PostgreSQL $("$PG_BIN/pg_ctl" --version | awk '{print $3}') is running at $PASSLINE_TEST_POSTGRES_URL (data in $PGDATA; removed on exit)"

# In the background so a signal reaches the traps at once; stdin is passed on explicitly.
set +e
if { : <&0; } 2>/dev/null; then
    "$@" <&0 &
else
    "$@" </dev/null & # stdin is closed
fi
CHILD=$!
wait "$CHILD"
status=$?
CHILD=""
set -e
exit "$status"
