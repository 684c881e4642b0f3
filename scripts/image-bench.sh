#!/bin/bash
# shellcheck disable=SC2046 # the *_args helpers print QEMU argument lists meant to be split into words
# image-bench.sh — figures for docs/performance.md ("Image"). A benchmark: it prints, never asserts.
#
#   scripts/image-bench.sh            (after `make image`)
#
# 1. sizes: ardoise.img, kernel, initramfs, the ardoise binary
# 2. time from QEMU start to the ardoise version marker, direct kernel boot under TCG:
#    a) uncompressed vmlinux via PVH (the harness trick), b) the signed bzImage as shipped
# 3. the smallest RAM (MiB) with which the image boots to ardoise (direct boot)
set -uo pipefail
source "$(dirname "$0")/../tests/qemu/lib.sh"
need_image
d=$(new_tmp bench)
TL="python3 $ROOT/tests/qemu/timeline.py --quiet"
APPEND="console=ttyS0,115200 loglevel=4 panic=-1 ardoise.boot=none ardoise.selftest=env"

echo "== sizes"
for f in ardoise.img vmlinuz initrd.img; do
    printf '%-14s %10d bytes  %6.1f MiB\n' "$f" "$(stat -c %s "$IMG/$f")" \
        "$(awk -v s="$(stat -c %s "$IMG/$f")" 'BEGIN { print s / 1048576 }')"
done
bin=$ROOT/target/x86_64-unknown-linux-gnu/release/ardoise
[ -f "$bin" ] && printf '%-14s %10d bytes\n' ardoise "$(stat -c %s "$bin")"
echo "target: image <= 64 MiB"

# boot_time KERNEL MEM -> seconds to the version marker, or "fail"
RUN=0
boot_time() {
    local out log
    RUN=$((RUN + 1)); log=$d/serial-$RUN.log
    out=$($TL --log "$log" --timeout 60 --until "$MARK_VERSION" -- \
        qemu-system-x86_64 -accel "$ACCEL" -machine q35 $(cpu_args) -smp 2 -m "$2" -nographic \
        -no-reboot -serial "file:$log" -monitor none -display none \
        -kernel "$1" -initrd "$IMG/initrd.img" -append "$APPEND" \
        -netdev user,id=n0,restrict=on -device virtio-net-pci,netdev=n0)
    echo "$out" | sed -n 's/^MATCH //p' | grep . || echo "fail ($(echo "$out" | tail -n1), log $log)"
}

echo "== time to ardoise (QEMU start -> '$MARK_VERSION', TCG, q35, 2 vCPUs, 1024 MiB)"
for run in 1 2 3; do
    echo "vmlinux (PVH)   run $run: $(boot_time "$IMG/vmlinux" 1024) s"
done
echo "vmlinuz (bzImage) run 1: $(boot_time "$IMG/vmlinuz" 1024) s"
echo "target: <= 6 s (PVH direct boot)"

echo "== smallest RAM that reaches ardoise (vmlinux PVH, MiB)"
smallest=none
for mem in 512 384 256 192 160 128 96; do
    t=$(boot_time "$IMG/vmlinux" "$mem")
    echo "  -m $mem: $t"
    case $t in fail*) break ;; esac
    smallest=$mem
done
echo "smallest RAM that boots: $smallest MiB (target: boots and erases with 512 MiB)"
