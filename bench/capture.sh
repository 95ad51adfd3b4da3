#!/usr/bin/env bash
# captureException p50/p99 for a 10-deep stack, with and without context, beside
# \Sentry\captureException() of sentry/sentry 4.x with a null transport, in the same run
# (issue #9). The SDK is installed with Composer into build/bench-capture-sdk (once).
#
#   bash bench/capture.sh [path/to/sentry_transport.so] [rounds=5] [calls per round=2000]
#
# Rounds alternate the variants so that the machine's load hits all of them alike. Ours
# queues every event for real (a queue big enough for all of them, DSN at a closed port, so
# nothing is sent while measuring; the drainer's failed connects run on its own thread);
# the SDK's null transport drops the event before it is serialized, so the SDK side does
# less work than ours. Both run with opcache (no JIT), as in production.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
so=${1:-}
[ -n "$so" ] || so=$(bash "$root/scripts/build.sh" | tail -1)
rounds=${2:-5}
n=${3:-2000}
sdk="$root/build/bench-capture-sdk"
if [ ! -f "$sdk/vendor/sentry/sentry/src/functions.php" ]; then
    mkdir -p "$sdk"
    (cd "$sdk" && composer require --no-interaction --no-progress --quiet "sentry/sentry:^4.0") >&2
fi
sdk_version=$(php -n -r '$l = json_decode(file_get_contents($argv[1]), true); foreach ($l["packages"] ?? $l as $p) if ($p["name"] === "sentry/sentry") echo $p["version"];' "$sdk/vendor/composer/installed.json")
out=$(mktemp /tmp/bench-capture.XXXXXX)
trap '[ -n "${BENCH_KEEP:-}" ] || rm -f "$out"; rm -f /dev/shm/sentry_transport.v*.$(id -u).bcap_$$_*' EXIT
# opcache on for both sides, as in production (no JIT)
opcache=(-d zend_extension=opcache -d opcache.enable_cli=1 -d opcache.jit=off)

st() { # name context context_lines
    local q="bcap_$$_${RANDOM}"
    rm -f /dev/shm/sentry_transport.v*."$(id -u)"."$q"
    php -n "${opcache[@]}" -d "extension=$so" -d sentry_transport.dsn=http://public@127.0.0.1:9/1 \
        -d sentry_transport.queue.name="$q" -d sentry_transport.queue.buffer_size=1000000 \
        -d sentry_transport.queue.memory=1G -d sentry_transport.retry.initial_backoff=1h \
        -d sentry_transport.retry.max_backoff=1h -d sentry_transport.shutdown_timeout=0 \
        -d sentry_transport.logging.level=error -d sentry_transport.context_lines="$3" \
        "$root/bench/capture.php" st "$2" "$n" | sed "s/^{/{\"name\":\"$1\",/" >>"$out"
    rm -f /dev/shm/sentry_transport.v*."$(id -u)"."$q"
}
sdk() { # name context context_lines
    php -n "${opcache[@]}" -d extension=mbstring -d extension=curl "$root/bench/capture.php" sdk "$2" "$n" \
        "$sdk/vendor/autoload.php" "$3" | sed "s/^{/{\"name\":\"$1\",/" >>"$out"
}
for r in $(seq "$rounds"); do
    st "ours" 0 0
    sdk "sdk" 0 5
    st "ours+context" 1 0
    sdk "sdk+context" 1 5
    st "ours context_lines=5" 0 5
    sdk "sdk context_lines=null" 0 null
    echo "round $r/$rounds done" >&2
done
php -r '
$by = [];
foreach (file($argv[1]) as $l) { $j = json_decode($l, true); $by[$j["name"]] = array_merge($by[$j["name"]] ?? [], $j["samples"]); }
$pct = function (array $s, float $p) { sort($s); return $s[min(count($s) - 1, (int)floor($p * count($s)))] / 1000; };
$p50 = [];
printf("%-24s %10s %10s %8s\n", "variant", "p50 us", "p99 us", "calls");
foreach ($by as $name => $s) { $p50[$name] = $pct($s, 0.5); printf("%-24s %10.2f %10.2f %8d\n", $name, $p50[$name], $pct($s, 0.99), count($s)); }
printf("ratio ours/sdk p50: no context %.3f, with context %.3f (target <= 0.2); sentry/sentry %s\n",
       $p50["ours"] / $p50["sdk"], $p50["ours+context"] / $p50["sdk+context"], $argv[2]);
' "$out" "$sdk_version"
