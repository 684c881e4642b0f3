#!/bin/bash
# image-build.sh — turn image/ardoise-image.conf + image/packages.lock into the live image.
#
#   scripts/image-build.sh [--out DIR] [--bin PATH]
#
# Output (default out/):
#   image/ardoise.img        hybrid ISO 9660 image for USB sticks (dd) and optical media:
#                            BIOS (grub i386-pc) + UEFI (Debian's signed shim + gcdx64), plus an
#                            EFI system partition (2) and the FAT32 data partition ARDOISE (3)
#   image/vmlinuz, image/initrd.img, image/vmlinux (uncompressed, for PVH test boots only)
#   image/image-digest       what the software is (see docs/image.md, "Image digest")
#   pxe/                     TFTP folder: iPXE script, pxelinux, shim + grubnetx64 (see docs/pxe.md)
#
# Reproducible: SOURCE_DATE_EPOCH (default: the last commit's time) fixes every timestamp;
# two builds of one tree give byte-identical outputs (tests/qemu/test-reproducible.sh).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/out
BIN=${ARDOISE_BIN:-$ROOT/target/x86_64-unknown-linux-gnu/release/ardoise}
while [ $# -gt 0 ]; do
    case $1 in
        --out) OUT=$(realpath -m "$2"); shift 2 ;;
        --bin) BIN=$2; shift 2 ;;
        *) echo "usage: $0 [--out DIR] [--bin PATH]" >&2; exit 2 ;;
    esac
done

# shellcheck source=../image/ardoise-image.conf
source "$ROOT/image/ardoise-image.conf"

: "${SOURCE_DATE_EPOCH:=$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || echo 0)}"
export SOURCE_DATE_EPOCH
export TZ=UTC LC_ALL=C
BUILD=${ARDOISE_BUILD_DIR:-$ROOT/build}
DEBS=$BUILD/debs
PKGS=$BUILD/pkgs
mkdir -p "$BUILD"
WORK=$(mktemp -d "$BUILD/work.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
log() { echo "image-build: $*" >&2; }
die() { echo "image-build: error: $*" >&2; exit 1; }

[ -x "$BIN" ] || die "ardoise binary not found at $BIN (build it: RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --target x86_64-unknown-linux-gnu -p ardoise)"
if file_out=$(file -b "$BIN" 2>/dev/null) && ! grep -q 'static' <<<"$file_out"; then
    die "$BIN is not statically linked ($file_out)"
fi
for t in xorriso mformat mcopy mmd mkfs.fat grub-mkimage cpio zstd depmod modprobe python3; do
    command -v "$t" > /dev/null || die "$t missing: run scripts/apt-image.sh deps"
done
# Every stick gets this configuration: the station must accept it as it is.
"$BIN" config check "$ROOT/image/data/ardoise.toml" > /dev/null \
    || die "image/data/ardoise.toml is not a configuration the station accepts (see above)"

# ---------------------------------------------------------------- pinned packages, unpacked
"$ROOT/scripts/apt-image.sh" fetch "$DEBS"
mkdir -p "$PKGS"
pkgdir() { echo "$PKGS/$1"; }
while IFS='=' read -r pkg ver; do
    stamp=$(pkgdir "$pkg")/.version
    if [ "$(cat "$stamp" 2>/dev/null)" != "$ver" ]; then
        rm -rf "$(pkgdir "$pkg")"
        deb=$(ls "$DEBS/${pkg}_${ver//:/%3a}_"*.deb)
        dpkg-deb -x "$deb" "$(pkgdir "$pkg")"
        echo "$ver" > "$stamp"
    fi
done < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$ROOT/image/packages.lock" | grep '=')

KPKG=$(sed -n 's/^\(linux-image-[^=]*\)=.*/\1/p' "$ROOT/image/packages.lock")
KVER=${KPKG#linux-image-}
KTREE=$(pkgdir "$KPKG")
[ -f "$KTREE/lib/modules/$KVER/modules.dep" ] || depmod -b "$KTREE" "$KVER"

# ---------------------------------------------------------------- initramfs tree
RF=$WORK/rootfs
mkdir -p "$RF"/{bin,sbin,usr/bin,usr/sbin,etc/ardoise,proc,sys,dev,run,tmp,root,data,lib/firmware,usr/share/keymaps}
chmod 1777 "$RF/tmp"; chmod 0700 "$RF/root"

# busybox and one symlink per applet, at the path busybox itself names
install -m 0755 "$(pkgdir busybox-static)/bin/busybox" "$RF/bin/busybox"
"$RF/bin/busybox" --list-full | while read -r applet; do
    [ "$applet" = bin/busybox ] && continue
    [ -e "$RF/$applet" ] || ln -s /bin/busybox "$RF/$applet"
done
install -m 0755 "$BIN" "$RF/usr/bin/ardoise"

# kernel modules: dependency closure of MODULES
MODDIR=lib/modules/$KVER
mkdir -p "$RF/$MODDIR"
for m in "${MODULES[@]}"; do
    modprobe -d "$KTREE" -S "$KVER" --show-depends "$m" 2>&1 ||
        die "module $m not in $KPKG"
done | sed -n 's/^insmod \([^ ]*\).*/\1/p' | sort -u | while read -r ko; do
    rel=${ko#"$KTREE"/}
    mkdir -p "$RF/$(dirname "$rel")"
    cp "$ko" "$RF/$rel"
done
for f in modules.builtin modules.builtin.modinfo modules.order; do
    cp "$KTREE/$MODDIR/$f" "$RF/$MODDIR/"
done
depmod -b "$RF" "$KVER"
NMOD=$(find "$RF/$MODDIR" -name '*.ko' | wc -l)

# firmware
for fw in "${FIRMWARE[@]}"; do
    src=$(find "$PKGS"/firmware-*/lib/firmware -maxdepth 1 -name "$fw" | head -n1)
    [ -n "$src" ] || die "firmware $fw not found in the firmware packages of packages.lock"
    cp -a "$src" "$RF/lib/firmware/"
done

# keymaps, compiled with kbd's loadkeys from console-data's sources
for km in "${KEYMAPS[@]}"; do
    name=${km%%:*} src=$(pkgdir console-data)/usr/share/keymaps/i386/${km#*:}
    "$(pkgdir kbd)/bin/loadkeys" -q -b "$src" > "$RF/usr/share/keymaps/$name.bmap" < /dev/null ||
        die "loadkeys failed for $km"
done

# our files
for spec in "${FILES[@]}"; do
    IFS=: read -r src dest mode <<<"$spec"
    install -D -m "$mode" "$ROOT/$src" "$RF$dest"
done
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$RF/etc/passwd"
printf 'root:x:0:\ntty:x:5:\ndisk:x:6:\n' > "$RF/etc/group"
printf '127.0.0.1 localhost ardoise\n::1 localhost\n' > "$RF/etc/hosts"
: > "$RF/etc/resolv.conf"
ln -s /proc/mounts "$RF/etc/mtab"

# ---------------------------------------------------------------- cpio (reproducible)
mkcpio() { # mkcpio DIR > archive
    find "$1" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
    (cd "$1" && find . -print0 | sort -z | cpio --null -o -H newc --reproducible --quiet --owner=0:0)
}
mkcpio "$RF" > "$WORK/main.cpio"
zstd -q -19 -T1 "$WORK/main.cpio" -o "$WORK/main.cpio.zst"
# The kernel only looks for a following archive at a 4-byte aligned offset: pad with zeros.
zsize=$(stat -c %s "$WORK/main.cpio.zst")
truncate -s $(( (zsize + 3) / 4 * 4 )) "$WORK/main.cpio.zst"

mkdir -p "$OUT/image"
cp "$KTREE/boot/vmlinuz-$KVER" "$OUT/image/vmlinuz"

# Image digest: what the software is = the signed kernel + the main initramfs segment. The
# record is a second, uncompressed cpio segment appended after it (the kernel unpacks
# concatenated archives), so it is not part of what it describes: no circularity.
sha() { sha256sum "$1" | cut -d' ' -f1; }
k_sha=$(sha "$OUT/image/vmlinuz"); k_size=$(stat -c %s "$OUT/image/vmlinuz")
i_sha=$(sha "$WORK/main.cpio.zst"); i_size=$(stat -c %s "$WORK/main.cpio.zst")
b_sha=$(sha "$BIN")
img_sha=$(printf 'ardoise-image-v1\nkernel %s %s\ninitramfs %s %s\n' "$k_sha" "$k_size" "$i_sha" "$i_size" | sha256sum | cut -d' ' -f1)
DIG=$WORK/digest
mkdir -p "$DIG/etc/ardoise"
cat > "$DIG/etc/ardoise/image-digest" <<EOF
format ardoise-image-v1
image sha256:$img_sha
kernel sha256:$k_sha $k_size $KPKG=$(sed -n "s/^$KPKG=//p" "$ROOT/image/packages.lock")
initramfs sha256:$i_sha $i_size
ardoise sha256:$b_sha
source_date_epoch $SOURCE_DATE_EPOCH
git $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)
EOF
cp "$DIG/etc/ardoise/image-digest" "$OUT/image/image-digest"
mkcpio "$DIG" > "$WORK/digest.cpio"
cat "$WORK/main.cpio.zst" "$WORK/digest.cpio" > "$OUT/image/initrd.img"

# Uncompressed vmlinux for PVH direct boots in the test harness (not shipped on the medium).
python3 "$ROOT/scripts/image-extract-vmlinux.py" "$OUT/image/vmlinuz" "$OUT/image/vmlinux"

# ---------------------------------------------------------------- boot loaders
GRUBCFG=$WORK/grub.cfg
sed -e "s|@KERNEL_CMDLINE@|$KERNEL_CMDLINE|g" -e "s|@DATA_LABEL@|$DATA_LABEL|g" \
    "$ROOT/image/grub/grub.cfg" > "$GRUBCFG"

ISO=$WORK/iso
mkdir -p "$ISO/boot/grub/i386-pc" "$ISO/.disk"
cp "$OUT/image/vmlinuz" "$OUT/image/initrd.img" "$ISO/boot/"
cp "$GRUBCFG" "$ISO/boot/grub/grub.cfg"
echo "ardoise live $ISO_LABEL" > "$ISO/.disk/info"     # gcdx64's embedded config looks for it
echo "ardoise" > "$ISO/.disk/ardoise"                  # our BIOS core looks for this one
cp "$OUT/image/image-digest" "$ISO/.disk/image-digest"
GRUBPC=$(pkgdir grub-pc-bin)/usr/lib/grub/i386-pc
grub-mkimage -O i386-pc-eltorito -d "$GRUBPC" -p /boot/grub -c "$ROOT/image/grub/bios-early.cfg" \
    -o "$ISO/boot/grub/i386-pc/eltorito.img" \
    biosdisk part_msdos part_gpt iso9660 fat search search_fs_file search_label normal \
    configfile linux boot test echo serial terminal terminfo sleep

# EFI system partition: shim (signed by Microsoft's UEFI CA), grub (gcdx64, signed by Debian)
# and MokManager. Also used as the El Torito EFI boot image.
fatimg() { # fatimg FILE SIZE_MIB LABEL SERIAL FAT_BITS
    rm -f "$1"
    truncate -s "$2M" "$1"
    mkfs.fat -F "$5" -s 1 -S 512 -n "$3" -i "$4" --invariant "$1" > /dev/null
}
mput() { # mput IMG SRC DEST (mtime from SOURCE_DATE_EPOCH, parents created)
    local d="" p
    IFS=/ read -ra parts <<<"$(dirname "$3" | sed 's|^/||')"
    for p in "${parts[@]}"; do
        [ -n "$p" ] || continue
        d="$d/$p"
        mmd -D s -i "$1" "::$d" 2>/dev/null || true
    done
    touch -d "@$SOURCE_DATE_EPOCH" "$2"
    mcopy -m -o -i "$1" "$2" "::$3"
}
ESP=$WORK/esp.img
fatimg "$ESP" "$ESP_SIZE_MIB" ARDOISE-EFI "$ESP_SERIAL" 16
cp "$(pkgdir shim-signed)/usr/lib/shim/shimx64.efi.signed" "$WORK/BOOTX64.EFI"
cp "$(pkgdir grub-efi-amd64-signed)/usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed" "$WORK/grubx64.efi"
cp "$(pkgdir shim-helpers-amd64-signed)/usr/lib/shim/mmx64.efi.signed" "$WORK/mmx64.efi"
for f in BOOTX64.EFI grubx64.efi mmx64.efi; do mput "$ESP" "$WORK/$f" "/EFI/BOOT/$f"; done

# FAT32 data partition ARDOISE
DATA=$WORK/data.img
fatimg "$DATA" "$DATA_SIZE_MIB" "$DATA_LABEL" "$DATA_SERIAL" 32
for d in "${DATA_DIRS[@]}"; do mmd -D s -i "$DATA" "::/$d"; done
for spec in "${DATA_FILES[@]}"; do
    IFS=: read -r src dest <<<"$spec"
    cp "$ROOT/$src" "$WORK/datafile"
    mput "$DATA" "$WORK/datafile" "$dest"
done

# ---------------------------------------------------------------- hybrid image
find "$ISO" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
rm -f "$OUT/image/$NAME.img"
xorriso -as mkisofs -quiet -o "$OUT/image/$NAME.img" -V "$ISO_LABEL" -r -J \
    --grub2-mbr "$GRUBPC/boot_hybrid.img" \
    -b boot/grub/i386-pc/eltorito.img -no-emul-boot -boot-load-size 4 -boot-info-table \
    --grub2-boot-info \
    -eltorito-alt-boot -e --interval:appended_partition_2:all:: -no-emul-boot \
    -append_partition 2 0xef "$ESP" \
    -append_partition 3 0x0c "$DATA" \
    "$ISO" 2>&1 | { grep -v -E '^(xorriso : UPDATE|Drive current|Media current|Media status|Media summary|Added to ISO|Written to medium|Writing to)' || true; } >&2
SIZE=$(stat -c %s "$OUT/image/$NAME.img")

# ---------------------------------------------------------------- PXE folder
"$ROOT/scripts/image-pxe.sh" "$OUT/image" "$OUT/pxe" "$KERNEL_CMDLINE"

log "kernel $KVER, $NMOD modules, initrd $(stat -c %s "$OUT/image/initrd.img") bytes"
log "image $OUT/image/$NAME.img: $SIZE bytes ($((SIZE / 1048576)) MiB)"
log "image digest sha256:$img_sha"
# The budget docs/image.md promises: a 64 MiB image fits the smallest sticks workshops are
# given and boots over PXE in seconds; a driver added without looking must not break it.
IMAGE_BUDGET=$((64 * 1048576))
[ "$SIZE" -le "$IMAGE_BUDGET" ] ||
    die "the image is $SIZE bytes, over its budget of $IMAGE_BUDGET (64 MiB): drop modules or firmware (image/ardoise-image.conf)"
