#!/bin/bash
# qemu-demo.sh — boot the built image in QEMU like a donated PC: the image as a USB stick,
# sample NVMe, SATA, virtio and USB disks holding text, and the registry on loopback.
# The TUI is on this terminal (serial console). Quit QEMU with Ctrl-A X.
#
#   scripts/qemu-demo.sh [--uefi|--secureboot] [--mem MiB] [-- extra qemu args]
#
# Network: QEMU user networking with restrict=on: the guest reaches nothing but the registry,
# forwarded from 10.0.2.100:80 to 127.0.0.1:$ARDOISE_DEMO_PORT on this machine (guestfwd).
# The registry (`ardoise-registry serve`) is started if it has been built.
set -euo pipefail
source "$(dirname "$0")/../tests/qemu/lib.sh"
need_image
FW=bios MEM=1024 EXTRA=()
while [ $# -gt 0 ]; do
    case $1 in
        --uefi) FW=uefi; shift ;;
        --secureboot) FW=secureboot; shift ;;
        --mem) MEM=$2; shift 2 ;;
        --) shift; EXTRA=("$@"); break ;;
        *) echo "usage: $0 [--uefi|--secureboot] [--mem MiB] [-- qemu args]" >&2; exit 2 ;;
    esac
done
PORT=${ARDOISE_DEMO_PORT:-18089}
D=$ROOT/build/demo
mkdir -p "$D"
cp --sparse=always "$IMG/ardoise.img" "$D/stick.img"

# sample disks: 64 MiB each, the first 4 MiB filled with a recognisable text
for disk in nvme sata virtio usb; do
    f=$D/$disk.img
    rm -f "$f"; truncate -s 64M "$f"
    { yes "ardoise demo sample data on the $disk disk - donor file" || true; } | head -c 4M |
        dd of="$f" conv=notrunc status=none
done

REG_PID=""
cleanup() { [ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null; true; }
trap cleanup EXIT
REG_BIN=""
for b in "$ROOT/target/release/ardoise-registry" "$ROOT/target/debug/ardoise-registry"; do
    [ -x "$b" ] && { REG_BIN=$b; break; }
done
if [ -n "$REG_BIN" ]; then
    "$REG_BIN" serve --listen "127.0.0.1:$PORT" --db "sqlite:$D/registry.sqlite" > "$D/registry.log" 2>&1 &
    REG_PID=$!
    for _ in $(seq 50); do   # QEMU's guestfwd connects at start-up: wait for the port
        (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
        sleep 0.1
    done
    NETDEV="user,id=n0,restrict=on,guestfwd=tcp:10.0.2.100:80-tcp:127.0.0.1:$PORT"
    echo "demo: registry $REG_BIN on 127.0.0.1:$PORT (log $D/registry.log)"
else
    NETDEV="user,id=n0,restrict=on"
    echo "demo: ardoise-registry not built: the guest's uploads will wait in the outbox"
fi
# The registry URL the guest uses, written into the stick's boot options.
off=$(part_offset "$D/stick.img" 3)
# With the registry's key pinned too (ardoise.registry_key=): a station sends nothing to a
# registry whose receipts it cannot check.
OPTS="ardoise.registry=http://10.0.2.100/"
if [ -n "$REG_BIN" ]; then
    OPTS="$OPTS ardoise.registry_key=$("$REG_BIN" key --show --db "sqlite:$D/registry.sqlite" | head -1)"
fi
printf 'set timeout=0\nset ardoise_options="%s"\n' "$OPTS" > "$D/boot.cfg"
mcopy -o -i "$D/stick.img@@$off" "$D/boot.cfg" ::/boot/boot.cfg

case $FW in
    bios) FWARGS=$(bios_args) ;;
    uefi) FWARGS=$(uefi_args "$D/vars.fd") ;;
    secureboot) FWARGS=$(secureboot_args "$D/vars.fd") ;;
esac
echo "demo: booting ($FW, TCG, ${MEM} MiB); Ctrl-A X quits QEMU"
# shellcheck disable=SC2086
qemu-system-x86_64 -accel "$ACCEL" $FWARGS -m "$MEM" -nographic -no-reboot \
    $(usb_stick_args "$D/stick.img") \
    -drive "if=none,id=nv0,file=$D/nvme.img,format=raw" -device nvme,serial=DEMO-NVME-0001,drive=nv0 \
    -device ahci,id=ahci0 -drive "if=none,id=sata0,file=$D/sata.img,format=raw" \
    -device ide-hd,bus=ahci0.0,drive=sata0,serial=DEMO-SATA-0002,model=DEMO-SATA-DISK \
    -drive "if=none,id=vd0,file=$D/virtio.img,format=raw" -device virtio-blk-pci,drive=vd0,serial=DEMO-VIRTIO-3 \
    -drive "if=none,id=usb0,file=$D/usb.img,format=raw" -device usb-storage,bus=xhci.0,drive=usb0,serial=DEMO-USB-0004 \
    -netdev "$NETDEV" \
    -device virtio-net-pci,netdev=n0 "${EXTRA[@]}"
