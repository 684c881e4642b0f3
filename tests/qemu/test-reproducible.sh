#!/bin/bash
# tests/qemu/test-reproducible.sh — build the image twice from the same tree and binary into two
# fresh output directories and compare every output byte for byte (and the recorded digest).
set -uo pipefail
source "$(dirname "$0")/lib.sh"
d=$(new_tmp reproducible)
for n in 1 2; do
    if ! ARDOISE_BUILD_DIR=$ROOT/build "$ROOT/scripts/image-build.sh" --out "$d/out$n" > "$d/build$n.log" 2>&1; then
        fail "reproducible: build $n failed"; tail -20 "$d/build$n.log"; summary; exit 1
    fi
done
(cd "$d/out1" && find . -type f | sort | xargs sha256sum) > "$d/sums1"
(cd "$d/out2" && find . -type f | sort | xargs sha256sum) > "$d/sums2"
if diff -u "$d/sums1" "$d/sums2"; then
    pass "reproducible: two builds identical ($(wc -l < "$d/sums1") files, image $(sed -n 's/^image //p' "$d/out1/image/image-digest"))"
else
    fail "reproducible: the two builds differ (see above)"
fi
rm -rf "$d/out1" "$d/out2"
summary
