#!/usr/bin/env bash
# The PECL route of the README, as a new user takes it, on a clean copy of the tree:
#   pecl package  →  pecl install <tarball>  →  PHP loads the module, `php --ri` shows it.
# pecl installs into PHP's extension dir (its --packagingroot mode cannot build: PEAR then
# looks for its build dir outside that root); the trap uninstalls it again, and nothing
# enables it in php.ini, so other steps, which load the module they built by path, never see it.
# Ends with "N passed, N failed".
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/st-pecl.XXXXXX)
cleanup() {
    pecl uninstall sentry_transport >/dev/null 2>&1
    rm -f "$(php-config --extension-dir)/sentry_transport.so"
    rm -rf "$work"
}
trap cleanup EXIT
passed=0; failed=0
ok()   { echo "ok   - $1"; passed=$((passed + 1)); }
fail() { echo "FAIL - $1"; failed=$((failed + 1)); }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }

# A clean copy: what git tracks (or, without git, the tree less build outputs).
mkdir -p "$work/src"
if git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$root" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf -) | tar -xf - -C "$work/src"
else
    rsync -a --exclude /build --exclude node_modules "$root/" "$work/src/"
fi
cd "$work/src"
if pecl package >"$work/package.log" 2>&1 && tgz=$(ls sentry_transport-*.tgz 2>/dev/null | head -1) && [ -n "$tgz" ]; then
    ok "pecl package made $tgz"
else
    tail -20 "$work/package.log"; fail "pecl package"; finish
fi
# Out of tree, from the tarball: pecl unpacks it under its temp dir and builds there.
if pecl install -f "$work/src/$tgz" >"$work/install.log" 2>&1; then
    ok "pecl install $tgz"
else
    grep -E "error|Error|ERROR" "$work/install.log" | head -20; fail "pecl install"; finish
fi
so="$(php-config --extension-dir)/sentry_transport.so"
if [ -f "$so" ] && grep -q "Installing '$so'" "$work/install.log"; then
    ok "pecl installed $so"
else
    fail "pecl did not install $so"; finish
fi
if php -n -d "extension=$so" -r 'exit(extension_loaded("sentry_transport") ? 0 : 1);'; then
    ok "PHP loads the installed module"
else
    fail "PHP does not load $so"
fi
ri=$(php -n -d "extension=$so" --ri sentry_transport 2>&1)
if grep -q "^sentry_transport$" <<<"$ri" && grep -q "Version => " <<<"$ri"; then
    ok "php --ri sentry_transport shows the module ($(grep -m1 'Version => ' <<<"$ri"))"
else
    echo "$ri" | head -20; fail "php --ri sentry_transport"
fi
finish
