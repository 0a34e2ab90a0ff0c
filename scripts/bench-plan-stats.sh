#!/usr/bin/env bash
# Planner benchmark: an edit and the live statistics after it, for every community of the default dataset,
# beside PostGIS answering the same questions of the same drafts. Prints the figures and keeps a copy in
# target/bench-plan-stats.txt (copy them into BENCHMARKS.md with the machine, the date and this command).
#
#   scripts/bench-plan-stats.sh [--profile test]   # needs PostgreSQL with PostGIS at TEST_DATABASE_URL
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/bench-plan-stats.txt
mkdir -p target
{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with local changes)')"
  echo "command: cargo bench --bench plan_stats $*"
} | tee "$out"
cargo bench --bench plan_stats "$@" 2>/dev/null | tee -a "$out"
