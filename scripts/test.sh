#!/usr/bin/env bash
# The test command (README, .ci/run): builds everything, starts a throwaway PostgreSQL (installed
# with apt-get if missing) and runs every test suite against it and SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
scripts/with-postgres.sh swift test --skip-build
