#!/usr/bin/env bash
# The broadcast benchmark, on SQLite and PostgreSQL:
#
#   1. `passline dev seed --cards N` (default 1,000,000 cards, 1.2 devices per card);
#   2. `passline dev apns-mock` and `passline serve` pushing to it (PASSLINE_PUSH_RATE=0: unlimited);
#   3. POST /api/v1/broadcasts (points + message to everyone) and the time until every recorded
#      push has been accepted by the mock (pushesSent = pushesRecorded), with the server's peak
#      resident memory (VmHWM) and its RSS when idle before;
#   4. the fetch-back: wrk fetching FETCHES changed passes once each (every one a cache miss, so
#      one signature each), next to `openssl speed -multi CORES rsa2048` measured in the same run;
#   5. with CRASH=1 also a kill -9 of the server in the middle of a second broadcast and a restart:
#      it must finish with every household granted once and every device's push sent.
#
# Usage: scripts/bench-broadcast.sh [sqlite|postgres|both]   (default both)
# Environment: CARDS (1000000), DEVICES_PER_CARD (1.2), FETCHES (10000), CRASH (1), BATCH (10000), PASSLINE_BIN.
# PostgreSQL runs under scripts/with-postgres.sh (a throwaway cluster).
set -euo pipefail
cd "$(dirname "$0")/.."
engines=${1:-both}
CARDS=${CARDS:-1000000}
DEVICES_PER_CARD=${DEVICES_PER_CARD:-1.2}
FETCHES=${FETCHES:-10000}
CRASH=${CRASH:-1}
BATCH=${BATCH:-10000}
CORES=$(nproc)

if [[ $engines == both ]]; then
  "$0" sqlite
  exec scripts/with-postgres.sh "$0" postgres
fi
if [[ $engines == postgres && -z ${PASSLINE_TEST_POSTGRES_URL:-} ]]; then
  exec scripts/with-postgres.sh "$0" postgres
fi

for tool in wrk curl python3 openssl; do
  command -v "$tool" >/dev/null || { echo "installing $tool" >&2; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk curl python3 openssl >/dev/null; break; }
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
  for pid in ${server_pid:-} ${mock_pid:-}; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
log() { echo "bench-broadcast[$engines]: $*" >&2; }

export PASSLINE_HTTP_PORT=$port PASSLINE_DATA_DIR=$work/data PASSLINE_ADMIN_TOKEN=bench-admin-token-0123456789
export PASSLINE_SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(32))') PASSLINE_LOG_LEVEL=warning
export PASSLINE_BROADCAST_BATCH=$BATCH PASSLINE_PUSH_RATE=0
if [[ $engines == postgres ]]; then
  name=bench_$RANDOM$RANDOM
  psql_url=${PASSLINE_TEST_POSTGRES_URL}
  # psql comes with the cluster's tools (scripts/with-postgres.sh installed them).
  psql_bin=$(ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -1)
  "${psql_bin:-psql}" "$psql_url" -qc "CREATE DATABASE $name" >/dev/null
  export PASSLINE_DATABASE_URL=${psql_url%/*}/$name
else
  mkdir -p "$work/data"
  export PASSLINE_DATABASE_URL=sqlite:$work/data/passline.sqlite
fi

# --- 1. seed -------------------------------------------------------------------------------
log "seeding $CARDS cards"
seed_start=$(date +%s.%N)
"$bin" dev seed --cards "$CARDS" --devices-per-card "$DEVICES_PER_CARD" 2>/dev/null
seed_s=$(python3 -c "import time; print(f'{time.time() - $seed_start:.1f}')")

# --- 2. mock APNs and the server ---------------------------------------------------------------
# Certificate authentication with the development PKI the seed created in the data directory.
"$bin" dev apns-mock --port "$mock_port" --identity-dir "$work/apns-mock" --client-ca "$work/data/dev-certs/root.pem" \
  --client-ca "$work/data/dev-certs/wwdr.pem" --no-token-log --stats-interval 0 >"$work/mock.log" 2>&1 &
mock_pid=$!
for _ in $(seq 300); do grep -q "listening" "$work/mock.log" 2>/dev/null && break; sleep 0.1; done
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
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$server_pid/status"; }
idle_rss=$(rss_kb)

# --- 3. the broadcast ----------------------------------------------------------------------------
log "broadcast to everyone"
t0=$(date +%s.%N)
id=$(api -d '{"message":"Tournament on Saturday: +100 points","points":100,"audience":{"type":"all"}}' \
  "http://127.0.0.1:$port/api/v1/broadcasts" | field '["id"]')
while :; do
  b=$(api "http://127.0.0.1:$port/api/v1/broadcasts/$id")
  state=$(echo "$b" | field '["state"]')
  if [[ $state == done ]] && echo "$b" | python3 -c 'import json,sys; b=json.load(sys.stdin); sys.exit(0 if b["pushesSent"]+b["pushesFailed"]>=b["pushesRecorded"] else 1)'; then break; fi
  [[ $state == failed || $state == cancelled ]] && { log "broadcast $state: $b"; exit 1; }
  [[ -z ${t_done:-} && $state == done ]] && t_done=$(date +%s.%N)
  sleep 0.2
done
t1=$(date +%s.%N)
t_done=${t_done:-$t1}
peak_kb=$(hwm_kb)
summary=$(echo "$b" | python3 -c 'import json,sys; b=json.load(sys.stdin); print(b["targetedHouseholds"], b["cardsUpdated"], b["pushesRecorded"], b["pushesSent"], b["pushesFailed"])')
read -r households cards pushes sent failed <<<"$summary"

# --- 4. fetch-back ---------------------------------------------------------------------------------
pass_type=$(api "http://127.0.0.1:$port/api/v1/cards/79000000001-1" | field '["passTypeIdentifier"]')
python3 - "$PASSLINE_SECRET" "$pass_type" "$FETCHES" "$work/fetch.lua" <<'PY'
import base64, hashlib, hmac, sys
secret, pass_type, n, out = bytes.fromhex(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
lines = []
for k in range(1, n + 1):
    serial = f"SEED{k:012d}"
    token = base64.urlsafe_b64encode(hmac.new(secret, f"{pass_type}\n{serial}".encode(), hashlib.sha256).digest()).rstrip(b"=").decode()
    lines.append(f'{{"/v1/passes/{pass_type}/{serial}","ApplePass {token}"}}')
with open(out, "w") as f:
    f.write("local passes = {" + ",\n".join(lines) + "}\n")
    f.write("local count = 0\n")
    f.write("""
function setup(thread)
  count = count + 1
  thread:set("first", count)
end
function init(args)
  i = tonumber(wrk.thread:get("first"))
  step = tonumber(args[1])
end
function request()
  if i > #passes then
    wrk.thread:stop()
    return wrk.format("GET", passes[1][1], {["Authorization"] = passes[1][2]})
  end
  local p = passes[i]
  i = i + step
  return wrk.format("GET", p[1], {["Authorization"] = p[2]})
end
""")
PY
threads=$CORES
openssl_out=$(openssl speed -seconds 5 -multi "$CORES" rsa2048 2>/dev/null | awk '/^rsa 2048/ {print $(NF-1)}' | tail -1)
# wrk's own Requests/sec divides by the whole -d duration, so the time is taken here: from wrk's
# start until the server's signed-pass cache has missed FETCHES more times (one signature each).
misses() { curl -s "http://127.0.0.1:$port/metrics" | awk '/^passline_pass_cache_misses/ {print int($NF)}' | tail -1; }
base=$(misses); base=${base:-0}
f0=$(date +%s.%N)
wrk -t"$threads" -c64 -d300s -s "$work/fetch.lua" "http://127.0.0.1:$port" -- "$threads" >"$work/wrk.log" 2>&1 &
wrk_pid=$!
while :; do
  m=$(misses); m=${m:-0}
  (( m - base >= FETCHES )) && break
  kill -0 "$wrk_pid" 2>/dev/null || break
  sleep 0.05
done
f1=$(date +%s.%N)
kill "$wrk_pid" 2>/dev/null; wait "$wrk_pid" 2>/dev/null || true
signed=$(( $(misses) - base ))
fetch_rate=$(python3 -c "print(f'{$signed / ($f1 - $f0):.0f}')")
non2xx=$(awk '/Non-2xx/ {print $NF}' "$work/wrk.log")
sleep 1.5
fetched=$(api "http://127.0.0.1:$port/api/v1/broadcasts/$id" | field '["fetched"]')

python3 - <<PY
t0, t1, td = $t0, $t1, $t_done
print()
print("engine: $engines   cards: $cards   households: $households   devices/pushes: $pushes   seed: ${seed_s} s")
print(f"API call → every card updated:         {td - t0:6.1f} s")
print(f"API call → last push accepted by mock:  {t1 - t0:6.1f} s   (sent $sent, failed $failed)")
print(f"server RSS idle / peak (VmHWM):         {$idle_rss / 1024:6.0f} / {$peak_kb / 1024:.0f} MB")
raw = float("$openssl_out" or 0)
rate = float("$fetch_rate" or 0)
print(f"fetch-back: $FETCHES changed passes at {rate:.0f}/s; openssl rsa2048 sign ×$CORES: {raw:.0f}/s → {rate / raw if raw else 0:.2f}×   (non-2xx: ${non2xx:-0}; counted fetched: $fetched)")
PY

# --- 5. kill -9 in the middle ------------------------------------------------------------------------
if [[ $CRASH == 1 ]]; then
  log "crash test: kill -9 in the middle of a second broadcast"
  id2=$(api -d '{"message":"Second round","points":5,"audience":{"type":"all"}}' "http://127.0.0.1:$port/api/v1/broadcasts" | field '["id"]')
  while :; do
    pct=$(api "http://127.0.0.1:$port/api/v1/broadcasts/$id2" | field '["percent"]')
    python3 -c "import sys; sys.exit(0 if $pct >= 30 else 1)" && break
    sleep 0.05
  done
  kill -9 "$server_pid"; wait "$server_pid" 2>/dev/null || true
  log "killed at $pct %; restarting"
  t_restart=$(date +%s.%N)
  start_server
  while :; do
    b2=$(api "http://127.0.0.1:$port/api/v1/broadcasts/$id2")
    if echo "$b2" | python3 -c 'import json,sys; b=json.load(sys.stdin); sys.exit(0 if b["state"]=="done" and b["pushesSent"]+b["pushesFailed"]>=b["pushesRecorded"] else 1)'; then break; fi
    sleep 0.5
  done
  echo "$b2" | python3 -c '
import json, sys
b = json.load(sys.stdin)
ok = b["householdsGranted"] == b["targetedHouseholds"] and b["cardsUpdated"] == b["targetedCards"] and b["pushesSent"] + b["pushesFailed"] == b["pushesRecorded"] == int(sys.argv[1])
print("crash-resume: granted %d/%d households, %d/%d cards, pushes recorded %d, sent %d, failed %d: %s" % (
    b["householdsGranted"], b["targetedHouseholds"], b["cardsUpdated"], b["targetedCards"], b["pushesRecorded"], b["pushesSent"], b["pushesFailed"],
    "OK" if ok else "WRONG"))
sys.exit(0 if ok else 1)' "$pushes"
fi
