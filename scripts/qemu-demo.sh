#!/bin/bash
# shellcheck disable=SC2046 # the *_args helpers print QEMU argument lists meant to be split into words
# qemu-demo.sh — boot the built image in QEMU like a donated PC: the image as a USB stick made
# the way docs/image.md tells a workshop (`ardoise provision`), sample NVMe, SATA, virtio and
# USB disks holding text, and a registry on loopback that knows the stick's key.
# The TUI is on this terminal (serial console). Quit QEMU with Ctrl-A X.
#
#   scripts/qemu-demo.sh [--uefi|--secureboot] [--mem MiB] [-- extra qemu args]
#
# Environment: ARDOISE_DEMO_DIR (default build/demo: the stick, the disks, the registry's
# database and log), ARDOISE_DEMO_PORT (default 18089: the registry on 127.0.0.1).
# Network: QEMU user networking with restrict=on: the guest reaches nothing but the registry,
# forwarded from 10.0.2.100:80 to 127.0.0.1:$ARDOISE_DEMO_PORT on this machine (guestfwd).
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
D=${ARDOISE_DEMO_DIR:-$ROOT/build/demo}
BIN=$ROOT/target/x86_64-unknown-linux-gnu/release/ardoise
REG_BIN=""
for b in "$ROOT/target/release/ardoise-registry" "$ROOT/target/debug/ardoise-registry"; do
    [ -x "$b" ] && { REG_BIN=$b; break; }
done
[ -x "$BIN" ] || { echo "demo: $BIN is missing: run 'make image'" >&2; exit 2; }
[ -n "$REG_BIN" ] || { echo "demo: ardoise-registry is not built: cargo build -p ardoise-registry (make demo does)" >&2; exit 2; }
rm -rf "$D"
mkdir -p "$D"

# sample disks: 64 MiB each, the first 4 MiB filled with a recognisable text
for disk in nvme sata virtio usb; do
    f=$D/$disk.img
    truncate -s 64M "$f"
    { yes "ardoise demo sample data on the $disk disk - donor file" || true; } | head -c 4M |
        dd of="$f" conv=notrunc status=none
done

# The registry, and the stick made for it as a workshop makes one (docs/image.md): the
# registry's URL as the docs write it, its key, the station's identity; then the command
# `ardoise provision` prints, run on the registry as printed.
DB="sqlite:$D/registry.sqlite"
"$REG_BIN" key --show --db "$DB" > "$D/registry.vkey" 2> "$D/registry.log"
"$BIN" provision --image "$D/stick.img" --write-image "$IMG/ardoise.img" \
    --workshop atelier-demo --workshop-name "Atelier de démonstration" --station poste-demo \
    --registry http://10.0.2.100/ --registry-key "$D/registry.vkey" \
    --operator op-camille=Camille --operator op-yanis=Yanis --out "$D/station" > "$D/provision.log"
add=$(grep -o 'ardoise-registry station add .*' "$D/provision.log" | sed "s|<DB>|$DB|")
# shellcheck disable=SC2086 # the printed command, split into words as a shell would
"$REG_BIN" ${add#ardoise-registry } >> "$D/registry.log" 2>&1
echo "demo: stick $D/stick.img provisioned for atelier-demo/poste-demo (key $(sed -n 's/^station key *//p' "$D/provision.log"))"

REG_PID=""
cleanup() { [ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null; true; }
trap cleanup EXIT
"$REG_BIN" serve --listen "127.0.0.1:$PORT" --db "$DB" >> "$D/registry.log" 2>&1 &
REG_PID=$!
for _ in $(seq 50); do   # QEMU's guestfwd connects at start-up: wait for the port
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    sleep 0.1
done
echo "demo: registry $REG_BIN on 127.0.0.1:$PORT (log $D/registry.log)"

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
    -netdev "user,id=n0,restrict=on,guestfwd=tcp:10.0.2.100:80-tcp:127.0.0.1:$PORT" \
    -device virtio-net-pci,netdev=n0 "${EXTRA[@]}"
