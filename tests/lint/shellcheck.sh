#!/usr/bin/env bash
# Every shell script of the repository passes shellcheck at warning level (issue 16 §4):
# the tracked *.sh files, the files whose first line names a shell (initramfs/init, the udhcpc
# script, .ci/run) and tests/qemu/lib.sh. Deliberate exceptions are `# shellcheck disable=`
# lines in the scripts themselves, each with its reason.
#
# Usage: tests/lint/shellcheck.sh   (from anywhere in the work tree; `make lint` runs it)
set -euo pipefail

cd "$(git rev-parse --show-toplevel)"
command -v shellcheck >/dev/null || { echo "shellcheck: not installed (make deps-base installs it)" >&2; exit 2; }

scripts=()
while IFS= read -r f; do
    [ -f "$f" ] || continue
    case $f in
        *.sh) scripts+=("$f") ;;
        *) head -n1 "$f" | grep -q -E '^#!.*/(env )?(ba)?sh( |$)' && scripts+=("$f") ;;
    esac
done < <(git ls-files)
[ "${#scripts[@]}" -gt 20 ] || { echo "shellcheck: only ${#scripts[@]} scripts found" >&2; exit 2; }

if shellcheck -S warning "${scripts[@]}"; then
    echo "shellcheck: ${#scripts[@]} scripts clean"
else
    echo "shellcheck: fix the warnings above (or disable one with its reason)" >&2
    exit 1
fi
