#!/usr/bin/env bash
# The test command (README, .ci/run): builds everything, then runs every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
swift test --skip-build
