#!/bin/bash
# shellcheck disable=SC2046 # the *_args helpers print QEMU argument lists meant to be split into words
# tests/qemu/test-faults.sh — faults that need a whole machine (docs/faults.md, QEMU under TCG):
#   vm-disk-removed   a USB disk pulled out (QMP device_del) in the middle of an unattended erase:
#                     its certificate says not_erased (device gone), the other disk is erased,
#                     the machine does not power off.
#   vm-power-loss     QEMU killed (power cut) in the middle of an overwrite: the data partition
#                     keeps the job's marker; at the next boot the interrupted job is certified
#                     not_erased, the disk is erased again, and both certificates verify.
# The station key is made on the host and copied onto the stick, so the host can verify.
# The power-cut disk is throttled (QEMU block throttling) so that a pass lasts long enough to be
# interrupted on a fast host as on a slow one. The pulled disk is not: a Gutmann run over 256 MiB
# (9 GB of writes) outlasts the pull anyway, and device_del of a throttled drive froze the guest
# once in five runs.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
need_image
BIN=$ROOT/target/x86_64-unknown-linux-gnu/release/ardoise
PATTERN="ardoise-fault donor secret"
THROTTLE=$((8 << 20))   # bytes/s written to a disk under test: a 96 MiB pass takes 12 s

# prepare_stick IMG OPTIONS: a fresh stick made as docs/image.md says (`ardoise provision`,
# offline: no registry), then boot options in boot/boot.cfg. The trust entry goes to DIR/keys.
prepare_stick() {
    local img=$1 opts=$2 dir
    dir=$(dirname "$img")
    rm -rf "$dir/keys"
    "$BIN" provision --image "$img" --write-image "$IMG/ardoise.img" \
        --workshop ressourcerie-test --workshop-name "Ressourcerie de test" --station vm-01 \
        --out "$dir/keys" > "$dir/provision.log" 2>&1 \
        || { echo "provision failed: $(tail -3 "$dir/provision.log")" >&2; return 1; }
    set_boot_options "$img" "$opts"
}

# sample_disk FILE SIZE: a disk whose whole content is a recognisable text.
sample_disk() {
    truncate -s "$2" "$1"
    { yes "$PATTERN" || true; } | head -c "$2" | dd of="$1" conv=notrunc status=none
}

# start_qemu LOG QMP_PORT ARGS...: QEMU in the background with a QMP socket; sets QEMU_PID.
start_qemu() {
    local log=$1 port=$2
    shift 2
    : > "$log"
    qemu-system-x86_64 -accel "$ACCEL" -nographic -no-reboot -serial "file:$log" -display none \
        -monitor none -qmp "tcp:127.0.0.1:$port,server=on,wait=off" "$@" > "$log.stdout" 2>&1 &
    QEMU_PID=$!
}

# wait_log LOG REGEX TIMEOUT: waits for a line; prints it.
wait_log() {
    local deadline=$((SECONDS + $3)) line
    while [ $SECONDS -lt $deadline ]; do
        line=$(tr -d '\r' < "$1" | grep -a -m1 -E "$2") && { echo "$line"; return 0; }
        kill -0 "$QEMU_PID" 2>/dev/null || return 1
        sleep 0.5
    done
    return 1
}

# qmp PORT JSON...: sends QMP commands after the capabilities handshake.
qmp() {
    local port=$1
    shift
    exec 9<>"/dev/tcp/127.0.0.1/$port" || return 1
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

stop_qemu() { kill -9 "$QEMU_PID" 2>/dev/null; wait "$QEMU_PID" 2>/dev/null; }

# certificates IMG DIR: copies the data partition's certificates out; prints how many.
certificates() {
    local off
    off=$(part_offset "$1" 3)
    rm -rf "$2"; mkdir -p "$2"
    mcopy -s -n -i "$1@@$off" ::/certificates "$2/" 2>/dev/null
    find "$2" -name '*.dsse.json' | wc -l
}

# payload FILE: the certificate's JSON payload.
payload() { python3 -c 'import base64,json,sys; print(base64.b64decode(json.load(open(sys.argv[1]))["payload"]).decode())' "$1"; }

# ---- vm-disk-removed --------------------------------------------------------------------------
d=$(new_tmp faults-removed)
prepare_stick "$d/stick.img" "ardoise.auto=erase ardoise.method=overwrite-gutmann"
sample_disk "$d/usb.img" 256M
sample_disk "$d/vd.img" 16M
start_qemu "$d/serial.log" 18711 $(bios_args) $(usb_stick_args "$d/stick.img") \
    -drive "if=none,id=usb1,file=$d/usb.img,format=raw" -device usb-storage,bus=xhci.0,drive=usb1,id=pulled,serial=USB-FAULT-1 \
    -drive "if=none,id=vd0,file=$d/vd.img,format=raw" -device virtio-blk-pci,drive=vd0,serial=VD-FAULT-2
if line=$(wait_log "$d/serial.log" 'ARDOISE-AUTO: .*USB-FAULT-1 — ' 240); then
    dev=$(echo "$line" | sed -E 's/.*ARDOISE-AUTO: ([^:]+): .*/\1/')
    if wait_log "$d/serial.log" "ARDOISE-AUTO: $dev: Overwrite" 240 > /dev/null; then
        qmp 18711 '{"execute":"device_del","arguments":{"id":"pulled"}}' > "$d/qmp.log"
        if wait_log "$d/serial.log" 'unattended run (FAILED|succeeded)' 300 > /dev/null; then
            if grep -a -q 'unattended run FAILED' "$d/serial.log"; then pass "vm-disk-removed: the machine stays on"
            else fail "vm-disk-removed: the machine powered off after losing a disk"; fi
        else
            fail "vm-disk-removed: the unattended run never ended"; show_log "$d/serial.log" 40
        fi
    else
        fail "vm-disk-removed: the overwrite of $dev never started"; show_log "$d/serial.log" 40
    fi
else
    fail "vm-disk-removed: ardoise never planned the USB disk"; show_log "$d/serial.log" 40
fi
stop_qemu
n=$(certificates "$d/stick.img" "$d/certs")
[ "$n" = 2 ] && pass "vm-disk-removed: 2 certificates on the stick" || fail "vm-disk-removed: $n certificates (want 2)"
for c in "$d"/certs/certificates/*.dsse.json; do
    p=$(payload "$c")
    serial=$(echo "$p" | python3 -c 'import json,sys; print(json.load(sys.stdin)["media"]["serial"])')
    status=$(echo "$p" | python3 -c 'import json,sys; print(json.load(sys.stdin)["outcome"]["status"])')
    codes=$(echo "$p" | python3 -c 'import json,sys; print(" ".join(e["code"] for e in json.load(sys.stdin)["outcome"]["exceptions"]))')
    case $serial in
        USB-FAULT-1) [ "$status" = not_erased ] && echo "$codes" | grep -q device-gone \
                        && pass "vm-disk-removed: pulled disk certified not_erased ($codes)" \
                        || fail "vm-disk-removed: pulled disk is $status ($codes)";;
        VD-FAULT-2) [ "$status" = erased ] && pass "vm-disk-removed: the other disk is erased" \
                        || fail "vm-disk-removed: the other disk is $status ($codes)";;
    esac
done
if "$BIN" verify --keys "$d/keys/trust.toml" "$d/certs/certificates" > "$d/verify.log" 2>&1; then
    pass "vm-disk-removed: both certificates verify"
else
    fail "vm-disk-removed: verify: $(tail -3 "$d/verify.log")"
fi

# ---- vm-power-loss ----------------------------------------------------------------------------
d=$(new_tmp faults-power)
prepare_stick "$d/stick.img" "ardoise.auto=erase ardoise.method=overwrite-three-pass"
sample_disk "$d/vd.img" 96M
start_qemu "$d/serial.log" 18712 $(bios_args) $(usb_stick_args "$d/stick.img") \
    -drive "if=none,id=vd0,file=$d/vd.img,format=raw,throttling.bps-write=$THROTTLE" -device virtio-blk-pci,drive=vd0,serial=VD-POWER-1
if wait_log "$d/serial.log" 'ARDOISE-AUTO: .*Overwrite \{ pass: 2' 300 > /dev/null; then
    stop_qemu   # the power cut
    off=$(part_offset "$d/stick.img" 3)
    markers=$(mdir -b -i "$d/stick.img@@$off" ::/jobs 2>/dev/null | grep -c '\.json' || true)
    [ "$markers" = 1 ] && pass "vm-power-loss: the job's marker survived the power cut" \
        || fail "vm-power-loss: $markers job markers on the stick (want 1)"
    n=$(certificates "$d/stick.img" "$d/certs0")
    [ "$n" = 0 ] && pass "vm-power-loss: no certificate for the cut job yet" || fail "vm-power-loss: $n certificates before reboot"
    # Power back on: default method this time.
    set_boot_options "$d/stick.img" "ardoise.auto=erase"
    if run_qemu_exit "$d/serial2.log" 600 $(bios_args) $(usb_stick_args "$d/stick.img") \
            -drive "if=none,id=vd0,file=$d/vd.img,format=raw" -device virtio-blk-pci,drive=vd0,serial=VD-POWER-1; then
        pass "vm-power-loss: the second boot erased and powered off"
    else
        fail "vm-power-loss: the second boot did not end cleanly"; show_log "$d/serial2.log" 40
    fi
    grep -a -q 'earlier job was interrupted' "$d/serial2.log" && pass "vm-power-loss: the interrupted job was reported at boot" \
        || fail "vm-power-loss: no report of the interrupted job"
    n=$(certificates "$d/stick.img" "$d/certs")
    [ "$n" = 2 ] && pass "vm-power-loss: 2 certificates" || fail "vm-power-loss: $n certificates (want 2)"
    statuses=$(for c in "$d"/certs/certificates/*.dsse.json; do payload "$c" | python3 -c 'import json,sys; c=json.load(sys.stdin); print(c["outcome"]["status"], *[e["code"] for e in c["outcome"]["exceptions"]])'; done | sort)
    echo "$statuses" | grep -q '^not_erased interrupted' && pass "vm-power-loss: the cut job is certified not_erased (interrupted)" \
        || fail "vm-power-loss: statuses: $statuses"
    echo "$statuses" | grep -q '^erased$' && pass "vm-power-loss: the new job is certified erased" \
        || fail "vm-power-loss: statuses: $statuses"
    left=$(grep -a -c "$PATTERN" "$d/vd.img" || true)
    [ "$left" = 0 ] && pass "vm-power-loss: the disk holds none of the sample data" || fail "vm-power-loss: $left lines of sample data left"
    "$BIN" verify --keys "$d/keys/trust.toml" "$d/certs/certificates" > "$d/verify.log" 2>&1 \
        && pass "vm-power-loss: certificates verify, journal unbroken" || fail "vm-power-loss: verify: $(tail -3 "$d/verify.log")"
else
    fail "vm-power-loss: the overwrite's second pass never started"; show_log "$d/serial.log" 40
    stop_qemu
fi
summary
