#!/usr/bin/env bash
# Bounded imports (issue 16 item 4): what refusing a large invalid GeoJSON file costs, from process start to
# exit, over the GeoPackage and over PostGIS (TEST_DATABASE_URL, default the local server). The file is the
# default dataset's households repeated under distinct codes to about 200 MB and cut off inside its last
# feature, so every byte is read before the refusal: the worst case for memory. A valid file of the same
# households (one copy) is imported too, for the time a real import takes. Prints the figures for
# BENCHMARKS.md and keeps a copy in target/bench-import-memory.txt.
#
#   scripts/bench-import-memory.sh [COPIES]     (default 12: 206 MB)
set -euo pipefail
cd "$(dirname "$0")/.."
copies=${1:-12}
out=target/bench-import-memory.txt
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
python3 - "$copies" "$work/big.geojson" <<'PY'
import sys
copies, path = int(sys.argv[1]), sys.argv[2]
feats = [l.rstrip(',\n') for l in open('geodata/households.geojson', encoding='utf-8') if l.startswith('{"type":"Feature"')]
with open(path, 'w', encoding='utf-8') as w:
    w.write('{"type":"FeatureCollection","features":[\n')
    for k in range(copies):
        for f in feats:
            w.write(f.replace('"code":"', f'"code":"{k}', 1) + ',\n')
    w.write('{"type":"Feature","properties":{"code":')
PY
mb=$(( $(stat -c %s "$work/big.geojson") / 1048576 ))
echo "invalid file: $mb MB, $copies × the default households, cut off in its last feature" | tee -a "$out"
run() {
  local label=$1 expect=$2; shift 2
  local rc=0
  /usr/bin/time -f "%e %M" -o "$work/time" "$bin" "$@" >/dev/null 2>"$work/err" || rc=$?
  if [[ $expect == refused && $rc == 0 ]] || [[ $expect == ok && $rc != 0 ]]; then
    echo "unexpected exit $rc for $label:"; cat "$work/err"; exit 1
  fi
  # GNU time writes "Command exited with non-zero status N" first when the command fails.
  read -r secs kb < <(tail -1 "$work/time")
  printf '%-52s %6.2f s  peak RSS %5d MB\n' "$label" "$secs" $((kb / 1024)) | tee -a "$out"
}
RUST_LOG=warn "$bin" import geodata --store "$work/county.gpkg" >/dev/null
run "GeoPackage: refuse the $mb MB invalid file" refused import "$work/big.geojson" --layer households --store "$work/county.gpkg"
run "GeoPackage: import geodata/households.geojson" ok import geodata/households.geojson --layer households --store "$work/county.gpkg"
admin=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
db=gridmap_bench_import_$$
psql -q "$admin" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
url="${admin%/*}/$db"
RUST_LOG=warn "$bin" import geodata --database-url "$url" >/dev/null
run "PostGIS: refuse the $mb MB invalid file" refused import "$work/big.geojson" --layer households --database-url "$url"
run "PostGIS: import geodata/households.geojson" ok import geodata/households.geojson --layer households --database-url "$url"
psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
