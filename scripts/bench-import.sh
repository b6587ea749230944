#!/usr/bin/env bash
# The import benchmark: `passline import` of a 100,000-row client base into an empty database,
# on SQLite and PostgreSQL, then the same file again (every row already there), then both exports.
#
# The file has what a real base has: households of 1.25 cards on average (phones shared by
# several rows, spelt in two ways), a fifth of the cards with plastic numbers, external ids,
# opening balances on four rows in five, a tier on one row in ten, turnover on one in three.
#
# Each engine ends with lines:
#   RESULT engine=E rows=N step=import|reimport|export_cards|export_ledger seconds=S
# where `import` and `reimport` are the import's own time as `passline import` reports it (from
# the file read, through its check — parsed whole, compared with the database — to the last
# batch committed); the process's wall time (start, templates, credentials) is logged beside.
#
# Usage: scripts/bench-import.sh [sqlite|postgres|both]   (default both)
# Environment: ROWS (100000), PASSLINE_BIN (a release binary instead of building one).
set -euo pipefail
cd "$(dirname "$0")/.."
engines=${1:-both}
ROWS=${ROWS:-100000}

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
bin=$(realpath "$bin")

log() { echo "bench-import: $*" >&2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PASSLINE_DATA_DIR=$work/data PASSLINE_TEMPLATES=$PWD/PassTemplates PASSLINE_LOG_LEVEL=warning
export PASSLINE_SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
if [[ $engines == postgres ]]; then
  name=bench_import_$$
  psql_bin=$(command -v psql || ls /usr/lib/postgresql/*/bin/psql | tail -1)
  "$psql_bin" "$PASSLINE_TEST_POSTGRES_URL" -qc "CREATE DATABASE $name" >/dev/null
  export PASSLINE_DATABASE_URL=${PASSLINE_TEST_POSTGRES_URL%/*}/$name
else
  export PASSLINE_DATABASE_URL=sqlite:$work/passline.sqlite
fi

python3 - "$ROWS" > "$work/base.csv" <<'PY'
import random, sys
rows = int(sys.argv[1])
rng = random.Random(19)
tiers = ["base", "silver", "gold"]
print("name,phone,external_id,card_number,balance,tier,turnover")
household = 0
i = 0
while i < rows:
    size = 1 if rng.random() < 0.8 else rng.randint(2, 3)
    digits = "912%07d" % household
    household += 1
    for k in range(min(size, rows - i)):
        phone = "+7" + digits if k % 2 == 0 else "8 (%s) %s-%s-%s" % (digits[:3], digits[3:6], digits[6:8], digits[8:])
        number = "PL-%07d" % i if rng.random() < 0.2 else ""
        balance = rng.randint(1, 5000) if rng.random() < 0.8 else 0
        tier = rng.choice(tiers) if rng.random() < 0.1 else ""
        turnover = "%d.%02d" % (rng.randint(0, 200000), rng.randint(0, 99)) if rng.random() < 0.33 else ""
        print(f"Client {i},{phone},crm-{i},{number},{balance},{tier},{turnover}")
        i += 1
PY
log "$engines: $ROWS rows, $(du -h "$work/base.csv" | cut -f1) ($PASSLINE_DATABASE_URL)"
# The data directory (development certificates) and the schema first, so the import's time is the import's.
"$bin" apikey list >/dev/null

run_import() { # step
  local start end out
  start=$(date +%s.%N)
  out=$("$bin" import "$work/base.csv")
  end=$(date +%s.%N)
  echo "$out" >&2
  local own
  own=$(echo "$out" | sed -n 's/^import [0-9]*: done in \([0-9.]*\) s.*$/\1/p')
  log "$1: $own s import, $(python3 -c "print(f'{$end - $start:.1f}')") s wall (process start, templates, credentials included)"
  echo "RESULT engine=$engines rows=$ROWS step=$1 seconds=$own"
}
run_import import
run_import reimport
for what in cards ledger; do
  start=$(date +%s.%N)
  "$bin" export "$what" --out "$work/$what.csv" 2>/dev/null
  end=$(date +%s.%N)
  log "export $what: $(($(wc -l < "$work/$what.csv") - 1)) lines, $(du -h "$work/$what.csv" | cut -f1)"
  echo "RESULT engine=$engines rows=$ROWS step=export_$what seconds=$(python3 -c "print(f'{$end - $start:.1f}')")"
done
if [[ $engines == postgres ]]; then
  "$psql_bin" "$PASSLINE_TEST_POSTGRES_URL" -qc "DROP DATABASE $name" >/dev/null
fi
