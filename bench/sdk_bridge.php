<?php
/**
 * Benchmark: the official SDK's own HTTP client beside the bridge (bridge/), in the same run,
 * for three upstreams: healthy (a local nginx answering 200 at once), slow (the test receiver
 * answering every envelope after 200 ms), hanging (a listener that accepts connections and
 * never answers).
 *   1. \Sentry\captureException() per call (bench/sdk_bridge_worker.php), p50/p99;
 *   2. a failing Laravel 12 request (tests/bridge/setup.sh laravel, served by `php -S` with
 *      opcache, the extension loaded; SENTRY_TRANSPORT_BRIDGE=false for the SDK's client),
 *      measured from the HTTP client, p50/p99.
 * Run by bench/sdk_bridge.sh, which starts nginx and does the Composer installs:
 *
 *   php -n bench/sdk_bridge.php MODULE.so NGINX_PORT SDK_DIR LARAVEL_DIR
 *
 * Prints a Markdown fragment. Timings are reported, never judged.
 */

declare(strict_types=1);

require __DIR__ . '/../tests/bridge/lib.php';

[, $so, $nginxPort, $sdkDir, $laravelDir] = $argv;
$calls = (int) (getenv('BENCH_SDK_CALLS') ?: 200);
$hangCalls = (int) (getenv('BENCH_SDK_HANG_CALLS') ?: 5);
$reqs = (int) (getenv('BENCH_LARAVEL_REQS') ?: 40);
$hangReqs = (int) (getenv('BENCH_LARAVEL_HANG_REQS') ?: 4);

register_shutdown_function('e2e_cleanup');

// The three upstreams.
$receiver = receiver_start(['project' => 42, 'key' => 'benchkey']);
receiver_faults($receiver, ['then' => ['delay_ms' => 200]]);
$hang = stream_socket_server('tcp://127.0.0.1:0', $errno, $errstr, STREAM_SERVER_BIND | STREAM_SERVER_LISTEN,
    stream_context_create(['socket' => ['backlog' => 512]]));
$hangPort = (int) substr(strrchr(stream_socket_get_name($hang, false), ':'), 1);
$upstreams = [
    'healthy (nginx, 200 at once)' => ["http://benchkey@127.0.0.1:$nginxPort/42", $calls, $reqs],
    'slow (200 ms per response)' => [$receiver['dsn'], $calls, $reqs],
    'hanging (never answers)' => ["http://benchkey@127.0.0.1:$hangPort/42", $hangCalls, $hangReqs],
];

$extFlags = static function (string $dsn, string $tag) use ($so): array {
    return array_merge(e2e_ext_args($so, bridge_ini_dsn($dsn) + ['queue.name' => e2e_queue_name('bench-' . $tag),
        'shutdown_timeout' => '0', 'logging.level' => 'off']), ['-d', 'opcache.enable_cli=1']);
};

$fmt = static fn(array $v): string => sprintf('%.2f', $v['p50_ms']) . ' / ' . sprintf('%.2f', $v['p99_ms']);
$rows = [];
foreach ($upstreams as $name => [$dsn, $n, $nReq]) {
    fwrite(STDERR, "bench: captureException, $name\n");
    $res = [];
    foreach (['sdk', 'bridge'] as $mode) {
        $warm = $n >= 50 ? 10 : 1;
        [$rc, $out, $err] = bridge_php($extFlags($dsn, $mode), __DIR__ . '/sdk_bridge_worker.php',
            [$mode, $dsn, (string) $n, (string) $warm, "$sdkDir/vendor/autoload.php"], 600.0);
        $res[$mode] = json_decode(trim($out), true);
        if ($rc !== 0 || !is_array($res[$mode])) {
            fwrite(STDERR, "bench: worker $mode failed ($rc): $out $err\n");
            exit(1);
        }
    }
    $rows['sdk'][$name] = [$res['sdk'], $res['bridge'], $n];
}

/** Serves the Laravel app, sends $n failing requests, returns latency percentiles (ms). */
$laravel = static function (string $dsn, bool $bridge, int $n) use ($laravelDir, $extFlags): array {
    $port = e2e_free_port();
    $dir = e2e_tmpdir('bench-laravel');
    $env = ['SENTRY_LARAVEL_DSN' => $dsn, 'SENTRY_TRANSPORT_BRIDGE' => $bridge ? 'true' : 'false',
        'APP_ENV' => 'production', 'APP_DEBUG' => 'false', 'SESSION_DRIVER' => 'array', 'CACHE_STORE' => 'array',
        'LOG_CHANNEL' => 'null', 'SENTRY_TRACES_SAMPLE_RATE' => '0'] + getenv();
    $c = e2e_spawn('php -S', array_merge([PHP_BINARY], $extFlags($dsn, $bridge ? 'lvb' : 'lvs'), ['-S', "127.0.0.1:$port",
        '-t', "$laravelDir/public", "$laravelDir/vendor/laravel/framework/src/Illuminate/Foundation/resources/server.php"]),
        "$dir/out", "$dir/err", $env, "$laravelDir/public");
    e2e_wait_until(static function () use ($port) {
        $s = @fsockopen('127.0.0.1', $port, $e1, $e2, 0.2);
        return $s ? (fclose($s) || true) : false;
    }, 15.0);
    $ctx = stream_context_create(['http' => ['ignore_errors' => true, 'timeout' => 60]]);
    $lat = [];
    for ($i = -2; $i < $n; $i++) { // 2 warm-up requests (opcache, connections)
        $t0 = hrtime(true);
        @file_get_contents("http://127.0.0.1:$port/bridge-throw?m=$i", false, $ctx);
        $status = isset($http_response_header[0]) ? (int) explode(' ', $http_response_header[0])[1] : 0;
        if ($status !== 500) {
            fwrite(STDERR, "bench: laravel answered $status: " . substr((string) file_get_contents("$dir/err"), -600) . "\n");
            exit(1);
        }
        if ($i >= 0) {
            $lat[] = (hrtime(true) - $t0) / 1e6;
        }
    }
    e2e_stop($c, 15, 2.0);
    sort($lat);
    $rank = static fn(float $p): float => $lat[max(0, (int) ceil($p * count($lat)) - 1)];
    return ['p50_ms' => $rank(0.5), 'p99_ms' => $rank(0.99)];
};
foreach ($upstreams as $name => [$dsn, , $nReq]) {
    fwrite(STDERR, "bench: Laravel failing request, $name\n");
    $rows['laravel'][$name] = [$laravel($dsn, false, $nReq), $laravel($dsn, true, $nReq), $nReq];
}

echo "`\\Sentry\\captureException()` per call (sentry/sentry 4, default options; the SDK's client: `http_timeout` 5 s):\n\n";
echo "| upstream | SDK client p50 / p99 (ms) | bridge p50 / p99 (ms) | p50 ratio | calls | not accepted (SDK / bridge) |\n|---|---|---|---|---|---|\n";
foreach ($rows['sdk'] as $name => [$s, $b, $n]) {
    printf("| %s | %s | %s | %.0f× | %d | %d / %d |\n", $name, $fmt($s), $fmt($b), $s['p50_ms'] / max($b['p50_ms'], 1e-6), $n, $s['no_id'], $b['no_id']);
}
echo "\nLaravel 12 failing request (`GET /bridge-throw`, `php -S`, opcache on), from the HTTP client:\n\n";
echo "| upstream | sentry-laravel's client p50 / p99 (ms) | bridge p50 / p99 (ms) | p50 ratio | requests |\n|---|---|---|---|---|\n";
foreach ($rows['laravel'] as $name => [$s, $b, $n]) {
    printf("| %s | %s | %s | %.1f× | %d |\n", $name, $fmt($s), $fmt($b), $s['p50_ms'] / max($b['p50_ms'], 1e-6), $n);
}
