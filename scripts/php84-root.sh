#!/usr/bin/env bash
# Makes (once) a Debian 13 "trixie" root with PHP 8.4 under build/php84-root, for building and
# testing the extension against PHP 8.4 (CI runs scripts/test-php84.sh inside it).
# Uses the Debian mirror this host's apt is configured with. Prints the root's path.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/build/php84-root"
stamp="$dir/.sentry_transport-ready"
mkdir -p "$(dirname "$dir")"
# scripts/test.sh starts this early in the background and the php84 step calls it again:
# one at a time, the second finds the root ready.
exec 8>"$dir.lock"
flock 8
PACKAGES=php8.4-dev,php8.4-cli,php8.4-fpm,php8.4-curl,libcurl4-openssl-dev,zlib1g-dev,pkg-config,make,gcc,libc6-dev,python3,python3-sentry-sdk,nodejs,nginx-light,procps,rsync,ca-certificates,openssl,libisal-dev,libdeflate-dev,libzstd-dev,zstd
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$PACKAGES" ]; then
    echo "$dir"; exit 0
fi
command -v debootstrap >/dev/null || {
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq debootstrap >/dev/null
}
mirror=$(grep -hoE '^(URIs:|deb) +[^ ]+' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
             /etc/apt/sources.list.d/*.list 2>/dev/null | awk "{print \$2}" | grep -v security | head -1 || true)
mirror=${mirror:-http://deb.debian.org/debian}
# A run killed before its cleanup may have left /proc, /dev or /dev/shm mounted inside the
# root: never delete through them (that would empty the host's /dev).
awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
if awk -v d="$dir/" 'index($2, d) == 1 { found = 1 } END { exit !found }' /proc/mounts; then
    echo "php84-root: something is still mounted under $dir; not removing it" >&2
    exit 1
fi
rm -rf --one-file-system "$dir"
mkdir -p "$(dirname "$dir")"
log="$root/build/php84-root.log"
if ! debootstrap --variant=minbase --include="$PACKAGES" trixie "$dir" "$mirror" >"$log" 2>&1; then
    tail -20 "$log" >&2
    echo "php84-root: debootstrap failed (log: $log)" >&2
    exit 1
fi
echo "$PACKAGES" >"$stamp"
echo "$dir"
