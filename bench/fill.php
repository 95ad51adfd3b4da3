<?php
/**
 * Benchmark 2 helper: enqueue COUNT copies of the ~1 KB bench event (as a JSON string) and
 * exit. Run with shutdown_timeout=0 beside bench/drain_watch.php, which holds the drainer.
 *
 *   php … bench/fill.php COUNT
 * Prints one JSON line: {"accepted":…,"rejected":…,"seconds":…}.
 */
require __DIR__ . '/event.php';
$n = (int)($argv[1] ?? 25000);
$json = bench_event_json();
$ok = 0;
$t0 = hrtime(true);
for ($i = 0; $i < $n; $i++) {
    if (SentryTransport::sendEvent($json)['success']) {
        $ok++;
    }
}
$secs = (hrtime(true) - $t0) / 1e9;
echo json_encode(['accepted' => $ok, 'rejected' => $n - $ok, 'seconds' => round($secs, 4)]), "\n";
