#!/usr/bin/env bash
# Installs what building, the demo and the tests need on a fresh Debian 12 machine.
# Idempotent: skips apt entirely when every package is already there.
set -euo pipefail
PACKAGES=(php8.2-cli php8.2-dev php8.2-fpm php8.2-curl libcurl4-openssl-dev zlib1g-dev pkg-config
          nginx-light python3 python3-sentry-sdk clang libclang-rt-14-dev valgrind rsync curl php-pear debootstrap
          libisal-dev libdeflate-dev libzstd-dev python3-zstandard
          composer unzip php8.2-xml php8.2-mbstring php8.2-intl)  # composer…: tests/bridge (SDK, Laravel, Symfony)
missing=()
for p in "${PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "deps: installing ${missing[*]}"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Sentry's strict envelope parser (JavaScript) for the test receiver.
here=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -d "$here/tests/receiver/node_modules/@sentry/core" ]; then
    if ! command -v npm >/dev/null; then
        SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
    fi
    (cd "$here/tests/receiver" && npm ci --silent --no-audit --no-fund >/dev/null 2>&1 || npm install --silent --no-audit --no-fund >/dev/null)
fi
