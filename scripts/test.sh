#!/usr/bin/env bash
# The test command (README, .ci/run): builds everything, starts a throwaway PostgreSQL (installed
# with apt-get if missing) and runs every test suite against it and SQLite, then fuzzes a live
# server against its OpenAPI document with Schemathesis (installed from PyPI into .build/).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
scripts/with-postgres.sh swift test --skip-build
scripts/schemathesis.sh
