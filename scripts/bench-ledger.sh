#!/usr/bin/env bash
# Accruals per second through the API (each: a ledger entry, the balance, every pass of the
# household re-tagged and its devices' pushes recorded, one transaction), next to the same
# database's rate for a bare insert+update transaction, measured in the same run.
# Usage: scripts/bench-ledger.sh [SECONDS] [DATABASE_URL]   (default: a fresh SQLite file)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-8}
db_url=${2:-}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk curl >/dev/null; }
# SCRATCH: a --scratch-path for swift build (default .build).
build=(swift build -c release ${SCRATCH:+--scratch-path "$SCRATCH"})
"${build[@]}" --product passline >/dev/null
"${build[@]}" --product LedgerBenchmark >/dev/null
bin=$("${build[@]}" --show-bin-path)
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
url=${db_url:-sqlite:$work/passline.sqlite}

echo "database: ${db_url:+postgres}${db_url:-sqlite}"
"$bin/LedgerBenchmark" "${db_url:-sqlite:$work/raw.sqlite}" --seconds "$duration" --concurrency 32 --accounts 100 | grep -v RESULT

export PASSLINE_HTTP_PORT=$port PASSLINE_DATA_DIR=$work/data PASSLINE_ADMIN_TOKEN=bench-admin-token-0123456789 PASSLINE_DATABASE_URL=$url PASSLINE_LOG_LEVEL=warning
"$bin/passline" serve >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
auth="Authorization: Bearer $PASSLINE_ADMIN_TOKEN"
# 100 households with a card each, and a registered device per card (so every accrual records a push).
python3 - "$port" <<'PY'
import io, json, sys, urllib.request as u, zipfile
port = sys.argv[1]
base = f"http://127.0.0.1:{port}"
H = {"Authorization": "Bearer bench-admin-token-0123456789", "Content-Type": "application/json"}
for i in range(100):
    card = json.load(u.urlopen(u.Request(f"{base}/api/v1/cards", data=json.dumps({"name": f"Bench {i}", "phone": f"+7900{i:07d}"}).encode(), headers=H)))
    pkpass = u.urlopen(u.Request(f"{base}/api/v1/cards/{card['number']}/pass", headers=H)).read()
    token = json.loads(zipfile.ZipFile(io.BytesIO(pkpass)).read("pass.json"))["authenticationToken"]
    u.urlopen(u.Request(f"{base}/v1/devices/bench-device-{i}/registrations/{card['passTypeIdentifier']}/{card['serialNumber']}",
        data=json.dumps({"pushToken": f"{i:064x}"}).encode(), headers={"Authorization": f"ApplePass {token}", "Content-Type": "application/json"}))
PY
cat >"$work/accrue.lua" <<'LUA'
counter = 0
request = function()
  counter = counter + 1
  local n = math.random(0, 99)
  local number = string.format("7900%07d-1", n)
  return wrk.format("POST", "/api/v1/cards/" .. number .. "/transactions",
    {["Authorization"] = "Bearer bench-admin-token-0123456789", ["Content-Type"] = "application/json"},
    '{"type":"accrual","points":1}')
end
LUA
rate=$(wrk -t2 -c32 -d"${duration}s" -s "$work/accrue.lua" "http://127.0.0.1:$port" | awk '/Requests\/sec/ {print $2}')
echo "API accruals (POST /api/v1/cards/{n}/transactions, 32 connections, 100 households): $rate/s"
