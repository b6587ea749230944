#!/usr/bin/env bash
# The broadcast benchmark, on SQLite and PostgreSQL, measured the way a phone experiences it:
#
#   1. `passline dev seed --cards N` (default 1,000,000 cards, 1.2 devices per card), which also
#      writes the device fleet's manifest;
#   2. the floor, on the quiet machine before anything else starts:
#      floor_seconds = changed passes ÷ `openssl speed -multi CORES rsa2048` (signs/s);
#   3. `passline dev apns-mock --fleet`: every accepted push makes its device list its changed
#      passes and fetch them from the server (If-Modified-Since, 64 connections, 30 s timeout),
#      one fetched pass in 1,000 verified and checked for the broadcast's message;
#   4. `passline serve` pushing to it; POST /api/v1/broadcasts (points + message to everyone) and
#      the time until every device has fetched its new pass (the fleet's syncs), with the time the
#      last push was accepted beside it (the old figure), failed or timed-out requests, and the
#      server's peak resident memory (VmHWM);
#   5. with CRASH=1 also a kill -9 of the server in the middle of a second broadcast and a restart:
#      it must finish with every household granted once and every device synced again.
#
# Each engine's run ends with one line:
#   RESULT engine=E cards=N seconds=S floor_seconds=F ratio=S/F failed_fetches=K peak_rss_mb=M
#
# Usage: scripts/bench-broadcast.sh [sqlite|postgres|both]   (default both)
# Environment: CARDS (1000000), DEVICES_PER_CARD (1.2), CACHE_MB (128), CONNECTIONS (64), CRASH (1),
# BATCH (10000), PASSLINE_BIN (a release binary to use instead of building one), PROFILE (1: perf
# record the server during the broadcast, report in $PROFILE_OUT, default /tmp/bench-broadcast-E.perf.txt).
# PostgreSQL runs under scripts/with-postgres.sh (a throwaway cluster); PG_URL_QUERY is appended to
# its database URL (e.g. "?prepared_statements=off"), and PG_STATS=1 loads pg_stat_statements and
# writes the statements that took the server's time to $PG_STATS_OUT (default /tmp/bench-broadcast-pg-statements.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
engines=${1:-both}
CARDS=${CARDS:-1000000}
DEVICES_PER_CARD=${DEVICES_PER_CARD:-1.2}
CACHE_MB=${CACHE_MB:-128}
CONNECTIONS=${CONNECTIONS:-64}
CRASH=${CRASH:-1}
BATCH=${BATCH:-10000}
PROFILE=${PROFILE:-0}
CORES=$(nproc)

if [[ $engines == both ]]; then
  "$0" sqlite
  exec scripts/with-postgres.sh "$0" postgres
fi
if [[ ${PG_STATS:-0} == 1 ]]; then
  export PG_EXTRA_OPTIONS="${PG_EXTRA_OPTIONS:-} -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_planning=on"
fi
if [[ $engines == postgres && -z ${PASSLINE_TEST_POSTGRES_URL:-} ]]; then
  exec scripts/with-postgres.sh "$0" postgres
fi

for tool in curl python3 openssl; do
  command -v "$tool" >/dev/null || { echo "installing $tool" >&2; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl python3 openssl >/dev/null; break; }
done

# PASSLINE_BIN: a passline binary to measure instead of building one (release, scratch path $SCRATCH).
if [[ -n ${PASSLINE_BIN:-} ]]; then
  bin=$PASSLINE_BIN
else
  scratch=${SCRATCH:-.build-bench}
  swift build -c release --scratch-path "$scratch" --product passline >/dev/null
  bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)/passline
fi
work=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port); mock_port=$(free_port)
cleanup() {
  for pid in ${perf_pid:-} ${server_pid:-} ${mock_pid:-}; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  [[ -n ${KEEP_LOG:-} ]] && cp "$work/server.log" "$KEEP_LOG" 2>/dev/null; rm -rf "$work"
}
trap cleanup EXIT
log() { echo "bench-broadcast[$engines]: $*" >&2; }

export PASSLINE_HTTP_PORT=$port PASSLINE_DATA_DIR=$work/data PASSLINE_ADMIN_TOKEN=bench-admin-token-0123456789
export PASSLINE_SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(32))') PASSLINE_LOG_LEVEL=${LOG_LEVEL:-warning}
export PASSLINE_BROADCAST_BATCH=$BATCH PASSLINE_PASS_CACHE_MB=$CACHE_MB
if [[ $engines == postgres ]]; then
  name=bench_$RANDOM$RANDOM
  psql_url=${PASSLINE_TEST_POSTGRES_URL}
  # psql comes with the cluster's tools (scripts/with-postgres.sh installed them).
  psql_bin=$(ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -1)
  "${psql_bin:-psql}" "$psql_url" -qc "CREATE DATABASE $name" >/dev/null
  export PASSLINE_DATABASE_URL=${psql_url%/*}/$name${PG_URL_QUERY:-}
  if [[ ${PG_STATS:-0} == 1 ]]; then "${psql_bin:-psql}" "${psql_url%/*}/$name" -qc "CREATE EXTENSION pg_stat_statements" >/dev/null; fi
else
  mkdir -p "$work/data"
  export PASSLINE_DATABASE_URL=sqlite:$work/data/passline.sqlite
fi

# --- 1. seed -------------------------------------------------------------------------------
log "seeding $CARDS cards"
seed_start=$(date +%s.%N)
"$bin" dev seed --cards "$CARDS" --devices-per-card "$DEVICES_PER_CARD" 2>/dev/null
seed_s=$(python3 -c "import time; print(f'{time.time() - $seed_start:.1f}')")

# --- 2. the floor, measured while nothing else runs ------------------------------------------
log "measuring the floor: openssl speed -multi $CORES rsa2048"
signs=$(openssl speed -seconds 10 -multi "$CORES" rsa2048 2>/dev/null | awk '/^rsa 2048/ {print $(NF-1)}' | tail -1)

# --- 3. mock APNs with the device fleet, and the server -----------------------------------------
# Certificate authentication with the development PKI the seed created in the data directory.
"$bin" dev apns-mock --port "$mock_port" --identity-dir "$work/apns-mock" --client-ca "$work/data/dev-certs/root.pem" \
  --client-ca "$work/data/dev-certs/wwdr.pem" --no-token-log --stats-interval 0 \
  --fleet "http://127.0.0.1:$port" --fleet-file "$work/data/dev-fleet.txt" --fleet-connections "$CONNECTIONS" \
  --fleet-stats "$work/fleet.json" --fleet-expect Tournament --fleet-trust "$work/data/dev-certs/root.pem" >"$work/mock.log" 2>&1 &
mock_pid=$!
for _ in $(seq 600); do grep -q "listening" "$work/mock.log" 2>/dev/null && [[ -s $work/fleet.json ]] && break; sleep 0.1; done
export PASSLINE_APNS_URL=https://127.0.0.1:$mock_port PASSLINE_APNS_CA_FILE=$work/apns-mock/ca.pem

start_server() {
  "$bin" serve >>"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return 0; sleep 0.1; done
  log "the server did not start:"; tail -20 "$work/server.log" >&2; exit 1
}
start_server
auth="Authorization: Bearer $PASSLINE_ADMIN_TOKEN"
api() { curl -sS --fail-with-body --retry 3 -H "$auth" -H 'Content-Type: application/json' "$@"; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
fleet() { python3 -c "import json,sys; print(json.load(open('$work/fleet.json'))['$1'])"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$server_pid/status"; }
idle_rss=$(rss_kb)
devices=$(python3 -c "print(round($CARDS * $DEVICES_PER_CARD))")

# Waits until broadcast $1 is done, every push settled, and the fleet has finished $2 more syncs
# with nothing pending; prints "seconds_to_done seconds_to_last_push" after $3 (start time).
wait_for_devices() {
  local id=$1 syncs_target=$2 t0=$3 t_done="" t_pushed=""
  while :; do
    local b; b=$(api "http://127.0.0.1:$port/api/v1/broadcasts/$id")
    local verdict
    verdict=$(python3 - "$b" "$work/fleet.json" "$syncs_target" <<'PY'
import json, sys
b = json.loads(sys.argv[1]); f = json.load(open(sys.argv[2])); target = int(sys.argv[3])
if b["state"] in ("failed", "cancelled"): print("stop"); sys.exit()
done = b["state"] == "done"
pushed = done and b["pushesSent"] + b["pushesFailed"] >= b["pushesRecorded"]
synced = pushed and f["syncs"] + f["failedSyncs"] >= target and f["pending"] == 0
print("synced" if synced else "pushed" if pushed else "done" if done else "running")
PY
)
    local now; now=$(date +%s.%N)
    case $verdict in
      stop) log "broadcast ended badly: $b"; exit 1 ;;
      done) t_done=${t_done:-$now} ;;
      pushed) t_done=${t_done:-$now}; t_pushed=${t_pushed:-$now} ;;
      synced) t_done=${t_done:-$now}; t_pushed=${t_pushed:-$now}; echo "$t_done $t_pushed $now"; return ;;
    esac
    sleep 0.2
  done
}

# --- 4. the broadcast ----------------------------------------------------------------------------
log "broadcast to everyone"
syncs0=$(python3 -c "import json; f=json.load(open('$work/fleet.json')); print(f['syncs'] + f['failedSyncs'])")
if [[ $PROFILE == 1 ]]; then
  perf record -F 199 -p "$server_pid" -o "$work/perf.data" >/dev/null 2>&1 &
  perf_pid=$!
fi
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
server_cpu0=$(cpu_ticks "$server_pid"); mock_cpu0=$(cpu_ticks "$mock_pid")
if [[ $engines == postgres && ${PG_STATS:-0} == 1 ]]; then "${psql_bin:-psql}" "${PASSLINE_DATABASE_URL%%\?*}" -qc "SELECT pg_stat_statements_reset()" >/dev/null; fi
t0=$(date +%s.%N)
id=$(api -d '{"message":"Tournament on Saturday: +100 points","points":100,"audience":{"type":"all"}}' \
  "http://127.0.0.1:$port/api/v1/broadcasts" | field '["id"]')
read -r t_done t_pushed t_synced < <(wait_for_devices "$id" $((syncs0 + devices)) "$t0")
peak_kb=$(hwm_kb)
server_cpu=$(( $(cpu_ticks "$server_pid") - server_cpu0 )); mock_cpu=$(( $(cpu_ticks "$mock_pid") - mock_cpu0 )); hz=$(getconf CLK_TCK)
if [[ -n ${perf_pid:-} ]]; then
  kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null || true; perf_pid=
  out=${PROFILE_OUT:-/tmp/bench-broadcast-$engines.perf.txt}
  perf report -i "$work/perf.data" --sort dso --stdio 2>/dev/null | grep -v "^$" | grep -v "^#" | head -20 >"$out"; perf report -i "$work/perf.data" --sort symbol --percent-limit 0.4 --stdio 2>/dev/null | grep -v "^$" | grep -v "^#" | grep -v "libcrypto" | head -60 >>"$out" || true
  cp "$work/perf.data" "${out%.txt}.data" 2>/dev/null || true
  log "profile: $out"
fi
if [[ $engines == postgres && ${PG_STATS:-0} == 1 ]]; then
  "${psql_bin:-psql}" "${PASSLINE_DATABASE_URL%%\?*}" -P pager=off -c "SELECT calls, round(total_plan_time::numeric) AS plan_ms, round(total_exec_time::numeric) AS exec_ms,
      round((total_plan_time + total_exec_time)::numeric / NULLIF(calls, 0), 3) AS ms_per_call, left(regexp_replace(query, '\\s+', ' ', 'g'), 110) AS query
    FROM pg_stat_statements ORDER BY total_plan_time + total_exec_time DESC LIMIT 25" >"${PG_STATS_OUT:-/tmp/bench-broadcast-pg-statements.txt}"
  log "statements: ${PG_STATS_OUT:-/tmp/bench-broadcast-pg-statements.txt}"
fi
b=$(api "http://127.0.0.1:$port/api/v1/broadcasts/$id")
cp "$work/fleet.json" "$work/fleet-1.json"
python3 - "$b" "$work/fleet-1.json" <<PY
import json, sys
b = json.loads(sys.argv[1]); f = json.load(open(sys.argv[2]))
t0, td, tp, ts = $t0, $t_done, $t_pushed, $t_synced
signs = float("$signs" or 0)
passes = b["cardsUpdated"]
floor = passes / signs if signs else 0
failed = f["failedRequests"]
peak = $peak_kb / 1024
print()
print(f"engine: $engines   cards: {passes}   households: {b['targetedHouseholds']}   devices/pushes: {b['pushesRecorded']}   seed: ${seed_s} s   cache: ${CACHE_MB} MB")
print(f"floor: {passes} passes ÷ openssl rsa2048 sign ×$CORES {signs:.0f}/s = {floor:6.1f} s")
print(f"API call → every card updated:            {td - t0:6.1f} s")
print(f"API call → last push accepted by the mock: {tp - t0:6.1f} s   (sent {b['pushesSent']}, failed {b['pushesFailed']})")
print(f"API call → every device fetched its pass:  {ts - t0:6.1f} s   = {(ts - t0) / floor if floor else 0:.2f}× the floor")
print(f"fleet: {f['syncs']} syncs, {f['fetched']} fetched, {f['notModified']} not modified, {failed} failed requests ({f['timedOut']} timed out), "
      f"{f['verified']} sampled passes verified, {f['verifyFailed']} failed verification; fetch-backs counted by the server: {b['fetched']}")
for p in f["problems"][:10]: print("  problem:", p)
print(f"server RSS idle / peak (VmHWM):            {$idle_rss / 1024:6.0f} / {peak:.0f} MB")
print(f"CPU over the broadcast: server {$server_cpu / $hz:.1f} s, mock APNs + device fleet {$mock_cpu / $hz:.1f} s, "
      f"of {(ts - t0) * $CORES:.1f} s on $CORES cores; the signatures alone take {floor * $CORES:.1f} s of it")
print(f"RESULT engine=$engines cards={passes} seconds={ts - t0:.1f} floor_seconds={floor:.1f} ratio={(ts - t0) / floor if floor else 0:.2f} failed_fetches={failed} peak_rss_mb={peak:.0f}")
PY

# --- 5. kill -9 in the middle ------------------------------------------------------------------------
if [[ $CRASH == 1 ]]; then
  log "crash test: kill -9 in the middle of a second broadcast"
  syncs1=$(python3 -c "import json; f=json.load(open('$work/fleet.json')); print(f['syncs'] + f['failedSyncs'])")
  id2=$(api -d '{"message":"Tournament, second round: +5 points","points":5,"audience":{"type":"all"}}' "http://127.0.0.1:$port/api/v1/broadcasts" | field '["id"]')
  while :; do
    pct=$(api "http://127.0.0.1:$port/api/v1/broadcasts/$id2" | field '["percent"]')
    python3 -c "import sys; sys.exit(0 if $pct >= 30 else 1)" && break
    sleep 0.05
  done
  kill -9 "$server_pid"; wait "$server_pid" 2>/dev/null || true
  log "killed at $pct %; restarting"
  start_server
  read -r _ _ _ < <(wait_for_devices "$id2" $((syncs1 + devices)) "$(date +%s.%N)")
  b2=$(api "http://127.0.0.1:$port/api/v1/broadcasts/$id2")
  python3 - "$b2" "$work/fleet.json" "$devices" <<'PY'
import json, sys
b = json.loads(sys.argv[1]); f = json.load(open(sys.argv[2])); devices = int(sys.argv[3])
ok = (b["householdsGranted"] == b["targetedHouseholds"] and b["cardsUpdated"] == b["targetedCards"]
      and b["pushesSent"] + b["pushesFailed"] >= b["pushesRecorded"] and f["pending"] == 0 and f["verifyFailed"] == 0)
print("crash-resume: granted %d/%d households, %d/%d cards, pushes recorded %d (every batch committed once), sent %d, failed %d; "
      "fleet %d syncs in all, %d failed requests: %s" % (
    b["householdsGranted"], b["targetedHouseholds"], b["cardsUpdated"], b["targetedCards"], b["pushesRecorded"], b["pushesSent"], b["pushesFailed"],
    f["syncs"], f["failedRequests"], "OK" if ok else "WRONG"))
sys.exit(0 if ok else 1)
PY
fi
