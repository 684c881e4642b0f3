#!/bin/bash
# tests/qemu/test-demo.sh — `make demo` as a newcomer walks it, part of `make test`.
#
# scripts/qemu-demo.sh (what `make demo` runs: the unmodified `make image` output made a
# workshop's stick by `ardoise provision`, four sample disks, a registry on loopback) runs in a
# tmux pane of 80×25 with TERM=linux; the test types on QEMU's serial console like a technician:
# language, operator, machine, every disk, the recommended methods, the confirmation word, then
# power-off once every certificate is acknowledged. The host then checks that every backing file
# lost its sample data, that the stick holds one valid certificate and one receipt per disk, and
# that the registry holds them. Once in French, once in English.
#
#   tests/qemu/test-demo.sh [fr|en]...   (default: fr en)
set -uo pipefail
source "$(dirname "$0")/lib.sh"
need_image
BIN=$ROOT/target/x86_64-unknown-linux-gnu/release/ardoise
REG_BIN=${ARDOISE_REGISTRY_BIN:-$ROOT/target/debug/ardoise-registry}
SOCK=ardoise-demo-test-$$
PORT_BASE=${ARDOISE_DEMO_TEST_PORT:-18095}
tm() { tmux -u -f /dev/null -L "$SOCK" "$@"; }
trap 'tm kill-server 2>/dev/null' EXIT

screen() { tm capture-pane -p -t demo 2>/dev/null; }
# wait_screen TIMEOUT_S REGEX: 0 once the pane matches, 1 after the timeout
wait_screen() {
    local end=$((SECONDS + $1))
    while [ $SECONDS -lt "$end" ]; do
        screen | grep -E -q -- "$2" && return 0
        sleep 0.5
    done
    return 1
}
keys() { for k in "$@"; do tm send-keys -t demo "$k"; sleep 0.3; done; }
text() { tm send-keys -t demo -l "$1"; sleep 0.3; }
stuck() { fail "demo-$lang: $1"; echo "---- screen"; screen; echo "----"; tail -5 "$d/registry.log"; }

run_flow() { # run_flow LANG
    lang=$1
    d=$TMPROOT/demo-$lang
    rm -rf "$d"
    local port=$((PORT_BASE + $([ "$lang" = en ] && echo 1 || echo 0)))
    tm kill-server 2>/dev/null
    tm new-session -d -s demo -x 80 -y 25 \
        "env TERM=linux ARDOISE_DEMO_DIR=$d ARDOISE_DEMO_PORT=$port $ROOT/scripts/qemu-demo.sh; echo DEMO-EXIT=\$?; sleep 600"
    local W_LANG W_OP W_MACH W_DEST W_METHOD W_CONFIRM WORD W_RESULTS W_DONE W_ERASED W_PENDING
    if [ "$lang" = fr ]; then
        W_LANG="Choisissez la langue"; W_OP="Choisissez votre nom"; W_MACH="Cette machine"; W_DEST="Cette machine : destination"
        W_METHOD="Méthode d'effacement"; W_CONFIRM="EFFACER"; WORD=EFFACER
        W_RESULTS="Résultats"; W_ERASED="EFFACÉ"; W_PENDING="à envoyer|réessai"; W_DONE="envoyé"
    else
        W_LANG="Choisissez la langue"; W_OP="Choose your name"; W_MACH="This machine"; W_DEST="This machine: destination"
        W_METHOD="Erase method"; W_CONFIRM="ERASE"; WORD=ERASE
        W_RESULTS="Results"; W_ERASED="ERASED"; W_PENDING="to send|retrying"; W_DONE="uploaded"
    fi
    wait_screen 180 "$W_LANG" || { stuck "the language screen never came"; return; }
    pass "demo-$lang: booted to the interface"
    if [ "$lang" = en ]; then keys Down; fi
    keys Enter
    wait_screen 60 "$W_OP" || { stuck "no operator screen"; return; }
    screen | grep -q "DÉMONSTRATION\|DEMONSTRATION" && fail "demo-$lang: a provisioned stick still says demonstration"
    screen | grep -q "Atelier de démonstration" && pass "demo-$lang: the header names the provisioned workshop"
    keys Enter            # Camille, then the asset tag field
    text "PC-DEMO-$lang"; keys Enter
    text "LOT-DEMO"; keys Enter
    wait_screen 60 "$W_MACH" || { stuck "no machine screen"; return; }
    keys Enter
    # The destination page: the suggested destination kept, nothing attested.
    wait_screen 60 "$W_DEST" || { stuck "no destination page"; return; }
    keys Enter
    wait_screen 120 "DEMO-USB-0004" || { stuck "the disks were not listed"; return; }
    # every disk probed (no "analyse..." / "probing...")
    wait_screen 120 "DEMO-NVME-0001" && sleep 3
    local s; s=$(screen)
    echo "$s" | grep -q "DEMO-SATA-0002" || { stuck "no SATA disk listed"; return; }
    keys a Enter
    wait_screen 30 "$W_METHOD" || { stuck "no method screen"; return; }
    for _ in 1 2 3 4; do keys Enter; sleep 0.5; done
    wait_screen 30 "$W_CONFIRM" || { stuck "no confirmation screen"; return; }
    text "$WORD"; keys Enter
    wait_screen 600 "$W_RESULTS" || { stuck "the erase never reached the results"; return; }
    pass "demo-$lang: four disks erased from the interface"
    # Every certificate acknowledged by the registry before powering off.
    local end=$((SECONDS + 180))
    while [ $SECONDS -lt $end ]; do
        s=$(screen)
        if ! echo "$s" | grep -E -q "$W_PENDING" && [ "$(echo "$s" | grep -c "$W_DONE")" -ge 4 ]; then break; fi
        sleep 1
    done
    screen > "$d/final-screen.txt"
    echo "  final screen ($lang):"; sed 's/^/  | /' "$d/final-screen.txt"
    [ "$(grep -c "$W_ERASED" "$d/final-screen.txt")" -ge 4 ] && pass "demo-$lang: the results say erased for each disk" \
        || fail "demo-$lang: the results screen does not say erased four times"
    # Kernel messages must not be printed over the interface (initramfs/init lowers printk).
    grep -E -q '[0-9]+\.[0-9]{6}\] ' "$d/final-screen.txt" \
        && fail "demo-$lang: kernel messages printed over the interface" \
        || pass "demo-$lang: no kernel message over the interface"
    keys p
    wait_screen 120 "DEMO-EXIT=" || { stuck "the machine did not power off"; return; }
    pass "demo-$lang: powered off from the results screen"
    check_host
}

check_host() {
    local disk n off ncert nrec
    for disk in nvme sata virtio usb; do
        n=$(grep -a -c "ardoise demo sample data" "$d/$disk.img" || true)
        if [ "$n" = 0 ]; then pass "demo-$lang: $disk backing file holds none of the sample data"
        else fail "demo-$lang: $disk backing file still holds $n lines of sample data"; fi
    done
    off=$(part_offset "$d/stick.img" 3)
    mkdir -p "$d/certs"
    mcopy -s -n -i "$d/stick.img@@$off" ::/certificates "$d/certs/" 2>/dev/null
    ncert=$(find "$d/certs" -name '*.dsse.json' | wc -l)
    nrec=$(find "$d/certs" -name '*.receipt.json' | wc -l)
    [ "$ncert" = 4 ] && pass "demo-$lang: 4 certificates on the stick" || fail "demo-$lang: $ncert certificates on the stick (want 4)"
    [ "$nrec" = 4 ] && pass "demo-$lang: 4 receipts beside them" || fail "demo-$lang: $nrec receipts (want 4)"
    if "$BIN" verify --keys "$d/station/trust.toml" --registry-key "$d/registry.vkey" "$d/certs/certificates" > "$d/verify.log" 2>&1; then
        pass "demo-$lang: ardoise verify accepts every certificate and its receipt"
    else
        fail "demo-$lang: ardoise verify: $(tail -3 "$d/verify.log")"
    fi
    local stored
    stored=$("$REG_BIN" audit --db "sqlite:$d/registry.sqlite" 2>/dev/null | sed -n 's/^\([0-9]*\) entries.*log intact$/\1/p')
    [ "$stored" = 4 ] && pass "demo-$lang: the registry holds the 4 certificates" || fail "demo-$lang: the registry holds $stored certificates (want 4)"
}

command -v tmux > /dev/null || { fail "demo: tmux is missing (make deps-tui)"; summary; exit 1; }
for l in "${@:-fr en}"; do
    for one in $l; do run_flow "$one"; done
done
summary
