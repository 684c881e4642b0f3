#!/usr/bin/env bash
# Erase-engine benchmark (docs/performance.md, "Erase engine"). Needs root, fio, losetup.
#
# Creates its own loop devices with direct I/O (tmpfs-backed and disk-backed, BENCH_SIZE_MIB
# each, under a temporary directory), measures the device limit with fio and dd, then the
# engine (bench binary crates/erase/examples/erase_bench.rs) on the same devices, interleaved
# round by round so that both see the same machine load; each figure is the best round.
# Everything it created is detached and removed at exit, even on failure or Ctrl-C.
#
# Environment: BENCH_SIZE_MIB (2048), BENCH_ROUNDS (3), BENCH_FIO_RUNTIME (3 s),
# BENCH_REPEAT (passes per round of the engine, 3), BENCH_THROTTLE_MBPS (400, per disk in the
# four-disk test), BENCH_TMPDIR (/var/tmp: must be on a real disk).
set -euo pipefail

SIZE_MIB=${BENCH_SIZE_MIB:-2048}
ROUNDS=${BENCH_ROUNDS:-3}
FIO_RUNTIME=${BENCH_FIO_RUNTIME:-3}
REPEAT=${BENCH_REPEAT:-3}
THROTTLE_MBPS=${BENCH_THROTTLE_MBPS:-400}
ROOT=$(cd "$(dirname "$0")/.." && pwd)

die() { echo "bench-erase: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (it creates loop devices)"
for t in fio losetup dd openssl mount mountpoint; do
    command -v "$t" >/dev/null || die "$t is missing (Debian: apt-get install fio util-linux openssl)"
done

WORK=$(mktemp -d "${BENCH_TMPDIR:-/var/tmp}/ardoise-bench.XXXXXX")
CGROUP=/sys/fs/cgroup/blkio/ardoise-bench-$$
LOOPS=()
cleanup() {
    set +e
    for l in "${LOOPS[@]}"; do losetup -d "$l" 2>/dev/null; done
    mountpoint -q "$WORK/tmpfs" && umount "$WORK/tmpfs"
    [ -d "$CGROUP" ] && rmdir "$CGROUP"
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "building the bench binary (release)..."
(cd "$ROOT" && cargo build --release -q -p ardoise-erase --example erase_bench)
BIN=$ROOT/target/release/examples/erase_bench

# new_loop FILE: attaches FILE with direct I/O; the device is in $LOOP.
new_loop() {
    LOOP=$(losetup --find --show --direct-io=on "$1")
    LOOPS+=("$LOOP")
    [ "$(losetup -n -O DIO "$LOOP" | tr -d ' ')" = 1 ] || die "$LOOP: direct I/O refused"
}
drop_loop() {
    losetup -d "$1"
    local keep=() l
    for l in "${LOOPS[@]}"; do [ "$l" != "$1" ] && keep+=("$l"); done
    LOOPS=("${keep[@]}")
}

mkdir "$WORK/tmpfs"
mount -t tmpfs -o size=$((SIZE_MIB + 64))M ardoise-bench "$WORK/tmpfs"

# best VALUES...: the largest value.
best() { printf '%s\n' "$@" | sort -g | tail -1; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# fio_gbps DEV RW ENGINE DEPTH
fio_gbps() {
    fio --name=limit --filename="$1" --rw="$2" --bs=4M --direct=1 --ioengine="$3" \
        --iodepth="$4" --zero_buffers --size="${SIZE_MIB}M" --time_based \
        --runtime="$FIO_RUNTIME" --output-format=json 2>/dev/null |
        python3 -c "import json,sys; j=json.load(sys.stdin)['jobs'][0]; print('%.3f' % (j['$2']['bw_bytes'] / 1e9))"
}
# fio_best DEV RW: best of libaio/io_uring × iodepth 1/8, in $FIO_BEST (GB/s) and $FIO_CFG.
fio_best() {
    local e d v
    FIO_BEST=0 FIO_CFG=""
    for e in libaio io_uring; do
        for d in 1 8; do
            v=$(fio_gbps "$1" "$2" "$e" "$d")
            if awk -v v="$v" -v b="$FIO_BEST" 'BEGIN { exit !(v > b) }'; then FIO_BEST=$v FIO_CFG="$e qd$d"; fi
        done
    done
}
dd_gbps() {
    dd if=/dev/zero of="$1" bs=4M count=$((SIZE_MIB / 4)) oflag=direct 2>&1 |
        awk '/copied/ { for (i = 1; i <= NF; i++) if ($i == "copied,") s = $(i + 1); printf "%.3f", $1 / s / 1e9 }'
}
# engine CMD ARGS...: aggregate GB/s of all RESULT lines (total bytes / total seconds).
engine() {
    "$BIN" "$@" | awk '/^RESULT/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        b += v["bytes"]; s += v["seconds"] } END { printf "%.3f", b / s / 1e9 }'
}

SEED=000102030405060708090a0b0c0d0e0f
declare -A R
measure_device() { # KIND FILE
    local kind=$1 dev i fw=() fr=() ddw=() zw=() rw=() vz=() vr=() v
    new_loop "$2"
    dev=$LOOP
    echo "== $kind: $dev, $SIZE_MIB MiB, $ROUNDS rounds"
    for ((i = 1; i <= ROUNDS; i++)); do
        fio_best "$dev" write; fw+=("$FIO_BEST"); R[$kind.fio_write_cfg]=$FIO_CFG
        ddw+=("$(dd_gbps "$dev")")
        zw+=("$(engine write --dev "$dev" --pattern zero --repeat "$REPEAT")")
        rw+=("$(engine write --dev "$dev" --pattern random --seed "$SEED" --repeat "$REPEAT")")
        vr+=("$(engine verify --dev "$dev" --pattern random --seed "$SEED" --repeat "$REPEAT")")
        "$BIN" write --dev "$dev" --pattern zero >/dev/null
        vz+=("$(engine verify --dev "$dev" --pattern zero --repeat "$REPEAT")")
        fio_best "$dev" read; fr+=("$FIO_BEST"); R[$kind.fio_read_cfg]=$FIO_CFG
        echo "   round $i: fio write ${fw[-1]}, dd ${ddw[-1]}, zero ${zw[-1]}, random ${rw[-1]}," \
            "fio read ${fr[-1]}, verify zero ${vz[-1]}, verify random ${vr[-1]} (GB/s; load $(cut -d' ' -f1 /proc/loadavg))"
    done
    # Ratios are taken round by round (same machine load), then the median is kept.
    local k base arr
    for k in dd:ddw:fw zero:zw:fw random:rw:fw verify_zero:vz:fr verify_random:vr:fr; do
        IFS=: read -r name arr base <<<"$k"
        local -n num=$arr den=$base
        local rs=()
        for ((i = 0; i < ${#num[@]}; i++)); do rs+=("$(ratio "${num[$i]}" "${den[$i]}")"); done
        R[$kind.$name.ratio]=$(median "${rs[@]}")
        unset -n num den
    done
    R[$kind.fio_write]=$(best "${fw[@]}"); R[$kind.dd]=$(best "${ddw[@]}")
    R[$kind.zero]=$(best "${zw[@]}"); R[$kind.random]=$(best "${rw[@]}")
    R[$kind.fio_read]=$(best "${fr[@]}"); R[$kind.verify_zero]=$(best "${vz[@]}")
    R[$kind.verify_random]=$(best "${vr[@]}")
    drop_loop "$dev"
    rm -f "$2"
}

echo "machine: $(nproc) CPU ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"

fallocate -l "${SIZE_MIB}M" "$WORK/tmpfs/bench.img"
measure_device tmpfs "$WORK/tmpfs/bench.img"
fallocate -l "${SIZE_MIB}M" "$WORK/disk.img"
measure_device disk "$WORK/disk.img"

echo "== pattern generator vs openssl speed -evp aes-128-ctr (one core, both per CPU second)"
gen=() ossl=()
for ((i = 1; i <= ROUNDS; i++)); do
    gen+=("$("$BIN" gen --mib 4096 | awk '/^RESULT name=generator-cpu/ { split($5, kv, "="); print kv[2] }')")
    ossl+=("$(openssl speed -evp aes-128-ctr -seconds 2 -bytes 1048576 2>/dev/null |
        awk '/^(AES-128-CTR|aes-128-ctr)/ { v = $NF; sub(/k$/, "", v); printf "%.3f", v * 1000 / 1e9 }')")
    echo "   round $i: generator ${gen[-1]}, openssl ${ossl[-1]} (GB/s; load $(cut -d' ' -f1 /proc/loadavg))"
done
R[gen]=$(best "${gen[@]}"); R[openssl]=$(best "${ossl[@]}")
grs=()
for ((i = 0; i < ${#gen[@]}; i++)); do grs+=("$(ratio "${gen[$i]}" "${ossl[$i]}")"); done
R[gen_ratio]=$(median "${grs[@]}")

echo "== four disks in parallel (tmpfs loops, each throttled to $THROTTLE_MBPS MB/s by blkio)"
PAR_MIB=$((SIZE_MIB / 4))
par_devs=()
for n in 1 2 3 4; do
    fallocate -l "${PAR_MIB}M" "$WORK/tmpfs/par$n.img"
    new_loop "$WORK/tmpfs/par$n.img"
    par_devs+=("$LOOP")
done
throttle=ok
if mkdir "$CGROUP" 2>/dev/null; then
    for d in "${par_devs[@]}"; do
        echo "$((0x$(stat -c %t "$d"))):$((0x$(stat -c %T "$d"))) $((THROTTLE_MBPS * 1000000))" \
            >"$CGROUP/blkio.throttle.write_bps_device"
    done
else
    throttle="unavailable (no cgroup v1 blkio): unthrottled"
fi
in_cgroup() { # runs the bench binary inside the throttling cgroup
    if [ -d "$CGROUP" ]; then
        (echo "$BASHPID" >"$CGROUP/cgroup.procs" && exec "$BIN" "$@")
    else
        "$BIN" "$@"
    fi
}
agg() { awk '/^RESULT name=parallel/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } printf "%.3f", v["gbps"] }'; }
single() { awk '/^RESULT/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } printf "%.3f", v["gbps"] }'; }
sums=() aggs=() usums=() uaggs=()
for ((i = 1; i <= ROUNDS; i++)); do
    s=0
    for d in "${par_devs[@]}"; do
        v=$(in_cgroup write --dev "$d" --pattern zero | single)
        s=$(awk -v a="$s" -v b="$v" 'BEGIN { printf "%.3f", a + b }')
    done
    sums+=("$s")
    args=()
    for d in "${par_devs[@]}"; do args+=(--dev "$d"); done
    aggs+=("$(in_cgroup parallel "${args[@]}" --pattern zero | agg)")
    # The same without throttling: four CPU-bound loop devices on two cores.
    s=0
    for d in "${par_devs[@]}"; do
        v=$("$BIN" write --dev "$d" --pattern zero | single)
        s=$(awk -v a="$s" -v b="$v" 'BEGIN { printf "%.3f", a + b }')
    done
    usums+=("$s")
    uaggs+=("$("$BIN" parallel "${args[@]}" --pattern zero | agg)")
    echo "   round $i: throttled sum ${sums[-1]}, parallel ${aggs[-1]}; unthrottled sum ${usums[-1]}, parallel ${uaggs[-1]} (GB/s)"
done
R[par_sum]=$(best "${sums[@]}"); R[par_agg]=$(best "${aggs[@]}")
R[upar_sum]=$(best "${usums[@]}"); R[upar_agg]=$(best "${uaggs[@]}")
[ -d "$CGROUP" ] && rmdir "$CGROUP" 2>/dev/null || true
for d in "${par_devs[@]}"; do drop_loop "$d"; done
rm -f "$WORK"/tmpfs/par*.img

echo "== fixed cost: zero-scheme erase of a 1 MiB device, whole process, wall time"
fallocate -l 1M "$WORK/tmpfs/tiny.img"
new_loop "$WORK/tmpfs/tiny.img"
tiny=$LOOP
walls=()
for i in 1 2 3 4 5 6 7; do
    t0=$(date +%s%N)
    "$BIN" erase --dev "$tiny" >/dev/null
    t1=$(date +%s%N)
    walls+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')")
done
R[fixed]=$(median "${walls[@]}")
drop_loop "$tiny"

echo "== peak RSS: 8 random-pattern jobs in one process"
rss_args=()
for n in 1 2 3 4 5 6 7 8; do
    fallocate -l "$((SIZE_MIB / 16))M" "$WORK/tmpfs/rss$n.img"
    new_loop "$WORK/tmpfs/rss$n.img"
    rss_args+=(--dev "$LOOP")
done
/usr/bin/time -v "$BIN" parallel "${rss_args[@]}" --pattern random >"$WORK/rss.out" 2>"$WORK/rss.time"
R[rss_kib]=$(awk '/Maximum resident set size/ { print $NF }' "$WORK/rss.time")
R[rss_hwm]=$(awk '/^RSS/ { split($2, kv, "="); print kv[2] }' "$WORK/rss.out")

echo
echo "=========================== Erase engine: results ==========================="
echo "date $(date -u +%FT%TZ), $(nproc) CPU, kernel $(uname -r), load now $(cut -d' ' -f1-3 /proc/loadavg)"
echo "GB/s = 1e9 B/s, best round; (ratio) = median over rounds of engine / device limit in the same round"
printf '%-34s %12s %12s %8s %8s\n' "figure" "tmpfs loop" "disk loop" "target" "met?"
# row LABEL KEY [TARGET]: best GB/s of each device and, for engine figures, the median of the
# per-round ratios to the device limit (fio write or read of the same round).
row() {
    local lt ld tt td okt okd
    lt=${R[tmpfs.$2]}; ld=${R[disk.$2]}
    if [ -n "${R[tmpfs.$2.ratio]:-}" ]; then
        tt=${R[tmpfs.$2.ratio]}; td=${R[disk.$2.ratio]}
        if [ -n "${3:-}" ]; then
            okt=$(awk -v r="$tt" -v t="$3" 'BEGIN { print (r >= t ? "yes" : "NO") }')
            okd=$(awk -v r="$td" -v t="$3" 'BEGIN { print (r >= t ? "yes" : "NO") }')
            printf '%-34s %6s (%.2fx) %6s (%.2fx) %7sx %4s/%s\n' "$1" "$lt" "$tt" "$ld" "$td" "$3" "$okt" "$okd"
        else
            printf '%-34s %6s (%.2fx) %6s (%.2fx) %8s\n' "$1" "$lt" "$tt" "$ld" "$td" "ref."
        fi
    else
        printf '%-34s %12s %12s\n' "$1" "$lt" "$ld"
    fi
}
row "fio write (best: ${R[tmpfs.fio_write_cfg]} / ${R[disk.fio_write_cfg]})" fio_write
row "dd bs=4M oflag=direct" dd
row "zero pass" zero 0.95
row "random pass" random 0.90
row "fio read (best: ${R[tmpfs.fio_read_cfg]} / ${R[disk.fio_read_cfg]})" fio_read
row "full verify, zeros" verify_zero 0.95
row "full verify, random pattern" verify_random 0.95
gr=${R[gen_ratio]}
printf '%-34s %s GB/s vs openssl %s GB/s: median ratio %sx (target 0.6x: %s)\n' "pattern generator, one core" \
    "${R[gen]}" "${R[openssl]}" "$gr" "$(awk -v r="$gr" 'BEGIN { print (r >= 0.6 ? "yes" : "NO") }')"
pr=$(ratio "${R[par_agg]}" "${R[par_sum]}")
printf '%-34s %s GB/s vs sum of singles %s GB/s = %sx (target 0.9x: %s; throttle %s)\n' \
    "4 disks in parallel" "${R[par_agg]}" "${R[par_sum]}" "$pr" \
    "$(awk -v r="$pr" 'BEGIN { print (r >= 0.9 ? "yes" : "NO") }')" "$throttle"
printf '%-34s %s GB/s vs sum of singles %s GB/s = %sx (CPU-bound: 2 cores)\n' \
    "  same, unthrottled tmpfs loops" "${R[upar_agg]}" "${R[upar_sum]}" "$(ratio "${R[upar_agg]}" "${R[upar_sum]}")"
printf '%-34s %s s median of 7 (target 0.2 s: %s)\n' "fixed cost (1 MiB erase, process)" "${R[fixed]}" \
    "$(awk -v r="${R[fixed]}" 'BEGIN { print (r <= 0.2 ? "yes" : "NO") }')"
printf '%-34s %s KiB (time -v), VmHWM %s KiB (target 64 MiB: %s)\n' "peak RSS, 8 random jobs" "${R[rss_kib]}" \
    "${R[rss_hwm]}" "$(awk -v r="${R[rss_kib]}" 'BEGIN { print (r <= 65536 ? "yes" : "NO") }')"
