#!/usr/bin/env bash
# What a grid manager waits for on a poor signal: /?grid=CODE on the default dataset in headless Chromium at
# phone size, on Lighthouse's Slow 4G (150 ms, 1.6 Mbit/s down), three fresh browsers, each cold then warm.
# Prints one JSON line (median_cold_ms, median_warm_ms, bytes); BENCHMARKS.md records it.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --locked --test api -- --ignored --exact web_bench::bench_my_grid_on_slow_4g --nocapture 2>&1 | grep '"bench"'
