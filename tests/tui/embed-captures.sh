#!/usr/bin/env bash
# Replaces, in each guide given, the text between `<!-- capture: NAME -->` and
# `<!-- /capture -->` by docs/captures/NAME.txt in a text block (the screens the tmux tests saved).
# Usage: tests/tui/embed-captures.sh docs/guide-technicien.md docs/technician-guide.md
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
for guide in "$@"; do
  tmp=$(mktemp)
  awk -v dir="$root/docs/captures" '
    /<!-- capture: .* -->/ {
      print
      name = $0; sub(/.*<!-- capture: /, "", name); sub(/ -->.*/, "", name)
      file = dir "/" name ".txt"
      if ((getline line < file) <= 0) { print "embed-captures: missing " file > "/dev/stderr"; exit 1 }
      print "```text"
      print line
      while ((getline line < file) > 0) print line
      close(file)
      print "```"
      skipping = 1
      next
    }
    /<!-- \/capture -->/ { skipping = 0 }
    !skipping { print }
  ' "$guide" > "$tmp"
  mv "$tmp" "$guide"
done
