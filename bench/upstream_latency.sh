#!/usr/bin/env bash
# Benchmark 4: delivered events/s against a far upstream (HTTP/2 and HTTP/1.1 over TLS,
# answers delayed 0/20/100/300 ms), ours with default settings beside the seed plugin's
# model (4 transfers in flight) and sentry-php's (one blocking request per event), in the
# same run. See bench/upstream_latency.php for what is measured.
#
#   bash bench/upstream_latency.sh [REPS=3] [DELAYS=0,20,100,300] [SCALE=1]
#   env: SO=path/to/sentry_transport.so (default: bash scripts/build.sh)
#
# Needs node (tests/receiver/h2front.mjs), openssl and PHP's curl extension (the sentry-php
# model). Prints a Markdown table on stdout, progress on stderr. Timings are reported, never
# judged.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
REPS=${1:-3}
DELAYS=${2:-0,20,100,300}
SCALE=${3:-1}
SO=${SO:-$(bash "$root/scripts/build.sh" | tail -1)}
echo '```'
echo "bash bench/upstream_latency.sh $REPS $DELAYS $SCALE"
echo '```'
echo
php -n "$here/upstream_latency.php" "$SO" "$REPS" "$DELAYS" "$SCALE"
