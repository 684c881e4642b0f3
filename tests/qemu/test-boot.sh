#!/bin/bash
# shellcheck disable=SC2046 # the *_args helpers print QEMU argument lists meant to be split into words
# tests/qemu/test-boot.sh — boot the built image in QEMU (TCG) every way a workshop boots it.
#
#   tests/qemu/test-boot.sh [CASE...]      (default: all cases; needs `make image` first)
#
# Cases (each with a hard timeout that kills QEMU):
#   bios-usb-persist   legacy BIOS, image as a USB stick: reaches ardoise, then the guest writes a
#                      file to the FAT32 data partition, powers off, and the host reads it back
#   bios-cd            legacy BIOS, image as a CD (El Torito): reaches ardoise, mode=cd
#   uefi-usb           UEFI (OVMF), USB stick
#   secureboot-usb     UEFI with Secure Boot enforced (Microsoft keys): shim -> grub -> kernel
#   secureboot-control the same image with shim's signature stripped: must be refused under
#                      Secure Boot, and must boot without Secure Boot (so the refusal is the
#                      signature check, not a broken image)
#   pxe-ipxe           BIOS network boot: QEMU's TFTP serves out/pxe, iPXE runs boot.ipxe
#   pxe-secureboot     UEFI Secure Boot network boot: OVMF PXE -> shim -> grubnetx64 -> kernel
#   pxe-station        a PXE folder made a station by `ardoise provision --pxe` (docs/pxe.md),
#                      unattended: the machine erases its disk, the registry on the host
#                      receives the certificate of station pxe-1-<boot id>, the machine powers off
#   protected-stick    `ardoise list --json` in the guest marks the boot stick protected
#                      (and a sample NVMe disk not protected)
# Prints "N passed, N failed, N skipped"; exit status 1 when anything failed.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
need_image

# expect_boot LOG NAME REGEX...: every REGEX must be in LOG
expect() {
    local log=$1 name=$2 r
    shift 2
    for r in "$@"; do
        if ! tr -d '\r' < "$log" | grep -a -q -E "$r"; then
            fail "$name: '$r' not in the serial log"
            show_log "$log"
            return 1
        fi
    done
    return 0
}

case_bios_usb_persist() {
    local d token off
    d=$(new_tmp bios-usb-persist)
    copy_image "$d/stick.img"
    token=persist-$RANDOM$RANDOM
    set_boot_options "$d/stick.img" "ardoise.selftest=persist ardoise.selftest_token=$token"
    if ! run_qemu_exit "$d/serial.log" 120 $(bios_args) $(usb_stick_args "$d/stick.img"); then
        fail "bios-usb-persist: guest did not power off within 120 s"; show_log "$d/serial.log"; return
    fi
    expect "$d/serial.log" bios-usb-persist "$MARK_START" "$MARK_VERSION" \
        'ARDOISE-INIT: boot: mode=usb device=/dev/sd' 'firmware: legacy BIOS' \
        'data: /dev/sd[a-z]3 \(label ARDOISE\) mounted' 'selftest persist wrote' || return
    off=$(part_offset "$d/stick.img" 3)
    if ! mtype -i "$d/stick.img@@$off" ::/selftest.txt > "$d/readback.txt" 2>&1 ||
        ! grep -q "token=$token" "$d/readback.txt"; then
        fail "bios-usb-persist: the host did not read the guest's file back: $(cat "$d/readback.txt")"
        return
    fi
    if ! mtype -i "$d/stick.img@@$off" ::/logs/last-boot.txt | grep -q 'starting ardoise'; then
        fail "bios-usb-persist: no boot log on the data partition"; return
    fi
    pass "bios-usb-persist (${QEMU_SECONDS}s to power-off; host read back '$(tr -d '\r\n' < "$d/readback.txt" | cut -c1-60)')"
}

case_bios_cd() {
    local d
    d=$(new_tmp bios-cd)
    if run_qemu "$d/serial.log" 90 "$MARK_VERSION" $(bios_args) $(cd_args "$IMG/ardoise.img"); then
        expect "$d/serial.log" bios-cd "$MARK_START" 'boot: mode=cd device=/dev/sr0' \
            'no partition labelled ARDOISE, /data is in RAM' &&
            pass "bios-cd (${QEMU_SECONDS}s to the ardoise version marker)"
    else
        fail "bios-cd: no '$MARK_VERSION' within 90 s"; show_log "$d/serial.log"
    fi
}

case_uefi_usb() {
    local d
    d=$(new_tmp uefi-usb)
    copy_image "$d/stick.img"
    set_boot_options "$d/stick.img" "ardoise.selftest=env"
    if run_qemu_exit "$d/serial.log" 120 $(uefi_args "$d/vars.fd") $(usb_stick_args "$d/stick.img"); then
        expect "$d/serial.log" uefi-usb "$MARK_START" "$MARK_VERSION" 'firmware: UEFI, Secure Boot 0' \
            'ARDOISE-ENV: ARDOISE_BOOT_MODE=usb' 'ARDOISE-ENV: ARDOISE_DATA_PERSISTENT=1' &&
            pass "uefi-usb (${QEMU_SECONDS}s to power-off)"
    else
        fail "uefi-usb: guest did not power off within 120 s"; show_log "$d/serial.log"
    fi
}

case_secureboot_usb() {
    local d
    d=$(new_tmp secureboot-usb)
    copy_image "$d/stick.img"
    set_boot_options "$d/stick.img" "ardoise.selftest=env"
    if run_qemu_exit "$d/serial.log" 120 $(secureboot_args "$d/vars.fd") $(usb_stick_args "$d/stick.img"); then
        expect "$d/serial.log" secureboot-usb "$MARK_START" "$MARK_VERSION" \
            'firmware: UEFI, Secure Boot 1 ' 'lockdown: .*\[integrity\]' \
            'ARDOISE-ENV: ARDOISE_BOOT_MODE=usb' &&
            pass "secureboot-usb (${QEMU_SECONDS}s to power-off, Secure Boot on, lockdown=integrity)"
    else
        fail "secureboot-usb: guest did not power off within 120 s"; show_log "$d/serial.log"
    fi
}

case_secureboot_control() {
    local d off
    d=$(new_tmp secureboot-control)
    copy_image "$d/control.img"
    set_boot_options "$d/control.img" "ardoise.selftest=env"
    python3 "$ROOT/tests/qemu/pe-strip-signature.py" \
        "$ROOT/build/pkgs/shim-signed/usr/lib/shim/shimx64.efi.signed" "$d/BOOTX64.EFI" > /dev/null
    off=$(part_offset "$d/control.img" 2)
    mcopy -o -i "$d/control.img@@$off" "$d/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI
    # 1. Secure Boot enforced: the firmware must refuse the unsigned shim.
    if run_qemu "$d/sb.log" 45 "$MARK_START|Access Denied|Security Violation" \
            $(secureboot_args "$d/vars-sb.fd") $(usb_stick_args "$d/control.img"); then
        if grep -a -q "$MARK_START" "$d/sb.log"; then
            fail "secureboot-control: an UNSIGNED shim booted under Secure Boot"; show_log "$d/sb.log"; return
        fi
    else
        fail "secureboot-control: no 'Access Denied' from the firmware within 45 s"; show_log "$d/sb.log"; return
    fi
    # 2. Without Secure Boot the same control image boots: the refusal was the signature.
    if run_qemu_exit "$d/nosb.log" 120 $(uefi_args "$d/vars.fd") $(usb_stick_args "$d/control.img") &&
        grep -a -q "$MARK_START" "$d/nosb.log"; then
        pass "secureboot-control (unsigned shim refused under Secure Boot, boots without it)"
    else
        fail "secureboot-control: the control image does not boot even without Secure Boot"; show_log "$d/nosb.log"
    fi
}

case_pxe_ipxe() {
    local d
    d=$(new_tmp pxe-ipxe)
    if run_qemu "$d/serial.log" 120 "$MARK_VERSION" $(bios_args) -boot n \
            -netdev "user,id=n0,restrict=on,tftp=$OUT/pxe,bootfile=boot.ipxe" \
            -device virtio-net-pci,netdev=n0,bootindex=0; then
        expect "$d/serial.log" pxe-ipxe "$MARK_START" 'boot: mode=pxe' \
            'data: PXE boot, /data is in RAM' &&
            pass "pxe-ipxe (${QEMU_SECONDS}s to the ardoise version marker)"
    else
        fail "pxe-ipxe: no '$MARK_VERSION' within 120 s"; show_log "$d/serial.log"
    fi
}

case_pxe_secureboot() {
    local d
    d=$(new_tmp pxe-secureboot)
    # romfile= : use OVMF's own PXE stack (shim cannot fetch grub through iPXE's EFI ROM).
    if run_qemu "$d/serial.log" 150 "$MARK_VERSION" $(secureboot_args "$d/vars.fd") \
            -netdev "user,id=n0,restrict=on,tftp=$OUT/pxe,bootfile=shimx64.efi" \
            -device virtio-net-pci,netdev=n0,bootindex=0,romfile=; then
        expect "$d/serial.log" pxe-secureboot "$MARK_START" 'boot: mode=pxe' \
            'firmware: UEFI, Secure Boot 1 ' &&
            pass "pxe-secureboot (${QEMU_SECONDS}s to the ardoise version marker)"
    else
        fail "pxe-secureboot: no '$MARK_VERSION' within 150 s"; show_log "$d/serial.log"
    fi
}

case_protected_stick() {
    local d bin=$ROOT/target/x86_64-unknown-linux-gnu/release/ardoise
    d=$(new_tmp protected-stick)
    copy_image "$d/stick.img"
    set_boot_options "$d/stick.img" "ardoise.selftest=list"
    truncate -s 64M "$d/nvme.img"
    if ! run_qemu_exit "$d/serial.log" 120 $(bios_args) $(usb_stick_args "$d/stick.img" ARDOISE-BOOT-STICK) \
            -drive "if=none,id=nv0,file=$d/nvme.img,format=raw" -device nvme,serial=SAMPLE-NVME-1,drive=nv0; then
        fail "protected-stick: guest did not power off within 120 s"; show_log "$d/serial.log"; return
    fi
    tr -d '\r' < "$d/serial.log" | sed -n '/^ARDOISE-LIST-JSON-BEGIN/,/^ARDOISE-LIST-JSON-END/p' |
        sed '1d;$d' > "$d/list.json"
    if python3 "$ROOT/tests/qemu/check-protected.py" "$d/list.json" ARDOISE-BOOT-STICK SAMPLE-NVME-1; then
        pass "protected-stick (boot stick protected, sample NVMe erasable)"
    else
        fail "protected-stick"; show_log "$d/serial.log" 40
    fi
}

case_pxe_station() {
    local d bin=$ROOT/target/x86_64-unknown-linux-gnu/release/ardoise add reg_pid n
    local reg=${ARDOISE_REGISTRY_BIN:-$ROOT/target/debug/ardoise-registry}
    local port=${ARDOISE_PXE_PORT:-18093} db
    [ -x "$reg" ] || { fail "pxe-station: $reg is missing (cargo build -p ardoise-registry)"; return; }
    d=$(new_tmp pxe-station)
    cp -r "$OUT/pxe" "$d/pxe"
    db="sqlite:$d/registry.sqlite"
    "$reg" key --show --db "$db" > "$d/registry.vkey" 2> "$d/registry.log"
    if ! "$bin" provision --pxe "$d/pxe" --workshop ressourcerie-pxe --workshop-name "Ressourcerie PXE" \
            --station pxe-1 --registry http://10.0.2.100/ --registry-key "$d/registry.vkey" \
            --out "$d/station" > "$d/provision.log" 2>&1; then
        fail "pxe-station: ardoise provision --pxe: $(tail -3 "$d/provision.log")"; return
    fi
    add=$(grep -o 'ardoise-registry station add .*' "$d/provision.log" | sed "s|<DB>|$db|")
    # shellcheck disable=SC2086 # the printed command, split into words as a shell would
    "$reg" ${add#ardoise-registry } >> "$d/registry.log" 2>&1 \
        || { fail "pxe-station: the printed registry command failed"; return; }
    # an unattended PXE station (docs/pxe.md: options go on the kernel lines)
    sed -i 's|ardoise.boot=pxe|ardoise.boot=pxe ardoise.auto=erase|' "$d/pxe/boot.ipxe"
    "$reg" serve --listen "127.0.0.1:$port" --db "$db" >> "$d/registry.log" 2>&1 &
    reg_pid=$!
    for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
    truncate -s 32M "$d/disk.img"
    { yes "ardoise pxe donor data" || true; } | head -c 4M | dd of="$d/disk.img" conv=notrunc status=none
    if ! run_qemu_exit "$d/serial.log" 300 $(bios_args) -boot n \
            -netdev "user,id=n0,restrict=on,tftp=$d/pxe,bootfile=boot.ipxe,guestfwd=tcp:10.0.2.100:80-tcp:127.0.0.1:$port" \
            -device virtio-net-pci,netdev=n0,bootindex=0 \
            -drive "if=none,id=vd0,file=$d/disk.img,format=raw" -device virtio-blk-pci,drive=vd0,serial=PXE-DISK-1; then
        kill "$reg_pid" 2>/dev/null
        fail "pxe-station: the machine did not power off by itself"; show_log "$d/serial.log" 40; return
    fi
    kill "$reg_pid" 2>/dev/null
    wait "$reg_pid" 2>/dev/null
    expect "$d/serial.log" pxe-station 'data: station identity from the PXE folder' \
        'ARDOISE-AUTO: station ressourcerie-pxe / pxe-1-[0-9a-f]{8} ' 'unattended run succeeded' || return
    n=$(grep -a -c "ardoise pxe donor data" "$d/disk.img" || true)
    [ "$n" = 0 ] || { fail "pxe-station: the disk still holds $n lines of donor data"; return; }
    n=$("$reg" audit --db "$db" 2>/dev/null | sed -n 's/^\([0-9]*\) entries.*log intact$/\1/p')
    [ "$n" = 1 ] || { fail "pxe-station: the registry holds ${n:-no} certificates (want 1)"; return; }
    pass "pxe-station (${QEMU_SECONDS}s: erased, certified as pxe-1-<boot id>, acknowledged, powered off)"
}

ALL="bios-usb-persist bios-cd uefi-usb secureboot-usb secureboot-control pxe-ipxe pxe-secureboot pxe-station protected-stick"
START=$(date +%s)
[ $# -gt 0 ] || set -- $ALL
for c in "$@"; do
    echo "--- $c"
    "case_${c//-/_}"
done
echo "test-boot: $(( $(date +%s) - START )) s"
summary
