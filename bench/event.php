<?php
/**
 * The event every benchmark sends: a realistic PHP error event of about 1 KB once
 * JSON-encoded, and helpers shared by the benchmark scripts. Needs only what `php -n` has.
 *
 * As a script: `php bench/event.php ENVELOPE_OUT GZIP_OUT DSN` writes the envelope the
 * baselines send (raw, and gzip level 1) and prints its X-Sentry-Auth header value.
 */

/** JSON flags the extension uses when it encodes an array (src/php/sentry_transport.c). */
const BENCH_JSON_FLAGS = JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION;

function bench_event(): array
{
    return [
        'event_id' => 'fc6d8c0c43fc4630ad850ee518f1b9d0',
        'timestamp' => 1732281895.123,
        'platform' => 'php',
        'level' => 'error',
        'server_name' => 'web-01',
        'release' => 'shop@2.14.3',
        'environment' => 'production',
        'sdk' => ['name' => 'sentry.php', 'version' => '4.10.0'],
        'exception' => ['values' => [[
            'type' => 'ErrorException',
            'value' => 'Warning: Undefined array key "user"',
            'mechanism' => ['type' => 'generic', 'handled' => false],
            'stacktrace' => ['frames' => [
                ['filename' => 'public/index.php', 'lineno' => 55, 'in_app' => true,
                 'abs_path' => '/var/www/shop/public/index.php', 'function' => 'main'],
                ['filename' => 'src/Controller/CartController.php', 'lineno' => 128, 'in_app' => true,
                 'abs_path' => '/var/www/shop/src/Controller/CartController.php',
                 'function' => 'App\\Controller\\CartController::add',
                 'context_line' => '        $user = $session[\'user\'];'],
            ]],
        ]]],
        'request' => [
            'url' => 'https://shop.example.com/cart/add',
            'method' => 'POST',
            'headers' => ['User-Agent' => 'Mozilla/5.0 Firefox/132.0'],
        ],
        'user' => ['id' => '18342'],
        'tags' => ['locale' => 'de_DE', 'café' => 'Grüße'],
        'contexts' => [
            'runtime' => ['name' => 'php', 'version' => '8.2.24', 'sapi_name' => 'fpm-fcgi'],
        ],
        'extra' => ['memory_peak' => 4194304],
    ];
}

function bench_event_json(): string
{
    return json_encode(bench_event(), BENCH_JSON_FLAGS);
}

/** Parse "http://key@host:port/42" into [endpoint URL, X-Sentry-Auth value, public DSN]. */
function bench_dsn_parts(string $dsn): array
{
    $u = parse_url($dsn);
    $base = $u['scheme'] . '://' . $u['host'] . (isset($u['port']) ? ':' . $u['port'] : '');
    $project = trim($u['path'], '/');
    $auth = 'Sentry sentry_version=7, sentry_client=sentry.php.sentry_transport/0.1.0, sentry_key=' . $u['user'];
    return [$base . '/api/' . $project . '/envelope/', $auth, $u['scheme'] . '://' . $u['user'] . '@' . substr($base, strlen($u['scheme']) + 3) . '/' . $project];
}

/** The envelope of bench_event() as the extension sends it: header line (with sent_at),
 *  item header with length, payload. */
function bench_envelope(string $dsn): string
{
    [, , $public] = bench_dsn_parts($dsn);
    $payload = bench_event_json();
    $header = json_encode([
        'event_id' => 'fc6d8c0c43fc4630ad850ee518f1b9d0',
        'dsn' => $public,
        'sdk' => ['name' => 'sentry.php.sentry_transport', 'version' => '0.1.0'],
        'sent_at' => gmdate('Y-m-d\TH:i:s') . '.000Z',
    ], BENCH_JSON_FLAGS);
    $item = json_encode(['type' => 'event', 'length' => strlen($payload)]);
    return $header . "\n" . $item . "\n" . $payload;
}

/** Percentile by nearest rank of a sorted list. */
function bench_pct(array $sorted, float $p): float
{
    $n = count($sorted);
    $i = (int)ceil($p * $n) - 1;
    return (float)$sorted[max(0, min($n - 1, $i))];
}

if (PHP_SAPI === 'cli' && realpath($_SERVER['SCRIPT_FILENAME'] ?? '') === __FILE__) {
    [, $raw, $gz, $dsn] = $argv;
    $env = bench_envelope($dsn);
    file_put_contents($raw, $env);
    file_put_contents($gz, gzencode($env, 1));
    [, $auth] = bench_dsn_parts($dsn);
    echo $auth, "\n";
}
