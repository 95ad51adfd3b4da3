#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this):
#   core C unit tests (gcc; clang ASan+UBSan; valgrind), the receiver's self-test,
#   phpt tests of the extension (release build; ASan+UBSan build; valgrind),
#   end-to-end tests (exec'd workers, real php-fpm behind nginx, drainer SIGKILL),
#   and source checks (clang-format, arginfo up to date, package.xml complete).
# Ends with one line: "N passed, N failed".
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/deps.sh || { echo "0 passed, 1 failed"; exit 1; }

passed=0; failed=0; failed_steps=()
logdir="$root/build/test-logs"; mkdir -p "$logdir"

# Adds a step's own "N passed, N failed" (or run-tests' summary) to the totals.
count() {
    local name=$1 rc=$2 log=$3 p f
    p=$(sed -n 's/.*\b\([0-9]\+\) passed, \([0-9]\+\) failed.*/\1/p' "$log" | tail -1)
    f=$(sed -n 's/.*\b\([0-9]\+\) passed, \([0-9]\+\) failed.*/\2/p' "$log" | tail -1)
    if [ -z "$p" ]; then # run-tests.php summary
        p=$(sed -n 's/^Tests passed *: *\([0-9]\+\).*/\1/p' "$log" | tail -1)
        f=$(sed -n 's/^Tests failed *: *\([0-9]\+\).*/\1/p' "$log" | tail -1)
    fi
    p=${p:-0}; f=${f:-0}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p)); failed=$((failed + f))
    [ "$f" -eq 0 ] || failed_steps+=("$name")
    printf '== %-28s %4d passed, %d failed%s\n' "$name" "$p" "$f" "$([ "$f" -eq 0 ] || echo "  (log: $log)")"
}

step() {
    local name=$1; shift
    local log="$logdir/$name.log"
    echo "-- $name: $*"
    ( "$@" ) >"$log" 2>&1
    local rc=$?
    [ $rc -eq 0 ] || tail -40 "$log"
    count "$name" $rc "$log"
}

# A step that is a single check (no counts of its own).
check() {
    local name=$1; shift
    local log="$logdir/$name.log"
    echo "-- $name"
    if ( "$@" ) >"$log" 2>&1; then echo "1 passed, 0 failed" >>"$log"; else tail -20 "$log"; echo "0 passed, 1 failed" >>"$log"; fi
    count "$name" 0 "$log"
}

asan_rt=$(clang -print-file-name=libclang_rt.asan-x86_64.so)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1:exitcode=86}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/tests/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

step core-unit           make -C tests/core test
step core-unit-asan      make -C tests/core test SAN=1
step core-unit-valgrind  make -C tests/core test VALGRIND=1
step receiver-selftest   /usr/bin/python3 tests/receiver/test_receiver.py

so=$(bash scripts/build.sh release | tail -1) || so=""
check build-release test -f "$so"
if [ -f "$so" ]; then
    step phpt               bash scripts/run-phpt.sh "$so"
    step e2e                bash scripts/run-e2e.sh "$so"
    step phpt-valgrind      bash scripts/run-phpt.sh "$so" -m
fi
san_so=$(bash scripts/build.sh san | tail -1) || san_so=""
check build-asan test -f "$san_so"
if [ -f "$san_so" ]; then
    step phpt-asan env USE_ZEND_ALLOC=0 ST_PRELOAD="$asan_rt" bash scripts/run-phpt.sh "$san_so"
fi

check clang-format   bash -c 'clang-format --dry-run -Werror src/core/*.[ch] src/php/*.[ch] tests/core/*.[ch]'
check arginfo-fresh  bash scripts/gen-arginfo.sh --check
check package-xml    php scripts/check-package-xml.php

echo
[ ${#failed_steps[@]} -eq 0 ] || echo "failed steps: ${failed_steps[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
