<?php
/**
 * One measured process of bench/sdk_bridge.php: \Sentry\captureException() timed call by call,
 * with the SDK's own HTTP client ("sdk") or the bridge ("bridge").
 *
 *   php [-d extension=sentry_transport.so …] sdk_bridge_worker.php sdk|bridge DSN CALLS WARMUP vendor/autoload.php
 *
 * Prints one JSON line: {"mode", "calls", "no_id", "p50_ms", "p99_ms", "max_ms", "mean_ms"} (no_id: captures
 * that returned no event id, i.e. that the client did not take).
 */

declare(strict_types=1);

[, $mode, $dsn, $calls, $warmup, $autoload] = $argv;
require $autoload;

$http = $mode === 'sdk'
    ? new Sentry\HttpClient\HttpClient(Sentry\Client::SDK_IDENTIFIER, Sentry\Client::SDK_VERSION)
    : new SentryTransport\Bridge\HttpClient();
// The SDK's defaults otherwise (http_timeout 5 s, http_connect_timeout 2 s, compression on).
\Sentry\init(['dsn' => $dsn, 'http_client' => $http, 'default_integrations' => false]);

$exception = new RuntimeException('bench exception');
for ($i = 0; $i < (int) $warmup; $i++) {
    \Sentry\captureException($exception);
}
$lat = [];
$noId = 0; // captures the client did not accept (the SDK returns no event id)
for ($i = 0; $i < (int) $calls; $i++) {
    $t0 = hrtime(true);
    $id = \Sentry\captureException($exception);
    $lat[] = (hrtime(true) - $t0) / 1e6;
    $noId += $id === null ? 1 : 0;
}
sort($lat);
$rank = static fn(float $p): float => $lat[max(0, (int) ceil($p * count($lat)) - 1)];
echo json_encode(['mode' => $mode, 'calls' => count($lat), 'no_id' => $noId, 'p50_ms' => $rank(0.50), 'p99_ms' => $rank(0.99),
    'max_ms' => end($lat), 'mean_ms' => array_sum($lat) / count($lat)]), "\n";
