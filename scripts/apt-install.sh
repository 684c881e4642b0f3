#!/usr/bin/env bash
# Installs the named Debian packages when they are missing; quick when everything is there.
# Usage: scripts/apt-install.sh pkg...   (as root; never edits /etc/apt)
set -euo pipefail
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "apt-install: need root to install: ${missing[*]}" >&2
  exit 1
fi
echo "apt-install: installing ${missing[*]}"
stamp=/var/lib/apt/periodic/ardoise-update-stamp
if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +360 2>/dev/null)" ]; then
  apt-get update -qq
  mkdir -p "$(dirname "$stamp")" && touch "$stamp"
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
