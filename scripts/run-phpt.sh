#!/usr/bin/env bash
# Runs the phpt tests (tests/phpt) with PHP's own run-tests.php, non-interactively.
#   scripts/run-phpt.sh                      → builds (scripts/build.sh) and tests build/release
#   scripts/run-phpt.sh path/to/sentry_transport.so [run-tests args…]   e.g. -j4, --show-diff
#   scripts/run-phpt.sh "" --show-diff tests/phpt/020_send_event.phpt   (build, then one test)
# Prints run-tests' own summary; exits non-zero when any test fails (or borks/leaks).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

so=${1:-}
[ $# -gt 0 ] && shift
if [ -z "$so" ]; then
    so=$(bash scripts/build.sh | tail -n 1)
fi
if [ ! -f "$so" ]; then
    echo "run-phpt: no extension at '$so'" >&2
    exit 2
fi
so=$(cd "$(dirname "$so")" && pwd)/$(basename "$so")

PHP=${TEST_PHP_EXECUTABLE:-/usr/bin/php}
RUN_TESTS=${RUN_TESTS:-}
if [ -z "$RUN_TESTS" ]; then
    api=$("$PHP" -n -r 'echo PHP_EXTENSION_DIR;' | xargs basename)
    for c in "/usr/lib/php/$api/build/run-tests.php" "$("$PHP" -n -r 'echo PHP_EXTENSION_DIR;')/../build/run-tests.php"; do
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

# A test directory given among the extra arguments replaces the default one.
targets=()
has_target=0
for a in "$@"; do
    case "$a" in
        *.phpt|tests/*|/*/tests/*) has_target=1 ;;
    esac
done
[ "$has_target" = 1 ] || targets=(tests/phpt)

export ST_EXTENSION="$so"
export TEST_PHP_EXECUTABLE="$PHP"
export NO_INTERACTION=1
export REPORT_EXIT_STATUS=1
unset SENTRY_DSN SENTRY_ENVIRONMENT SENTRY_RELEASE SENTRY_SAMPLE_RATE TEST_PHP_ARGS || true

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
"$PHP" -n "$RUN_TESTS" -q -p "$PHP" -d "extension=$so" "$@" "${targets[@]}" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
# Belt and braces: run-tests' exit status plus its own summary lines.
if [ "$rc" -eq 0 ] && grep -Eq '^Tests (failed|borked|leaked) *: *[1-9]' "$log"; then
    rc=1
fi
if [ "$rc" -eq 0 ] && ! grep -Eq '^Tests passed *: *[1-9]' "$log"; then
    echo "run-phpt: no test passed" >&2
    rc=1
fi
exit "$rc"
