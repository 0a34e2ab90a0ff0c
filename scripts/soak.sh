#!/usr/bin/env bash
# Soak: the server under a steady mix of reads for a while, from wrk in a separate process; prints
# requests/s, p99 latency, errors (non-2xx, socket) and the server's memory growth (RSS after warm-up vs at
# the end). Starts `gridmap serve` on a fresh GeoPackage seeded from geodata/ on a free port, signs a
# planner in through the API (so household routes do real work), and mixes locate, nearest, search, a
# grid's households, bbox layers and health over seeded random points in the county.
#
#   scripts/soak.sh [SECONDS] [CONNECTIONS] [BINARY]   # defaults: 300 s, 16, target/release/gridmap if built,
#                                                      # else target/debug/gridmap; needs wrk, curl, python3
# Fails (exit 1) when any request failed or memory grew more than SOAK_MAX_GROWTH_PCT (default 10) percent.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-300}
conns=${2:-16}
bin=${3:-}
if [ -z "$bin" ]; then
  if [ -x target/release/gridmap ]; then bin=target/release/gridmap; else bin=target/debug/gridmap; fi
fi
command -v wrk >/dev/null || { echo "soak: wrk not found (Debian: apt-get install wrk)" >&2; exit 2; }
[ -x "$bin" ] || { echo "soak: $bin not built (cargo build --release --bin gridmap)" >&2; exit 2; }
tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --store "$tmp/soak.gpkg" --addr "127.0.0.1:$port" >"$tmp/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 240); do curl -sf "127.0.0.1:$port/health" >/dev/null && break; sleep 0.5; done
curl -sf "127.0.0.1:$port/health" >/dev/null || { echo "soak: the server did not start:" >&2; tail "$tmp/serve.log" >&2; exit 1; }
# A county planner with an API token: added through the CLI on the same store, its one-time password
# changed through the API (a token of an account that must still change it is refused).
one_time=$("$bin" user --store "$tmp/soak.gpkg" add soak.planner --role planner 2>/dev/null | sed -n 's/.*one-time password \([^ ]*\).*/\1/p')
python3 - "$port" "$one_time" <<'PY'
import json, sys, urllib.request
base = f"http://127.0.0.1:{sys.argv[1]}/api/v1"
def post(path, body, headers={}):
    req = urllib.request.Request(base + path, json.dumps(body).encode(), {"content-type": "application/json", **headers})
    return urllib.request.urlopen(req)
r = post("/auth/login", {"username": "soak.planner", "password": sys.argv[2]})
cookie = r.headers["set-cookie"].split(";")[0]
csrf = json.load(r)["csrf"]
post("/auth/password", {"old_password": sys.argv[2], "new_password": "soak-planner-password-2026"}, {"cookie": cookie, "x-csrf-token": csrf})
PY
token=$("$bin" user --store "$tmp/soak.gpkg" token soak.planner --days 1 2>/dev/null | head -1)
sleep 5 # the background warm-up of the atlas
python3 - "$tmp/mix.lua" "$token" <<'PY'
import json, random, sys
random.seed(610522)
with open("geodata/grids.geojson") as f:
    grids = json.load(f)["features"]
def coords(g):
    c = g["coordinates"]
    while isinstance(c[0][0], list):
        c = c[0]
    return c
paths = []
for i in range(20000):
    g = random.choice(grids)
    ring = coords(g["geometry"])
    x, y = random.choice(ring)
    x += random.uniform(-3e-4, 3e-4); y += random.uniform(-3e-4, 3e-4)
    r = random.random()
    if r < 0.40:
        paths.append(f"/api/v1/locate?lon={x:.7f}&lat={y:.7f}")
    elif r < 0.55:
        paths.append(f"/api/v1/nearest?lon={x:.7f}&lat={y:.7f}&k=5")
    elif r < 0.70:
        paths.append(f"/api/v1/grids/{g['properties']['code']}/households")
    elif r < 0.80:
        paths.append(f"/api/v1/search?q={g['properties']['code'][:12]}")
    elif r < 0.95:
        paths.append(f"/api/v1/layers/households?bbox={x-0.002:.6f},{y-0.002:.6f},{x+0.002:.6f},{y+0.002:.6f}")
    else:
        paths.append("/health")
token = sys.argv[2]
with open(sys.argv[1], "w") as out:
    out.write("paths = {\n" + "".join(f'  "{p}",\n' for p in paths) + "}\n")
    out.write(f'token = "{token}"\n')
    out.write("""i = 0
request = function()
  i = i % #paths + 1
  local h = {}
  if token ~= "" then h["Authorization"] = "Bearer " .. token end
  return wrk.format("GET", paths[i], h)
end
errors = 0
response = function(status, headers, body)
  if status < 200 or status >= 300 then errors = errors + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("requests/s: %.0f\\n", summary.requests / (summary.duration / 1e6)))
  io.write(string.format("p99: %.2f ms\\n", latency:percentile(99) / 1000))
  io.write(string.format("p50: %.2f ms\\n", latency:percentile(50) / 1000))
  io.write(string.format("requests: %d  socket errors: %d  non-2xx: %d\\n", summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status))
end
""")
PY
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$server/status"; }
# Warm the caches with a short run first, so growth means growth and not the first fill.
wrk -t1 -c"$conns" -d5s -s "$tmp/mix.lua" "http://127.0.0.1:$port" >/dev/null
before=$(rss_kb)
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  load: $(cut -d' ' -f1-3 /proc/loadavg)  commit: $(git rev-parse --short HEAD)  binary: $bin"
echo "command: scripts/soak.sh $secs $conns  (wrk -t1 -c$conns -d${secs}s, mixed reads, as a planner: $([ -n "$token" ] && echo yes || echo no))"
wrk -t1 -c"$conns" -d"${secs}s" -s "$tmp/mix.lua" "http://127.0.0.1:$port" | tee "$tmp/wrk.txt" | grep -E "requests/s|p99|p50|requests:"
after=$(rss_kb)
growth=$(python3 -c "print(f'{($after - $before) * 100 / $before:+.1f}')")
echo "memory: ${before} kB -> ${after} kB (${growth}%)"
failed=$(awk '/^requests:/ {print $5 + $7}' "$tmp/wrk.txt")
max=${SOAK_MAX_GROWTH_PCT:-10}
if [ "${failed:-1}" != "0" ] || python3 -c "import sys; sys.exit(0 if $after - $before > $before * $max / 100 else 1)"; then
  echo "soak: FAILED (failed requests: ${failed:-?}, memory growth ${growth}% > ${max}%?)" >&2
  exit 1
fi
echo "soak: ok"
