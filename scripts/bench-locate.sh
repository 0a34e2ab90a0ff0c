#!/usr/bin/env bash
# Locate and search benchmark: in process, over HTTP on 127.0.0.1, and PostGIS on the same points.
# Prints the figures and keeps a copy in target/bench-locate.txt (copy them into BENCHMARKS.md with the
# machine, the date and this command).
#
#   scripts/bench-locate.sh            # needs PostgreSQL with PostGIS at TEST_DATABASE_URL
#                                      # (default postgres://postgres@127.0.0.1:5432/postgres)
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/bench-locate.txt
mkdir -p target
{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with local changes)')"
  echo "command: cargo bench --bench locate"
} | tee "$out"
cargo bench --bench locate 2>/dev/null | tee -a "$out"
