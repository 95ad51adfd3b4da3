#!/usr/bin/env bash
# Where the time goes, for when bench/run.sh reports a missed target. Not part of run.sh.
#
#   bash bench/profile.sh request string|array [CALLS=2000]
#       callgrind, instructions per sendEvent() call by function (inclusive), counted only
#       inside sendEvent. Deterministic: other load on the machine does not change it. It does
#       not see what a syscall, a page fault or a lock wait costs: see perf for those.
#   bash bench/profile.sh drain [WORKERS=4] [N=20000]
#       perf (DWARF call graphs) of the drainer process while it drains N queued events to a
#       local nginx (as in bench/throughput.sh); prints the top inclusive symbols.
#
# env: SO=path/to/sentry_transport.so (default: bash scripts/build.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
SO=${SO:-$(bash "$root/scripts/build.sh" | tail -1)}
tmp=$(mktemp -d /tmp/st-bench-prof.XXXXXX)
uid=$(id -u)
name="bench_prof_$$"
source "$here/nginx.sh"
cleanup() {
    bench_nginx_stop
    rm -f "/dev/shm/sentry_transport.v2.$uid.$name"
    rm -rf "$tmp"
}
trap cleanup EXIT

case "${1:-}" in
request)
    mode=${2:-string}
    calls=${3:-2000}
    command -v valgrind >/dev/null || { echo "profile: valgrind is needed (bash scripts/deps.sh)" >&2; exit 1; }
    # DSN at a closed port, retries far away: the drainer stays quiet; nothing is sent.
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" \
        --toggle-collect=zim_SentryTransport_sendEvent \
        php -n -d "extension=$SO" -d "sentry_transport.dsn=http://benchkey@127.0.0.1:9/42" \
        -d "sentry_transport.queue.name=$name" -d sentry_transport.queue.memory=64M \
        -d sentry_transport.queue.buffer_size=100000 -d sentry_transport.retry.max_attempts=100 \
        -d sentry_transport.retry.initial_backoff=24h -d sentry_transport.retry.max_backoff=24h \
        -d sentry_transport.retry.dead_letter_queue=0 -d sentry_transport.logging.level=off \
        -d sentry_transport.shutdown_timeout=0 "$here/profile_request.php" "$mode" "$calls" 2>"$tmp/vg.err" \
        || { cat "$tmp/vg.err" >&2; exit 1; }
    echo "sendEvent(\$$mode event): instructions per call, inclusive, by function (callgrind, $calls calls)"
    callgrind_annotate --inclusive=yes "$tmp/cg.out" 2>/dev/null |
        sed -nE 's/^ *([0-9,]+) \( *[0-9.]+%\) +(.*)$/\1 \2/p' |
        grep -v -E '<counts|PROGRAM TOTALS|libc-start|below main|execute_ex|zend_execute|php_execute|0x[0-9a-f]{8}' |
        awk -v n="$calls" '{
            c = $1; gsub(",", "", c)
            f = $2; sub(/^.*:/, "", f)              # file:function -> function
            loc = $2; sub(/:[^:]*$/, "", loc); sub(/^.*\//, "", loc)
            if (loc == "???") loc = ""
            if (!(f in best) || c > best[f]) best[f] = c
            if (loc != "" && !(f in file)) file[f] = loc
        } END { for (f in best) printf "%9.0f  %s%s\n", best[f] / n, f, (f in file) ? "  (" file[f] ")" : "" }' |
        sort -rn | head -30
    ;;
drain)
    w=${2:-4}
    n=${3:-20000}
    command -v perf >/dev/null || { echo "profile: perf is needed (Debian: linux-perf)" >&2; exit 1; }
    bench_nginx_start "$tmp/nginx"
    dsn="http://benchkey@127.0.0.1:$BENCH_NGINX_PORT/42"
    ini=(-n -d "extension=$SO" -d "sentry_transport.dsn=$dsn" -d "sentry_transport.queue.name=$name"
        -d sentry_transport.queue.memory=256M -d "sentry_transport.queue.buffer_size=$((n + 1000))"
        -d sentry_transport.transport.compression=1 -d sentry_transport.retry.dead_letter_queue=0)
    php "${ini[@]}" -d "sentry_transport.queue.workers=$w" "$here/drain_watch.php" "$n" "$tmp/ready" >"$tmp/watch.json" &
    wpid=$!
    for _ in $(seq 400); do [ -e "$tmp/ready" ] && break; sleep 0.025; done
    php "${ini[@]}" -d sentry_transport.shutdown_timeout=0 "$here/fill.php" "$n" >/dev/null
    perf record -F 1999 --call-graph dwarf,16384 -p "$wpid" -o "$tmp/perf.data" 2>"$tmp/perf.err" &
    ppid=$!
    wait "$wpid"
    kill -INT "$ppid" 2>/dev/null || true
    wait "$ppid" 2>/dev/null || true
    echo "drain of $n events, queue.workers=$w: $(cat "$tmp/watch.json")"
    echo "(perf slows the drainer; the rate above is not a benchmark result)"
    perf report -i "$tmp/perf.data" --children --sort symbol --stdio -g none --percent-limit 1.5 2>/dev/null |
        grep -E '^ +[0-9]' | grep -v -E '0x0000|clone3|start_thread|_start$|libc_start' | head -45
    ;;
*)
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
