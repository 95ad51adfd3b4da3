#!/usr/bin/env bash
# Benchmark 2: drain throughput of the background thread (curl multi, gzip on) against a
# plain C curl-multi program (bench/curl_multi_baseline.c), both POSTing the same ~1 KB event
# envelope to the same local nginx, interleaved, REPS times each.
#
#   bash bench/throughput.sh [N=50000] [REPS=3] [WORKERS="4 8"]
#   env: SO=path/to/sentry_transport.so (default: bash scripts/build.sh)
#        SO_ALT=another build (e.g. scripts/build.sh libdeflate): one more row, its gzip
#        BENCH_NGINX_PORT=port of a running bench nginx (default: start one)
#
# Ours: bench/drain_watch.php starts first and becomes the queue's drainer (queue.workers=W,
# transport.compression=1); two bench/fill.php processes then enqueue N events (N/2 each);
# the watcher times from "all N accepted" to "all N sent" (see drain_watch.php).
# Baseline: N POSTs of the pre-gzipped envelope over 4 kept-alive connections; a second
# baseline row gzips the envelope again for every request (zlib level 1, as the drainer does,
# but with one reused z_stream). One more row runs ours with compression off (first WORKERS
# value), to separate the cost of gzip from the rest of the drainer, and one with
# transport.compression=zstd when the build has zstd.
# Prints a Markdown fragment on stdout. Timings are reported, never judged.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
N=${1:-50000}
REPS=${2:-3}
WORKERS=${3:-"4 8"}
SO=${SO:-$(bash "$root/scripts/build.sh" | tail -1)}

tmp=$(mktemp -d /tmp/st-bench-tp.XXXXXX)
started_nginx=
source "$here/nginx.sh"
cleanup() {
    [ -n "$started_nginx" ] && bench_nginx_stop
    rm -f /dev/shm/sentry_transport.v*."$(id -u)".bench_tp_$$_*
    rm -rf "$tmp"
}
trap cleanup EXIT
if [ -z "${BENCH_NGINX_PORT:-}" ]; then
    bench_nginx_start "$tmp/nginx"
    started_nginx=1
    bench_nginx_check
fi
dsn="http://benchkey@127.0.0.1:$BENCH_NGINX_PORT/42"
url="http://127.0.0.1:$BENCH_NGINX_PORT/api/42/envelope/"

cc -O2 -Wall -Wextra "$here/curl_multi_baseline.c" -o "$tmp/curl_multi_baseline" \
    $(pkg-config --cflags --libs libcurl zlib)
auth=$(php -n "$here/event.php" "$tmp/envelope.raw" "$tmp/envelope.gz" "$dsn")
# Which compressors this build has (php --ri: "gzip compressor => libdeflate 1.14", …)
ri=$(php -n -d "extension=$SO" --ri sentry_transport)
gzip_lib=$(echo "$ri" | sed -n 's/^gzip compressor => //p')
zstd=$(echo "$ri" | sed -n 's/^zstd compressor => \(zstd .*\)$/\1/p')
alt_gzip_lib=""
[ -n "${SO_ALT:-}" ] &&
    alt_gzip_lib=$(php -n -d "extension=$SO_ALT" --ri sentry_transport | sed -n 's/^gzip compressor => //p')

run_baseline() { # $1 out-file, $2.. extra args
    local out=$1
    shift
    "$tmp/curl_multi_baseline" "$url" "$N" 4 "$@" >"$out"
}

run_ours() { # $1 workers, $2 out-file, $3 compression (default 1), $4 module (default $SO)
    local w=$1 out=$2 comp=${3:-1} so=${4:-$SO} name="bench_tp_$$_$1"
    rm -f /dev/shm/sentry_transport.v*."$(id -u)"."$name" "$tmp/ready"
    local ini=(-n -d "extension=$so" -d "sentry_transport.dsn=$dsn" -d "sentry_transport.queue.name=$name"
        -d sentry_transport.queue.memory=256M -d "sentry_transport.queue.buffer_size=$((N + 1000))"
        -d "sentry_transport.transport.compression=$comp" -d sentry_transport.retry.dead_letter_queue=0
        -d sentry_transport.logging.level=warning -d "sentry_transport.logging.file=$tmp/transport.log")
    php "${ini[@]}" -d "sentry_transport.queue.workers=$w" -d sentry_transport.shutdown_timeout=5s \
        "$here/drain_watch.php" "$N" "$tmp/ready" >"$out" 2>>"$tmp/watch.err" &
    local wpid=$! i
    for i in $(seq 400); do [ -e "$tmp/ready" ] && break; sleep 0.025; done
    [ -e "$tmp/ready" ] || { cat "$tmp/watch.err" >&2; echo "throughput: watcher not ready" >&2; return 1; }
    local half=$((N / 2))
    php "${ini[@]}" -d sentry_transport.shutdown_timeout=0 "$here/fill.php" "$half" >"$out.fill1" &
    local f1=$!
    php "${ini[@]}" -d sentry_transport.shutdown_timeout=0 "$here/fill.php" "$((N - half))" >"$out.fill2" &
    local f2=$!
    wait "$f1" "$f2"
    wait "$wpid"
    rm -f /dev/shm/sentry_transport.v*."$(id -u)"."$name"
}

for rep in $(seq "$REPS"); do
    run_baseline "$tmp/base.$rep.json" "$tmp/envelope.gz" "$auth"
    for w in $WORKERS; do
        run_ours "$w" "$tmp/ours.$w.$rep.json"
    done
    # Same drainer without gzip: its overhead apart from compression (it sends the
    # envelope uncompressed, so not the same bytes as the baseline).
    run_ours "${WORKERS%% *}" "$tmp/plain.$rep.json" 0
    run_baseline "$tmp/basegz.$rep.json" "$tmp/envelope.raw" "$auth" --gzip-each
    # the same drainer, another build (another gzip library)
    if [ -n "${SO_ALT:-}" ]; then
        run_ours "${WORKERS%% *}" "$tmp/alt.$rep.json" 1 "$SO_ALT"
    fi
    # zstd (transport.compression=zstd), when this build has it
    if [ -n "$zstd" ]; then
        run_ours "${WORKERS%% *}" "$tmp/zstd.$rep.json" zstd
    fi
done

php -n "$here/throughput_report.php" "$tmp" "$N" "$REPS" "$WORKERS" "$(stat -c %s "$tmp/envelope.raw")" \
    "$(stat -c %s "$tmp/envelope.gz")" "${gzip_lib:-zlib}" "$zstd" "$alt_gzip_lib"
if [ -s "$tmp/transport.log" ]; then
    echo
    echo "Transport log (warnings and errors during the runs, first lines):"
    echo '```'
    head -5 "$tmp/transport.log"
    echo '```'
fi
