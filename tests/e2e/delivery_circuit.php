<?php
/**
 * delivery_circuit: the upstream circuit breaker stops hammering a failing Sentry and
 * recovers by itself.
 *
 *   php -n tests/e2e/delivery_circuit.php <so>
 *
 * upstream.failure_threshold=3, retry.max_attempts=1, queue.workers=1 (so the count of
 * requests before the circuit opens is exact), client reports off (so every POST is one of
 * our events), DSN with a secret; the receiver answers 503 to everything. 10 events are sent.
 * Asserts: getStatus()['upstream'] becomes state "open" with consecutive_failures ≥ 3,
 * last_error mentions 503 and not the secret, since is RFC 3339; over a window of 4 s after
 * the first request the receiver sees at most threshold + probes (cool-downs 1 s, 2 s, …:
 * at most 2 probes in 4 s, +1 for timing) POSTs — far fewer than 10. Then the faults are
 * cleared: within 20 s the circuit is "closed" again (consecutive_failures 0,
 * last_success_at set), and 3 new events are delivered.
 */

declare(strict_types=1);

require __DIR__ . '/delivery_lib.php';

const CB_SECRET = 'CircuitS3cret77';
const CB_THRESHOLD = 3;
const CB_WINDOW = 4.0;

$so = e2e_so_path($argv);

e2e_main(static function () use ($so): string {
    $tmp = e2e_tmpdir('dl-cb');
    $queue = e2e_queue_name('dlcb');
    $r = receiver_start(['key' => 'pub', 'log' => "$tmp/receiver.log"]);
    receiver_faults($r, ['then' => ['status' => 503]]);
    $dsn = 'http://pub:' . CB_SECRET . '@127.0.0.1:' . $r['port'] . '/42';
    $ini = ['upstream.failure_threshold' => (string)CB_THRESHOLD, 'retry.max_attempts' => '1', 'queue.workers' => '1',
            'send_client_reports' => '0', 'retry.dead_letter_queue' => '1'] + dl_base_ini($dsn, $queue, $tmp);
    e2e_log('receiver %s (503 for everything), queue %s', $r['url'], $queue);

    $c = dl_spawn('circuit', $so, $ini, $tmp, <<<'PHP'
        $t0 = microtime(true);
        $res = [];
        for ($i = 0; $i < 10; $i++) {
            $res[] = SentryTransport::sendEvent(['message' => "during outage $i", 'level' => 'error']);
        }
        out('t0', $t0);
        out('res', $res);
        $open = wait_until(static function () {
            $u = SentryTransport::getStatus()['upstream'] ?? null;
            return is_array($u) && ($u['state'] ?? '') === 'open' ? $u : false;
        }, 10.0, 0.01);
        out('open_after', microtime(true) - $t0);
        out('opened', $open ?: (SentryTransport::getStatus()['upstream'] ?? null));
        out('status_open', SentryTransport::getStatus());
        out('metrics_open', SentryTransport::getMetrics());
        gate('cleared', 60.0);
        $t1 = microtime(true);
        $samples = [];
        $closed = wait_until(static function () use (&$samples) {
            $u = SentryTransport::getStatus()['upstream'] ?? null;
            $st = is_array($u) ? ($u['state'] ?? '?') : 'none';
            if (!$samples || end($samples)[1] !== $st) {
                $samples[] = [round(microtime(true), 3), $st];
            }
            return $st === 'closed' ? $u : false;
        }, 20.0, 0.02);
        out('close_after', microtime(true) - $t1);
        out('transitions', $samples);
        out('closed', $closed ?: (SentryTransport::getStatus()['upstream'] ?? null));
        $after = [];
        for ($i = 0; $i < 3; $i++) {
            $after[] = SentryTransport::sendEvent(['message' => "after recovery $i", 'level' => 'error']);
        }
        out('after', $after);
        out('flushed', SentryTransport::flush(10.0));
        out('metrics', SentryTransport::getMetrics());
        out('status', SentryTransport::getStatus());
        PHP, $r);

    $t0 = dl_wait_key($c, 't0', 10.0);
    $opened = dl_wait_key($c, 'opened', 15.0);
    $out = dl_output($c);
    e2e_log('upstream after %.3fs: %s', $out['open_after'], json_encode($opened));
    e2e_log('metrics: %s', json_encode($out['metrics_open']));
    // Observe the receiver until CB_WINDOW s after the first send (bounded: a window, not a wait for success).
    $posts = [];
    while (microtime(true) < $t0 + CB_WINDOW) {
        usleep(50000);
    }
    $recs = receiver_events($r);
    foreach ($recs as $rec) {
        $posts[] = sprintf('%.2f:%s', e2e_rfc3339_to_float($rec['received_at']) - $t0, $rec['status']);
    }
    e2e_log('POSTs in the first %.0f s (t:status): %s', CB_WINDOW, implode(' ', $posts));
    foreach ($out['res'] as $i => $res) {
        e2e_assert($res['success'] === true, 'event %d not accepted: %s', $i, json_encode($res));
    }
    e2e_assert(is_array($opened) && ($opened['state'] ?? null) === 'open',
               'upstream never became "open" within 10 s: getStatus()[upstream] = %s; %d POSTs so far; log %s',
               json_encode($opened), count($recs), dl_ext_log($tmp));
    e2e_assert(($opened['consecutive_failures'] ?? 0) >= CB_THRESHOLD, 'open with consecutive_failures %s, expected ≥ %d',
               json_encode($opened['consecutive_failures'] ?? null), CB_THRESHOLD);
    $lastError = (string)($opened['last_error'] ?? '');
    e2e_assert(str_contains($lastError, '503'), 'last_error %s does not mention 503', json_encode($lastError));
    e2e_assert(!str_contains(json_encode($out['status_open']), CB_SECRET), 'getStatus() while open shows the DSN secret');
    e2e_assert(dl_is_rfc3339((string)($opened['since'] ?? '')), 'upstream since = %s, expected RFC 3339', json_encode($opened['since'] ?? null));
    $maxPosts = CB_THRESHOLD + 2 + 1;
    $inWindow = count(array_filter($recs, static fn($rec) => e2e_rfc3339_to_float($rec['received_at']) <= $t0 + CB_WINDOW));
    e2e_assert($inWindow <= $maxPosts, 'the receiver got %d POSTs within %.0f s of the first send (expected ≤ %d = threshold %d + ' .
               '2 probes + 1): %s', $inWindow, CB_WINDOW, $maxPosts, CB_THRESHOLD, implode(' ', $posts));
    $allWithin = count(array_filter($recs, static fn($rec) => (string)$rec['status'] === '503'));
    e2e_assert($allWithin === $inWindow, 'unexpected non-503 answers: %s', implode(' ', $posts));

    // Recovery.
    receiver_faults($r, []);
    dl_open_gate($tmp, 'cleared');
    $o = dl_finish($c, 45.0);
    e2e_log('transitions after clearing: %s', json_encode($o['transitions']));
    e2e_log('closed after %.2fs: %s', $o['close_after'], json_encode($o['closed']));
    $closed = $o['closed'];
    e2e_assert(is_array($closed) && ($closed['state'] ?? null) === 'closed',
               'upstream not "closed" within 20 s of clearing the faults: %s; transitions %s; receiver %s', json_encode($closed),
               json_encode($o['transitions']), dl_stats_brief(receiver_stats($r)));
    e2e_assert(($closed['consecutive_failures'] ?? -1) === 0, 'closed with consecutive_failures %s, expected 0',
               json_encode($closed['consecutive_failures'] ?? null));
    e2e_assert(dl_is_rfc3339((string)($closed['last_success_at'] ?? '')), 'last_success_at = %s after recovery',
               json_encode($closed['last_success_at'] ?? null));
    $ids = array_column($o['after'], 'event_id');
    foreach ($o['after'] as $i => $res) {
        e2e_assert($res['success'] === true, 'event %d after recovery not accepted: %s', $i, json_encode($res));
    }
    $ok = receiver_wait_for(static function () use ($r, $ids) {
        $by = e2e_delivered_by_id($r);
        return !array_filter($ids, static fn($id) => !isset($by[$id]));
    }, 10.0);
    $stats = receiver_stats($r);
    e2e_log('receiver: %s', dl_stats_brief($stats));
    e2e_log('final metrics: %s', json_encode($o['metrics']));
    e2e_assert($ok !== false, 'events sent after recovery not all delivered within 10 s: receiver %s', dl_stats_brief($stats));
    e2e_assert($stats['invalid'] === 0, 'receiver found %d invalid envelopes: %s', $stats['invalid'], json_encode($stats['errors']));
    e2e_assert(!str_contains(json_encode($o['status']), CB_SECRET), 'getStatus() shows the DSN secret');
    $outageDelivered = $stats['delivered_unique'] - count($ids);
    receiver_stop($r);
    return sprintf('open after %.2fs (failures %d, last_error "%s"), %d POSTs in %.0fs; closed %.1fs after the fix; ' .
                   '3/3 new events delivered (%d outage events delivered later)', $out['open_after'],
                   $opened['consecutive_failures'], $lastError, $inWindow, CB_WINDOW, $o['close_after'],
                   $outageDelivered);
});
