#!/bin/bash
# apt-image.sh — host packages and pinned image packages for the ardoise live image.
#
#   scripts/apt-image.sh deps            install the host tools (QEMU from bookworm-backports, …)
#   scripts/apt-image.sh fetch DIR       download every package pinned in image/packages.lock into DIR
#   scripts/apt-image.sh resolve         print the lock file the mirror would give today (to re-pin)
#
# Why a private apt configuration: qemu-utils 10.0.2 from bookworm-backports is preinstalled on
# the build machines and conflicts with bookworm's qemu-system 7.2, but bookworm-backports (and
# non-free-firmware) are not in the machine's sources. We never edit /etc/apt: a source list and
# a state directory under $ARDOISE_APT_DIR (default build/apt) hold everything.
# Idempotent: when everything is installed at the wanted version, `deps` returns at once.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
APT_DIR=${ARDOISE_APT_DIR:-$ROOT/build/apt}
LOCK=$ROOT/image/packages.lock

# The Debian mirror the machine already uses (deb822 or one-line format); deb.debian.org otherwise.
mirror() {
    local m
    m=$(grep -hoE 'https?://[^ ]+/debian/?$|https?://[^ ]+/debian ' \
        /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -n1 | tr -d ' ' || true)
    echo "${m%/}" | grep . || echo http://deb.debian.org/debian
}

apt_opts() {
    echo "-o Dir::Etc::SourceList=$APT_DIR/sources.list -o Dir::Etc::SourceParts=/nonexistent" \
         "-o Dir::State::Lists=$APT_DIR/lists -o Dir::Cache=$APT_DIR/cache" \
         "-o APT::Get::List-Cleanup=0 -o Acquire::Retries=3 -o APT::Sandbox::User=root"
}

setup_sources() {
    local m key=/usr/share/keyrings/debian-archive-keyring.gpg
    m=$(mirror)
    mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial"
    cat > "$APT_DIR/sources.list.new" <<EOF
deb [signed-by=$key] $m bookworm main non-free-firmware
deb [signed-by=$key] $m bookworm-updates main non-free-firmware
deb [signed-by=$key] $m bookworm-backports main
deb [signed-by=$key] $m-security bookworm-security main non-free-firmware
EOF
    if ! cmp -s "$APT_DIR/sources.list.new" "$APT_DIR/sources.list" 2>/dev/null; then
        mv "$APT_DIR/sources.list.new" "$APT_DIR/sources.list"
        rm -f "$APT_DIR/updated"
    else
        rm -f "$APT_DIR/sources.list.new"
    fi
}

apt_update() {
    setup_sources
    # One update per day is enough; the lists live under build/.
    if [ -z "$(find "$APT_DIR/updated" -mmin -1440 2>/dev/null)" ]; then
        # shellcheck disable=SC2046
        apt-get $(apt_opts) update -q >&2
        touch "$APT_DIR/updated"
    fi
}

# Host tools. name or name/suite; qemu and seabios from bookworm-backports to match qemu-utils 10.0.2.
HOST_PKGS=(
    qemu-system-x86/bookworm-backports qemu-system-common/bookworm-backports
    qemu-system-data/bookworm-backports libbrlapi0.8/bookworm-backports seabios/bookworm-backports
    qemu-utils/bookworm-backports
    ovmf ipxe-qemu xorriso mtools dosfstools grub-pc-bin grub-common cpio zstd kmod
    python3 ca-certificates
    # compiled into ardoise for the donor PDF (crates/cert/build.rs)
    fonts-dejavu-core fonts-droid-fallback
)

missing_host_pkgs() {
    local p name
    for p in "${HOST_PKGS[@]}"; do
        name=${p%%/*}
        if ! dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q 'install ok installed'; then
            echo "$p"
        fi
    done
    # QEMU must be the backports build (bookworm's 7.2 cannot coexist with qemu-utils 10).
    if dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null | grep -q '^1:7\.'; then
        echo qemu-system-x86/bookworm-backports
    fi
}

cmd_deps() {
    local missing
    missing=$(missing_host_pkgs | sort -u)
    if [ -z "$missing" ]; then
        echo "apt-image: host packages already installed" >&2
        return 0
    fi
    echo "apt-image: installing:" $missing >&2
    apt_update
    # shellcheck disable=SC2046,SC2086
    DEBIAN_FRONTEND=noninteractive apt-get $(apt_opts) install -y -q --no-install-recommends $missing >&2
}

# Lock file: `package=version` per line, `#` comments. Fetches exactly those versions.
lock_entries() { sed -e 's/#.*//' -e 's/[[:space:]]//g' "$LOCK" | grep '='; }

cmd_fetch() {
    local dest=$1 need=() line pkg ver file
    mkdir -p "$dest"
    while read -r line; do
        pkg=${line%%=*}; ver=${line#*=}
        file=$(ls "$dest/${pkg}_${ver//:/%3a}_"*.deb 2>/dev/null | head -n1 || true)
        [ -n "$file" ] || need+=("$pkg=$ver")
    done < <(lock_entries)
    if [ ${#need[@]} -eq 0 ]; then
        echo "apt-image: pinned packages already in $dest" >&2
        return 0
    fi
    apt_update
    echo "apt-image: downloading ${need[*]}" >&2
    # shellcheck disable=SC2046
    if ! (cd "$dest" && apt-get $(apt_opts) download -q "${need[@]}" >&2); then
        echo "apt-image: a pinned version is no longer on the mirror (Debian keeps only the" >&2
        echo "  current version of each package). Re-pin with: scripts/apt-image.sh resolve > image/packages.lock" >&2
        return 1
    fi
}

# Print a fresh lock: the candidate versions of the packages named in the current lock, with the
# kernel ABI package taken from linux-image-amd64's current dependency.
cmd_resolve() {
    apt_update
    local abi
    # shellcheck disable=SC2046
    abi=$(apt-cache $(apt_opts) depends linux-image-amd64 2>/dev/null |
          sed -n 's/^ *Depends: \(linux-image-[0-9.]*-[0-9]*-amd64\)$/\1/p' | head -n1)
    echo "# Pinned Debian packages unpacked into the ardoise image (apt-get download + dpkg -x)."
    echo "# Regenerate with: scripts/apt-image.sh resolve > image/packages.lock"
    local pkg ver
    while read -r line; do
        pkg=${line%%=*}
        case $pkg in linux-image-*-amd64) pkg=$abi ;; esac
        # shellcheck disable=SC2046
        ver=$(apt-cache $(apt_opts) policy "$pkg" | sed -n 's/^ *Candidate: //p')
        echo "$pkg=$ver"
    done < <(lock_entries)
}

case ${1:-} in
    deps) cmd_deps ;;
    fetch) cmd_fetch "${2:?usage: apt-image.sh fetch DIR}" ;;
    resolve) cmd_resolve ;;
    *) echo "usage: $0 deps | fetch DIR | resolve" >&2; exit 2 ;;
esac
