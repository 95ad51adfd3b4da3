<?php
/**
 * The real sentry/sentry 4.x (from Packagist, tests/bridge/setup.sh sdk) through the bridge
 * (bridge/), against the strict test receiver. Each check runs sdk_child.php in a fresh PHP
 * process with its own queue; this process (php -n, no extension) owns the receiver.
 *
 *   php -n tests/bridge/sdk.php path/to/sentry_transport.so
 *
 * Prints one line per check and "N passed, N failed".
 */

declare(strict_types=1);

require __DIR__ . '/lib.php';

bridge_main(static function (): void {
    $so = e2e_so_path($GLOBALS['argv']);
    $app = getenv('BRIDGE_SDK_DIR') ?: bridge_setup('sdk'); // another SDK version: a dir with vendor/autoload.php
    $autoload = "$app/vendor/autoload.php";
    $r = receiver_start(['key' => 'bridgekey', 'project' => 42]);
    $child = __DIR__ . '/sdk_child.php';

    // One SDK process with the extension loaded (and $ini), scenario $scenario.
    $run = static function (string $scenario, array $ini, bool $withExtension = true) use ($so, $r, $child, $autoload): array {
        $flags = [];
        if ($withExtension) {
            $q = e2e_queue_name('br-' . $scenario);
            $flags = e2e_ext_args($so, $ini + bridge_ini_dsn($r['dsn']) + ['queue.name' => $q]);
        }
        [$rc, $out, $err] = bridge_php($flags, $child, [$scenario, $r['dsn'], $autoload]);
        $res = json_decode(trim($out), true);
        e2e_assert($rc === 0 && is_array($res), 'child %s: exit %d, stdout %s, stderr %s', $scenario, $rc, substr($out, 0, 500), substr($err, -800));
        $res['stderr'] = $err;
        return $res;
    };
    $logHas = static fn(array $res, string $needle): int => count(array_filter($res['log'], static fn($l) => str_contains($l, $needle)));

    $assertAllDelivered = static function (array $res, int $since) use ($r): string {
        $ids = $res['ids'];
        foreach ($ids as $what => $id) {
            e2e_assert(preg_match('/^[0-9a-f]{32}$/', $id) === 1, '%s: no event id returned (%s)', $what, json_encode($res['calls']));
        }
        $want = count($ids) + 2; // + the check-in and the logs envelope
        $stats = receiver_wait_for(static function () use ($r, $since, $want) {
            $evs = receiver_events($r, $since, true);
            return count($evs) >= $want ? $evs : false;
        }, 15.0);
        e2e_assert($stats !== false, 'only %d of %d envelopes delivered: %s', count(receiver_events($r, $since, true)), $want, json_encode(receiver_stats($r)['by_status']));
        $byId = [];
        $types = [];
        foreach (receiver_events($r, $since) as $rec) {
            e2e_assert($rec['valid'] === true, 'invalid envelope: %s', $rec['error'] ?? '?');
            $byId[$rec['event_id'] ?? ''] = $rec;
            foreach ($rec['item_types'] as $i => $t) {
                $types[$t][] = $rec['payloads'][$i];
            }
        }
        $ex = $byId[$ids['exception']] ?? null;
        e2e_assert($ex !== null, 'exception event not delivered');
        e2e_assert(str_contains(json_encode($ex['payloads'][0]['exception']['values'] ?? []), 'bridge exception'), 'exception payload: %s', substr(json_encode($ex['payloads'][0]), 0, 300));
        e2e_assert(($byId[$ids['message']]['payloads'][0]['message']['formatted'] ?? $byId[$ids['message']]['payloads'][0]['message'] ?? null) !== null, 'message event not delivered');
        $tx = $byId[$ids['transaction']] ?? null;
        e2e_assert($tx !== null && $tx['item_types'] === ['transaction'], 'transaction not delivered');
        $ops = array_column($tx['payloads'][0]['spans'] ?? [], 'op');
        sort($ops);
        e2e_assert($ops === ['db.query', 'http.client'], 'transaction spans: %s', json_encode($ops));
        $att = $byId[$ids['attachment']] ?? null;
        e2e_assert($att !== null && $att['item_types'] === ['event', 'attachment'], 'attachment envelope: %s', json_encode($att['item_types'] ?? null));
        e2e_assert(($att['item_headers'][1]['filename'] ?? '') === 'bridge.txt' && ($att['item_headers'][1]['length'] ?? 0) === 15, 'attachment header: %s', json_encode($att['item_headers'][1] ?? null));
        e2e_assert(($types['check_in'][0]['monitor_slug'] ?? '') === 'bridge-monitor' && ($types['check_in'][0]['status'] ?? '') === 'ok', 'check-in: %s', json_encode($types['check_in'] ?? null));
        e2e_assert(str_contains(json_encode($types['log'] ?? []), 'bridge log line one'), 'log item: %s', json_encode($types['log'] ?? null));
        return sprintf('%d envelopes, items %s', count($byId) + 1, implode(',', array_keys($types)));
    };

    bridge_check('sdk: every kind of envelope', static function () use ($r, $run, $assertAllDelivered): string {
        receiver_reset($r);
        $res = $run('all', []);
        foreach ($res['calls'] as $c) {
            e2e_assert($c['status'] === 200, 'bridge answered %s', json_encode($c));
        }
        $d = $assertAllDelivered($res, 0);
        $auth = receiver_events($r, 0, true)[0]['headers']['x_sentry_auth']['sentry_client'] ?? '';
        e2e_assert(str_contains($auth, 'sentry_transport'), 'sent by %s, not the extension', $auth);
        e2e_assert(receiver_stats($r)['invalid'] === 0, 'invalid envelopes');
        // sent_at restamped when sent: the extension writes milliseconds, the SDK whole seconds.
        foreach (receiver_events($r, 0, true) as $rec) {
            e2e_assert(preg_match('/\.\d{3}Z$/', (string) $rec['sent_at']) === 1, 'sent_at %s not restamped', $rec['sent_at']);
        }
        return $d;
    });

    bridge_check('sdk: 429 stops serializing', static function () use ($r, $run, $logHas): string {
        receiver_reset($r);
        receiver_faults($r, ['script' => [['status' => 429, 'headers' => ['X-Sentry-Rate-Limits' => '60:error:key']]]]);
        $res = $run('ratelimit', []);
        $calls = $res['calls'];
        e2e_assert(($calls[0]['status'] ?? 0) === 200, 'first error: %s', json_encode($calls));
        e2e_assert(($calls[1]['status'] ?? 0) === 429 && str_contains($calls[1]['rate_limits'], ':error:'), 'second error: %s', json_encode($calls[1] ?? null));
        e2e_assert($res['calls_after_fourth'] === $res['calls_after_second'], 'the SDK still sent %d requests after the 429', $res['calls_after_fourth'] - $res['calls_after_second']);
        e2e_assert($res['before_send'] === 4, 'before_send ran %d times', $res['before_send']); // the 4 errors (before serialization)
        e2e_assert($logHas($res, 'Rate limit exceeded for sending requests of type "event"') === 2, 'SDK log: %s', json_encode($res['log']));
        e2e_assert($res['ids'][2] === '' && $res['ids'][3] === '', 'rate-limited captures returned ids');
        // Each discard counted once: the SDK counts what it stopped (3rd, 4th), the extension what it refused (2nd).
        e2e_assert(($res['sdk_reports']['error']['ratelimit_backoff'] ?? 0) === 2 && count($res['sdk_reports']) === 1, 'SDK client reports: %s', json_encode($res['sdk_reports']));
        e2e_assert(($res['ext_drops']['ratelimit_backoff'] ?? 0) === 1, 'extension drops: %s', json_encode($res['ext_drops']));
        // Both reports reach Sentry, through the bridge: 3 in all; the transaction arrives.
        $tot = receiver_wait_for(static function () use ($r) {
            $t = bridge_client_report_totals($r);
            return ($t['ratelimit_backoff/error'] ?? 0) >= 3 ? $t : false;
        }, 40.0);
        e2e_assert($tot !== false && $tot === ['ratelimit_backoff/error' => 3], 'delivered client reports: %s', json_encode(bridge_client_report_totals($r)));
        $st = receiver_stats($r);
        e2e_assert(($st['delivered_by_item_type']['transaction'] ?? 0) === 1 && !isset($st['delivered_by_item_type']['event']), 'deliveries: %s', json_encode($st['delivered_by_item_type']));
        return 'ratelimit_backoff: SDK 2 + extension 1 = 3 reported';
    });

    bridge_check('sdk: full queue is a failure', static function () use ($r, $run, $logHas): string {
        receiver_reset($r);
        receiver_faults($r, ['then' => ['delay_ms' => 5000]]); // nothing leaves the queue meanwhile
        $res = $run('queuefull', ['queue.buffer_size' => '2', 'queue.workers' => '1', 'shutdown_timeout' => '0']);
        $codes = array_column($res['calls'], 'status');
        $full = count(array_filter($codes, static fn($s) => $s === -1));
        e2e_assert(count($codes) === 6 && $full >= 1 && $full + count(array_filter($codes, static fn($s) => $s === 200)) === 6, 'statuses %s', json_encode($codes));
        e2e_assert($logHas($res, 'queue full') === $full, 'SDK log: %s', json_encode($res['log']));
        e2e_assert($res['sdk_reports'] === [], 'the SDK counted them too: %s', json_encode($res['sdk_reports']));
        e2e_assert(($res['ext_drops']['queue_overflow'] ?? 0) === $full, 'extension drops: %s', json_encode($res['ext_drops']));
        return "$full of 6 refused, counted once (queue_overflow)";
    });

    bridge_check('sdk: too large is a failure', static function () use ($r, $run, $logHas): string {
        receiver_reset($r);
        $res = $run('large', ['queue.memory' => '256K']);
        e2e_assert(array_column($res['calls'], 'status') === [413], 'statuses %s', json_encode($res['calls']));
        e2e_assert($logHas($res, 'larger than the queue') === 1, 'SDK log: %s', json_encode($res['log']));
        // The extension counts nothing here: the SDK does (send_error), once.
        e2e_assert(($res['sdk_reports']['error']['send_error'] ?? 0) === 1, 'SDK client reports: %s', json_encode($res['sdk_reports']));
        return 'SDK counted send_error';
    });

    bridge_check('sdk: no extension -> SDK client', static function () use ($r, $run, $logHas, $assertAllDelivered): string {
        receiver_reset($r);
        $res = $run('fallback', [], false);
        e2e_assert($logHas($res, 'because the sentry_transport extension is not loaded') === 1, 'fallback not logged once: %s', json_encode($res['log']));
        $d = $assertAllDelivered($res, 0);
        $auth = receiver_events($r, 0, true)[0]['headers']['x_sentry_auth']['sentry_client'] ?? '';
        e2e_assert(str_starts_with($auth, 'sentry.php/'), 'sent by %s', $auth);
        return $d;
    });

    bridge_check('sdk: transport off -> SDK client', static function () use ($r, $run, $logHas, $assertAllDelivered): string {
        receiver_reset($r);
        $res = $run('fallback', ['enabled' => '0']);
        e2e_assert($logHas($res, 'because transport disabled') === 1, 'fallback not logged once: %s', json_encode($res['log']));
        return $assertAllDelivered($res, 0);
    });
});
