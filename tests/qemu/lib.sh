# shellcheck shell=bash disable=SC2034 # the variables set here are read by the scripts that source it
# tests/qemu/lib.sh — shared helpers for the QEMU boot tests (sourced, bash).
#
# Every QEMU run has a hard timeout that kills QEMU itself (by its own pid, never by name), and
# the serial console goes to a log file that the tests grep for markers. TCG only, unless
# ARDOISE_QEMU_ACCEL=kvm is set on a machine where KVM really boots the Debian kernel.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${ARDOISE_OUT:-$ROOT/out}
IMG=$OUT/image
TMPROOT=${ARDOISE_TEST_TMP:-$ROOT/build/qemu-tests}
ACCEL=${ARDOISE_QEMU_ACCEL:-tcg}
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd
OVMF_SB_CODE=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd
OVMF_SB_VARS=/usr/share/OVMF/OVMF_VARS_4M.ms.fd
# Markers: the init announces ardoise, then prints `ardoise --version`.
MARK_START='ARDOISE-INIT: starting ardoise'
MARK_VERSION='ARDOISE-INIT: version: ardoise [0-9]'

PASSED=0
FAILED=0
SKIPPED=0
pass() { echo "PASS: $*"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL: $*"; FAILED=$((FAILED + 1)); }
skip() { echo "SKIP: $*"; SKIPPED=$((SKIPPED + 1)); }
summary() {
    echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
    [ "$FAILED" = 0 ]
}

need_image() {
    local f
    for f in "$IMG/ardoise.img" "$IMG/vmlinuz" "$IMG/initrd.img"; do
        [ -f "$f" ] || { echo "missing $f: run 'make image' first" >&2; exit 2; }
    done
}

# new_tmp NAME -> a fresh directory for one test case
new_tmp() {
    local d=$TMPROOT/$1
    rm -rf "$d"
    mkdir -p "$d"
    echo "$d"
}

# A copy of the image for one run (the guest writes to its data partition).
copy_image() { cp --sparse=always "$IMG/ardoise.img" "$1"; }

# Byte offset of MBR partition N of an image file.
part_offset() {
    python3 - "$1" "$2" <<'EOF'
import struct, sys
mbr = open(sys.argv[1], "rb").read(512)
n = int(sys.argv[2])
e = mbr[446 + 16 * (n - 1): 446 + 16 * n]
print(struct.unpack("<I", e[8:12])[0] * 512)
EOF
}

# Write boot options to the image's data partition (grub sources boot/boot.cfg from it).
set_boot_options() { # set_boot_options IMG "OPTIONS"
    local off cfg
    off=$(part_offset "$1" 3)
    cfg=$(mktemp)
    printf 'set timeout=0\nset ardoise_options="%s"\n' "$2" > "$cfg"
    mcopy -o -i "$1@@$off" "$cfg" ::/boot/boot.cfg
    rm -f "$cfg"
}

# run_qemu LOG TIMEOUT_S REGEX [qemu args...]
# Starts QEMU, returns 0 as soon as REGEX appears in the serial log (then kills QEMU), 1 when
# QEMU exits or TIMEOUT_S passes without it. Sets QEMU_SECONDS to the time the marker took.
run_qemu() {
    local log=$1 timeout=$2 regex=$3 pid start now rc=1
    shift 3
    : > "$log"
    start=$(date +%s.%N)
    qemu-system-x86_64 -accel "$ACCEL" -nographic -no-reboot -serial "file:$log" \
        -monitor none -display none "$@" > "$log.stdout" 2>&1 &
    pid=$!
    while :; do
        if grep -E -q -a "$regex" "$log" 2>/dev/null; then rc=0; break; fi
        kill -0 "$pid" 2>/dev/null || break
        now=$(date +%s.%N)
        if awk -v a="$start" -v b="$now" -v t="$timeout" 'BEGIN { exit !(b - a > t) }'; then
            echo "  (timeout after ${timeout}s)" >> "$log.stdout"
            break
        fi
        sleep 0.1
    done
    QEMU_SECONDS=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    # give the process a moment, then make sure it is gone
    kill -9 "$pid" 2>/dev/null
    return $rc
}

# run_qemu_exit LOG TIMEOUT_S [qemu args...]: run until QEMU exits by itself (poweroff);
# 0 if it did within TIMEOUT_S, 1 if it had to be killed.
run_qemu_exit() {
    local log=$1 timeout=$2 pid start rc=1
    shift 2
    : > "$log"
    start=$(date +%s.%N)
    qemu-system-x86_64 -accel "$ACCEL" -nographic -no-reboot -serial "file:$log" \
        -monitor none -display none "$@" > "$log.stdout" 2>&1 &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        if awk -v a="$start" -v b="$(date +%s.%N)" -v t="$timeout" 'BEGIN { exit !(b - a > t) }'; then
            echo "  (timeout after ${timeout}s)" >> "$log.stdout"
            kill -9 "$pid" 2>/dev/null
            wait "$pid" 2>/dev/null
            QEMU_SECONDS=$timeout
            return 1
        fi
        sleep 0.1
    done
    wait "$pid" 2>/dev/null && rc=0
    QEMU_SECONDS=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    return $rc
}

cpu_args() {
    if [ "$ACCEL" = kvm ]; then echo "-cpu host,-arch-capabilities"; else echo "-cpu max"; fi
}

# Firmware argument sets
bios_args() { echo "-machine q35 $(cpu_args) -m ${ARDOISE_QEMU_MEM:-1024} -smp 2"; }
uefi_args() { # uefi_args VARS_COPY
    cp "$OVMF_VARS" "$1"
    echo "-machine q35 $(cpu_args) -m 1024 -smp 2" \
         "-drive if=pflash,format=raw,unit=0,file=$OVMF_CODE,readonly=on" \
         "-drive if=pflash,format=raw,unit=1,file=$1"
}
secureboot_args() { # secureboot_args VARS_COPY
    cp "$OVMF_SB_VARS" "$1"
    echo "-machine q35,smm=on $(cpu_args) -m 1024 -smp 2" \
         "-global driver=cfi.pflash01,property=secure,value=on" \
         "-drive if=pflash,format=raw,unit=0,file=$OVMF_SB_CODE,readonly=on" \
         "-drive if=pflash,format=raw,unit=1,file=$1"
}
# The image as a USB stick on xHCI, first in boot order; as a CD on AHCI.
usb_stick_args() { # usb_stick_args IMG [SERIAL]
    echo "-device qemu-xhci,id=xhci" \
         "-drive if=none,id=stick,file=$1,format=raw" \
         "-device usb-storage,bus=xhci.0,drive=stick,bootindex=0,serial=${2:-ARDOISE-BOOT-STICK}"
}
cd_args() { # cd_args IMG
    echo "-drive if=none,id=cd0,media=cdrom,file=$1,format=raw,readonly=on" \
         "-device ide-cd,bus=ide.0,drive=cd0,bootindex=0"
}

# Print the last lines of a failed run's log for the CI output.
show_log() { echo "---- last lines of $1"; tail -n "${2:-25}" "$1" | tr -d '\r' | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g'; echo "----"; }

# provision_stick STICK KEYS_OUT WORKSHOP STATION [REGISTRY_URL REGISTRY_VKEY]: a fresh stick
# made a workshop's own as docs/image.md tells a workshop: `ardoise provision` writes the built
# image, the identity, the station key (its station.pub and trust.toml go to KEYS_OUT for the
# host's checks) and, when given, the registry's URL and key. Its output is STICK.provision.log
# (the registry command it prints is there). Needs $BIN.
provision_stick() {
    local stick=$1 out=$2 workshop=$3 station=$4 reg=()
    [ $# -ge 6 ] && reg=(--registry "$5" --registry-key "$6")
    "$BIN" provision --image "$stick" --write-image "$IMG/ardoise.img" --workshop "$workshop" \
        --workshop-name "Ressourcerie de test" --station "$station" "${reg[@]}" --out "$out" \
        > "$stick.provision.log" 2>&1
}

# stick_certificates IMG DIR: copies the stick's certificates/ into DIR/certificates.
stick_certificates() {
    local off
    off=$(part_offset "$1" 3)
    mkdir -p "$2"
    mcopy -s -n -i "$1@@$off" ::/certificates "$2/" 2>/dev/null
}
