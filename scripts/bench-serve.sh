#!/usr/bin/env bash
# The web service under wrk at 100 connections, next to nginx serving the same pass bytes as a
# static file in the same run (the ceiling for sending a ~40 KB body).
# Usage: scripts/bench-serve.sh [DURATION_SECONDS] [DATABASE_URL]
#   DATABASE_URL defaults to a fresh SQLite file; give postgres://… to measure PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
db_url=${2:-}
for tool in wrk nginx curl python3; do
  command -v "$tool" >/dev/null || { echo "installing $tool"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx curl >/dev/null; break; }
done

# PASSLINE_BIN: a passline binary to measure instead of building one; SCRATCH: a --scratch-path for swift build.
if [[ -n ${PASSLINE_BIN:-} ]]; then
  bin=$PASSLINE_BIN
else
  build=(swift build -c release ${SCRATCH:+--scratch-path "$SCRATCH"})
  "${build[@]}" --product passline >/dev/null
  bin=$("${build[@]}" --show-bin-path)/passline
fi
work=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port); nginx_port=$(free_port)
cleanup() {
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

export PASSLINE_HTTP_PORT=$port PASSLINE_DATA_DIR=$work/data PASSLINE_ADMIN_TOKEN=bench-admin-token-0123456789
export PASSLINE_DATABASE_URL=${db_url:-sqlite:$work/data/passline.sqlite} PASSLINE_LOG_LEVEL=warning
"$bin" serve >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

auth="Authorization: Bearer $PASSLINE_ADMIN_TOKEN"
serial=$(curl -sf -H "$auth" -H 'Content-Type: application/json' -d '{"template":"loyalty"}' "http://127.0.0.1:$port/api/v1/passes" | python3 -c 'import json,sys; print(json.load(sys.stdin)["serialNumber"])')
pass_type=$(curl -sf -H "$auth" "http://127.0.0.1:$port/api/v1/passes/$serial" | python3 -c 'import json,sys; print(json.load(sys.stdin)["passTypeIdentifier"])')
curl -sf -H "$auth" -o "$work/pass.pkpass" "http://127.0.0.1:$port/api/v1/passes/$serial/pkpass"
token=$(cd "$work" && python3 - <<'PY'
import zipfile, json
print(json.loads(zipfile.ZipFile("pass.pkpass").read("pass.json"))["authenticationToken"])
PY
)
size=$(stat -c %s "$work/pass.pkpass")

mkdir -p "$work/www"
cp "$work/pass.pkpass" "$work/www/pass.pkpass"
cat >"$work/nginx.conf" <<NGINX
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  keepalive_requests 1000000;
  types { application/vnd.apple.pkpass pkpass; }
  client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp; uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
  server { listen 127.0.0.1:$nginx_port; root $work/www; }
}
NGINX
mkdir -p "$work/tmp"
nginx -c "$work/nginx.conf"

cat >"$work/register.lua" <<LUA
counter = 0
request = function()
  counter = counter + 1
  local device = string.format("bench-device-%d-%d", math.random(1, 1000000000), counter)
  local body = '{"pushToken":"' .. string.rep("ab", 32) .. '"}'
  return wrk.format("POST", "/v1/devices/" .. device .. "/registrations/$pass_type/$serial",
    {["Authorization"] = "ApplePass $token", ["Content-Type"] = "application/json"}, body)
end
LUA

run() { wrk -t2 -c100 -d"${duration}s" "$@" | awk '/Requests\/sec/ {print $2} /Non-2xx/ {print "non-2xx: " $4 > "/dev/stderr"}'; }
echo "pass: $size bytes; database: $([[ -n $db_url ]] && echo postgres || echo sqlite); wrk -t2 -c100 -d${duration}s"
nginx_rate=$(run "http://127.0.0.1:$nginx_port/pass.pkpass")
echo "nginx static file:              $nginx_rate req/s"
pass_rate=$(run -H "Authorization: ApplePass $token" "http://127.0.0.1:$port/v1/passes/$pass_type/$serial")
echo "passline GET cached pass:       $pass_rate req/s"
register_rate=$(run -s "$work/register.lua" "http://127.0.0.1:$port")
echo "passline POST register (new):   $register_rate req/s"
awk -v a="$pass_rate" -v b="$nginx_rate" 'BEGIN { printf "ratio cached pass ÷ nginx = %.2f (target ≥ 0.5)\n", a / b }'
