#!/bin/bash
# shellcheck disable=SC2046 # the *_args helpers print QEMU argument lists meant to be split into words
# tests/qemu/test-erase-e2e.sh — unattended end-to-end erase in QEMU (TCG), part of `make test`.
#
#  1. sample disks (NVMe, SATA/AHCI, virtio-blk, USB) of 64 MiB whose first 4 MiB and last
#     1 MiB hold a known text pattern;
#  2. the stick made from the unmodified `make image` output the way docs/image.md tells a
#     workshop: `ardoise provision` (identity, station key, registry URL with a trailing slash
#     and the registry's key), the registry command it prints run as printed on a registry
#     started on 127.0.0.1, boot options in boot/boot.cfg (`ardoise.auto=erase
#     ardoise.registry=http://10.0.2.100/`) — the guest reaches only the registry, through
#     guestfwd;
#  3. the guest stays on: the USB disk passes no ATA command, so its hidden areas (HPA/DCO)
#     cannot be checked and its certificate says erased_with_exceptions (hidden-areas-not-checked);
#     the init powers off only when every disk is erased. The run is stopped once the init says
#     so, after every certificate was acknowledged (the power-off path is vm-power-loss's, in
#     test-faults.sh);
#  4. host checks: every sample backing file holds no byte of the pattern; the stick holds one
#     certificate and one receipt per disk, and the registry checkpoint the station verified
#     last (`ardoise log check` against the registry proves its log extends it); the registry
#     stored them; `ardoise verify` accepts
#     them with the registry's key (signature, trust, journal, inclusion proof); the boot stick
#     was never offered for erasure.
# Expected methods on QEMU 10: NVMe Format (user data erase; QEMU reports no sanitize and no
# crypto erase), SATA and USB host overwrite (QEMU has no ATA security or sanitize: the
# certificate says clear), virtio host overwrite.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
need_image
BIN=$ROOT/target/x86_64-unknown-linux-gnu/release/ardoise
REG_BIN=${ARDOISE_REGISTRY_BIN:-$ROOT/target/debug/ardoise-registry}
PATTERN="ardoise-e2e donor secret"
PORT=${ARDOISE_E2E_PORT:-18090}
[ -x "$REG_BIN" ] || { fail "erase-e2e: $REG_BIN is missing (cargo build -p ardoise-registry)"; summary; exit 1; }

d=$(new_tmp erase-e2e)
for disk in nvme sata virtio usb; do
    f=$d/$disk.img
    truncate -s 64M "$f"
    { yes "$PATTERN on $disk" || true; } | head -c 4M | dd of="$f" conv=notrunc status=none
    { yes "$PATTERN on $disk (tail)" || true; } | head -c 1M | dd of="$f" bs=1M seek=63 conv=notrunc status=none
done

# The stick as docs/image.md tells a workshop to make it: `ardoise provision` from the image
# `make image` built, with the registry's URL written as the docs write it (trailing slash)
# and its key; then the command provision prints, run on the registry as printed.
DB="sqlite:$d/registry.sqlite"
"$REG_BIN" key --show --db "$DB" > "$d/registry.vkey"
if ! "$BIN" provision --image "$d/stick.img" --write-image "$IMG/ardoise.img" \
        --workshop ressourcerie-e2e --workshop-name "Ressourcerie de test" --station st-e2e \
        --registry http://10.0.2.100/ --registry-key "$d/registry.vkey" --out "$d/keys" > "$d/provision.log" 2>&1; then
    fail "erase-e2e: ardoise provision: $(tail -3 "$d/provision.log")"; summary; exit 1
fi
add=$(grep -o 'ardoise-registry station add .*' "$d/provision.log" | sed "s|<DB>|$DB|")
[ -n "$add" ] || { fail "erase-e2e: provision printed no registry command"; summary; exit 1; }
# shellcheck disable=SC2086 # the printed command, split into words as a shell would
"$REG_BIN" ${add#ardoise-registry } > "$d/station-add.log" 2>&1 \
    || { fail "erase-e2e: the registry command provision printed failed: $(tail -2 "$d/station-add.log")"; summary; exit 1; }
off=$(part_offset "$d/stick.img" 3)
# boot.cfg as docs/image.md shows it: unattended erase; the registry again on the kernel
# command line, trailing slash included (it overrides the file's and must be normalised too).
set_boot_options "$d/stick.img" "ardoise.auto=erase ardoise.registry=http://10.0.2.100/"

# Search needs an auditor or admin token (personal data): the test reads with the admin token.
REG_TOKEN=e2e-admin-token-$$-0123456789
ARDOISE_REGISTRY_ADMIN_TOKEN=$REG_TOKEN "$REG_BIN" serve --listen "127.0.0.1:$PORT" --db "$DB" > "$d/registry.log" 2>&1 &
REG_PID=$!
trap 'kill $REG_PID 2>/dev/null' EXIT
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done

if ! run_qemu "$d/serial.log" 600 'unattended run FAILED' $(bios_args) $(usb_stick_args "$d/stick.img") \
        -drive "if=none,id=nv0,file=$d/nvme.img,format=raw" -device nvme,serial=E2E-NVME-1,drive=nv0 \
        -device ahci,id=ahci0 -drive "if=none,id=sata0,file=$d/sata.img,format=raw" \
        -device ide-hd,bus=ahci0.0,drive=sata0,serial=E2E-SATA-2 \
        -drive "if=none,id=vd0,file=$d/virtio.img,format=raw" -device virtio-blk-pci,drive=vd0,serial=E2E-VIRTIO-3 \
        -drive "if=none,id=usb0,file=$d/usb.img,format=raw" -device usb-storage,bus=xhci.0,drive=usb0,serial=E2E-USB-4 \
        -netdev "user,id=n0,restrict=on,guestfwd=tcp:10.0.2.100:80-tcp:127.0.0.1:$PORT" \
        -device virtio-net-pci,netdev=n0; then
    fail "erase-e2e: the unattended run did not end as expected (powered off, or hung)"
    show_log "$d/serial.log" 60
    summary; exit 1
fi
pass "erase-e2e: unattended run ended after ${QEMU_SECONDS}s and the machine stayed on"
grep -a -q 'ARDOISE-AUTO: NOT DONE (erased: false, uploaded: true, all disks visible: true)' "$d/serial.log" \
    && pass "erase-e2e: every certificate acknowledged; not every disk plainly erased, so no power-off" \
    || { fail "erase-e2e: no NOT DONE line with the uploads done"; show_log "$d/serial.log" 60; }
grep -a -q 'skipping /dev/sd.*protected: boot medium' "$d/serial.log" && pass "erase-e2e: the boot stick was never offered" \
    || fail "erase-e2e: the boot stick was not reported protected"

for disk in nvme sata virtio usb; do
    n=$(grep -a -c "$PATTERN" "$d/$disk.img" || true)
    if [ "$n" = 0 ]; then pass "erase-e2e: $disk backing file holds none of the sample data"
    else fail "erase-e2e: $disk backing file still holds $n lines of sample data"; fi
done

mkdir -p "$d/certs"
mcopy -s -n -i "$d/stick.img@@$off" ::/certificates "$d/certs/" 2>/dev/null
ncert=$(find "$d/certs" -name '*.dsse.json' | wc -l)
nrec=$(find "$d/certs" -name '*.receipt.json' | wc -l)
[ "$ncert" = 4 ] && pass "erase-e2e: 4 certificates on the data partition" || fail "erase-e2e: $ncert certificates on the data partition (want 4)"
[ "$nrec" = 4 ] && pass "erase-e2e: 4 registry receipts beside them" || fail "erase-e2e: $nrec receipts (want 4)"
if "$BIN" verify --keys "$d/keys/trust.toml" --registry-key "$d/registry.vkey" "$d/certs/certificates" > "$d/verify.log" 2>&1; then
    pass "erase-e2e: ardoise verify accepts every certificate and its inclusion proof"
else
    fail "erase-e2e: ardoise verify: $(tail -5 "$d/verify.log")"
fi
# The station kept the registry's checkpoint it verified last; the real registry proves
# that its log extends it (`ardoise log check` fetches the consistency proof).
mcopy -s -n -i "$d/stick.img@@$off" ::/registry "$d/certs/" 2>/dev/null
state=$(ls "$d"/certs/registry/*.checkpoint 2>/dev/null | head -1)
if [ -n "$state" ] && "$BIN" log check --registry "http://127.0.0.1:$PORT" --registry-key "$d/registry.vkey" \
        --state "$state" > "$d/logcheck.log" 2>&1; then
    pass "erase-e2e: the station's checkpoint state is consistent with the registry's log"
else
    fail "erase-e2e: no checkpoint state on the stick, or the log check failed: $(tail -2 "$d/logcheck.log" 2>/dev/null)"
fi
methods=$(for c in "$d"/certs/certificates/*.dsse.json; do python3 -c 'import base64,json,sys; p=json.loads(base64.b64decode(json.load(open(sys.argv[1]))["payload"])); print(p["media"]["serial"], p["sanitization"]["technique"], p["sanitization"]["level_achieved"], p["outcome"]["status"], *[e["code"] for e in p["outcome"]["exceptions"]])' "$c"; done | sort)
echo "$methods" | sed 's/^/  /'
echo "$methods" | grep -q '^E2E-NVME-1 nvme-format-user-data purge erased$' && pass "erase-e2e: NVMe purged by Format NVM" || fail "erase-e2e: NVMe: $(echo "$methods" | grep NVME)"
echo "$methods" | grep -q '^E2E-SATA-2 overwrite-[a-z-]* clear erased$' && pass "erase-e2e: SATA overwritten (clear: QEMU has no ATA sanitize)" || fail "erase-e2e: SATA: $(echo "$methods" | grep SATA)"
echo "$methods" | grep -q '^E2E-VIRTIO-3 overwrite-[a-z-]* clear erased$' && pass "erase-e2e: virtio overwritten" || fail "erase-e2e: virtio: $(echo "$methods" | grep VIRTIO)"
echo "$methods" | grep -q '^E2E-USB-4 overwrite-[a-z-]* clear erased_with_exceptions hidden-areas-not-checked$' \
    && pass "erase-e2e: USB overwritten; its hidden areas could not be checked and the certificate says so" \
    || fail "erase-e2e: USB: $(echo "$methods" | grep USB)"
stored=$(python3 - "$PORT" "$REG_TOKEN" <<'PY'
import json, sys, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/api/v1/certificates?workshop=ressourcerie-e2e&station=st-e2e"
req = urllib.request.Request(url, headers={"Authorization": "Bearer " + sys.argv[2]})
print(len(json.load(urllib.request.urlopen(req, timeout=10))["items"]))
PY
)
[ "$stored" = 4 ] && pass "erase-e2e: the registry holds the 4 certificates" || fail "erase-e2e: the registry holds $stored certificates (want 4)"
"$REG_BIN" audit --db "$DB" > "$d/audit.log" 2>&1 && pass "erase-e2e: registry audit: log intact" || fail "erase-e2e: registry audit: $(tail -3 "$d/audit.log")"
summary
