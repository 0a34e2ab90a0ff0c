#!/usr/bin/env bash
# Locate over HTTP measured by wrk from a separate process (the in-process load client of benches/locate.rs
# shares the server's cores). Starts the release server on a fresh GeoPackage seeded from geodata/ on a free
# port, asks it for 20,000 points (70% on households, jittered up to 5 m; 30% uniform over the county's
# envelope; seeded), prints wrk's figures, then runs `cargo bench --bench locate` in the same run for PostGIS
# answering the same kind of point query (and the in-process figures); keeps it all in target/bench-locate-wrk.txt.
#
#   scripts/bench-locate-wrk.sh [SECONDS] [CONNECTIONS]     # needs wrk (Debian package `wrk`) and python3
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-16}
cargo build --release --bin gridmap 2>/dev/null
tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
target/release/gridmap serve --store "$tmp/bench.gpkg" --addr "127.0.0.1:$port" >"$tmp/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 120); do curl -sf "127.0.0.1:$port/health" >/dev/null && break; sleep 0.5; done
sleep 3 # let the background warm-up of the new atlas finish
python3 - "$tmp/paths.lua" <<'PY'
import json, random, sys
random.seed(610522)
pts = []
with open("geodata/households.geojson") as f:
    feats = json.load(f)["features"]
def first_coord(g):
    c = g["coordinates"]
    while isinstance(c[0], list):
        c = c[0]
    return c
xs = []; ys = []
for ft in feats:
    x, y = first_coord(ft["geometry"]); xs.append(x); ys.append(y)
for i in range(20000):
    if random.random() < 0.7:
        k = random.randrange(len(xs))
        pts.append((xs[k] + random.uniform(-5e-5, 5e-5), ys[k] + random.uniform(-5e-5, 5e-5)))
    else:
        pts.append((random.uniform(min(xs), max(xs)), random.uniform(min(ys), max(ys))))
with open(sys.argv[1], "w") as out:
    out.write("paths = {\n")
    for x, y in pts:
        out.write(f'  "/api/v1/locate?lon={x:.7f}&lat={y:.7f}",\n')
    out.write("}\ni = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format(\"GET\", paths[i])\nend\n")
PY
out=target/bench-locate-wrk.txt
{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  load: $(cut -d' ' -f1-3 /proc/loadavg)  commit: $(git rev-parse --short HEAD)"
  echo "command: scripts/bench-locate-wrk.sh $secs $conns  (wrk -t1 -c$conns -d${secs}s --latency)"
  wrk -t1 -c"$conns" -d"${secs}s" --latency -s "$tmp/paths.lua" "http://127.0.0.1:$port"
  kill $server 2>/dev/null
  echo
  echo "--- same run: cargo bench --bench locate (in process, in-process HTTP client, PostGIS) ---"
  cargo bench --bench locate 2>/dev/null
} | tee "$out"
