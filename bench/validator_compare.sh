#!/usr/bin/env bash
# How the validating scan on sendEvent()'s path compares with simdjson, the fastest JSON
# validator we know, on the bench event (bench/event.php, 1059 bytes): instructions per
# document (callgrind, deterministic) and median ns (5 runs; noisy on a shared VM).
# simdjson's DOM parse also writes a tape of every value, which a validating scan does not;
# its stage 1 alone is not a validator. Not part of run.sh; needs libsimdjson-dev (Debian).
#
#   bash bench/validator_compare.sh [ITERATIONS=200000]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
n=${1:-200000}
[ -e /usr/include/simdjson.h ] || { echo "validator_compare: apt-get install libsimdjson-dev" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "validator_compare: valgrind is needed (bash scripts/deps.sh)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/st-bench-vc.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
php -n -r 'require $argv[1]; file_put_contents($argv[2], bench_event_json());' "$here/event.php" "$tmp/event.json"
cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -I"$root/src/core" "$here/validator_compare.c" \
    "$root/src/core/jsonscan.c" -o "$tmp/ours"
c++ -std=c++17 -O2 -Wall -Wextra "$here/validator_compare.cpp" -o "$tmp/simdjson" -lsimdjson
instr() { # $1 out-file, $2 function, $3.. command; prints instructions per call
    local out=$1 fn=$2
    shift 2
    valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect="$fn" "$@" >/dev/null 2>&1
    callgrind_annotate "$out" 2>/dev/null | awk -v n=2000 '/PROGRAM TOTALS/ { c = $1; gsub(",", "", c); printf "%.0f", c / n }'
}
echo "validating 1059-byte bench event; instructions per document (callgrind, 2000 documents), median ns ($n documents x 5)"
printf '%-48s %8s instr   %s\n' "ours: st_json_scan_object (no policy walk)" "$(instr "$tmp/cg.ours" scan_once "$tmp/ours" "$tmp/event.json" 400)" "$("$tmp/ours" "$tmp/event.json" "$n")"
for k in haswell westmere fallback; do
    "$tmp/simdjson" "$tmp/event.json" 10 "$k" >/dev/null 2>&1 || continue
    printf '%-48s %8s instr   %s\n' "simdjson dom::parser, $k kernel" "$(instr "$tmp/cg.$k" parse_once "$tmp/simdjson" "$tmp/event.json" 400 "$k")" "$("$tmp/simdjson" "$tmp/event.json" "$n" "$k")"
done
