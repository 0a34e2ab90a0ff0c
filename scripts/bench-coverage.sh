#!/usr/bin/env bash
# Coverage check benchmark: the default dataset (when geodata/ has it), a seeded synthetic county of 10,000 grids
# and 1,000,000 households, and PostGIS on the same questions (TEST_DATABASE_URL, default the local server;
# COVERAGE_BENCH_POSTGIS=0 skips it). Prints figures for BENCHMARKS.md, with the machine and the date.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
cargo bench --bench coverage "$@"
