#!/usr/bin/env bash
# The main job: build the extension, start the bundled Sentry-compatible receiver, have
# 4 independent PHP processes send events through the extension, then print what arrived
# and the transport's status and metrics. No Sentry account needed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/deps.sh
so=$(bash scripts/build.sh release | tail -1)
echo "built $so"

work=$(mktemp -d)
queue="demo$$"
cleanup() {
    [ -n "${rpid:-}" ] && kill "$rpid" 2>/dev/null && wait "$rpid" 2>/dev/null
    rm -f "/dev/shm/sentry_transport.v2.$(id -u).$queue"
    rm -rf "$work"
}
trap cleanup EXIT

/usr/bin/python3 tests/receiver/receiver.py --port 0 --key demo-key --record "$work/received.jsonl" \
    >"$work/receiver.out" 2>"$work/receiver.err" &
rpid=$!
for _ in $(seq 100); do grep -q listening "$work/receiver.out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^receiver listening on //p' "$work/receiver.out")
[ -n "$url" ] || { cat "$work/receiver.err"; echo "receiver did not start" >&2; exit 1; }
dsn="http://demo-key@${url#http://}/42"
echo "receiver at $url, DSN $dsn"

php_ext=(php -d "extension=$so" -d "sentry_transport.dsn=$dsn" -d "sentry_transport.queue.name=$queue"
         -d sentry_transport.environment=demo -d sentry_transport.release=demo@1.0)
echo
echo "--- 4 PHP processes send 25 events each ---"
for w in 1 2 3 4; do "${php_ext[@]}" demo/worker.php "$w" 25 & done
wait $(jobs -p | grep -v "^$rpid$") 2>/dev/null || true
"${php_ext[@]}" demo/report.php | tee "$work/report.txt"

echo
echo "--- what the receiver got (validated by sentry_sdk and @sentry/core parseEnvelope) ---"
curl -s "$url/_stats" | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)
print("envelopes received: %d, valid: %d, invalid: %d, delivered unique events: %d, duplicates: %d"
      % (s["envelopes"], s["valid"], s["invalid"], s["delivered_unique"], s["duplicates"]))'
curl -s "$url/_events?delivered=1" | /usr/bin/python3 -c '
import json, sys
evs = json.load(sys.stdin)
evs = evs.get("events", evs) if isinstance(evs, dict) else evs
for e in evs[:3]:
    p = (e.get("payloads") or [{}])[0]
    print("  %s %s %-5s %s  sent_at=%s encoding=%s" % (e["event_id"], p.get("platform"), p.get("level"),
          p.get("message"), e.get("sent_at"), e.get("encoding")))
print("  … %d events in all" % len(evs))
n = sum(1 for e in evs)
sys.exit(0 if n == 100 else 1)'
echo "demo OK: 100 events from 4 processes arrived through the extension"
