#!/usr/bin/env bash
# The test command (README, .ci/run): builds everything, starts a throwaway PostgreSQL (installed
# with apt-get if missing) and runs every test suite against it and SQLite, then fuzzes a live
# server against its OpenAPI document with Schemathesis (installed from PyPI into .build/).
set -euo pipefail
cd "$(dirname "$0")/.."
# The distribution tests use Debian's chromium (the browser test), zbarimg (an independent QR
# decoder) and rsvg-convert (SVG to PNG): installed here when missing (as root, or with sudo).
# The mock APNs tests drive it with curl and h2load (nghttp2-client); the proxy test puts nginx in
# front of two servers.
tools=(chromium:chromium zbarimg:zbar-tools rsvg-convert:librsvg2-bin curl:curl h2load:nghttp2-client nginx:nginx)
missing=()
for t in "${tools[@]}"; do PATH="$PATH:/usr/sbin" command -v "${t%%:*}" >/dev/null 2>&1 || missing+=("${t#*:}"); done
if ((${#missing[@]})); then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo -n"; fi
  echo "test.sh: installing ${missing[*]} fonts-dejavu-core"
  $sudo apt-get update -qq </dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" fonts-dejavu-core </dev/null >/dev/null
fi
swift build --build-tests
# Two passes: the network-heavy suites (the APNs client and mock under load, kill -9 of a live
# server, the headless browser) would starve the hundreds of parallel HTTP tests of the first
# pass on a 2-core machine, so they run after it, on their own — one at a time: each drives
# hundreds of concurrent streams or processes itself, and side by side (h2load, curl, chromium,
# a kill -9) they made each other's deadlines and GOAWAY races flaky (one at a time the pass takes about a minute).
heavy='PushTests\.|PushCrashTests|BehindProxyTests|ImportBodyLimitTests|PushEndToEndTests|BrowserTests|GoogleWalletBrowserTests|AdminBrowserTests|IdempotencyCrashTests|DeviceLogTests|ConnectionTimeoutTests'
scripts/with-postgres.sh bash -c "swift test --skip-build --skip '$heavy' && swift test --skip-build --no-parallel --filter '$heavy'"
scripts/schemathesis.sh
