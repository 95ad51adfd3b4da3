#!/usr/bin/env bash
# Benchmark of the Sentry SDK bridge (bench/sdk_bridge.php): \Sentry\captureException() and a
# failing Laravel 12 request, with the SDK's own HTTP client beside the bridge, in one run,
# against a healthy (local nginx), slow (200 ms per response) and hanging upstream.
#
#   bash bench/sdk_bridge.sh        → a Markdown fragment on stdout (bench/RESULTS.md keeps one)
#
# Tunables: BENCH_SDK_CALLS=200 BENCH_SDK_HANG_CALLS=5 BENCH_LARAVEL_REQS=40 BENCH_LARAVEL_HANG_REQS=4
# Composer installs (sentry/sentry, Laravel 12 + sentry-laravel, the bridge) go to build/bridge.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"
command -v nginx >/dev/null && command -v composer >/dev/null || bash scripts/deps.sh
so=$(bash scripts/build.sh release | tail -1)
sdk=$(bash tests/bridge/setup.sh sdk | tail -1)
laravel=$(bash tests/bridge/setup.sh laravel | tail -1)
(cd "$laravel" && php artisan config:clear >/dev/null)
work=$(mktemp -d /tmp/bench-sdk-bridge.XXXXXX)
# shellcheck source=bench/nginx.sh
source "$here/nginx.sh"
trap 'bench_nginx_stop; rm -rf "$work"' EXIT
bench_nginx_start "$work/nginx"
bench_nginx_check
ver() { php -r '$p = json_decode(file_get_contents($argv[1]), true); foreach ($p["packages"] ?? $p as $x) if ($x["name"] === $argv[2]) echo $x["version"];' "$1/vendor/composer/installed.json" "$2"; }
load0=$(cut -d' ' -f1-3 /proc/loadavg)
t0=$(date +%s)
table=$(php -n "$here/sdk_bridge.php" "$so" "$BENCH_NGINX_PORT" "$sdk" "$laravel")
echo "Run $(date -u '+%Y-%m-%d %H:%M UTC'), source $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) CPUs," \
     "load average $load0 at start, $(cut -d' ' -f1-3 /proc/loadavg) at end, $(( $(date +%s) - t0 )) s;" \
     "PHP $(php -r 'echo PHP_VERSION;'), sentry/sentry $(ver "$sdk" sentry/sentry)," \
     "laravel/framework $(ver "$laravel" laravel/framework), sentry/sentry-laravel $(ver "$laravel" sentry/sentry-laravel)."
echo
echo "$table"
