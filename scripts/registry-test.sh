#!/usr/bin/env bash
# make test-registry: the registry's tests with PostgreSQL and Chromium required (installed by
# `make deps-registry`), then the cargo-fuzz target for a short run.
#   scripts/registry-test.sh            (FUZZ_SECONDS=45 by default; 0 skips the fuzz run)
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO=${CARGO:-cargo}
export ARDOISE_REQUIRE_POSTGRES=1 ARDOISE_REQUIRE_BROWSER=1
mkdir -p target/test-artifacts/registry

echo "== registry: unit, API (SQLite + PostgreSQL), tamper, uploader, browser, property tests"
$CARGO test -p ardoise-registry

echo "== registry: fuzzing the submission parser"
scripts/registry-fuzz.sh "${FUZZ_SECONDS:-45}"
echo "registry tests passed; screenshot: target/test-artifacts/registry/certificate-page.png"
