#!/usr/bin/env bash
# The sources the code cites are in the repository (issue 16 §1): no tracked file may cite a
# path that only exists outside it — the steering folder `shared` beside the checkout (a
# parent-directory path to it), or a `reference/` directory. The one
# `reference/` directory the repository has, crates/disk/tests/reference, stays allowed: an
# occurrence preceded by `tests/` is not a citation of an outside file. Cite the standard
# (e.g. "ACS-4 SECURITY ERASE UNIT", "NVMe Base 2.0, Sanitize command") or docs/standards.md.
#
# Usage: tests/lint/no-outside-paths.sh   (from anywhere in the work tree; `make lint` runs it)
set -euo pipefail

cd "$(git rev-parse --show-toplevel)"
self=tests/lint/no-outside-paths.sh

# Candidates: every line of a tracked text file that mentions either pattern. git grep exits 1
# when nothing matches, which is the good case; anything above 1 is an error.
rc=0
candidates=$(git grep -n -I -E '\.\./shared|reference/' -- . ":(exclude)$self") || rc=$?
if [ "$rc" -gt 1 ]; then
    echo "no-outside-paths: git grep failed (exit $rc)" >&2
    exit 2
fi

# Keep the lines that still cite an outside path once the allowed `tests/reference/` is
# removed: a parent-directory path to `shared` anywhere, or `reference/` at the start of a word (so that `preference/`
# is not taken for it). The file name and line number are stripped first, so that a file that
# lives under tests/reference/ is judged by its content only.
offenders=$(printf '%s\n' "$candidates" | awk '
    $0 == "" { next }
    {
        text = $0
        sub(/^[^:]*:[0-9]+:/, "", text)
        gsub(/tests\/reference\//, "", text)
        if (text ~ /\.\.\/shared/ || text ~ /(^|[^A-Za-z0-9_])reference\//) print
    }')

if [ -n "$offenders" ]; then
    echo "no-outside-paths: these lines cite files outside the repository;" >&2
    echo "cite the standard or docs/standards.md instead:" >&2
    printf '%s\n' "$offenders" >&2
    exit 1
fi
echo "no-outside-paths: no citation of the steering folder or of reference/ outside tests/reference"
