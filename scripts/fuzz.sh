#!/usr/bin/env bash
# Runs the coverage-guided fuzz targets (libFuzzer through cargo-fuzz) for a while each.
#
#   scripts/fuzz.sh [MINUTES_PER_TARGET] [TARGET…]      default: 5 minutes, every target
#
# cargo-fuzz builds with nightly-only compiler flags; on a stable toolchain
# RUSTC_BOOTSTRAP=1 enables them. Findings land in fuzz/artifacts/<target>/, the corpus in
# fuzz/corpus/<target>/ (both ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."

minutes="${1:-5}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(decode session)

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
for target in "${targets[@]}"; do
    echo "== fuzzing '$target' for $minutes minute(s)"
    cargo fuzz run --fuzz-dir fuzz "$target" -- -max_total_time=$((minutes * 60)) -max_len=4096 -timeout=20
done
