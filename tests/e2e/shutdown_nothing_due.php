<?php
/**
 * shutdown_nothing_due: a process exits without waiting out shutdown_timeout when nothing
 * it could send is due before the deadline, and what is queued stays for the next process.
 *
 *   php -n tests/e2e/shutdown_nothing_due.php <so>
 *
 * shutdown_timeout=30s; the receiver answers 503 once, and retry.initial_backoff=60s puts
 * the event's retry beyond the deadline. Asserts: the CLI child exits well before 30 s
 * (< 15 s: it waited for nothing), the event is still queued (a second process sees
 * queue_length 1) and the receiver saw only the one 503. Before, the child waited the full
 * 30 s.
 */

declare(strict_types=1);

require __DIR__ . '/delivery_lib.php';

$so = e2e_so_path($argv);

e2e_main(static function () use ($so): string {
    $tmp = e2e_tmpdir('sd-nd');
    $queue = e2e_queue_name('sdnd');
    $r = receiver_start(['log' => "$tmp/receiver.log"]);
    receiver_faults($r, ['script' => [['status' => 503]], 'then' => ['status' => 200]]);
    $ini = ['shutdown_timeout' => '30s', 'retry.initial_backoff' => '60s', 'retry.max_backoff' => '60s',
            'send_client_reports' => '0'] + dl_base_ini($r['dsn'], $queue, $tmp);
    $t0 = microtime(true);
    $a = dl_run('sender', $so, $ini, $tmp, <<<'PHP'
        $res = SentryTransport::sendEvent(['message' => 'retried after a 503', 'level' => 'error']);
        out('res', $res);
        // Until the 503 came back and the retry waits: then exit.
        out('waiting', wait_until(static fn() => SentryTransport::getStatus()['queue']['retry_queue_length'] === 1, 10.0));
        out('t_exit', microtime(true));
        PHP, $r, 45.0);
    $took = microtime(true) - $a['t_exit'];
    e2e_assert($a['res']['success'] === true, 'not accepted: %s', json_encode($a['res']));
    e2e_assert($a['waiting'] === true, 'the 503 never turned into a waiting retry; log %s', dl_ext_log($tmp));
    e2e_assert($took < 15.0, 'the process took %.1f s to exit after its script ended (shutdown_timeout 30 s, nothing due before it)', $took);
    $b = dl_run('observer', $so, ['shutdown_timeout' => '0'] + $ini, $tmp, <<<'PHP'
        out('status', SentryTransport::getStatus()['queue']);
        PHP, $r, 30.0);
    e2e_assert($b['status']['queue_length'] === 1, 'expected the event still queued, got %s', json_encode($b['status']));
    // Nothing was sent again meanwhile: the receiver saw exactly the one 503.
    $events = receiver_events($r);
    e2e_assert(count($events) === 1 && (string)$events[0]['status'] === '503', 'receiver saw %s',
               json_encode(array_map(static fn($e) => $e['status'], $events)));
    receiver_stop($r);
    return sprintf('exited %.2f s after its script (shutdown_timeout 30 s; its retry due in 60 s), event still queued', $took);
});
