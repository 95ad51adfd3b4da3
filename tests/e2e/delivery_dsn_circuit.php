<?php
/**
 * delivery_dsn_circuit: each DSN has its own upstream circuit. One failing project pauses
 * only itself; the other keeps delivering, and the failing one's events wait (not lost,
 * not hammered) until it recovers.
 *
 *   php -n tests/e2e/delivery_dsn_circuit.php <so>
 *
 * Two receivers: A (php.ini's DSN, healthy) and B (answers 503 to everything; its DSN, with
 * a secret, is given to sendEnvelope as the SDK's bridge does). upstream.failure_threshold=2,
 * retry.max_attempts=20 (so no B event is given up during the outage), client reports off.
 * Asserts:
 *   - B's circuit opens (getStatus()['dsns'][B]['upstream']['state'] "open"); A's stays
 *     closed (top-level 'upstream' and dsns[A]);
 *   - 20 events to A sent after B opened all arrive at A while B is still open;
 *   - during that, B gets at most threshold + window-bounded probes, not one POST per event;
 *   - getMetrics()['dsns'] splits the counters (B: 0 sent; A: ≥ 20 sent); the Prometheus
 *     text has per-DSN series; no output shows B's secret; the log names B (no secret);
 *   - B's faults cleared: its circuit closes and all 6 of its events arrive (nothing lost).
 */

declare(strict_types=1);

require __DIR__ . '/delivery_lib.php';

const DC_SECRET = 'PerDsnS3cret55';
const DC_THRESHOLD = 2;
const DC_B_EVENTS = 6;
const DC_A_EVENTS = 20;

$so = e2e_so_path($argv);

e2e_main(static function () use ($so): string {
    $tmp = e2e_tmpdir('dl-dc');
    $queue = e2e_queue_name('dldc');
    $a = receiver_start(['key' => 'puba', 'project' => '7', 'log' => "$tmp/receiver-a.log"]);
    $b = receiver_start(['key' => 'pubb', 'project' => '8', 'log' => "$tmp/receiver-b.log"]);
    receiver_faults($b, ['then' => ['status' => 503]]);
    $dsnA = 'http://puba@127.0.0.1:' . $a['port'] . '/7';
    $dsnB = 'http://pubb:' . DC_SECRET . '@127.0.0.1:' . $b['port'] . '/8';
    $ini = ['upstream.failure_threshold' => (string)DC_THRESHOLD, 'retry.max_attempts' => '20',
            'send_client_reports' => '0'] + dl_base_ini($dsnA, $queue, $tmp);
    e2e_log('A %s (healthy), B %s (503 for everything), queue %s', $a['url'], $b['url'], $queue);

    $c = dl_spawn('dsn_circuit', $so, $ini, $tmp, <<<'PHP'
        [$dsnB, $nb, $na] = [$CTX['dsn_b'], $CTX['nb'], $CTX['na']];
        $envelope = static function (string $id, string $msg): string {
            $e = json_encode(['event_id' => $id, 'timestamp' => microtime(true), 'platform' => 'php', 'message' => $msg]);
            return json_encode(['event_id' => $id]) . "\n" . '{"type":"event","length":' . strlen($e) . "}\n" . $e . "\n";
        };
        $slotOf = static function (array $status, string $host): ?array {
            foreach ($status['dsns'] as $d) {
                if (str_contains($d['dsn'], $host)) {
                    return $d;
                }
            }
            return null;
        };
        $bIds = [];
        for ($i = 0; $i < $nb; $i++) {
            $id = bin2hex(random_bytes(16));
            $r = SentryTransport::sendEnvelope($envelope($id, "to B $i"), $dsnB);
            out('b_result_' . $i, $r);
            $bIds[] = $id;
        }
        out('b_ids', $bIds);
        $bOpen = wait_until(static function () use ($slotOf) {
            $d = $slotOf(SentryTransport::getStatus(), 'pubb@');
            return $d && $d['upstream']['state'] === 'open' ? $d : false;
        }, 15.0, 0.01);
        out('b_open', $bOpen);
        out('t_open', microtime(true));
        $aIds = [];
        for ($i = 0; $i < $na; $i++) {
            $r = SentryTransport::sendEvent(['message' => "to A $i", 'level' => 'error']);
            $aIds[] = $r['event_id'];
            if (!$r['success']) {
                out('a_failed', $r);
            }
        }
        out('a_ids', $aIds);
        gate('a_checked', 30.0);
        out('status_open', SentryTransport::getStatus());
        out('metrics_open', SentryTransport::getMetrics());
        out('prometheus_open', SentryTransport::getPrometheusMetrics());
        gate('cleared', 60.0);
        $bClosed = wait_until(static function () use ($slotOf) {
            $d = $slotOf(SentryTransport::getStatus(), 'pubb@');
            return $d && $d['upstream']['state'] === 'closed' ? $d : false;
        }, 30.0, 0.02);
        out('b_closed', $bClosed);
        out('flushed', SentryTransport::flush(15.0));
        out('metrics', SentryTransport::getMetrics());
        PHP, null, ['dsn_b' => $dsnB, 'nb' => DC_B_EVENTS, 'na' => DC_A_EVENTS]);

    $bOpen = dl_wait_key($c, 'b_open', 20.0);
    e2e_assert(is_array($bOpen), 'B\'s circuit never opened within 15 s: %s; log %s', json_encode(dl_output($c)['_lines'] ?? []),
               dl_ext_log($tmp));
    $tOpen = dl_wait_key($c, 't_open', 5.0);
    $aIds = dl_wait_key($c, 'a_ids', 10.0);
    $out = dl_output($c);
    e2e_assert(!isset($out['a_failed']), 'an event to A was refused: %s', json_encode($out['a_failed'] ?? null));
    for ($i = 0; $i < DC_B_EVENTS; $i++) {
        e2e_assert(($out['b_result_' . $i]['success'] ?? null) === true, 'envelope %d to B not accepted: %s', $i,
                   json_encode($out['b_result_' . $i] ?? null));
    }
    // A's events arrive while B is open (a window: B's first probe is due 1 s after it opened,
    // and a probe that fails keeps it open).
    $arrived = receiver_wait_for(static function () use ($a, $aIds) {
        $by = e2e_delivered_by_id($a);
        return !array_filter($aIds, static fn($id) => !isset($by[$id]));
    }, 15.0);
    $aStats = receiver_stats($a);
    e2e_assert($arrived !== false, 'A\'s %d events did not all arrive within 15 s while B was failing: A %s; log %s',
               count($aIds), dl_stats_brief($aStats), dl_ext_log($tmp));
    $aDone = microtime(true);
    dl_open_gate($tmp, 'a_checked');
    $statusOpen = dl_wait_key($c, 'status_open', 10.0);
    $metricsOpen = dl_wait_key($c, 'metrics_open', 5.0);
    $prom = dl_wait_key($c, 'prometheus_open', 5.0);
    $bPosts = receiver_events($b);
    e2e_log('B got %d POSTs before the fix (statuses %s); A delivered %d in %.2f s after B opened', count($bPosts),
            implode(',', array_map(static fn($r) => $r['status'], $bPosts)), $aStats['delivered_unique'], $aDone - $tOpen);

    $byDsn = [];
    foreach ($statusOpen['dsns'] as $d) {
        $byDsn[str_contains($d['dsn'], 'pubb@') ? 'b' : 'a'] = $d;
    }
    e2e_assert(isset($byDsn['a'], $byDsn['b']), 'getStatus()[dsns] lacks A or B: %s', json_encode($statusOpen['dsns']));
    e2e_assert($byDsn['b']['upstream']['state'] === 'open', 'B\'s circuit is %s after A\'s events arrived (expected open: ' .
               'still failing)', json_encode($byDsn['b']['upstream']));
    e2e_assert(str_contains($byDsn['b']['upstream']['last_error'], '503'), 'B\'s last_error %s',
               json_encode($byDsn['b']['upstream']['last_error']));
    e2e_assert($byDsn['a']['upstream']['state'] === 'closed' && $byDsn['a']['upstream']['consecutive_failures'] === 0,
               'A\'s circuit is not healthy: %s', json_encode($byDsn['a']['upstream']));
    e2e_assert($statusOpen['upstream']['state'] === 'closed', 'top-level upstream (php.ini\'s DSN, A) is %s',
               json_encode($statusOpen['upstream']));
    // Threshold failures, then only probes (cool-downs 1 s, 2 s, 4 s …) in the window.
    $window = $aDone - $tOpen + 1.0;
    $maxPosts = DC_B_EVENTS + (int)ceil(log(max($window, 1.0), 2)) + 2;
    e2e_assert(count($bPosts) <= $maxPosts, 'B got %d POSTs (expected ≤ %d: the first window of %d, then probes only)',
               count($bPosts), $maxPosts, DC_B_EVENTS);
    $m = [];
    foreach ($metricsOpen['dsns'] as $d) {
        $m[str_contains($d['dsn'], 'pubb@') ? 'b' : 'a'] = $d;
    }
    e2e_assert(($m['b']['events_sent'] ?? -1) === 0 && ($m['b']['events_accepted'] ?? 0) === DC_B_EVENTS
               && ($m['b']['upstream_state'] ?? '') === 'open',
               'getMetrics()[dsns] for B: %s', json_encode($m['b'] ?? null));
    e2e_assert(($m['a']['events_sent'] ?? 0) >= DC_A_EVENTS && ($m['a']['events_failed'] ?? -1) === 0,
               'getMetrics()[dsns] for A: %s', json_encode($m['a'] ?? null));
    e2e_assert((bool)preg_match('/^sentry_transport_dsn_upstream_open\{dsn="http:\/\/pubb@[^"]+"\} 1$/m', $prom),
               'Prometheus text lacks B\'s open circuit: %s', substr($prom, -800));
    foreach (['status' => $statusOpen, 'metrics' => $metricsOpen, 'prometheus' => $prom] as $what => $v) {
        e2e_assert(!str_contains(is_string($v) ? $v : json_encode($v), DC_SECRET), '%s shows B\'s secret', $what);
    }
    $log = (string)@file_get_contents("$tmp/extension.log");
    e2e_assert(!str_contains($log, DC_SECRET), 'the extension log shows B\'s secret');
    e2e_assert((bool)preg_match('/upstream unhealthy[^\n]*pubb@127\.0\.0\.1/', $log),
               'the log does not say which DSN is unhealthy: %s', dl_ext_log($tmp));

    // B recovers: its held events go, none lost.
    receiver_faults($b, []);
    dl_open_gate($tmp, 'cleared');
    $o = dl_finish($c, 60.0);
    e2e_assert(is_array($o['b_closed']), 'B\'s circuit did not close within 30 s of the fix; log %s', dl_ext_log($tmp));
    $bIds = $o['b_ids'];
    $ok = receiver_wait_for(static function () use ($b, $bIds) {
        $by = e2e_delivered_by_id($b);
        return !array_filter($bIds, static fn($id) => !isset($by[$id]));
    }, 15.0);
    $bStats = receiver_stats($b);
    e2e_assert($ok !== false, 'B\'s events not all delivered after it recovered: B %s; metrics %s', dl_stats_brief($bStats),
               json_encode($o['metrics']['dsns'] ?? null));
    foreach ([$a, $b] as $r) {
        $s = receiver_stats($r);
        e2e_assert($s['invalid'] === 0, 'receiver found invalid envelopes: %s', json_encode($s['errors']));
    }
    receiver_stop($a);
    receiver_stop($b);
    return sprintf('B open, A delivered %d events in %.2f s meanwhile (A closed); B got %d POSTs while failing; ' .
                   'after the fix B closed and got %d/%d of its events', count($aIds), $aDone - $tOpen, count($bPosts),
                   $bStats['delivered_unique'], DC_B_EVENTS);
});
