#!/bin/bash
# image-pxe.sh — lay out the PXE/TFTP folder from a built kernel + initrd.
#
#   scripts/image-pxe.sh IMAGE_DIR PXE_DIR "KERNEL_CMDLINE"
#
# Three ways in, all serving the same kernel + initrd (see docs/pxe.md):
#   boot.ipxe                      iPXE (BIOS and UEFI without Secure Boot; undionly.kpxe /
#                                  snponly.efi chainload iPXE from a plain PXE ROM)
#   pxelinux.0 + pxelinux.cfg/     legacy BIOS PXE
#   shimx64.efi + grubx64.efi      UEFI with Secure Boot: Debian's signed shim + grubnetx64,
#     + grub/grub.cfg              which reads grub/grub.cfg from the TFTP root
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
IMG=$1 PXE=$2 CMDLINE="$3 ardoise.boot=pxe"
PKGS=${ARDOISE_BUILD_DIR:-$ROOT/build}/pkgs

rm -rf "$PXE"
mkdir -p "$PXE/pxelinux.cfg" "$PXE/grub"
cp "$IMG/vmlinuz" "$IMG/initrd.img" "$IMG/image-digest" "$PXE/"

# `initrd=initrd.img` on the kernel line: the EFI stub needs it under iPXE's EFI build.
cat > "$PXE/boot.ipxe" <<EOF
#!ipxe
echo ardoise: loading kernel and initramfs
kernel vmlinuz initrd=initrd.img $CMDLINE
initrd initrd.img
boot
EOF

cp "$PKGS/pxelinux/usr/lib/PXELINUX/pxelinux.0" "$PXE/"
cp "$PKGS/syslinux-common/usr/lib/syslinux/modules/bios/ldlinux.c32" "$PXE/"
cat > "$PXE/pxelinux.cfg/default" <<EOF
SERIAL 0 115200
DEFAULT ardoise
PROMPT 0
TIMEOUT 30
LABEL ardoise
  KERNEL vmlinuz
  INITRD initrd.img
  APPEND $CMDLINE
EOF

cp "$PKGS/shim-signed/usr/lib/shim/shimx64.efi.signed" "$PXE/shimx64.efi"
cp "$PKGS/grub-efi-amd64-signed/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed" "$PXE/grubx64.efi"
cp "$PKGS/shim-helpers-amd64-signed/usr/lib/shim/mmx64.efi.signed" "$PXE/mmx64.efi"
cat > "$PXE/grub/grub.cfg" <<EOF
serial --unit=0 --speed=115200
terminal_input console serial
terminal_output console serial
set timeout=3
menuentry "ardoise (PXE)" {
    linux /vmlinuz $CMDLINE
    initrd /initrd.img
}
EOF

# iPXE binaries to chainload from a firmware's plain PXE (see docs/pxe.md)
cp "$PKGS/ipxe/usr/lib/ipxe/undionly.kpxe" "$PXE/"
cp "$PKGS/ipxe/usr/lib/ipxe/snponly.efi" "$PXE/"

find "$PXE" -exec touch -h -d "@${SOURCE_DATE_EPOCH:-0}" {} +
