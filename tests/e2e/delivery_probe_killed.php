<?php
/**
 * delivery_probe_killed: a drainer killed while its circuit's probe is in flight does not
 * stall the next drainer until the probe's lease (120 s) runs out.
 *
 *   php -n tests/e2e/delivery_probe_killed.php <so>
 *
 * upstream.failure_threshold=1. The receiver answers the first POST 503 (the circuit opens)
 * and holds the second (the probe, after the 1 s cool-down) for 60 s, then answers 200.
 * Process A sends one event and reports once its circuit is half_open (the probe is out);
 * the test SIGKILLs A. Process B, on the same queue, is elected and must deliver the event
 * within 15 s. Before the fix, B found the dead drainer's probe still leased and sent
 * nothing for 120 s.
 */

declare(strict_types=1);

require __DIR__ . '/delivery_lib.php';

$so = e2e_so_path($argv);

e2e_main(static function () use ($so): string {
    $tmp = e2e_tmpdir('dl-pk');
    $queue = e2e_queue_name('dlpk');
    $r = receiver_start(['log' => "$tmp/receiver.log"]);
    receiver_faults($r, ['script' => [['status' => 503], ['delay_ms' => 60000]], 'then' => ['status' => 200]]);
    $ini = ['upstream.failure_threshold' => '1', 'retry.max_attempts' => '10', 'send_client_reports' => '0',
            'transport.timeout' => '120s', 'queue.drainer_stale_after' => '60s'] + dl_base_ini($r['dsn'], $queue, $tmp);

    $a = dl_spawn('a_prober', $so, $ini, $tmp, <<<'PHP'
        $res = SentryTransport::sendEvent(['message' => 'probe killed', 'level' => 'error']);
        out('res', $res);
        out('half_open', wait_until(static fn() => SentryTransport::getStatus()['upstream']['state'] === 'half_open', 20.0, 0.01));
        gate('never', 120.0); // killed before this ends
        PHP, $r);
    $res = dl_wait_key($a, 'res', 10.0);
    e2e_assert($res['success'] === true, 'not accepted: %s', json_encode($res));
    $halfOpen = dl_wait_key($a, 'half_open', 25.0);
    e2e_assert($halfOpen === true, 'A\'s circuit never went half_open (the probe never left); log %s', dl_ext_log($tmp));
    e2e_stop($a, 9, 2.0);
    $b = dl_run('b_next', $so, $ini, $tmp, <<<'PHP'
        $t = microtime(true);
        out('flushed', SentryTransport::flush(15.0));
        out('took', microtime(true) - $t);
        out('status', SentryTransport::getStatus());
        PHP, $r, 60.0);
    $id = $res['event_id'];
    $ok = receiver_wait_for(static fn() => isset(e2e_delivered_by_id($r)[$id]), 5.0);
    e2e_assert($b['flushed'] === true && $ok !== false,
               'the next drainer did not deliver within 15 s after A was killed mid-probe (flushed %s, status upstream %s, ' .
               'queue %s); log %s', json_encode($b['flushed']), json_encode($b['status']['upstream'] ?? null),
               json_encode($b['status']['queue'] ?? null), dl_ext_log($tmp));
    receiver_stop($r);
    return sprintf('A killed with its probe in flight; B delivered the event %.2f s later (upstream %s)', $b['took'],
                   $b['status']['upstream']['state'] ?? '?');
});
