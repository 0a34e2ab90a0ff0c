#!/usr/bin/env bash
# Crosswalk benchmark: the whole merger crosswalk of the default dataset in process, beside PostGIS answering
# the same area and containment questions on the same data. Prints the figures and keeps a copy in
# target/bench-crosswalk.txt (copy them into BENCHMARKS.md with the machine, the date and this command).
#
#   scripts/bench-crosswalk.sh         # needs PostgreSQL with PostGIS at TEST_DATABASE_URL
#                                      # (default postgres://postgres@127.0.0.1:5432/postgres)
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/bench-crosswalk.txt
mkdir -p target
{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with local changes)')"
  echo "command: cargo bench --bench crosswalk"
} | tee "$out"
cargo bench --bench crosswalk 2>/dev/null | tee -a "$out"
