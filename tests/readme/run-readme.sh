#!/bin/bash
# tests/readme/run-readme.sh — every command README.md shows, run as written, in order, from
# the repository's root (part of `make test`).
#
# The commands are the lines of README.md's ```sh blocks. Each must exit 0, except the
# interactive ones, which run in a tmux pane of 80×25 (TERM=linux) until their first screen is
# drawn, then are quit the way a user quits them: `make demo` (QEMU on this terminal: Ctrl-A X)
# and `ardoise tui` (Q, then Y/O). `make test` itself is the command running this script.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
LOG=${ARDOISE_README_LOG:-$ROOT/build/readme}
rm -rf "$LOG"
mkdir -p "$LOG"
PASSED=0 FAILED=0
pass() { echo "PASS: $*"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL: $*"; FAILED=$((FAILED + 1)); }

# A tmux server of its own for each interactive command: a server being killed may still
# accept the next new-session and take it down with it (seen on a loaded CI machine).
SOCK=ardoise-readme-$$-0
tm() { tmux -u -f /dev/null -L "$SOCK" "$@"; }
trap 'tm kill-server 2>/dev/null' EXIT
# interactive CMD READY_REGEX TIMEOUT QUIT_KEYS...: runs CMD in tmux until READY_REGEX shows,
# sends the quit keys, and expects the command to end by itself.
interactive() {
    local cmd=$1 ready=$2 timeout=$3 end
    shift 3
    tm kill-server 2>/dev/null
    SOCK=ardoise-readme-$$-$n
    if ! tm new-session -d -s r -x 80 -y 25 "env TERM=linux bash -c '$cmd'; echo README-EXIT=\$?; sleep 600"; then
        echo "tmux new-session failed" > "$LOG/$n.screen"
        return 1
    fi
    end=$((SECONDS + timeout))
    until tm capture-pane -p -t r | grep -E -q "$ready"; do
        if [ $SECONDS -ge "$end" ]; then
            tm capture-pane -p -t r > "$LOG/$n.screen"
            return 1
        fi
        sleep 0.5
    done
    tm capture-pane -p -t r > "$LOG/$n.screen"
    for k in "$@"; do tm send-keys -t r "$k"; sleep 0.5; done
    end=$((SECONDS + 60))
    until tm capture-pane -p -t r | grep -q "README-EXIT="; do
        [ $SECONDS -ge "$end" ] && return 1
        sleep 0.5
    done
}

# The commands, in order: lines of ```sh blocks.
mapfile -t COMMANDS < <(awk '/^```sh$/ {on=1; next} /^```/ {on=0} on && NF' README.md)
[ "${#COMMANDS[@]}" -gt 5 ] || { fail "README.md: fewer than 6 commands found"; exit 1; }
# The README's own scratch places start empty.
rm -rf /tmp/sim /tmp/station

n=0
for line in "${COMMANDS[@]}"; do
    n=$((n + 1))
    cmd=${line%%#*}               # the comment after the command is for humans
    cmd=$(echo "$cmd" | sed 's/[[:space:]]*$//')
    [ -n "$cmd" ] || continue
    case $cmd in
        "make test")
            echo "SKIP: $cmd (the command running this test)" ;;
        "make demo")
            if interactive "$cmd" "Choisissez la langue" 600 C-a x; then pass "$cmd: booted to the interface, quit with Ctrl-A X"
            else fail "$cmd: $(tail -3 "$LOG/$n.screen" 2>/dev/null)"; fi ;;
        *" tui"*)
            if interactive "$cmd" "Choisissez la langue" 60 q o; then pass "$cmd: drawn, quit with Q then O"
            else fail "$cmd: $(tail -3 "$LOG/$n.screen" 2>/dev/null)"; fi ;;
        *)
            if bash -c "$cmd" > "$LOG/$n.out" 2>&1; then pass "$cmd"
            else fail "$cmd (exit $?): $(tail -5 "$LOG/$n.out")"; fi ;;
    esac
done
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
