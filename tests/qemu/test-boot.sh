#!/bin/bash
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

ALL="bios-usb-persist bios-cd uefi-usb secureboot-usb secureboot-control pxe-ipxe pxe-secureboot protected-stick"
START=$(date +%s)
for c in ${*:-$ALL}; do
    echo "--- $c"
    "case_${c//-/_}"
done
echo "test-boot: $(( $(date +%s) - START )) s"
summary
