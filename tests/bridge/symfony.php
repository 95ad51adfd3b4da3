<?php
/**
 * A Symfony 7.4 kernel (symfony/framework-bundle from Packagist; tests/bridge/setup.sh
 * symfony) with the bridge registered as a service and sentry/sentry reporting from a
 * kernel.exception listener (tests/bridge/symfony_app). A request whose controller throws:
 * its event must arrive at the strict receiver, sent by the extension.
 *
 *   php -n tests/bridge/symfony.php path/to/sentry_transport.so
 */

declare(strict_types=1);

require __DIR__ . '/lib.php';

bridge_main(static function (): void {
    $so = e2e_so_path($GLOBALS['argv']);
    $app = bridge_setup('symfony');
    $r = receiver_start(['project' => 42]);
    $cache = e2e_tmpdir('symfony');

    bridge_check('symfony: kernel.exception listener', static function () use ($so, $app, $r, $cache): string {
        $marker = bin2hex(random_bytes(6));
        $flags = e2e_ext_args($so, bridge_ini_dsn($r['dsn']) + ['queue.name' => e2e_queue_name('br-sf')]);
        $env = ['SENTRY_DSN' => $r['dsn'], 'SYMFONY_CACHE_DIR' => $cache] + getenv();
        [$rc, $out, $err] = bridge_php($flags, __DIR__ . '/symfony_app/child.php', ["$app/vendor/autoload.php", $marker], 60.0, $env);
        $res = json_decode(trim($out), true);
        e2e_assert($rc === 0 && is_array($res), 'child: exit %d, %s %s', $rc, substr($out, 0, 300), substr($err, -800));
        e2e_assert($res['status'] === 500, 'status %d', $res['status']);
        $rec = receiver_wait_for(static function () use ($r, $marker) {
            foreach (receiver_events($r, 0, true) as $rec) {
                if (str_contains(json_encode($rec['payloads'][0] ?? null), "symfony bridge $marker")) {
                    return $rec;
                }
            }
            return false;
        }, 15.0);
        e2e_assert($rec !== false, 'the event never arrived: %s; stderr %s', json_encode(receiver_stats($r)['by_status']), substr($err, -800));
        e2e_assert($rec['valid'] === true, 'invalid: %s', $rec['error'] ?? '');
        $client = $rec['headers']['x_sentry_auth']['sentry_client'] ?? '';
        e2e_assert(str_contains($client, 'sentry_transport'), 'sent by %s, not the extension', $client);
        return sprintf('event %s', $rec['event_id']);
    });
});
