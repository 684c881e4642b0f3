#!/bin/bash
# tests/qemu/test-hardware-matrix.sh — storage controllers QEMU models, one unattended boot
# each case (QEMU under TCG, the same image as test-erase-e2e.sh, `ardoise.auto=erase`), part
# of `make test` (mk/reach.mk):
#
#   matrix          a disk behind each of: LSI 53C895A (sym53c8xx), VMware PVSCSI (vmw_pvscsi),
#                   PIIX3 IDE (ata_piix), USB UAS (uas), an SD card on sdhci-pci (sdhci_pci,
#                   mmc_block), and an NVMe controller with two namespaces; e1000e on a network
#                   that cannot reach the registry, and a USB Ethernet adapter (usb-net:
#                   cdc_ether / rndis_host) on the one that can, so the upload goes through the
#                   dongle. The run ends NOT DONE without powering off: the USB disk answers
#                   no ATA command, so its hidden areas cannot be checked and its certificate
#                   says `erased_with_exceptions` (hidden-areas-not-checked); every other disk is
#                   `erased`. The host then reads every
#                   backing file (no byte of the sample data left), counts one certificate and
#                   one registry receipt per disk, verifies them, checks that each NVMe
#                   namespace has its own certificate (named by its EUI-64) and that the boot
#                   stick was never offered.
#   driver-missing  `modprobe.blacklist=sym53c8xx` on the kernel command line, a MegaRAID
#                   (megasas-gen2) in RAID mode, whose disk is a logical volume, and an LSI
#                   SAS1068 (mptsas1068) whose disk Linux 6.1's mptsas never reports (the driver
#                   binds, no end device appears): the run must end NOT DONE (exit 8) naming
#                   the controller without driver, the one in RAID mode and the SAS HBA that
#                   shows no disk, without powering off; the invisible disks keep their data
#                   (they were never seen), the volume is overwritten and its certificate says
#                   it is a RAID volume whose members were not sanitised.
#
# Not in the matrix, and why (docs/image.md, "Tested controllers"): QEMU's megasas in JBOD
# mode refuses SYNCHRONIZE CACHE, so its pass-through disk is overwritten but certified
# not_erased (flush-failed).
#
# Disks are 16 MiB (the SD card's size must be a power of two). Runtime: docs/performance.md.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
need_image
BIN=$ROOT/target/x86_64-unknown-linux-gnu/release/ardoise
REG_BIN=${ARDOISE_REGISTRY_BIN:-$ROOT/target/debug/ardoise-registry}
PATTERN="ardoise-matrix donor secret"
PORT=${ARDOISE_MATRIX_PORT:-18181}
SIZE=16M
[ -x "$REG_BIN" ] || { fail "matrix: $REG_BIN is missing (cargo build -p ardoise-registry)"; summary; exit 1; }
CASES=${*:-matrix driver-missing}
DATA_DISKS="lsi pvscsi ide uas sd ns1 ns2"

# sample_disk FILE LABEL: 16 MiB whose first 4 MiB and last 1 MiB hold the sample text.
sample_disk() {
    truncate -s "$SIZE" "$1"
    { yes "$PATTERN on $2" || true; } | head -c 4M | dd of="$1" conv=notrunc status=none
    { yes "$PATTERN on $2 (tail)" || true; } | head -c 1M | dd of="$1" bs=1M seek=15 conv=notrunc status=none
}

# payload_fields DIR: one line per certificate: serial transport type technique level status
# EUI-64 (or WWN) capacity limitations storage-complete
payload_fields() {
    for c in "$1"/certificates/*.dsse.json; do
        python3 - "$c" <<'PY'
import base64, json, sys
p = json.loads(base64.b64decode(json.load(open(sys.argv[1]))["payload"]))
m = p["media"]
print(m["serial"] or "-", m["transport"], m["type"], p["sanitization"]["technique"],
      p["sanitization"]["level_achieved"], p["outcome"]["status"], m["eui64"] or m["wwn"] or "-",
      m["capacity_bytes"], ",".join(l["code"] for l in p["limitations"]),
      "storage-complete=%s" % (p["host"].get("storage") or {}).get("complete"),
      "exceptions=" + ",".join(e["code"] for e in p["outcome"]["exceptions"]))
PY
    done | sort
}

# scsi_disk ID CONTROLLER_BUS FILE SERIAL: a drive and a scsi-hd on a SCSI bus.
scsi_disk() {
    echo "-drive if=none,id=$1,file=$3,format=raw -device scsi-hd,bus=$2,drive=$1,serial=$4"
}

case_matrix() {
    local d
    d=$(new_tmp matrix)
    for disk in $DATA_DISKS; do sample_disk "$d/$disk.img" "$disk"; done
    local db="sqlite:$d/registry.sqlite" reg_pid add
    "$REG_BIN" key --show --db "$db" > "$d/registry.vkey"
    provision_stick "$d/stick.img" "$d/keys" ressourcerie-matrix st-matrix http://10.0.2.100/ "$d/registry.vkey" \
        || { fail "matrix: ardoise provision: $(tail -3 "$d/stick.img.provision.log")"; return; }
    set_boot_options "$d/stick.img" "ardoise.auto=erase"
    add=$(grep -o 'ardoise-registry station add .*' "$d/stick.img.provision.log" | sed "s|<DB>|$db|")
    [ -n "$add" ] || { fail "matrix: provision printed no registry command"; return; }
    # shellcheck disable=SC2086 # the printed command, split into words as a shell would
    "$REG_BIN" ${add#ardoise-registry } > "$d/station-add.log" 2>&1 \
        || { fail "matrix: cannot register the station key: $(tail -2 "$d/station-add.log")"; return; }
    "$REG_BIN" serve --listen "127.0.0.1:$PORT" --db "$db" > "$d/registry.log" 2>&1 &
    reg_pid=$!
    for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done

    # shellcheck disable=SC2046
    run_qemu "$d/serial.log" 900 'unattended run FAILED|succeeded, powering off' \
        $(bios_args) $(usb_stick_args "$d/stick.img") \
        -device lsi53c895a,id=lsi0 $(scsi_disk d_lsi lsi0.0 "$d/lsi.img" MX-LSI-3) \
        -device pvscsi,id=pv0 $(scsi_disk d_pv pv0.0 "$d/pvscsi.img" MX-PVSCSI-4) \
        -device piix3-ide,id=pata0 -drive "if=none,id=d_ide,file=$d/ide.img,format=raw" \
        -device ide-hd,bus=pata0.0,drive=d_ide,serial=MX-IDE-5 \
        -device usb-uas,id=uas0,bus=xhci.0 $(scsi_disk d_uas uas0.0 "$d/uas.img" MX-UAS-6) \
        -device sdhci-pci,id=sdhci0 -drive "if=none,id=d_sd,file=$d/sd.img,format=raw" \
        -device sd-card,drive=d_sd \
        -device nvme,id=nvme0,serial=MX-NVME-7 \
        -drive "if=none,id=d_ns1,file=$d/ns1.img,format=raw" -device nvme-ns,drive=d_ns1,bus=nvme0,nsid=1,eui64=0x0011223344556601 \
        -drive "if=none,id=d_ns2,file=$d/ns2.img,format=raw" -device nvme-ns,drive=d_ns2,bus=nvme0,nsid=2,eui64=0x0011223344556602 \
        -netdev user,id=lan,net=10.0.3.0/24,restrict=on -device e1000e,netdev=lan \
        -netdev "user,id=dongle,restrict=on,guestfwd=tcp:10.0.2.100:80-tcp:127.0.0.1:$PORT" \
        -device usb-net,netdev=dongle,bus=xhci.0
    local rc=$? secs=$QEMU_SECONDS
    kill "$reg_pid" 2>/dev/null
    wait "$reg_pid" 2>/dev/null
    if [ $rc != 0 ]; then
        fail "matrix: the unattended run did not end (${secs}s)"
        show_log "$d/serial.log" 80
        return
    fi
    pass "matrix: unattended run ended after ${secs}s"
    # Every disk visible and erased, every certificate acknowledged, but the USB disk's hidden
    # areas could not be checked: not done, the machine stays on.
    grep -a -q 'ARDOISE-AUTO: NOT DONE (erased: false, uploaded: true, all disks visible: true)' "$d/serial.log" \
        && pass "matrix: ardoise ended NOT DONE only for the unchecked USB hidden areas, uploads done" \
        || { fail "matrix: no NOT DONE line with the uploads done and every disk visible"; show_log "$d/serial.log" 60; }
    grep -a -q 'succeeded, powering off' "$d/serial.log" && fail "matrix: the machine powered off" \
        || pass "matrix: nothing powered off"
    grep -a -q 'DISKS NOT VISIBLE' "$d/serial.log" \
        && fail "matrix: a controller was reported without driver: $(grep -a 'DISKS NOT VISIBLE' "$d/serial.log" | head -3)" \
        || pass "matrix: every controller has its driver"
    local drv
    for drv in sym53c8xx vmw_pvscsi ata_piix uas sdhci-pci nvme mmcblk; do
        grep -a -q "driver $drv\$" <(tr -d '\r' < "$d/serial.log") \
            && pass "matrix: controller bound to $drv" || fail "matrix: no controller bound to $drv"
    done
    grep -a -q 'skipping /dev/sd.*protected: boot medium' "$d/serial.log" \
        && pass "matrix: the boot stick was never offered" || fail "matrix: the boot stick was not reported protected"
    grep -a -q 'network: DHCP started on eth0 eth1' "$d/serial.log" \
        && pass "matrix: two network interfaces (e1000e and the USB adapter)" \
        || fail "matrix: $(grep -a 'network: DHCP' "$d/serial.log")"

    local disk n
    for disk in $DATA_DISKS; do
        n=$(grep -a -c "$PATTERN" "$d/$disk.img" || true)
        if [ "$n" = 0 ]; then pass "matrix: $disk backing file holds none of the sample data"
        else fail "matrix: $disk backing file still holds $n lines of sample data"; fi
    done

    stick_certificates "$d/stick.img" "$d/certs"
    local ncert nrec fields
    ncert=$(find "$d/certs" -name '*.dsse.json' | wc -l)
    nrec=$(find "$d/certs" -name '*.receipt.json' | wc -l)
    [ "$ncert" = 7 ] && pass "matrix: 7 certificates on the data partition" || fail "matrix: $ncert certificates (want 7)"
    [ "$nrec" = 7 ] && pass "matrix: 7 registry receipts (uploaded through the USB adapter)" || fail "matrix: $nrec receipts (want 7)"
    if "$BIN" verify --keys "$d/keys/trust.toml" --registry-key "$d/registry.vkey" "$d/certs/certificates" > "$d/verify.log" 2>&1; then
        pass "matrix: ardoise verify accepts every certificate and its inclusion proof"
    else
        fail "matrix: ardoise verify: $(tail -5 "$d/verify.log")"
    fi
    fields=$(payload_fields "$d/certs")
    echo "$fields" | sed 's/^/  /'
    local serial
    for serial in MX-LSI-3 MX-PVSCSI-4 MX-IDE-5; do
        echo "$fields" | grep -q "^$serial .* erased " && pass "matrix: $serial erased and certified" \
            || fail "matrix: no erased certificate for $serial"
    done
    echo "$fields" | grep -q "^MX-UAS-6 .* erased_with_exceptions .*hidden-areas-not-checked" \
        && pass "matrix: MX-UAS-6 overwritten; its certificate says its hidden areas were not checked" \
        || fail "matrix: MX-UAS-6: $(echo "$fields" | grep MX-UAS-6)"
    echo "$fields" | grep -q '^[^ ]* mmc .* erased ' && pass "matrix: the SD card erased and certified" \
        || fail "matrix: no erased certificate for the SD card"
    local nvme
    nvme=$(echo "$fields" | grep ' nvme ' | grep ' erased ' | awk '{print $7}' | sort -u | tr '\n' ' ')
    [ "$nvme" = "0011223344556601 0011223344556602 " ] \
        && pass "matrix: each NVMe namespace has its own certificate (EUI-64 $nvme)" \
        || fail "matrix: NVMe namespace certificates: '$nvme'"
    n=$(echo "$fields" | grep -c 'storage-complete=True' || true)
    [ "$n" = 7 ] && pass "matrix: all 7 certificates record a complete controller survey" \
        || fail "matrix: $n of 7 certificates record a complete controller survey"
}

case_driver_missing() {
    local d
    d=$(new_tmp driver-missing)
    provision_stick "$d/stick.img" "$d/keys" ressourcerie-matrix st-matrix \
        || { fail "driver-missing: ardoise provision: $(tail -3 "$d/stick.img.provision.log")"; return; }
    set_boot_options "$d/stick.img" "ardoise.auto=erase modprobe.blacklist=sym53c8xx"
    sample_disk "$d/lsi.img" lsi
    sample_disk "$d/raid.img" raid
    sample_disk "$d/sas.img" sas
    # shellcheck disable=SC2046
    if ! run_qemu "$d/serial.log" 600 'unattended run FAILED|succeeded, powering off' $(bios_args) \
        $(usb_stick_args "$d/stick.img") \
        -device lsi53c895a,id=lsi0 $(scsi_disk d_lsi lsi0.0 "$d/lsi.img" MX-LSI-1) \
        -device megasas-gen2,id=mr0 $(scsi_disk d_raid mr0.0 "$d/raid.img" MX-RAID-2) \
        -device mptsas1068,id=sas0 $(scsi_disk d_sas sas0.0 "$d/sas.img" MX-SAS-3); then
        fail "driver-missing: the run did not end (${QEMU_SECONDS}s)"
        show_log "$d/serial.log" 60
        return
    fi
    local log disk n
    log=$(tr -d '\r' < "$d/serial.log")
    grep -q 'succeeded, powering off' <<<"$log" && fail "driver-missing: the machine powered off" \
        || pass "driver-missing: nothing powered off (${QEMU_SECONDS}s)"
    grep -q 'DONE all disks erased' <<<"$log" && fail "driver-missing: it said DONE all disks erased" \
        || pass "driver-missing: never said DONE all disks erased"
    grep -q 'ARDOISE-AUTO: NOT DONE .*all disks visible: false' <<<"$log" \
        && pass "driver-missing: ended NOT DONE, some disks not visible" || fail "driver-missing: no NOT DONE line"
    grep -q 'unattended run FAILED (rc=8)' <<<"$log" && pass "driver-missing: exit status 8" \
        || fail "driver-missing: $(grep 'unattended run FAILED' <<<"$log")"
    grep -q 'DISKS NOT VISIBLE: controller [0-9a-f:.]* (scsi) has no driver' <<<"$log" \
        && pass "driver-missing: the LSI 53C895A is named as having no driver" \
        || fail "driver-missing: the controller without driver is not named"
    grep -q 'DISKS NOT VISIBLE: controller [0-9a-f:.]* (megaraid_sas) is in RAID mode' <<<"$log" \
        && pass "driver-missing: the MegaRAID in RAID mode is named" \
        || fail "driver-missing: the MegaRAID in RAID mode is not named"
    grep -q 'DISKS NOT VISIBLE: controller [0-9a-f:.]* (scsi, driver mptsas) shows no disk' <<<"$log" \
        && pass "driver-missing: the SAS HBA whose disk never appears is named" \
        || fail "driver-missing: the SAS HBA that shows no disk is not named"
    for disk in lsi sas; do
        n=$(grep -a -c "$PATTERN" "$d/$disk.img" || true)
        [ "$n" != 0 ] && pass "driver-missing: the invisible $disk disk was never touched" \
            || fail "driver-missing: the invisible $disk disk lost its data?"
    done
    n=$(grep -a -c "$PATTERN" "$d/raid.img" || true)
    [ "$n" = 0 ] && pass "driver-missing: the RAID volume was overwritten" \
        || fail "driver-missing: the RAID volume still holds $n lines of sample data"
    stick_certificates "$d/stick.img" "$d/certs"
    local fields
    fields=$(payload_fields "$d/certs")
    echo "$fields" | sed 's/^/  /'
    echo "$fields" | grep -q ' raid_volume overwrite-[a-z-]* clear erased .*raid-members-not-individually-sanitised.*storage-complete=False' \
        && pass "driver-missing: the volume's certificate: RAID volume, members not sanitised, survey incomplete" \
        || fail "driver-missing: the RAID volume's certificate is not as expected"
    "$BIN" verify --keys "$d/keys/trust.toml" "$d/certs/certificates" > "$d/verify.log" 2>&1 \
        && pass "driver-missing: ardoise verify accepts the certificate" || fail "driver-missing: verify: $(tail -3 "$d/verify.log")"
}

START=$SECONDS
for c in $CASES; do
    echo "== $c"
    "case_${c//-/_}"
done
echo "hardware matrix: $((SECONDS - START)) s"
summary
