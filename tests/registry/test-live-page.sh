#!/bin/bash
# tests/registry/test-live-page.sh — the workshop's live page with real parts (issue 15 §3),
# `make test-live-page`.
#
#  1. a registry on 127.0.0.1 (a free port) with a short `--live-silent-after`;
#  2. four stations of one workshop, each set up as docs/cli.md tells a workshop
#     (`ardoise provision --data-dir … --registry URL/ --registry-key …`); the `station add`
#     line provision prints is run on the registry, as printed, for poste-1..3 only: poste-4's
#     key is never registered;
#  3. each station erases one simulated ATA disk of its own (`ardoise simulate`) with
#     `ardoise auto` (the method auto picks: ATA SANITIZE, crypto scramble). The simulated
#     drive's sanitize is made to last a given wall-clock time (the profile's
#     `sanitize_duration_ms` knob) so that there are seconds of progress to watch, whatever
#     the machine's disk speed;
#  4. headless Chromium loads /atelier/{workshop}: three stations, each with a progress bar;
#  5. poste-3's `ardoise auto` is killed (SIGKILL) mid-erase: the page marks it silent while
#     the two others still erase;
#  6. the two others finish: the page shows their verdicts (French, then ?lang=en), linked to
#     the certificate ids the stations printed, and poste-3 still silent with no verdict;
#     GET /api/v1/atelier/{workshop} says the same;
#  7. poste-4 (unregistered key) erased and certified on its own, but the registry refused its
#     heartbeats: it never appears on the page or in the API; poste-1..3's were all accepted.
#
# The silent threshold (8 s) sits between a heartbeat every second and the ~20 s the others
# still erase after the kill, so the finished stations are still "active" when their verdicts
# are read; a station that finished stops reporting and, once the threshold has passed, reads
# "terminée" (finished), never MUETTE (step 8).
# KEEP_LOGS=DIR keeps the logs and the pages Chromium rendered.
#
# Never touches a real disk: every device is a `sim:` profile in the temporary directory.
# Binaries: ARDOISE_BIN, ARDOISE_REGISTRY_BIN (default target/debug); CHROMIUM.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${ARDOISE_BIN:-$ROOT/target/debug/ardoise}
REG_BIN=${ARDOISE_REGISTRY_BIN:-$ROOT/target/debug/ardoise-registry}
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
WS=atelier-essai
SILENT_AFTER=8          # --live-silent-after, seconds
HEARTBEAT_SECS=1        # ardoise auto --heartbeat-secs
# How long each station's simulated sanitize lasts, ms (poste-3 is killed long before its end).
DURATION_MS=(0 24000 26000 90000 3000)

PASSED=0
FAILED=0
START=$(date +%s)
pass() { echo "PASS: live-page: $*"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL: live-page: $*"; FAILED=$((FAILED + 1)); }
note() { echo "      $*"; }
summary() {
    echo "live-page: $PASSED passed, $FAILED failed ($(($(date +%s) - START)) s)"
    [ "$FAILED" = 0 ]
}
die() { fail "$*"; summary; exit 1; }

[ -x "$BIN" ] || die "$BIN is missing (cargo build -p ardoise)"
[ -x "$REG_BIN" ] || die "$REG_BIN is missing (cargo build -p ardoise-registry)"
[ -n "$CHROMIUM" ] || die "chromium is missing (make deps-registry)"
command -v jq >/dev/null || die "jq is missing"

d=$(mktemp -d "${TMPDIR:-/tmp}/ardoise-live.XXXXXX")
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null
    if [ -n "${KEEP_LOGS:-}" ]; then
        mkdir -p "$KEEP_LOGS" && cp "$d"/*.log "$d"/*.html "$KEEP_LOGS"/ 2>/dev/null
    fi
    rm -rf "$d"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# ---- 1. the registry ------------------------------------------------------------------------
DB="sqlite:$d/registry.sqlite"
"$REG_BIN" key --show --db "$DB" > "$d/registry.vkey" 2>"$d/key.log" \
    || die "ardoise-registry key --show: $(tail -2 "$d/key.log")"
"$REG_BIN" serve --listen 127.0.0.1:0 --db "$DB" --live-silent-after "$SILENT_AFTER" > "$d/registry.log" 2>&1 &
REG_PID=$!
PIDS+=("$REG_PID")
URL=
for _ in $(seq 100); do
    URL=$(sed -n 's|^listening on \(http://127\.0\.0\.1:[0-9]*\).*|\1|p' "$d/registry.log" | head -1)
    [ -n "$URL" ] && break
    kill -0 "$REG_PID" 2>/dev/null || break
    sleep 0.1
done
[ -n "$URL" ] || die "the registry did not start: $(tail -3 "$d/registry.log")"
pass "registry serving at $URL (--live-silent-after $SILENT_AFTER)"

# ---- 2. four stations, as a workshop provisions them ----------------------------------------
for i in 1 2 3 4; do
    mkdir -p "$d/st$i"
    "$BIN" provision --data-dir "$d/st$i" --workshop "$WS" --workshop-name "Atelier d'essai" \
        --station "poste-$i" --registry "$URL/" --registry-key "$d/registry.vkey" \
        > "$d/provision$i.log" 2>&1 || die "provision poste-$i: $(tail -3 "$d/provision$i.log")"
    [ "$i" = 4 ] && continue   # poste-4's key is never registered
    add=$(grep -o 'ardoise-registry station add .*' "$d/provision$i.log" | sed "s|<DB>|$DB|")
    [ -n "$add" ] || die "provision poste-$i printed no registry command"
    # shellcheck disable=SC2086 # the command line exactly as provision printed it
    "$REG_BIN" ${add#ardoise-registry } > "$d/station-add$i.log" 2>&1 \
        || die "the registry command provision printed for poste-$i failed: $(tail -2 "$d/station-add$i.log")"
done
pass "poste-1..3 provisioned and registered with the command provision printed; poste-4 provisioned, not registered"

# ---- 3. one simulated disk each, erased by `ardoise auto` -----------------------------------
for i in 1 2 3 4; do
    "$BIN" simulate --dir "$d/sim$i" --size-mib 64 > "$d/simulate$i.log" 2>&1 \
        || die "ardoise simulate: $(tail -2 "$d/simulate$i.log")"
    p=$d/sim$i/sim-ata-hdd.json
    jq ".device.ata.config.knobs.sanitize_duration_ms = ${DURATION_MS[$i]}" "$p" > "$p.new" && mv "$p.new" "$p" \
        || die "could not set the simulated sanitize's duration in $p"
done
declare -A AUTO_PID
for i in 1 2 3 4; do
    "$BIN" auto --device "sim:$d/sim$i/sim-ata-hdd.json" --data-dir "$d/st$i" \
        --heartbeat-secs "$HEARTBEAT_SECS" --poll-ms 200 --upload-timeout 60 > "$d/auto$i.log" 2>&1 &
    AUTO_PID[$i]=$!
    PIDS+=("$!")
done
T0=$(date +%s)

# The page as headless Chromium renders it (one line).
page() { # lang
    timeout -k 5 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --user-data-dir="$d/chromium" \
        --dump-dom "$URL/atelier/$WS?lang=$1" 2>>"$d/chromium.log" | tr -d '\n'
}
# One station's <section> out of a page.
section() { # html station
    printf '%s' "$1" | grep -o "<section[^>]*data-station=\"$2\".*" | sed 's|</section>.*|</section>|'
}
api() { curl -sf --max-time 10 "$URL/api/v1/atelier/$WS"; }
erasing() { # section: in progress, with a percentage and a progress bar
    [[ $1 == *'data-silent="false"'* ]] && [[ $1 =~ data-phase=\"(firmware|overwrite|verify|probing|starting|hidden_areas|fingerprint|flush|pass_verify)\" ]] \
        && [[ $1 =~ data-progress=\"[0-9]+\" ]] && [[ $1 == *'<progress max="1000000" value="'* ]]
}
pct() { printf '%s' "$1" | grep -o 'data-progress="[0-9]*"' | head -1 | tr -dc 0-9; }

# ---- 4. three stations with progress --------------------------------------------------------
ok=
for _ in $(seq 80); do
    html=$(page fr)
    s1=$(section "$html" poste-1) s2=$(section "$html" poste-2) s3=$(section "$html" poste-3)
    # poste-3 at 1 % at least of its drive command (not of the fingerprint before it, which a
    # loaded machine may still be taking), so that it is killed well inside its erase
    if erasing "$s1" && erasing "$s2" && erasing "$s3" && [[ $s3 == *'data-phase="firmware"'* ]] \
        && [ "$(pct "$s3")" -ge 1 ]; then ok=1; break; fi
    sleep 0.5
done
printf '%s' "$html" > "$d/page-progress.html"
if [ -n "$ok" ]; then
    pass "Chromium: /atelier/$WS shows poste-1, poste-2, poste-3 erasing with progress bars ($(pct "$s1") %, $(pct "$s2") %, $(pct "$s3") %) after $(($(date +%s) - T0)) s"
else
    die "Chromium never showed three stations erasing with progress; last page: $(printf '%s' "$html" | grep -o '<main.*' | head -c 1500)"
fi
n=$(printf '%s' "$html" | grep -o '<section class="station' | wc -l)
[ "$n" = 3 ] && pass "exactly three stations on the page" || fail "$n stations on the page (want 3)"
[[ $html == *'Atelier en direct'* && ( $html == *'réécriture'* || $html == *'commande du disque'* ) ]] \
    && pass "the page is in French (title, phase word)" || fail "no French title or phase word on ?lang=fr"

# ---- 5. poste-3 killed mid-erase: silent ----------------------------------------------------
{ kill -9 "${AUTO_PID[3]}"; wait "${AUTO_PID[3]}"; } 2>/dev/null
T_KILL=$(date +%s)
pass "poste-3's ardoise auto killed (SIGKILL) at $(pct "$s3") %"
ok=
for _ in $(seq $((SILENT_AFTER * 2 + 20))); do
    html=$(page fr)
    s1=$(section "$html" poste-1) s2=$(section "$html" poste-2) s3=$(section "$html" poste-3)
    if [[ $s3 == *'data-silent="true"'* ]]; then ok=1; break; fi
    sleep 0.5
done
printf '%s' "$html" > "$d/page-silent.html"
if [ -n "$ok" ]; then
    pass "poste-3 marked silent $(($(date +%s) - T_KILL)) s after the kill"
    [[ $s3 == *'MUETTE'* && $s3 == *'class="station silent"'* ]] && pass "poste-3: badge MUETTE, section class silent" \
        || fail "poste-3 silent but without MUETTE / class silent: $s3"
    [[ $s3 == *'data-verdict=""'* && $s3 != *'data-verdict="erased'* ]] && pass "poste-3: no verdict" || fail "poste-3 has a verdict: $s3"
    if erasing "$s1" && erasing "$s2"; then
        pass "meanwhile poste-1 and poste-2 still active and erasing ($(pct "$s1") %, $(pct "$s2") %)"
    else
        fail "poste-1/poste-2 not both active and erasing when poste-3 went silent: $s1 $s2"
    fi
    j=$(api)
    [ "$(jq -r '.stations[] | select(.station=="poste-3") | .silent' <<<"$j")" = true ] \
        && pass "API: poste-3 silent: true" || fail "API does not say poste-3 is silent: $j"
else
    fail "poste-3 never marked silent within $((SILENT_AFTER * 2 + 20)) tries: $s3"
fi

# ---- 6. the two others finish: verdicts -----------------------------------------------------
for i in 1 2; do
    for _ in $(seq 120); do kill -0 "${AUTO_PID[$i]}" 2>/dev/null || break; sleep 0.5; done
    wait "${AUTO_PID[$i]}"
    rc=$?
    [ "$rc" = 0 ] && grep -q 'ARDOISE-AUTO: DONE' "$d/auto$i.log" \
        && pass "poste-$i: ardoise auto done (exit 0) $(($(date +%s) - T0)) s after the start" \
        || fail "poste-$i: ardoise auto exit $rc: $(tail -3 "$d/auto$i.log")"
done
CERT1=$(sed -n 's/.*: erased — certificate \([0-9a-f]\{64\}\).*/\1/p' "$d/auto1.log" | head -1)
CERT2=$(sed -n 's/.*: erased — certificate \([0-9a-f]\{64\}\).*/\1/p' "$d/auto2.log" | head -1)
html=$(page fr)
printf '%s' "$html" > "$d/page-verdicts.html"
T_PAGE=$(date +%s)
s1=$(section "$html" poste-1) s2=$(section "$html" poste-2) s3=$(section "$html" poste-3)
for i in 1 2; do
    s=s$i c=CERT$i
    s=${!s} c=${!c}
    if [[ $s == *'data-phase="done"'* && $s == *'data-verdict="erased"'* && $s == *'class="verdict-cell ok"'* && $s == *'>effacé</a>'* ]]; then
        pass "poste-$i: verdict effacé (green) on the page"
    else
        fail "poste-$i: no 'effacé' verdict on the page: $s"
    fi
    [ -n "$c" ] && [[ $s == *"href=\"/c/$c?lang=fr\""* ]] && pass "poste-$i: the verdict links to the certificate the station issued (${c:0:16}…)" \
        || fail "poste-$i: the verdict does not link to certificate '$c'"
    [[ $s == *'data-silent="false"'* ]] && pass "poste-$i: active (heard from less than $SILENT_AFTER s ago)" \
        || fail "poste-$i: not active on the page right after it finished: $s"
    [[ $s != *'<progress'* ]] && pass "poste-$i: no progress bar once done" || fail "poste-$i: a progress bar once done"
done
if [[ $s3 == *'data-silent="true"'* && $s3 == *'MUETTE'* && $s3 != *'data-verdict="erased'* && $s3 =~ data-phase=\"firmware\" ]]; then
    pass "poste-3: still MUETTE, stuck in 'commande du disque' at $(pct "$s3") %, no verdict"
else
    fail "poste-3 not shown silent mid-erase after the others finished: $s3"
fi
html_en=$(page en)
printf '%s' "$html_en" > "$d/page-verdicts-en.html"
e1=$(section "$html_en" poste-1) e2=$(section "$html_en" poste-2) e3=$(section "$html_en" poste-3)
[[ $html_en == *'Workshop live'* && $e1 == *'>erased</a>'* && $e2 == *'>erased</a>'* && $e3 == *'SILENT'* && $e3 == *'drive command'* ]] \
    && pass "?lang=en: Workshop live, poste-1 and poste-2 erased, poste-3 SILENT in 'drive command'" \
    || fail "?lang=en page: $(printf '%s' "$html_en" | grep -o '<main.*' | head -c 2000)"
# Without ?lang and without Accept-Language: French, the default; reloaded by a Refresh header.
curl -s -D "$d/headers.txt" --max-time 10 "$URL/atelier/$WS" > "$d/page-default.html"
if grep -q 'Atelier en direct' "$d/page-default.html" && grep -q 'MUETTE' "$d/page-default.html" \
    && grep -qi '^refresh: [0-9]' "$d/headers.txt"; then
    pass "default language French (no ?lang, no Accept-Language), Refresh header $(grep -i '^refresh:' "$d/headers.txt" | tr -d '\r' | cut -d' ' -f2) s"
else
    fail "the page without ?lang is not French or has no Refresh header: $(head -c 300 "$d/headers.txt")"
fi
j=$(api)
printf '%s' "$j" > "$d/api.json"
want=$(jq -c --arg c1 "$CERT1" --arg c2 "$CERT2" -n '[["poste-1",$c1,"erased"],["poste-2",$c2,"erased"],["poste-3",null,null]]')
got=$(jq -c '[.stations[] | [.station, .heartbeat.disks[0].certificate_id, .heartbeat.disks[0].verdict]]' <<<"$j")
[ "$got" = "$want" ] && pass "API /api/v1/atelier/$WS: the same three stations, verdicts and certificate ids" \
    || fail "API stations $got (want $want)"
[ "$(jq -r '[.stations[] | select(.station=="poste-3") | .silent, .heartbeat.disks[0].phase] | join(" ")' <<<"$j")" = "true firmware" ] \
    && pass "API: poste-3 silent, phase firmware" || fail "API: poste-3 $(jq -c '.stations[] | select(.station=="poste-3")' <<<"$j")"
if [ $(($(date +%s) - T_PAGE)) -lt "$SILENT_AFTER" ]; then
    [ "$(jq -r '[.stations[] | select(.station!="poste-3") | .silent] | join(" ")' <<<"$j")" = "false false" ] \
        && pass "API: poste-1, poste-2 not silent" || fail "API: poste-1/poste-2 silent: $j"
fi
[ "$(jq -r .silent_after_seconds <<<"$j")" = "$SILENT_AFTER" ] && pass "API: silent_after_seconds $SILENT_AFTER" \
    || fail "API silent_after_seconds $(jq -r .silent_after_seconds <<<"$j")"

# ---- 7. poste-4: unregistered key ------------------------------------------------------------
for _ in $(seq 120); do kill -0 "${AUTO_PID[4]}" 2>/dev/null || break; sleep 0.5; done
wait "${AUTO_PID[4]}"
rc4=$?
if grep -q ': erased — certificate ' "$d/auto4.log" && ls "$d"/st4/certificates/*.dsse.json >/dev/null 2>&1; then
    pass "poste-4 (unregistered) erased its disk and stored its certificate (auto exit $rc4)"
else
    fail "poste-4 did not erase and certify: $(tail -3 "$d/auto4.log")"
fi
[ "$rc4" != 0 ] && pass "poste-4: ardoise auto does not claim success (exit $rc4): its upload is refused" \
    || fail "poste-4: ardoise auto exit 0 with an unregistered key"
bad=
for h in "$d"/page-*.html; do grep -q 'poste-4' "$h" && bad="$bad $(basename "$h")"; done
[ -z "$bad" ] && pass "poste-4 on none of the pages loaded" || fail "poste-4 listed on$bad"
[ "$(jq '[.stations[] | select(.station=="poste-4")] | length' <<<"$(api)")" = 0 ] \
    && pass "API: poste-4 not listed" || fail "API lists poste-4"
# Its heartbeats reached the registry and were refused (the station logs the answer), while
# the registered stations' were all accepted.
grep -q 'heartbeat to the registry state=Refused("unknown_key' "$d/auto4.log" \
    && pass "poste-4's heartbeats refused by the registry: unknown_key" \
    || fail "no heartbeat refusal (unknown_key) in poste-4's log: $(grep -i heartbeat "$d/auto4.log" | head -3)"
# A registered key is never refused for good, even when its first heartbeat arrives while
# poste-4's refusal holds the once-a-second key re-read (it may be told to retry: 503
# keys_reloading, `Registry::judge_with_fresh_keys`).
refused=$(grep -l 'heartbeat to the registry state=Refused' "$d/auto1.log" "$d/auto2.log" "$d/auto3.log" | sed 's|.*/auto\([0-9]\)\.log|poste-\1|' | tr '\n' ' ')
if [ -n "$refused" ]; then
    fail "a heartbeat of ${refused}refused although its key was registered before ardoise auto started: $(grep -h 'heartbeat to the registry' "$d"/auto[123].log | head -2)"
else
    pass "every heartbeat of poste-1..3 accepted"
fi
grep -q 'registry rejected .*unknown_key' "$d/auto4.log" \
    && pass "poste-4's certificate upload refused too (unknown_key); it stays in the outbox" \
    || fail "poste-4's upload was not refused with unknown_key: $(tail -2 "$d/auto4.log")"

# ---- 8. done is not lost ------------------------------------------------------------------
# Finished stations stop sending; once the silence threshold has passed they read "terminée",
# not MUETTE, while poste-3 (killed mid-erase) stays silent.
sleep $((SILENT_AFTER + 2))
html=$(page fr)
printf '%s' "$html" > "$d/page-finished.html"
s1=$(section "$html" poste-1) s3=$(section "$html" poste-3)
[[ $s1 == *'data-silent="false"'* && $s1 == *'terminée'* && $s1 != *'MUETTE'* ]] \
    && pass "poste-1, silent for longer than $SILENT_AFTER s after finishing: terminée, not MUETTE" \
    || fail "poste-1 after finishing and the threshold: $s1"
[[ $s3 == *'data-silent="true"'* ]] && pass "poste-3 still silent" || fail "poste-3: $s3"

kill -0 "$REG_PID" 2>/dev/null && pass "the registry still serves" || fail "the registry died: $(tail -3 "$d/registry.log")"
summary
