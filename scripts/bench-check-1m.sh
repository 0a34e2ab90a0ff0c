#!/usr/bin/env bash
# Store to answer at a million households (issue 17 items 1 and 3): `gridmap check --format json` from process
# start to exit, over the GeoPackage file and over PostGIS (TEST_DATABASE_URL's server, default the local one),
# on two seeded lattice counties of 9,900 grids and 1,000,000 households: one with a roster 99.5% right (17,512
# defects), one with every household on the next grid's roster (1,010,228 defects: the streamed report).
# Each figure is the median of RUNS runs. Prints the table for BENCHMARKS.md and keeps a copy in
# target/bench-check-1m.txt.
#
#   scripts/bench-check-1m.sh [RUNS]     (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
server=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
server=${server%/*}
out=target/bench-check-1m.txt
mkdir -p target
{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with local changes)')"
} | tee "$out"
cargo build --release --locked 2>/dev/null
bin=target/release/gridmap
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for every in 211 1; do
  name=bench_check_1m_$every
  "$bin" generate --synthetic --grids 9900 --households 1000000 --misregister-every "$every" --out "$work/$every" >/dev/null
  "$bin" import "$work/$every" --store "$work/$every.gpkg" >/dev/null 2>&1
  psql "$server/postgres" -qc "drop database if exists $name" -c "create database $name" >/dev/null
  psql "$server/$name" -qc 'create extension postgis' >/dev/null
  "$bin" import "$work/$every" --database-url "$server/$name" >/dev/null 2>&1
  for store in "--store $work/$every.gpkg" "--database-url $server/$name"; do
    : >"$work/times"
    for _ in $(seq "$runs"); do
      # Exit status 1 means defects were found: expected here.
      /usr/bin/time -f "%e %M" -o "$work/t" "$bin" check $store --format json >"$work/report.json" 2>/dev/null || [ $? -eq 1 ]
      tail -1 "$work/t" >>"$work/times"
    done
    wall=$(cut -d' ' -f1 "$work/times" | median)
    rss=$(cut -d' ' -f2 "$work/times" | median)
    defects=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['defects']['features']))" "$work/report.json")
    echo "one in $every misregistered | ${store%% *} | $defects defects | wall ${wall} s | peak RSS $((rss / 1024)) MB | report $(( $(stat -c %s "$work/report.json") / 1048576 )) MB" | tee -a "$out"
  done
  psql "$server/postgres" -qc "drop database $name" >/dev/null
done
