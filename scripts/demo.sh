#!/usr/bin/env bash
# The main job: build the extension, start the bundled Sentry-compatible receiver, have
# 4 independent PHP processes send events through the extension and an app using the official
# Sentry SDK reports through the bridge (bridge/), then print a short summary of what arrived
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
    rm -f "/dev/shm/sentry_transport.v3.$(id -u).$queue"
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
echo "--- 4 PHP processes send 25 events each (SentryTransport::sendEvent) ---"
for w in 1 2 3 4; do "${php_ext[@]}" demo/worker.php "$w" 25 & done
wait $(jobs -p | grep -v "^$rpid$") 2>/dev/null || true

echo
echo "--- an app using the official Sentry SDK: \\Sentry\\captureException() through the bridge ---"
echo "(Composer installs sentry/sentry and sentry-transport/bridge into build/bridge/sdk)"
sdk=$(bash tests/bridge/setup.sh sdk 2>"$work/composer.log" | tail -1) || { tail -20 "$work/composer.log"; exit 1; }
"${php_ext[@]}" demo/sdk.php "$sdk/vendor/autoload.php" "$dsn"

echo
echo "--- the transport (SentryTransport::getStatus() / getMetrics(), key figures) ---"
"${php_ext[@]}" demo/report.php

echo
echo "--- what arrived (each envelope validated by sentry_sdk and @sentry/core parseEnvelope) ---"
curl -s "$url/_stats" >"$work/stats.json"
curl -s "$url/_events?delivered=1" >"$work/events.json"
/usr/bin/python3 - "$work/stats.json" "$work/events.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
evs = json.load(open(sys.argv[2]))
by = {}
for e in evs:
    p = (e.get("payloads") or [{}])[0]
    who = (p.get("tags") or {}).get("worker", "?")
    key = "sdk app (sentry/sentry via the bridge)" if who == "sdk" else "worker %s (sendEvent)" % who
    row = by.setdefault(key, {"events": 0, "sdk": p.get("sdk", {}).get("name", "-"), "example": ""})
    row["events"] += 1
    if not row["example"]:
        ex = ((p.get("exception") or {}).get("values") or [{}])[-1]
        row["example"] = "%s: %s" % (ex.get("type"), ex.get("value"))
for key in sorted(by):
    r = by[key]
    print("  %-40s %3d event(s)  sdk=%-29s e.g. %s" % (key, r["events"], r["sdk"], r["example"][:60]))
print("  envelopes %d: valid %d, invalid %d; unique events delivered %d, duplicates %d"
      % (s["envelopes"], s["valid"], s["invalid"], s["delivered_unique"], s["duplicates"]))
workers = sum(r["events"] for k, r in by.items() if k.startswith("worker"))
sdk = sum(r["events"] for k, r in by.items() if k.startswith("sdk"))
sys.exit(0 if workers == 100 and sdk == 1 and s["invalid"] == 0 else 1)
PY
echo "demo OK: 100 events from 4 processes and 1 from the Sentry SDK arrived through the extension"
