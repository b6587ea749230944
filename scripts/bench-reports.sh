#!/usr/bin/env bash
# The reports benchmark: how long GET /api/v1/reports/summary and /timeseries take on the
# 1,000,000-card benchmark database, on SQLite and PostgreSQL.
#
#   1. `passline dev seed --cards N` (the broadcast benchmark's database: 1.25 cards a household,
#      1.2 devices a card), then a year of history made set-based in SQL: cards and households
#      issued over 365 days, an install per registration, a link open per card, an accrual per
#      card and a debit for every other card (2.5 ledger entries a card with the welcome-less seed);
#   2. `passline serve`, then the summary once at once (summary-cold: the server is still rolling
#      up the year's hours beside it), and, once the rollup has caught up, each report RUNS times
#      over the whole year in Europe/Moscow: the summary, and the time series by day (365 buckets),
#      week and month; the median and the slowest of the runs are reported;
#   3. beside them, the same database's bare `SELECT COUNT(*) FROM ledger_entries` (its largest
#      table), timed by the engine's own client: the least a report that reads the ledger costs.
#
# Each engine ends with lines:
#   RESULT engine=E cards=N report=R median_s=M max_s=X   and   REFERENCE engine=E count_ledger_s=S
#
# Usage: scripts/bench-reports.sh [sqlite|postgres|both]   (default both)
# Environment: CARDS (1000000), RUNS (5), PASSLINE_BIN (a release binary instead of building one),
# KEEP (1: keep the work directory with its SQLite database, to look at the queries).
set -euo pipefail
cd "$(dirname "$0")/.."
engines=${1:-both}
CARDS=${CARDS:-1000000}
RUNS=${RUNS:-5}

if [[ $engines == both ]]; then
  "$0" sqlite
  exec scripts/with-postgres.sh "$0" postgres
fi
if [[ $engines == postgres && -z ${PASSLINE_TEST_POSTGRES_URL:-} ]]; then
  exec scripts/with-postgres.sh "$0" postgres
fi

if [[ -n ${PASSLINE_BIN:-} ]]; then
  bin=$PASSLINE_BIN
else
  scratch=${SCRATCH:-.build-bench}
  swift build -c release --scratch-path "$scratch" --product passline >/dev/null
  bin=$scratch/release/passline
fi

log() { echo "bench-reports: $*" >&2; }
work=$(mktemp -d)
cleanup() {
  [[ -n ${server_pid:-} ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  if [[ ${KEEP:-0} == 1 ]]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export PASSLINE_HTTP_PORT=$port PASSLINE_DATA_DIR=$work/data PASSLINE_ADMIN_TOKEN=bench-admin-token-0123456789
export PASSLINE_SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(32))') PASSLINE_LOG_LEVEL=warning
if [[ $engines == postgres ]]; then
  psql_url=${PASSLINE_TEST_POSTGRES_URL}
  name=bench_reports_$$
  psql_bin=$(command -v psql || ls /usr/lib/postgresql/*/bin/psql | tail -1)
  "$psql_bin" "$psql_url" -qc "CREATE DATABASE $name" >/dev/null
  export PASSLINE_DATABASE_URL=${psql_url%/*}/$name
  sql() { "$psql_bin" "$PASSLINE_DATABASE_URL" -qAt -v ON_ERROR_STOP=1 -c "$1"; }
  timed_count() { "$psql_bin" "$PASSLINE_DATABASE_URL" -qAt -c '\timing on' -c 'SELECT COUNT(*) FROM ledger_entries' | awk '/^Time:/ {printf "%.3f", $2 / 1000}'; }
else
  mkdir -p "$work/data"
  export PASSLINE_DATABASE_URL=sqlite:$work/data/passline.sqlite
  sql() { sqlite3 "$work/data/passline.sqlite" "$1"; }
  timed_count() { printf '.timer on\nSELECT COUNT(*) FROM ledger_entries;\n' | sqlite3 "$work/data/passline.sqlite" 2>&1 | awk '/^Run Time/ {printf "%.3f", $4}'; }
fi

log "seeding $CARDS cards ($engines)"
"$bin" dev seed --cards "$CARDS" 2>/dev/null
now=$(date +%s)
year=$((365 * 86400))
log "spreading a year of history"
# Cards, households and registrations over the year before now; then the events the reports count.
sql "UPDATE accounts SET created_at = $now - (id * 7919) % $year"
sql "UPDATE cards SET created_at = (SELECT a.created_at FROM accounts a WHERE a.id = cards.account_id)"
sql "UPDATE registrations SET created_at = (SELECT c.created_at FROM cards c WHERE c.pass_type_id = registrations.pass_type_id AND c.serial_number = registrations.serial_number) + 600"
sql "INSERT INTO activity_events (kind, platform, at) SELECT 'install', d.client, r.created_at FROM registrations r JOIN devices d ON d.device_library_id = r.device_library_id"
sql "INSERT INTO activity_events (kind, platform, at) SELECT 'link_open', NULL, created_at - 300 FROM cards"
sql "INSERT INTO ledger_entries (account_id, card_number, kind, points, balance_after, created_at) SELECT account_id, number, 'accrual', 100, 100, created_at + 86400 FROM cards"
sql "INSERT INTO ledger_entries (account_id, card_number, kind, points, balance_after, created_at) SELECT account_id, number, 'debit', -40, 60, created_at + 2 * 86400 FROM cards WHERE created_at % 2 = 0"
sql "UPDATE accounts SET balance = 60"
[[ $engines == postgres ]] && sql "VACUUM ANALYZE" || sql "ANALYZE"
entries=$(sql "SELECT COUNT(*) FROM ledger_entries")
events=$(sql "SELECT COUNT(*) FROM activity_events")
log "ledger entries: $entries, activity events: $events"

"$bin" serve >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
auth="Authorization: Bearer $PASSLINE_ADMIN_TOKEN"
from=$(date -u -d "@$((now - year))" +%Y-%m-%d)
to=$(date -u -d "@$((now + 86400))" +%Y-%m-%d)
q="from=$from&to=$to&tz=Europe/Moscow"

measure() { # name path
  local times=()
  for _ in $(seq "$RUNS"); do
    times+=("$(curl -s -o "$work/out" -w '%{http_code} %{time_total}' -H "$auth" "http://127.0.0.1:$port$2")")
    [[ ${times[-1]%% *} == 200 ]] || { log "$1: ${times[-1]}"; cat "$work/out" >&2; exit 1; }
  done
  printf '%s\n' "${times[@]}" | awk '{ print $2 }' | sort -n | awk -v e="$engines" -v c="$CARDS" -v r="$1" '
    { t[NR] = $1 } END { printf "RESULT engine=%s cards=%s report=%s median_s=%.3f max_s=%.3f\n", e, c, r, t[int((NR + 1) / 2)], t[NR] }'
}
# The first report after the first start: the server is still rolling up the year beside it.
RUNS=1 measure summary-cold "/api/v1/reports/summary?$q"
# Then, once the rollup has caught up (as it stays while serving: an hour at a time).
caught_up=$(( ($(date +%s) - 300) / 3600 ))
for _ in $(seq 600); do (( $(sql "SELECT through_hour FROM report_rollup") >= caught_up )) && break; sleep 0.5; done
measure summary "/api/v1/reports/summary?$q"
measure timeseries-day "/api/v1/reports/timeseries?$q&interval=day"
measure timeseries-week "/api/v1/reports/timeseries?$q&interval=week"
measure timeseries-month "/api/v1/reports/timeseries?$q&interval=month"
echo "REFERENCE engine=$engines count_ledger_s=$(timed_count)"
head -c 600 "$work/out" >&2; echo >&2
