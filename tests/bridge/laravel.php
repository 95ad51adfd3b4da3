<?php
/**
 * A real Laravel 12 app (laravel/laravel skeleton without its dev requirements,
 * sentry/sentry-laravel, the bridge from a path repository; tests/bridge/setup.sh laravel)
 * served by `php -S` with the extension loaded. A route that throws: its event must arrive
 * at the strict receiver, sent by the extension (the bridge was auto-discovered), also after
 * `php artisan config:cache`; with SENTRY_TRANSPORT_BRIDGE=false, sentry-laravel's own
 * client sends it.
 *
 *   php -n tests/bridge/laravel.php path/to/sentry_transport.so
 */

declare(strict_types=1);

require __DIR__ . '/lib.php';

/** Serves the app with `php -S` (extension loaded) and returns the child, once it answers. */
function laravel_serve(string $so, string $app, array $r, array $env, string $name, bool $withExtension = true): array
{
    $port = e2e_free_port();
    $dir = e2e_tmpdir('laravel');
    $flags = $withExtension ? e2e_ext_args($so, bridge_ini_dsn($r['dsn']) + ['queue.name' => e2e_queue_name('br-lv')]) : [];
    $c = e2e_spawn($name, array_merge([PHP_BINARY], $flags, ['-S', "127.0.0.1:$port", '-t', "$app/public",
        "$app/vendor/laravel/framework/src/Illuminate/Foundation/resources/server.php"]),
        "$dir/out", "$dir/err", laravel_env($r, $env), "$app/public");
    $up = e2e_wait_until(static function () use ($port) {
        $s = @fsockopen('127.0.0.1', $port, $errno, $errstr, 0.2);
        if ($s) {
            fclose($s);
            return true;
        }
        return false;
    }, 15.0);
    e2e_assert($up !== false, 'php -S did not listen: %s', substr((string) file_get_contents("$dir/err"), -800));
    $c['port'] = $port;
    return $c;
}

function laravel_env(array $r, array $extra): array
{
    return $extra + getenv() + [
        'SENTRY_LARAVEL_DSN' => $r['dsn'],
        'APP_ENV' => 'production', 'APP_DEBUG' => 'false',
        'SESSION_DRIVER' => 'array', 'CACHE_STORE' => 'array', 'QUEUE_CONNECTION' => 'sync',
        'LOG_CHANNEL' => 'stderr', 'SENTRY_TRACES_SAMPLE_RATE' => '0',
    ];
}

function laravel_artisan(string $app, array $r, array $env, string ...$args): void
{
    [$rc, $out, $err] = bridge_php([], "$app/artisan", $args, 60.0, laravel_env($r, $env));
    e2e_assert($rc === 0, 'artisan %s: exit %d %s %s', implode(' ', $args), $rc, $out, substr($err, -500));
}

/** GET the throwing route; returns [status, the delivered record of its event]. */
function laravel_throw(array $server, array $r): array
{
    $marker = bin2hex(random_bytes(6));
    $t0 = microtime(true);
    $ctx = stream_context_create(['http' => ['ignore_errors' => true, 'timeout' => 30]]);
    $body = @file_get_contents("http://127.0.0.1:{$server['port']}/bridge-throw?m=$marker", false, $ctx);
    $ms = (microtime(true) - $t0) * 1000;
    $status = isset($http_response_header[0]) ? (int) explode(' ', $http_response_header[0])[1] : 0;
    e2e_assert($status === 500, 'GET /bridge-throw: status %d, body %s', $status, substr((string) $body, 0, 300));
    $rec = receiver_wait_for(static function () use ($r, $marker) {
        foreach (receiver_events($r, 0, true) as $rec) {
            if (str_contains(json_encode($rec['payloads'][0] ?? null), "laravel bridge $marker")) {
                return $rec;
            }
        }
        return false;
    }, 20.0);
    e2e_assert($rec !== false, 'the event of %s never arrived; receiver: %s; server log: %s', $marker, json_encode(receiver_stats($r)['by_status']), substr((string) file_get_contents($server['err']), -1200));
    e2e_assert($rec['valid'] === true, 'invalid: %s', $rec['error'] ?? '');
    e2e_assert(($rec['payloads'][0]['sdk']['name'] ?? '') === 'sentry.php.laravel', 'sdk %s', json_encode($rec['payloads'][0]['sdk'] ?? null));
    return [$status, $rec, $ms];
}

bridge_main(static function (): void {
    $so = e2e_so_path($GLOBALS['argv']);
    $app = bridge_setup('laravel');
    $r = receiver_start(['project' => 42]);
    e2e_on_exit(static function () use ($app, $r): void {
        laravel_artisan($app, $r, [], 'config:clear');
    });
    laravel_artisan($app, $r, [], 'config:clear');

    bridge_check('laravel: throwing route via extension', static function () use ($so, $app, $r): string {
        $s = laravel_serve($so, $app, $r, [], 'php -S');
        [, $rec, $ms] = laravel_throw($s, $r);
        e2e_stop($s);
        $client = $rec['headers']['x_sentry_auth']['sentry_client'] ?? '';
        e2e_assert(str_contains($client, 'sentry_transport'), 'sent by %s, not the extension', $client);
        return sprintf('event %s, request %.0f ms', $rec['event_id'], $ms);
    });

    bridge_check('laravel: without the extension', static function () use ($so, $app, $r): string {
        $s = laravel_serve($so, $app, $r, [], 'php -S (no extension)', false);
        [, $rec] = laravel_throw($s, $r);
        e2e_stop($s);
        $client = $rec['headers']['x_sentry_auth']['sentry_client'] ?? '';
        e2e_assert(str_starts_with($client, 'sentry.php.laravel/'), 'sent by %s, not sentry-laravel\'s client', $client);
        return 'sent by ' . $client;
    });

    bridge_check('laravel: after config:cache', static function () use ($so, $app, $r): string {
        laravel_artisan($app, $r, [], 'config:cache');
        // The DSN now comes from the cached config only.
        $s = laravel_serve($so, $app, $r, ['SENTRY_LARAVEL_DSN' => ''], 'php -S (config cached)');
        [, $rec] = laravel_throw($s, $r);
        e2e_stop($s);
        $client = $rec['headers']['x_sentry_auth']['sentry_client'] ?? '';
        e2e_assert(str_contains($client, 'sentry_transport'), 'sent by %s, not the extension', $client);
        return 'event ' . $rec['event_id'];
    });

    bridge_check('laravel: SENTRY_TRANSPORT_BRIDGE=false', static function () use ($so, $app, $r): string {
        laravel_artisan($app, $r, ['SENTRY_TRANSPORT_BRIDGE' => 'false'], 'config:cache');
        $s = laravel_serve($so, $app, $r, [], 'php -S (opted out)');
        [, $rec] = laravel_throw($s, $r);
        e2e_stop($s);
        $client = $rec['headers']['x_sentry_auth']['sentry_client'] ?? '';
        e2e_assert(str_starts_with($client, 'sentry.php.laravel/'), 'sent by %s, not sentry-laravel\'s client', $client);
        laravel_artisan($app, $r, [], 'config:clear');
        return 'sent by ' . $client;
    });
});
