#!/usr/bin/env bash
# Pass building throughput on one core, next to OpenSSL's raw RSA-2048 signing rate (the ceiling:
# every pass needs exactly one signature). Usage: scripts/bench-build.sh [PASSES]
set -euo pipefail
cd "$(dirname "$0")/.."
passes=${1:-10000}
# SCRATCH: a --scratch-path for swift build (default .build).
build=(swift build -c release ${SCRATCH:+--scratch-path "$SCRATCH"})
"${build[@]}" --product PasslineBenchmarks >/dev/null
bin=$("${build[@]}" --show-bin-path)/PasslineBenchmarks

echo "== ceiling: openssl speed -seconds 3 rsa2048 (one core), best of 3"
ceiling=0
for _ in 1 2 3; do
  r=$(taskset -c 0 openssl speed -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $6}')
  ceiling=$(awk -v a="$ceiling" -v b="$r" 'BEGIN { print (b > a ? b : a) }')
done
echo "openssl rsa2048 sign/s: $ceiling"

echo "== passline: build + sign $passes loyalty passes (pinned to one core), best of 3 rounds"
out=$(taskset -c 0 "$bin" --passes "$passes")
echo "$out" | grep -v '^RESULT'
rate=$(echo "$out" | sed -n 's/.*passes_per_second=\([0-9]*\).*/\1/p')
awk -v r="$rate" -v c="$ceiling" 'BEGIN { printf "ratio passes/s ÷ openssl sign/s = %.2f (target ≥ 0.85)\n", r / c }'
