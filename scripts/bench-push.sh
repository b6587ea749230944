#!/usr/bin/env bash
# The APNs client benchmark: h2load and APNsClient against the same mock APNs over
# loopback TLS + HTTP/2, with the same connections, streams in flight, headers and body.
#
#   1. builds PushBenchmark in release;
#   2. starts `PushBenchmark --serve-only`: a MockAPNs in token-authentication mode (h2load has no
#      client certificates), writing its URL, CA, auth key and a bearer JWT to a temporary folder;
#   3. h2load: PUSHES requests, CONNECTIONS connections, STREAMS streams each;
#   4. PushBenchmark --url: the same PUSHES through APNsClient from CONNECTIONS × STREAMS concurrent
#      senders over CONNECTIONS connections; it prints pushes/s and its RSS at start, peak and end;
#   5. prints both rates and their ratio (target: APNsClient ≥ 0.5 × h2load).
#
# Usage: scripts/bench-push.sh
# Environment: PUSHES (1000000), CONNECTIONS (4), STREAMS (250), SCRATCH (a --scratch-path for swift build).
set -euo pipefail
cd "$(dirname "$0")/.."
PUSHES=${PUSHES:-1000000}
CONNECTIONS=${CONNECTIONS:-4}
STREAMS=${STREAMS:-250}
build=(swift build -c release --product PushBenchmark)
if [[ -n "${SCRATCH:-}" ]]; then build+=(--scratch-path "$SCRATCH"); fi
if ! command -v h2load >/dev/null; then
    echo "installing h2load (Debian nghttp2-client)" >&2
    apt-get install -y nghttp2-client >/dev/null
fi
"${build[@]}" >/dev/null
bin="$("${build[@]}" --show-bin-path)/PushBenchmark"

dir=$(mktemp -d)
"$bin" --serve-only --dir "$dir" >"$dir/serve.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 300); do [[ -s "$dir/url" ]] && break; sleep 0.1; done
[[ -s "$dir/url" ]] || { echo "the mock did not start:" >&2; cat "$dir/serve.log" >&2; exit 1; }
url=$(cat "$dir/url")
printf '{}' >"$dir/body.json"
token=$(printf 'ab%.0s' $(seq 1 32))
expiration=$(( $(date +%s) + 86400 ))

echo "h2load: $PUSHES requests, $CONNECTIONS connections × $STREAMS streams, $url"
h2load_out=$(h2load -n "$PUSHES" -c "$CONNECTIONS" -m "$STREAMS" -t 1 -d "$dir/body.json" \
    -H "apns-topic: pass.dev.passline.loyalty" -H "apns-push-type: background" -H "apns-priority: 5" \
    -H "apns-expiration: $expiration" -H "authorization: $(cat "$dir/authorization")" \
    "$url/3/device/$token")
echo "$h2load_out" | grep -E "^finished|^requests:|^status codes:" | sed 's/^/  /'
h2load_rate=$(echo "$h2load_out" | sed -n 's/^finished in [0-9.]*s, \([0-9.]*\) req\/s.*/\1/p')

client_out=$("$bin" --url "$url" --dir "$dir" --pushes "$PUSHES" --concurrency $((CONNECTIONS * STREAMS)) --connections "$CONNECTIONS")
echo "$client_out"
client_rate=$(echo "$client_out" | sed -n 's/.* \([0-9.]*\) pushes\/s.*/\1/p')

echo
printf 'h2load     %10.0f req/s\n' "$h2load_rate"
printf 'APNsClient %10.0f pushes/s  (%s × h2load)\n' "$client_rate" "$(awk -v a="$client_rate" -v b="$h2load_rate" 'BEGIN { printf "%.2f", a / b }')"
