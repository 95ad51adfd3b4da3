<?php
/**
 * delivery_retries: transient failures are retried with backoff until delivered.
 *
 *   php -n tests/e2e/delivery_retries.php <so>
 *
 * Part 1: the receiver answers 503, 503, then 200: the event is delivered exactly once,
 * after exactly 3 POSTs; total_retries == 2, in the sending process and in a fresh process
 * on the same queue (the metrics are host-wide); no dead letter, events_sent == 1.
 * Part 2: the DSN points at a port where nothing listens (max_attempts 10, backoff
 * 100 ms…500 ms); 5 events are sent and fail at least once each; then the receiver starts
 * on that port: all 5 are delivered, each once, with no dead letter.
 */

declare(strict_types=1);

require __DIR__ . '/delivery_lib.php';

$so = e2e_so_path($argv);

e2e_main(static function () use ($so): string {
    $tmp = e2e_tmpdir('dl-rt');

    // ---- Part 1: 503, 503, 200 -------------------------------------------------------
    $queue = e2e_queue_name('dlrt1');
    $r = receiver_start(['log' => "$tmp/receiver1.log"]);
    receiver_faults($r, ['script' => [['status' => 503], ['status' => 503]]]);
    $ini = ['retry.max_attempts' => '5'] + dl_base_ini($r['dsn'], $queue, $tmp);
    e2e_log('part 1: receiver %s, queue %s', $r['url'], $queue);
    $o = dl_run('p1_send', $so, $ini, $tmp, <<<'PHP'
        $res = SentryTransport::sendEvent(['message' => 'retried twice', 'level' => 'error']);
        out('res', $res);
        out('sent', wait_until(static fn() => SentryTransport::getMetrics()['events_sent'] >= 1, 15.0));
        out('metrics', SentryTransport::getMetrics());
        out('dead', SentryTransport::getDeadLetters());
        PHP, $r, 30.0);
    $id = $o['res']['event_id'];
    e2e_assert($o['res']['success'] === true, 'sendEvent failed: %s', json_encode($o['res']));
    $m = $o['metrics'];
    e2e_log('part 1 metrics (sender): %s', json_encode($m));
    $fresh = dl_run('p1_fresh', $so, $ini, $tmp, "out('metrics', SentryTransport::getMetrics());", $r, 15.0)['metrics'];
    e2e_log('part 1 metrics (fresh process): %s', json_encode($fresh));
    $stats = receiver_wait_for(static fn() => ($s = receiver_stats($r))['delivered_unique'] >= 1 ? $s : false, 10.0)
        ?: receiver_stats($r);
    e2e_log('part 1 receiver: %s', dl_stats_brief($stats));
    $all = dl_records_for($r, $id, false);
    $statuses = array_map(static fn($rec) => (string)$rec['status'], $all);
    e2e_assert($o['sent'] === true, 'event not sent within 15 s: metrics %s; receiver %s; log %s', json_encode($m),
               dl_stats_brief($stats), dl_ext_log($tmp));
    e2e_assert($statuses === ['503', '503', '200'], 'POSTs of the event answered %s, expected ["503","503","200"]',
               json_encode($statuses));
    e2e_assert(count(dl_records_for($r, $id, true)) === 1 && $stats['duplicates'] === 0,
               'event delivered %d times (duplicates %d), expected once', count(dl_records_for($r, $id, true)), $stats['duplicates']);
    e2e_assert($m['total_retries'] === 2, 'sender: total_retries = %s, expected 2', json_encode($m['total_retries']));
    e2e_assert($fresh['total_retries'] === 2, 'fresh process on the same queue: total_retries = %s, expected 2',
               json_encode($fresh['total_retries']));
    e2e_assert($m['events_sent'] === 1 && $m['events_failed'] === 0, 'sender: events_sent %s events_failed %s, expected 1 and 0',
               json_encode($m['events_sent']), json_encode($m['events_failed']));
    e2e_assert($o['dead'] === [] && ($m['dead_letters_written'] ?? 0) === 0, 'a retried-then-delivered event became a dead letter: %s',
               json_encode($o['dead']));
    e2e_assert($stats['invalid'] === 0, 'receiver found %d invalid envelopes: %s', $stats['invalid'], json_encode($stats['errors']));
    receiver_stop($r);

    // ---- Part 2: receiver down, then up ------------------------------------------------
    $queue2 = e2e_queue_name('dlrt2');
    $port = e2e_free_port();
    $dsn = 'http://' . RECEIVER_DEFAULT_KEY . "@127.0.0.1:$port/42";
    $ini2 = ['retry.max_attempts' => '10', 'retry.initial_backoff' => '100ms', 'retry.max_backoff' => '500ms']
        + dl_base_ini($dsn, $queue2, $tmp);
    e2e_log('part 2: nothing listens on %d yet, queue %s', $port, $queue2);
    $c = dl_spawn('p2_send', $so, $ini2, $tmp, <<<'PHP'
        $ids = [];
        for ($i = 0; $i < 5; $i++) {
            $res = SentryTransport::sendEvent(['message' => "while down $i", 'level' => 'error', 'extra' => ['i' => $i]]);
            out("res$i", $res);
            $ids[] = $res['event_id'];
        }
        out('ids', $ids);
        // every event has failed at least once before the receiver comes up
        $failing = wait_until(static function () {
            $m = SentryTransport::getMetrics();
            return $m['total_retries'] >= 5 || $m['network_errors'] >= 5 ? $m : false;
        }, 10.0);
        out('failing', $failing ?: SentryTransport::getMetrics());
        gate('receiver_up', 30.0);
        out('sent', wait_until(static fn() => SentryTransport::getMetrics()['events_sent'] >= 5, 30.0));
        out('metrics', SentryTransport::getMetrics());
        out('status', SentryTransport::getStatus());
        out('dead', SentryTransport::getDeadLetters());
        PHP, null);
    $failing = dl_wait_key($c, 'failing', 15.0);
    e2e_log('part 2 before the receiver: %s', json_encode($failing));
    e2e_assert(($failing['events_sent'] ?? -1) === 0, 'events_sent %s while nothing listens', json_encode($failing['events_sent'] ?? null));
    e2e_assert(($failing['total_retries'] ?? 0) >= 5 || ($failing['network_errors'] ?? 0) >= 5,
               'the 5 events did not fail at least once each within 10 s: %s', json_encode($failing));
    $t0 = microtime(true);
    $r2 = receiver_start(['port' => $port, 'log' => "$tmp/receiver2.log"]);
    e2e_log('part 2: receiver up on %d after %.2fs', $port, microtime(true) - $t0);
    dl_open_gate($tmp, 'receiver_up');
    $o2 = dl_finish($c, 50.0);
    $ids = $o2['ids'];
    foreach (range(0, 4) as $i) {
        e2e_assert($o2["res$i"]['success'] === true, 'part 2 sendEvent %d failed: %s', $i, json_encode($o2["res$i"]));
    }
    $stats2 = receiver_wait_delivered($r2, 5, 10.0);
    e2e_log('part 2 metrics: %s', json_encode($o2['metrics']));
    e2e_log('part 2 receiver: %s', dl_stats_brief($stats2));
    $byId = e2e_delivered_by_id($r2);
    $missing = array_values(array_filter($ids, static fn($id) => !isset($byId[$id])));
    e2e_assert(!$missing, '%d of 5 events not delivered after the receiver came up (%.1fs): %s; metrics %s; dead letters %s; upstream %s; log %s',
               count($missing), microtime(true) - $t0, json_encode($missing), json_encode($o2['metrics']), json_encode($o2['dead']),
               json_encode($o2['status']['upstream'] ?? null), dl_ext_log($tmp));
    foreach ($ids as $id) {
        e2e_assert(count($byId[$id]) === 1, 'event %s delivered %d times', $id, count($byId[$id]));
    }
    e2e_assert($o2['dead'] === [], 'dead letters written: %s', json_encode($o2['dead']));
    e2e_assert($stats2['invalid'] === 0, 'receiver found %d invalid envelopes: %s', $stats2['invalid'], json_encode($stats2['errors']));
    $m2 = $o2['metrics'];
    receiver_stop($r2);
    return sprintf('503,503,200 → delivered once, total_retries 2 (sender and fresh process); down→up: 5/5 delivered once ' .
                   '%.1fs after the receiver started (total_retries %d, network_errors %d)',
                   microtime(true) - $t0, $m2['total_retries'], $m2['network_errors'] ?? -1);
});
