#!/usr/bin/env bash
# Regenerates the default dataset in geodata/ (same seed, same bytes).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release -- generate --seed 610522 --out geodata "$@"
