#!/usr/bin/env bash
# Coverage-guided fuzzing of one import reader: scripts/fuzz.sh TARGET [SECONDS] [JOBS]
# TARGET is geojson, prj, csv, kml or zipped (fuzz/fuzz_targets/). The corpus grows under fuzz/corpus/TARGET
# and is minimised at the end; a failing input lands in fuzz/artifacts/TARGET: copy it to
# fuzz/regressions/TARGET once fixed, and tests/api/fuzz_corpus.rs replays it on every test run.
# Needs cargo-fuzz (`cargo install cargo-fuzz`). RUSTC_BOOTSTRAP lets the stable toolchain take the sanitizer
# flags libFuzzer needs.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
target=${1:?usage: scripts/fuzz.sh TARGET [SECONDS] [JOBS]}
secs=${2:-3600}
jobs=${3:-1}
export RUSTC_BOOTSTRAP=1
# Inputs bigger than 1 MB say nothing the smaller ones don't, and slow every run.
cargo fuzz run "$target" --jobs "$jobs" -- -max_total_time="$secs" -max_len=1048576 -rss_limit_mb=4096 -timeout=20 \
  -print_final_stats=1
cargo fuzz cmin "$target"
