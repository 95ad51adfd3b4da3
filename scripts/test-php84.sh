#!/usr/bin/env bash
# PHP 8.4: builds the extension and runs the core tests, the whole phpt suite and the
# end-to-end tests that matter across versions, inside a Debian 13 root with Debian's
# php8.4 (scripts/php84-root.sh makes it once, with debootstrap, and caches it).
#   scripts/test-php84.sh            → ends with "N passed, N failed"
# The root shares the host's network (loopback) and gets /proc, /dev and /dev/shm mounted
# for the run; they are unmounted on exit. The receiver's npm packages come from the host:
# npm inside the root does not trust this machine's registry set-up.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
R=$(bash "$root/scripts/php84-root.sh" | tail -1) || { echo "0 passed, 1 failed"; exit 1; }
[ -x "$R/usr/bin/php8.4" ] || { echo "php84: no root at '$R'"; echo "0 passed, 1 failed"; exit 1; }

mounted=()
cleanup() {
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[$i]}" 2>/dev/null; done
}
trap cleanup EXIT
mnt() { # $1: source or fs type, $2: target inside the root, $3…: mount options
    local target="$R$2"
    mkdir -p "$target"
    mountpoint -q "$target" && return 0
    if [ "$1" = proc ]; then mount -t proc proc "$target"; else mount --bind "$1" "$target"; fi && mounted+=("$target")
}
mnt proc /proc && mnt /dev /dev && mnt /dev/shm /dev/shm || { echo "php84: cannot mount into the root"; echo "0 passed, 1 failed"; exit 1; }
cp -L /etc/resolv.conf "$R/etc/resolv.conf" 2>/dev/null || true

# The tree, as tracked (plus the receiver's node_modules from the host).
rm -rf "$R/src"
mkdir -p "$R/src"
(cd "$root" && git ls-files -z --cached --others --exclude-standard 2>/dev/null | tar --null -T - -cf - 2>/dev/null) | tar -xf - -C "$R/src" \
    || rsync -a --exclude /build --exclude /.git "$root/" "$R/src/"
if [ -d "$root/tests/receiver/node_modules" ]; then
    rsync -a "$root/tests/receiver/node_modules" "$R/src/tests/receiver/"
fi

in_root() { chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 CI="${CI:-}" bash -c "$1"; }

passed=0; failed=0
tally() { # $1 name, $2 log, $3 rc
    local p f
    p=$(sed -n 's/.*\b\([0-9]\+\) passed, \([0-9]\+\) failed.*/\1/p' "$2" | tail -1)
    f=$(sed -n 's/.*\b\([0-9]\+\) passed, \([0-9]\+\) failed.*/\2/p' "$2" | tail -1)
    if [ -z "$p" ]; then
        p=$(sed -n 's/^Tests passed *: *\([0-9]\+\).*/\1/p' "$2" | tail -1)
        f=$(sed -n 's/^Tests failed *: *\([0-9]\+\).*/\1/p' "$2" | tail -1)
        local s; s=$(sed -n 's/^Tests skipped *: *\([0-9]\+\).*/\1/p' "$2" | tail -1)
        if [ "${s:-0}" -gt 0 ]; then echo "php84 $1: $s skipped (nothing may be skipped on 8.4)"; f=$(( ${f:-0} + s )); fi
    fi
    p=${p:-0}; f=${f:-0}
    [ "$3" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    passed=$((passed + p)); failed=$((failed + f))
    printf 'php84 %-12s %4d passed, %d failed\n' "$1" "$p" "$f"
    [ "$f" -eq 0 ] || tail -30 "$2"
}
logs="$root/build/test-logs"; mkdir -p "$logs"

in_root 'php -v | head -1; cd /src && bash scripts/build.sh release' >"$logs/php84-build.log" 2>&1
rc=$?
so=$(tail -1 "$logs/php84-build.log")
if [ $rc -ne 0 ] || [[ "$so" != *.so ]]; then
    tail -30 "$logs/php84-build.log"; echo "php84: build failed (warnings count as failures)"
    echo "$passed passed, $((failed + 1)) failed"; exit 1
fi
echo "php84 build: $(head -1 "$logs/php84-build.log")"
in_root 'cd /src && make -C tests/core test' >"$logs/php84-core.log" 2>&1; tally core "$logs/php84-core.log" $?
in_root "cd /src && bash scripts/run-phpt.sh '$so' -j2" >"$logs/php84-phpt.log" 2>&1; tally phpt "$logs/php84-phpt.log" $?
in_root "cd /src && bash scripts/run-e2e.sh '$so' multi_process drainer_sigkill drainer_sigstop php_fpm capture_errors http2" \
    >"$logs/php84-e2e.log" 2>&1; tally e2e "$logs/php84-e2e.log" $?
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
