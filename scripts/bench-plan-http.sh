#!/usr/bin/env bash
# A planner's edit end to end over HTTP: the release server on a fresh GeoPackage store seeded from geodata/, a
# signed-in planner's session, a draft of COMMUNITY (default 610522001222, the slowest of the default dataset in
# scripts/bench-plan-stats.sh), and N successive vertex moves timed by curl (each answer carries the whole draft
# and its statistics). Prints each request's time and the median.
#
#   scripts/bench-plan-http.sh [COMMUNITY] [N]
set -euo pipefail
cd "$(dirname "$0")/.."
community=${1:-610522001222}
n=${2:-12}
cargo build --release --locked --bin gridmap 2>/dev/null
bin=target/release/gridmap
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" serve --store "$dir/g.gpkg" --addr "127.0.0.1:$port" >"$dir/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 120); do grep -q "serving http" "$dir/serve.log" && break; sleep 0.5; done
api=http://127.0.0.1:$port/api/v1
json() { python3 -c "import json,sys; v=json.load(sys.stdin); print($1)"; }

pw=$("$bin" user add bench.planner --role planner --store "$dir/g.gpkg" | sed 's/.*password \([^ ]*\).*/\1/')
csrf=$(curl -s -c "$dir/cookie" -H 'Content-Type: application/json' \
  -d "{\"username\":\"bench.planner\",\"password\":\"$pw\"}" "$api/auth/login" | json 'v["csrf"]')
send() { curl -s -b "$dir/cookie" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' "$@"; }
send -d "{\"old_password\":\"$pw\",\"new_password\":\"bench-password-2026\"}" "$api/auth/password" >/dev/null
id=$(send -d "{\"community\":\"$community\",\"name\":\"bench\"}" "$api/plans" | json 'v["id"]')
read -r x y < <(send "$api/plans/$id" | json '(lambda g: " ".join(map(str, (g["coordinates"][0][1] if g["type"] == "Polygon" else g["coordinates"][0][0][1]))))(v["grids"]["features"][0]["geometry"])')

echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  load: $(cut -d' ' -f1-3 /proc/loadavg)  community: $community"
times=()
for _ in $(seq "$n"); do
  nx=$(python3 -c "print($x + 0.00001)")
  t=$(send -o /dev/null -w '%{http_code} %{time_total}' \
    -d "{\"op\":\"move_vertex\",\"from\":[$x,$y],\"to\":[$nx,$y],\"snap_m\":0.1}" "$api/plans/$id/edits")
  echo "POST edits: $t s"
  times+=("${t#* }")
  x=$nx
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "median %.1f ms, min %.1f ms, max %.1f ms over %d edits\n", a[int((NR+1)/2)]*1000, a[1]*1000, a[NR]*1000, NR}'
