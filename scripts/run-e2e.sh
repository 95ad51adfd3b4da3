#!/usr/bin/env bash
# End-to-end tests of the extension with real processes (tests/e2e/, see its README.md).
#
#   scripts/run-e2e.sh [path/to/sentry_transport.so] [test-name …]
#
# Without a .so path it builds one with scripts/build.sh. Prints one line per test and a
# closing line `N passed, N failed`; exits 1 if any test failed. Every test runs under
# `timeout` in its own process group, which is killed when the test ends, so nothing it
# started (receiver, workers, php-fpm, nginx) outlives it. E2E_KEEP=1 keeps temp dirs;
# test logs go to $E2E_LOG_DIR (default: a temp dir, printed at the end).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
so=""
if [ $# -gt 0 ] && [[ "$1" == *.so ]]; then
    so=$1
    shift
fi
logdir=${E2E_LOG_DIR:-$(mktemp -d /tmp/e2e-logs.XXXXXX)}
mkdir -p "$logdir"
# The tests use a private copy: a concurrent scripts/build.sh deletes or rewrites
# build/*/modules/*.so in place, which would break tests that start processes later (or
# crash running ones). A module we build is copied under build.sh's own lock.
if [ -z "$so" ]; then
    built=$(bash "$root/scripts/build.sh" | tail -1) || { echo "run-e2e: build failed" >&2; exit 2; }
    ( flock 9 && cp "$built" "$logdir/sentry_transport.so" ) 9>"$root/build/release.lock" \
        || { echo "run-e2e: cannot copy $built" >&2; exit 2; }
elif [ -f "$so" ]; then
    cp "$(readlink -f "$so")" "$logdir/sentry_transport.so" || { echo "run-e2e: cannot copy $so" >&2; exit 2; }
else
    echo "run-e2e: no such extension: $so" >&2
    exit 2
fi
so="$logdir/sentry_transport.so"
php=${PHP:-php}
if ! "$php" -n -d "extension=$so" -r 'exit(class_exists("SentryTransport") ? 0 : 1);' >/dev/null 2>&1; then
    echo "run-e2e: $so does not load into $php -n" >&2
    "$php" -n -d "extension=$so" -r '' 2>&1 | head -5 >&2
    exit 2
fi
if [ ! -d "$root/tests/receiver/node_modules/@sentry/core" ]; then
    echo "run-e2e: tests/receiver/node_modules missing: npm install --prefix tests/receiver" >&2
    exit 2
fi

# name | script and arguments | overall limit in seconds
tests=(
    "multi_process[gzip]|multi_process.php --compression=1|180"
    "multi_process[identity]|multi_process.php --compression=0|180"
    "multi_process[zstd]|multi_process.php --compression=zstd|180"
    "php_fpm|php_fpm.php|180"
    "drainer_sigkill|drainer_sigkill.php|240"
    "drainer_sigstop[load]|drainer_sigstop.php --case=load|240"
    "drainer_sigstop[transfer]|drainer_sigstop.php --case=transfer|180"
    "drainer_sigstop[freezer]|drainer_sigstop.php --case=freezer|240"
    "queue_lock_kill|queue_lock_kill.php|240"
    "delivery_ratelimit|delivery_ratelimit.php|90"
    "delivery_retries|delivery_retries.php|120"
    "delivery_dead_letters|delivery_dead_letters.php|90"
    "delivery_client_reports|delivery_client_reports.php|120"
    "delivery_scrub|delivery_scrub.php|90"
    "delivery_circuit|delivery_circuit.php|120"
    "delivery_dsn_circuit|delivery_dsn_circuit.php|150"
    "shutdown_nothing_due|shutdown_nothing_due.php|90"
    "delivery_probe_killed|delivery_probe_killed.php|90"
    "security|security.php|120"
    "tls|tls.php|90"
    "exhaustion[shm]|exhaustion.php --case=shm|120"
    "exhaustion[queue_path]|exhaustion.php --case=queue_path|120"
    "exhaustion_dead_letters|exhaustion_dead_letters.php|150"
    "chaos|chaos.php|300"
    "php_fpm_chaos|php_fpm_chaos.php|180"
    "pcntl_fork|pcntl_fork.php|180"
    "pcntl_fork[tls]|pcntl_fork.php --tls=1|180"
    "capture_errors|capture_errors.php|180"
    "http2|http2.php|180"
    "slow_upstream|slow_upstream.php|240"
)

passed=0
failed=0
skipped=0
current_pgid=""
on_signal() {
    [ -n "$current_pgid" ] && kill -KILL -- "-$current_pgid" 2>/dev/null
    echo "run-e2e: interrupted"
    exit 130
}
trap on_signal INT TERM

for entry in "${tests[@]}"; do
    IFS='|' read -r name cmdline limit <<<"$entry"
    if [ $# -gt 0 ]; then
        want=0
        for sel in "$@"; do [[ "$name" == "$sel"* ]] && want=1; done
        [ $want = 1 ] || continue
    fi
    read -r -a argv <<<"$cmdline"
    log="$logdir/${name//[^A-Za-z0-9_]/_}.log"
    start=$(date +%s.%N)
    # GNU timeout makes itself a process-group leader and signals the whole group (SIGTERM,
    # then SIGKILL 10 s later); the test kills its own children at exit too, and whatever is
    # left in the group is killed below.
    timeout --kill-after=10 "$limit" "$php" -n "$root/tests/e2e/${argv[0]}" "$so" "${argv[@]:1}" >"$log.out" 2>"$log" &
    current_pgid=$!
    wait "$current_pgid"
    rc=$?
    kill -KILL -- "-$current_pgid" 2>/dev/null
    current_pgid=""
    secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
    verdict=$(grep -E '^(PASS|FAIL|SKIP) ' "$log.out" | tail -1)
    cat "$log.out" >>"$log"
    rm -f "$log.out"
    # A test that cannot run here (e.g. no mount namespaces) says SKIP and why: neither a
    # pass nor a failure, and always shown.
    if [ $rc -eq 0 ] && [[ "$verdict" == SKIP* ]]; then
        skipped=$((skipped + 1))
        printf 'SKIP  %-24s %6ss  %s\n' "$name" "$secs" "${verdict#SKIP }"
    elif [ $rc -eq 0 ] && [[ "$verdict" == PASS* ]]; then
        passed=$((passed + 1))
        printf 'PASS  %-24s %6ss  %s\n' "$name" "$secs" "${verdict#PASS }"
    else
        failed=$((failed + 1))
        [ $rc -eq 124 ] || [ $rc -eq 137 ] && verdict="FAIL timed out after ${limit}s ${verdict#FAIL }"
        [ -z "$verdict" ] && verdict="FAIL exit code $rc, no verdict line"
        printf 'FAIL  %-24s %6ss  %s\n' "$name" "$secs" "${verdict#FAIL }"
        sed 's/^/      | /' "$log" | tail -25
    fi
done
rm -f "$logdir/sentry_transport.so"
echo "logs: $logdir"
[ $skipped -eq 0 ] || echo "$skipped skipped (see SKIP lines above)"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
