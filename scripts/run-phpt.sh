#!/usr/bin/env bash
# Runs the phpt tests (tests/phpt) with PHP's own run-tests.php, non-interactively.
#   scripts/run-phpt.sh                      → builds (scripts/build.sh) and tests build/release
#   scripts/run-phpt.sh path/to/sentry_transport.so [run-tests args…]   e.g. -j4, --show-diff
#   scripts/run-phpt.sh "" --show-diff tests/phpt/020_send_event.phpt   (build, then one test)
#   scripts/run-phpt.sh "$so" -m                            (under valgrind: run-tests' -m)
#   ST_PRELOAD=/path/libclang_rt.asan-x86_64.so scripts/run-phpt.sh build/san/…/sentry_transport.so
#       (a sanitizer build: every PHP the tests start gets LD_PRELOAD=$ST_PRELOAD, run-tests
#        itself does not; tests/phpt/st.inc keeps it away from the Python test receiver)
# Prints run-tests' own summary; exits non-zero when any test fails (or borks/leaks).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# RUNNER_PHP runs run-tests.php itself; TEST_PHP_EXECUTABLE (default: the same) runs the
# tests, e.g. scripts/php-san.sh for a sanitizer build.
RUNNER_PHP=${RUNNER_PHP:-/usr/bin/php}
REAL_PHP=${TEST_PHP_EXECUTABLE:-$RUNNER_PHP}
so=${1:-}
[ $# -gt 0 ] && shift

# The tests run on a private copy of the module: another runner rebuilding build/release
# meanwhile (rsync --delete, relink) must not pull the .so from under a running test.
mkdir -p "$root/build"
work=$(mktemp -d "$root/build/run-phpt.XXXXXX")
trap 'rm -rf "$work"' EXIT
PHP=$REAL_PHP
if [ -n "${ST_PRELOAD:-}" ]; then
    # The PHP that runs the tests: the real one with the sanitizer runtime preloaded. Debian's
    # PHP dlopen()s extensions with RTLD_DEEPBIND, which the sanitizer runtimes refuse
    # (google/sanitizers#611): a small shim, preloaded first, drops that flag.
    cat >"$work/nodeepbind.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
void *dlopen(const char *file, int flags)
{
    static void *(*real)(const char *, int);
    if (!real)
        real = (void *(*)(const char *, int))dlsym(RTLD_NEXT, "dlopen");
    return real(file, flags & ~RTLD_DEEPBIND);
}
C
    ${CC:-cc} -shared -fPIC -O2 -o "$work/nodeepbind.so" "$work/nodeepbind.c" -ldl \
        || { echo "run-phpt: cannot build the RTLD_DEEPBIND shim" >&2; exit 2; }
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
    # Keep extensions and the libraries they pulled in mapped until exit, so that leak
    # reports name their modules (and tests/lsan.supp can match them).
    export ZEND_DONT_UNLOAD_MODULES=1
    printf '#!/bin/sh\nLD_PRELOAD="%s:%s${LD_PRELOAD:+:$LD_PRELOAD}" exec "%s" "$@"\n' \
        "$work/nodeepbind.so" "$ST_PRELOAD" "$REAL_PHP" >"$work/php"
    chmod +x "$work/php"
    PHP="$work/php"
fi
copy_module() { # $1: built module → $work/sentry_transport.so, checked to load
    [ -f "$1" ] && cp "$1" "$work/sentry_transport.so.tmp" 2>/dev/null \
        && mv "$work/sentry_transport.so.tmp" "$work/sentry_transport.so" \
        && "$PHP" -n -d "extension=$work/sentry_transport.so" -r 'exit(extension_loaded("sentry_transport") ? 0 : 1);' 2>/dev/null
}
if [ -n "$so" ]; then
    copy_module "$so" || { echo "run-phpt: cannot load the extension at '$so'" >&2; exit 2; }
else
    for attempt in 1 2 3; do
        built=$(bash scripts/build.sh | tail -n 1) || { echo "run-phpt: build failed" >&2; exit 2; }
        copy_module "$built" && break
        [ "$attempt" = 3 ] && { echo "run-phpt: the built module '$built' does not load" >&2; exit 2; }
        sleep 1   # a concurrent build replaced it: build again
    done
fi
so="$work/sentry_transport.so"

RUN_TESTS=${RUN_TESTS:-}
if [ -z "$RUN_TESTS" ]; then
    extdir=$("$RUNNER_PHP" -n -r 'echo PHP_EXTENSION_DIR;')
    for c in "/usr/lib/php/$(basename "$extdir")/build/run-tests.php" "$extdir/../build/run-tests.php"; do
        [ -f "$c" ] && { RUN_TESTS=$c; break; }
    done
fi
if [ -z "$RUN_TESTS" ] || [ ! -f "$RUN_TESTS" ]; then
    echo "run-phpt: run-tests.php not found (install php8.2-dev or set RUN_TESTS)" >&2
    exit 2
fi
if [ ! -d tests/receiver/node_modules/@sentry/core ]; then
    echo "run-phpt: the test receiver is not installed: run scripts/deps.sh first" >&2
    exit 2
fi

# The tests run from a private copy of tests/phpt, so that runners started at the same time
# (two checkouts, two CI jobs, -j in each) share neither run-tests' files (X.php, X.out next
# to X.phpt) nor the host-wide queues: every queue name a test uses starts with the test's
# base name, and the copy appends this run's id to it (e.g. 030_queue_full.r1a2b3).
runid="r$(printf '%x' $$)"
mkdir -p "$work/tests"
cp -r tests/phpt "$work/tests/phpt"
rm -f "$work"/tests/phpt/*.{diff,out,exp,log,mem,php,sh}
ln -s "$root/tests/receiver" "$work/tests/receiver"
for f in "$work"/tests/phpt/*.phpt; do
    base=$(basename "$f" .phpt)
    perl -pi -e "s/(?<![A-Za-z0-9])\Q$base\E(?![A-Za-z0-9]|\.inc\b)/$base.$runid/g" "$f"
done
# Test files or directories among the arguments are taken from the copy; none: all of them.
args=()
ran=()   # base names of the tests this run covers (their old X.diff, X.out… are removed)
for a in "$@"; do
    case "$a" in
        *.phpt|tests/phpt|tests/phpt/|"$root"/tests/phpt*)
            a=${a#"$root"/}
            case "$a" in *.phpt) ran+=("$(basename "$a" .phpt)") ;; *) ran+=("*") ;; esac
            a="$work/$a" ;;
    esac
    args+=("$a")
done
[ ${#ran[@]} -gt 0 ] || { ran=("*"); args+=("$work/tests/phpt"); }
for b in "${ran[@]}"; do
    rm -f tests/phpt/$b.diff tests/phpt/$b.out tests/phpt/$b.exp tests/phpt/$b.log tests/phpt/$b.mem
done

export ST_EXTENSION="$so"
export TEST_PHP_EXECUTABLE="$PHP"
export NO_INTERACTION=1
export REPORT_EXIT_STATUS=1
unset SENTRY_DSN SENTRY_ENVIRONMENT SENTRY_RELEASE SENTRY_SAMPLE_RATE TEST_PHP_ARGS || true
# Under valgrind (-m) run-tests traces children: the PHP subprocesses of the tests, yes; the
# Python/node test receiver, no (too slow to start under valgrind, and not ours to check).
export VALGRIND_OPTS="${VALGRIND_OPTS:+$VALGRIND_OPTS }--trace-children-skip=*python*,*node*"

log="$work/run-tests.log"
set +e
# pcre.jit=0: valgrind cannot follow PCRE's JIT code (Debian's PHP is not built to notice it).
"$RUNNER_PHP" -n "$RUN_TESTS" -q -p "$PHP" -d "extension=$so" -d pcre.jit=0 "${args[@]}" 2>&1 \
    | sed -u "s#$work/##g; s#${work#"$root"/}/##g; s#\.$runid##g" | tee "$log"
rc=${PIPESTATUS[0]}
set -e
# What run-tests left of failed tests (X.diff, X.out, …) goes back next to them.
for f in "$work"/tests/phpt/*.{diff,out,exp,log,mem}; do
    [ -f "$f" ] || continue
    sed "s#$work/##g; s#${work#"$root"/}/##g; s#\.$runid##g" "$f" >"tests/phpt/$(basename "$f")"
done
# Belt and braces: run-tests' exit status plus its own summary lines.
if [ "$rc" -eq 0 ] && grep -Eq '^Tests (failed|borked|leaked) *: *[1-9]' "$log"; then
    rc=1
fi
if [ "$rc" -eq 0 ] && ! grep -Eq '^Tests passed *: *[1-9]' "$log"; then
    echo "run-phpt: no test passed" >&2
    rc=1
fi
exit "$rc"
