#!/usr/bin/env bash
# Runs every test: unit, doc and integration tests (real server on port 0, GeoPackage and PostGIS stores,
# ogrinfo, headless Chromium). Needs PostgreSQL with PostGIS on 127.0.0.1:5432 (trust auth), gdal-bin and
# chromium: .ci/run installs and starts them on a fresh Debian machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
cargo test --locked --all-targets "$@"
cargo test --locked --doc
# Lints as a gate: a new warning fails the run (skipped where the toolchain has no clippy).
if cargo clippy --version >/dev/null 2>&1; then
  cargo clippy --locked --all-targets -- -D warnings
fi
