#!/usr/bin/env bash
# Runs the cargo-fuzz target `submission` (fuzz/) for N seconds (default 45).
#
# The machine has stable Rust only. cargo-fuzz passes -Z flags (sanitizer, coverage passes);
# RUSTC_BOOTSTRAP=1 lets the stable compiler accept them. cargo-fuzz itself is installed from
# crates.io into target/tools on first use. A crash leaves its input in fuzz/artifacts/ and
# fails this script.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-45}
[ "$SECONDS_TO_RUN" -gt 0 ] || { echo "fuzz run skipped (0 s)"; exit 0; }
TOOLS="$PWD/target/tools"
if [ ! -x "$TOOLS/bin/cargo-fuzz" ]; then
  echo "installing cargo-fuzz into $TOOLS"
  cargo install cargo-fuzz --locked --root "$TOOLS" --quiet
fi
export PATH="$TOOLS/bin:$PATH" RUSTC_BOOTSTRAP=1
cd fuzz
mkdir -p corpus/submission
# A valid envelope as a seed is built into the harness (byte patches over it); the corpus
# keeps what the fuzzer finds between runs.
cargo fuzz build --sanitizer address submission
cargo fuzz run --sanitizer address submission corpus/submission -- \
  -max_total_time="$SECONDS_TO_RUN" -max_len=4096 -rss_limit_mb=2048 -print_final_stats=1 2>&1 \
  | tail -n 25
echo "fuzz: no crash in ${SECONDS_TO_RUN} s"
