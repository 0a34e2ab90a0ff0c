#!/usr/bin/env bash
# Proposal benchmark: quality and speed of the proposal against its two baselines on every community of the
# default dataset and a seeded synthetic set (benches/propose.rs), then the whole county end to end as a user
# runs it, `gridmap propose all --out DIR`, from process start to exit, over the GeoPackage and over PostGIS
# (TEST_DATABASE_URL, default the local server; PROPOSE_BENCH_POSTGIS=0 skips it). Prints the figures for
# BENCHMARKS.md and keeps a copy in target/bench-propose.txt.
#
#   scripts/bench-propose.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/bench-propose.txt
mkdir -p target
{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with local changes)')"
} | tee "$out"
cargo bench --bench propose 2>/dev/null | tee -a "$out"

cargo build --release --locked 2>/dev/null
bin=target/release/gridmap
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
RUST_LOG=warn "$bin" import geodata --store "$work/county.gpkg" >/dev/null
# One run of each, timed by /usr/bin/time: wall seconds and peak RSS.
run() {
  local label=$1; shift
  rm -rf "$work/out"
  /usr/bin/time -f "%e %M" -o "$work/time" "$bin" propose all "$@" --out "$work/out" >/dev/null 2>&1
  read -r secs kb <"$work/time"
  printf '%-44s %6.2f s  peak RSS %5d MB  (target ≤ 30 s)\n' "$label" "$secs" $((kb / 1024)) | tee -a "$out"
}
echo | tee -a "$out"
echo "the whole county, end to end: gridmap propose all --out DIR" | tee -a "$out"
run "GeoPackage (--store county.gpkg)" --store "$work/county.gpkg"
if [[ "${PROPOSE_BENCH_POSTGIS:-1}" != 0 ]]; then
  admin=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
  db=gridmap_bench_propose_$$
  psql -q "$admin" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  url="${admin%/*}/$db"
  RUST_LOG=warn "$bin" import geodata --database-url "$url" >/dev/null
  run "PostGIS (--database-url)" --database-url "$url"
  psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
fi
