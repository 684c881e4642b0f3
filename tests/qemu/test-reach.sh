#!/bin/bash
# shellcheck disable=SC2046 # the *_args helpers print QEMU argument lists meant to be split into words
# tests/qemu/test-reach.sh — what an unattended run may reach, on the live image in QEMU (TCG);
# issue 12 §2 and §6, docs/faults.md rows 34 and 39:
#   vm-boot-stick-replugged  the boot stick is pulled (QMP device_del) as the init starts and
#                            put back (device_add) once the init has given up looking for it:
#                            the unattended run erases nothing (exit 3, "nothing erased"), the
#                            target disk and the stick are untouched, the machine stays on.
#   vm-nvme-namespaces       an NVMe subsystem with two namespaces and a second ardoise stick:
#                            the stick is protected by its label, both namespaces are erased one
#                            after the other (one job per controller), each certificate names
#                            what its command reached (QEMU's Format reaches one namespace:
#                            FNA = 0), and they verify.
# The stick is configured only as docs/image.md tells a workshop: `ardoise provision`, then
# boot options in boot/boot.cfg. Two boots, about 4 minutes under TCG on 2 cores.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
need_image
BIN=$ROOT/target/x86_64-unknown-linux-gnu/release/ardoise
QMP_PORT=${ARDOISE_REACH_QMP_PORT:-18103}
PATTERN="ardoise-reach donor secret"

# sample_disk FILE SIZE: a disk whose whole content is a recognisable text.
sample_disk() {
    truncate -s "$2" "$1"
    { yes "$PATTERN" || true; } | head -c "$2" | dd of="$1" conv=notrunc status=none
}

# provisioned_stick DIR OPTIONS: DIR/stick.img made a workshop's stick, with boot options.
provisioned_stick() {
    "$BIN" provision --image "$1/stick.img" --write-image "$IMG/ardoise.img" \
        --workshop ressourcerie-reach --workshop-name "Ressourcerie de test" --station st-reach \
        --out "$1/keys" > "$1/provision.log" 2>&1 \
        || { fail "provision: $(tail -3 "$1/provision.log")"; return 1; }
    set_boot_options "$1/stick.img" "$2"
}

# start_qemu LOG ARGS...: QEMU in the background with a QMP socket; sets QEMU_PID.
start_qemu() {
    local log=$1
    shift
    : > "$log"
    qemu-system-x86_64 -accel "$ACCEL" -nographic -no-reboot -serial "file:$log" -display none \
        -monitor none -qmp "tcp:127.0.0.1:$QMP_PORT,server=on,wait=off" "$@" > "$log.stdout" 2>&1 &
    QEMU_PID=$!
}

stop_qemu() { kill -9 "$QEMU_PID" 2>/dev/null; wait "$QEMU_PID" 2>/dev/null; }

# wait_log LOG REGEX TIMEOUT: waits for a line of the serial log.
wait_log() {
    local deadline=$((SECONDS + $3))
    while [ $SECONDS -lt $deadline ]; do
        tr -d '\r' < "$1" | grep -a -q -E "$2" && return 0
        kill -0 "$QEMU_PID" 2>/dev/null || return 1
        sleep 0.2
    done
    return 1
}

# qmp JSON...: QMP commands after the capabilities handshake; prints the replies.
qmp() {
    exec 9<>"/dev/tcp/127.0.0.1/$QMP_PORT" || return 1
    read -r -t 5 _ <&9
    echo '{"execute":"qmp_capabilities"}' >&9
    read -r -t 5 _ <&9
    for c in "$@"; do
        echo "$c" >&9
        read -r -t 10 reply <&9
        echo "$reply"
    done
    exec 9>&-
}

payload() { python3 -c 'import base64,json,sys; print(base64.b64decode(json.load(open(sys.argv[1]))["payload"]).decode())' "$1"; }
field() { python3 -c "import json,sys; c=json.load(sys.stdin); print($1)"; }

# ---- vm-boot-stick-replugged ------------------------------------------------------------------
d=$(new_tmp reach-replug)
if provisioned_stick "$d" "ardoise.auto=erase ardoise.registry=http://10.0.2.100/"; then
    sample_disk "$d/vd.img" 16M
    stick_sum=$(md5sum < "$d/stick.img")
    vd_sum=$(md5sum < "$d/vd.img")
    # -blockdev: the stick's backend outlives device_del, so device_add can put it back.
    start_qemu "$d/serial.log" $(bios_args) -device qemu-xhci,id=xhci \
        -blockdev "driver=file,filename=$d/stick.img,node-name=stickfile" \
        -blockdev driver=raw,file=stickfile,node-name=stick \
        -device usb-storage,bus=xhci.0,drive=stick,id=stickdev,bootindex=0,serial=REACH-STICK \
        -drive "if=none,id=vd0,file=$d/vd.img,format=raw" -device virtio-blk-pci,drive=vd0,serial=REACH-VD-1
    if wait_log "$d/serial.log" 'ARDOISE-INIT: ardoise init' 180; then
        qmp '{"execute":"device_del","arguments":{"id":"stickdev"}}' > "$d/qmp.log"
        if wait_log "$d/serial.log" 'ARDOISE-INIT: boot: mode=' 120; then
            qmp '{"execute":"device_add","arguments":{"driver":"usb-storage","bus":"xhci.0","drive":"stick","id":"stickdev","serial":"REACH-STICK"}}' >> "$d/qmp.log"
            if wait_log "$d/serial.log" 'unattended run (FAILED|succeeded)' 240; then
                grep -a -q 'unattended run FAILED (rc=3)' "$d/serial.log" \
                    && pass "vm-boot-stick-replugged: the unattended run refused (exit 3), the machine stays on" \
                    || fail "vm-boot-stick-replugged: $(tr -d '\r' < "$d/serial.log" | grep -a 'unattended run')"
                grep -a -q 'ARDOISE-AUTO: nothing erased: the system was started from a USB stick or CD, but the init could not find which one' "$d/serial.log" \
                    && pass "vm-boot-stick-replugged: it says why" \
                    || { fail "vm-boot-stick-replugged: no 'nothing erased' line"; show_log "$d/serial.log" 30; }
            else
                fail "vm-boot-stick-replugged: the unattended run never ended"; show_log "$d/serial.log" 40
            fi
        else
            fail "vm-boot-stick-replugged: the init never reported the boot medium"; show_log "$d/serial.log" 40
        fi
    else
        fail "vm-boot-stick-replugged: the init never started"; show_log "$d/serial.log" 40
    fi
    grep -a -q 'ARDOISE-AUTO: .*REACH-STICK — ' "$d/serial.log" && fail "vm-boot-stick-replugged: the stick was planned for erasure"
    stop_qemu
    [ "$(md5sum < "$d/vd.img")" = "$vd_sum" ] && pass "vm-boot-stick-replugged: the target disk is untouched" \
        || fail "vm-boot-stick-replugged: the target disk was written"
    [ "$(md5sum < "$d/stick.img")" = "$stick_sum" ] && pass "vm-boot-stick-replugged: the stick is untouched" \
        || fail "vm-boot-stick-replugged: the stick was written"
fi

# ---- vm-nvme-namespaces -----------------------------------------------------------------------
d=$(new_tmp reach-nvme)
if provisioned_stick "$d" "ardoise.auto=erase"; then
    sample_disk "$d/ns1.img" 32M
    sample_disk "$d/ns2.img" 32M
    # A second ardoise medium: only its ISO 9660 volume (ARDOISE_LIVE) is kept.
    sample_disk "$d/other.img" 8M
    dd if="$IMG/ardoise.img" of="$d/other.img" bs=2048 skip=16 seek=16 count=1 conv=notrunc status=none
    other_sum=$(md5sum < "$d/other.img")
    if run_qemu_exit "$d/serial.log" 600 $(bios_args) $(usb_stick_args "$d/stick.img" REACH-STICK) \
            -drive "if=none,id=other,file=$d/other.img,format=raw" \
            -device usb-storage,bus=xhci.0,drive=other,serial=REACH-OTHER-STICK \
            -device nvme-subsys,id=subsys0,nqn=reach-subsys \
            -device nvme,id=nvme0,serial=REACH-NVME,subsys=subsys0 \
            -drive "if=none,id=ns1,file=$d/ns1.img,format=raw" -device nvme-ns,drive=ns1,bus=nvme0,nsid=1 \
            -drive "if=none,id=ns2,file=$d/ns2.img,format=raw" -device nvme-ns,drive=ns2,bus=nvme0,nsid=2; then
        pass "vm-nvme-namespaces: the unattended run succeeded and powered off (${QEMU_SECONDS}s)"
    else
        fail "vm-nvme-namespaces: the unattended run did not power off"; show_log "$d/serial.log" 40
    fi
    log=$(tr -d '\r' < "$d/serial.log")
    echo "$log" | grep -a -q 'skipping /dev/sd.* (protected: boot medium (it carries the ardoise label ARDOISE_LIVE' \
        && pass "vm-nvme-namespaces: the second ardoise stick is protected by its label" \
        || fail "vm-nvme-namespaces: the second stick was not reported protected by its label"
    [ "$(md5sum < "$d/other.img")" = "$other_sum" ] && pass "vm-nvme-namespaces: the second stick is untouched" \
        || fail "vm-nvme-namespaces: the second stick was written"
    # One job per controller: the second namespace's job starts after the first one's ended.
    first=$(echo "$log" | grep -a -n -E 'ARDOISE-AUTO: /dev/nvme0n[12]: QEMU NVMe Ctrl' | head -1)
    second=$(echo "$log" | grep -a -n -E 'ARDOISE-AUTO: /dev/nvme0n[12]: QEMU NVMe Ctrl' | sed -n 2p)
    first_dev=$(echo "$first" | grep -o 'nvme0n[12]')
    first_end=$(echo "$log" | grep -a -n "ARDOISE-AUTO: /dev/$first_dev: erased — certificate" | cut -d: -f1)
    if [ -n "$second" ] && [ -n "$first_end" ] && [ "${second%%:*}" -gt "$first_end" ]; then
        pass "vm-nvme-namespaces: the two namespaces' jobs ran one after the other"
    else
        fail "vm-nvme-namespaces: jobs on one controller overlapped (first ends at line ${first_end:-?}, second starts at ${second%%:*})"
    fi
    for ns in ns1 ns2; do
        n=$(grep -a -c "$PATTERN" "$d/$ns.img" || true)
        [ "$n" = 0 ] && pass "vm-nvme-namespaces: $ns holds none of the sample data" \
            || fail "vm-nvme-namespaces: $ns still holds $n lines of sample data"
    done
    off=$(part_offset "$d/stick.img" 3)
    mkdir -p "$d/certs"
    mcopy -s -n -i "$d/stick.img@@$off" ::/certificates "$d/certs/" 2>/dev/null
    found=0
    for c in "$d"/certs/certificates/*.dsse.json; do
        [ -f "$c" ] || continue
        p=$(payload "$c")
        serial=$(echo "$p" | field 'c["media"]["serial"]')
        [ "$serial" = REACH-NVME ] || { fail "vm-nvme-namespaces: a certificate for $serial"; continue; }
        found=$((found + 1))
        status=$(echo "$p" | field 'c["outcome"]["status"]')
        reached=$(echo "$p" | field 'len(c["media"]["namespaces"])')
        [ "$status" = erased ] && [ "$reached" = 0 ] \
            && pass "vm-nvme-namespaces: $(basename "$c" | cut -c1-12): erased, its Format reached only its namespace" \
            || fail "vm-nvme-namespaces: status $status, media.namespaces has $reached entries"
    done
    [ "$found" = 2 ] && pass "vm-nvme-namespaces: 2 certificates" || fail "vm-nvme-namespaces: $found certificates (want 2)"
    "$BIN" verify --keys "$d/keys/trust.toml" "$d/certs/certificates" > "$d/verify.log" 2>&1 \
        && pass "vm-nvme-namespaces: the certificates verify" || fail "vm-nvme-namespaces: verify: $(tail -3 "$d/verify.log")"
fi
summary
