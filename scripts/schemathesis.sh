#!/usr/bin/env bash
# Fuzzes a live server against the OpenAPI document it serves, with Schemathesis.
#
# Builds `passline` (debug), starts `passline serve` on a free loopback port with a throwaway data
# directory and SQLite database, creates a pass (with a device registered for it), a loyalty card
# and an API key so that path parameters can name real things, then runs Schemathesis against
# http://127.0.0.1:PORT/api/v1/openapi.json with the admin token as bearer and the pass's
# `ApplePass`/`AndroidPass` token for the web service. Checks: no 5xx, every response's body
# matches the documented schema for its status, and no undocumented status. Exit status is
# non-zero on any failure (or if the server dies). The server is stopped and everything removed
# at the end.
#
#   scripts/schemathesis.sh
#
# Settings (environment):
#   PASSLINE_SCHEMATHESIS_EXAMPLES   test cases per operation and phase (default 100)
#   PASSLINE_SCHEMATHESIS_SEED       random seed (default 20261123): same seed, same requests
#   PASSLINE_SCHEMATHESIS_VENV       where Schemathesis is installed (default .build/schemathesis-venv)
#   PASSLINE_SCHEMATHESIS_SCHEMA     test against this document (a file, e.g. an edited docs/openapi.json
#                                    before the server is rebuilt from it) instead of the served one
#   PASSLINE_SCHEMATHESIS_KEEP=1     keep the temporary directory (server log, reports)
set -euo pipefail
schema_override=${PASSLINE_SCHEMATHESIS_SCHEMA:-}
[[ -n $schema_override ]] && schema_override=$(realpath "$schema_override")
cd "$(dirname "$0")/.."
repo=$PWD

SCHEMATHESIS_VERSION=4.32.5
examples=${PASSLINE_SCHEMATHESIS_EXAMPLES:-100}
seed=${PASSLINE_SCHEMATHESIS_SEED:-20261123}
venv=${PASSLINE_SCHEMATHESIS_VENV:-$repo/.build/schemathesis-venv}
keep=${PASSLINE_SCHEMATHESIS_KEEP:-}
# The server must not pick up the caller's configuration (credentials, database, config file).
while read -r name; do unset "$name"; done < <(compgen -e | grep '^PASSLINE_' || true)

for tool in python3 curl; do
  command -v "$tool" >/dev/null || { echo "schemathesis.sh: $tool is required" >&2; exit 1; }
done

# --- Schemathesis, pinned, in its own virtual environment ------------------------------------
st=$venv/bin/schemathesis
if [[ $("$st" --version 2>/dev/null || true) != "schemathesis, version $SCHEMATHESIS_VERSION" ]]; then
  echo "== installing schemathesis $SCHEMATHESIS_VERSION into $venv"
  if ! python3 -m venv "$venv" 2>/dev/null; then
    echo "schemathesis.sh: python3 -m venv failed (on Debian: apt-get install python3-venv)" >&2
    exit 1
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
echo "== $("$st" --version)"

# --- the server ---------------------------------------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/passline-schemathesis.XXXXXX")
server_pid=
cleanup() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [[ -n $keep ]]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

echo "== building passline"
if ! swift build --product passline >"$tmp/build.log" 2>&1; then
  tail -n 40 "$tmp/build.log" >&2
  echo "schemathesis.sh: the build failed" >&2
  exit 1
fi
tail -n 1 "$tmp/build.log"
bin="$(swift build --show-bin-path)/passline"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
secret=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
admin=$(python3 -c 'import secrets; print("st-" + secrets.token_hex(16))')
base=http://127.0.0.1:$port
mkdir -p "$tmp/data"

echo "== starting passline serve on $base (data in $tmp/data)"
PASSLINE_HTTP_HOST=127.0.0.1 PASSLINE_HTTP_PORT=$port PASSLINE_DATA_DIR="$tmp/data" \
  PASSLINE_DATABASE_URL="sqlite:$tmp/data/passline.sqlite" PASSLINE_TEMPLATES="$repo/PassTemplates" \
  PASSLINE_SECRET=$secret PASSLINE_ADMIN_TOKEN=$admin PASSLINE_LOG_LEVEL=warning \
  "$bin" serve >"$tmp/server.log" 2>&1 &
server_pid=$!

server_log_tail() { echo "--- server log (last 40 lines) ---" >&2; tail -n 40 "$tmp/server.log" >&2 || true; }
for i in $(seq 240); do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "schemathesis.sh: the server exited at start" >&2; server_log_tail; exit 1
  fi
  curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && break
  ((i == 240)) && { echo "schemathesis.sh: the server did not answer /healthz within 120 s" >&2; server_log_tail; exit 1; }
  sleep 0.5
done

# --- fixtures: one of each thing a path names -------------------------------------------------
field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
api() { # METHOD PATH [BODY]: JSON answer of the admin API; fails on an HTTP error
  curl -fsS -X "$1" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' ${3:+--data "$3"} "$base$2"
}

pass=$(api POST /api/v1/passes '{"template":"loyalty"}')
serial=$(field serialNumber <<<"$pass")
pass_type=$(field passTypeIdentifier <<<"$pass")
pass_token=$(python3 -c '
import base64, hashlib, hmac, sys
mac = hmac.new(bytes.fromhex(sys.argv[1]), (sys.argv[2] + "\n" + sys.argv[3]).encode(), hashlib.sha256).digest()
print(base64.urlsafe_b64encode(mac).decode().rstrip("="))' "$secret" "$pass_type" "$serial")
device=schemathesis-device-0001
status=$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H "Authorization: ApplePass $pass_token" -H 'Content-Type: application/json' \
  --data "{\"pushToken\":\"$(printf 'ab%.0s' $(seq 32))\"}" "$base/v1/devices/$device/registrations/$pass_type/$serial")
[[ $status == 201 ]] || { echo "schemathesis.sh: registering the fixture device answered $status" >&2; exit 1; }

card=$(api POST /api/v1/cards '{"name":"Schemathesis Fixture","phone":"+7 912 345-67-89"}')
card_number=$(field number <<<"$card")
api POST "/api/v1/cards/$card_number/transactions" '{"type":"accrual","points":500,"businessKey":"fixture:1"}' >/dev/null
key_id=$(api POST /api/v1/apikeys '{"name":"schemathesis fixture","scopes":["crm"]}' | field id)
echo "== fixtures: pass $serial ($pass_type), device $device, card $card_number, API key $key_id"

# --- Schemathesis -------------------------------------------------------------------------------
cat >"$tmp/schemathesis.toml" <<EOF
seed = $seed
workers = 1
request-timeout = 30
color = false

[generation]
max-examples = $examples
# No example database: the seed alone decides the run.
database = "none"

# Nothing written into the repository.
[cache]
enabled = false

[auth.openapi.bearerAuth]
bearer = "$admin"

[auth.openapi.ApplePass]
api_key = "ApplePass $pass_token"

[auth.openapi.AndroidPass]
api_key = "AndroidPass $pass_token"

# Real values most of the time, generated ones the rest.
[dictionaries.device]
values = ["$device"]
[dictionaries.passType]
values = ["$pass_type"]
[dictionaries.serial]
values = ["$serial"]
[dictionaries.number]
values = ["$card_number"]
[dictionaries.keyId]
values = ["$key_id"]

[dictionaries.phone]
values = ["+79123456789", "8 (912) 345-67-01", "9161234567", "+44 20 7946 0958", "0049 30 901820"]
[dictionaries.template]
values = ["loyalty"]
[dictionaries.tierOrVariant]
values = ["base", "silver", "gold"]
[dictionaries.pushToken]
values = ["$(printf 'ab%.0s' $(seq 32))", "0123456789ABCDEF0123456789abcdef"]

[parameters]
"body.phone" = { dictionary = "phone", probability = 0.7 }
"body.template" = { dictionary = "template", probability = 0.8 }
"body.tier" = { dictionary = "tierOrVariant", probability = 0.7 }
"body.variant" = { dictionary = "tierOrVariant", probability = 0.5 }
"body.pushToken" = { dictionary = "pushToken", probability = 0.7 }
"path.device" = { dictionary = "device", probability = 0.8 }
"path.passType" = { dictionary = "passType", probability = 0.8 }
"path.serial" = { dictionary = "serial", probability = 0.8 }
"path.number" = { dictionary = "number", probability = 0.8 }
"path.id" = { dictionary = "keyId", probability = 0.5 }
EOF

# Hooks:
# - Idempotency-Key: generated keys repeat (and collide with a different body: 409), which would
#   keep most POSTs from reaching their logic. Three in four calls get a fresh key; the rest keep
#   theirs, so replays and conflicts are still exercised. Counter-based: a seed still gives one run.
# - .pkpass answers are checked to be zip archives with pass.json, manifest.json and signature
#   (then validated as the document's binary string).
cat >"$tmp/hooks.py" <<'EOF'
import io
import itertools
import zipfile

import schemathesis

_calls = itertools.count(1)


@schemathesis.deserializer("application/vnd.apple.pkpass")
def pkpass(ctx, response):
    try:
        names = set(zipfile.ZipFile(io.BytesIO(response.content)).namelist())
    except zipfile.BadZipFile as exc:
        raise ValueError(f"not a .pkpass (zip) archive: {exc}") from exc
    missing = {"pass.json", "manifest.json", "signature"} - names
    if missing:
        raise ValueError(f"the .pkpass lacks {', '.join(sorted(missing))}")
    return response.content.decode("latin-1")


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.headers and "Idempotency-Key" in case.headers:
        n = next(_calls)
        if n % 4:
            case.headers["Idempotency-Key"] = f"st-{n}"
EOF

checks=not_a_server_error,response_schema_conformance,status_code_conformance
if [[ -n $schema_override ]]; then
  location=(--url "$base" "$schema_override")
  echo "== testing against $schema_override (not the served document)"
else
  location=("$base/api/v1/openapi.json")
  served=$(curl -sS -o /dev/null -w '%{http_code}' "$base/api/v1/openapi.json")
  [[ $served == 200 ]] || { echo "schemathesis.sh: GET /api/v1/openapi.json answered $served (is the route registered?)" >&2; exit 1; }
fi

echo "== schemathesis run: checks $checks, $examples examples per operation, seed $seed"
started=$SECONDS
set +e
# Run from the temporary directory: whatever Schemathesis writes stays there.
(cd "$tmp" && SCHEMATHESIS_HOOKS="$tmp/hooks.py" timeout 900 "$st" --config-file "$tmp/schemathesis.toml" run "${location[@]}" \
  --checks "$checks" --report junit --report-junit-path "$tmp/report/junit.xml") 2>&1 | tee "$tmp/schemathesis.log"
st_status=${PIPESTATUS[0]}
set -e

server_alive=yes
kill -0 "$server_pid" 2>/dev/null || server_alive=no
server_errors=$(grep -cE ' (error|critical) |Fatal error|Precondition failed|crashed' "$tmp/server.log" || true)

echo
echo "== summary"
echo "schemathesis $SCHEMATHESIS_VERSION, seed $seed, $examples examples per operation, $((SECONDS - started)) s"
python3 - "$tmp/report/junit.xml" <<'EOF' || true
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception as e:
    print(f"(no JUnit report: {e})"); sys.exit(0)
cases = root.iter("testcase")
failed = []
total = 0
for case in cases:
    total += 1
    if case.find("failure") is not None or case.find("error") is not None:
        failed.append(case.get("name"))
print(f"JUnit test cases (operations and stateful scenarios): {total}, failed: {len(failed)}")
for name in failed:
    print(f"  FAILED {name}")
EOF
echo "server: $([[ $server_alive == yes ]] && echo "still running" || echo "DIED during the run"); lines mentioning errors in its log: $server_errors"
if [[ $server_alive != yes || $st_status != 0 ]]; then
  server_log_tail
  echo "RESULT: FAILED (schemathesis exit $st_status)"
  exit 1
fi
echo "RESULT: passed"
