#!/usr/bin/env sh
# Regenerates the default Tongguan dataset in geodata/ (layers, README.md, planted_defects.json) from
# geodata/sources/. The same seed gives byte-identical files; commit them together with the generator.
set -eu
cd "$(dirname "$0")/.."
cargo run --release -- generate --seed 610522 --out geodata --sources geodata/sources "$@"
