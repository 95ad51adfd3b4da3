<?php
/**
 * slow_upstream: every answer comes 300 ms late; all events still arrive, once each.
 *
 *   php -n tests/e2e/slow_upstream.php <so>
 *
 * tests/receiver/h2front.mjs (TLS with a throwaway CA, ALPN h2 and http/1.1) answers every
 * envelope 300 ms after it came and forwards it to the Python receiver, which checks and
 * records it. Default transport settings (plus transport.ca_info), queue.buffer_size default.
 * (a) HTTP/2 (default http_version=auto): 400 events, an idle gap of 2 s, 400 more from the
 *     same process: all delivered exactly once, valid, all over HTTP/2, on ONE connection (it
 *     survived the gap; the drainer connected once, not per event or per burst).
 * (b) transport.http_version=1.1, a new process: the same; all over HTTP/1.1, at most
 *     transport.max_connections_http1 (64) connections in total, so the pool survived the
 *     gap too (a pool rebuilt after it would need more than 64).
 * Counts only; the 300 ms is what makes transfers overlap, not a measured quantity.
 */

declare(strict_types=1);

require __DIR__ . '/delivery_lib.php';
require_once __DIR__ . '/../receiver/h2front_client.php';

$so = e2e_so_path($argv);

const SLOW_DELAY_MS = 300;
const SLOW_BURST = 400;
const SLOW_HTTP1_POOL = 64; // transport.max_connections_http1 default

const SLOW_CHILD = <<<'PHP'
    $ids = [];
    foreach ([1, 2] as $burst) {
        for ($i = 0; $i < $CTX['n']; $i++) {
            $res = SentryTransport::sendEvent(['message' => "burst $burst event $i", 'level' => 'error']);
            if (!$res['success']) {
                out('refused', $res);
                break 2;
            }
            $ids[] = $res['event_id'];
        }
        out("flushed$burst", SentryTransport::flush(60.0));
        if ($burst === 1) {
            usleep(2000000); // an idle gap: connections must survive it
        }
    }
    out('ids', $ids);
    out('metrics', SentryTransport::getMetrics());
    PHP;

e2e_main(static function () use ($so): string {
    $tmp = e2e_tmpdir('slow');
    $tls = h2front_make_cert($tmp);
    $r = receiver_start(['key' => 'pub', 'log' => "$tmp/receiver.log"]);
    $f = h2front_start(['tls' => $tls, 'backend' => $r, 'delay_ms' => SLOW_DELAY_MS, 'log' => "$tmp/h2front.log"]);
    e2e_log('receiver %s, front %s (answers after %d ms)', $r['url'], $f['url'], SLOW_DELAY_MS);
    $summary = [];
    foreach (['h2' => ['auto', '2.0'], 'http1' => ['1.1', '1.1']] as $case => [$version, $proto]) {
        h2front_reset($f);
        receiver_reset($r);
        $queue = e2e_queue_name("slow$case");
        $ini = ['transport.ca_info' => $tls['ca'], 'send_client_reports' => '0', 'transport.http_version' => $version]
            + dl_base_ini($f['dsn'], $queue, $tmp);
        unset($ini['transport.timeout']); // the default (30 s)
        $o = dl_run("sender_$case", $so, $ini, $tmp, SLOW_CHILD, $f, 150.0, ['n' => SLOW_BURST]);
        $fs = h2front_stats($f);
        $stats = receiver_wait_delivered($r, 2 * SLOW_BURST, 20.0);
        e2e_log('(%s) front %s', $case, json_encode($fs));
        e2e_log('(%s) receiver %s', $case, dl_stats_brief($stats));
        e2e_assert(!isset($o['refused']), '(%s) sendEvent refused: %s', $case, json_encode($o['refused'] ?? null));
        e2e_assert($o['flushed1'] === true && $o['flushed2'] === true, '(%s) flush: %s %s; metrics %s; log %s', $case,
                   json_encode($o['flushed1']), json_encode($o['flushed2']), json_encode($o['metrics']), dl_ext_log($tmp));
        $by = e2e_delivered_by_id($r);
        $bad = array_values(array_filter($o['ids'], static fn($id) => count($by[$id] ?? []) !== 1));
        e2e_assert(count($o['ids']) === 2 * SLOW_BURST && $bad === [], '(%s) %d of %d events not delivered exactly once', $case,
                   count($bad), count($o['ids']));
        e2e_assert($stats['invalid'] === 0 && $stats['duplicates'] === 0 && $stats['envelopes'] === 2 * SLOW_BURST,
                   '(%s) receiver: %s', $case, dl_stats_brief($stats));
        e2e_assert($o['metrics']['events_failed'] === 0 && $o['metrics']['network_errors'] === 0,
                   '(%s) failures: %s', $case, json_encode($o['metrics']));
        e2e_assert($fs['by_protocol'] === [$proto => 2 * SLOW_BURST], '(%s) protocols %s, expected only %s', $case,
                   json_encode($fs['by_protocol']), $proto);
        if ($case === 'h2') {
            e2e_assert($fs['envelope_connections'] === 1, '(h2) %d connections carried envelopes, expected 1 (kept over the gap)',
                       $fs['envelope_connections']);
        } else {
            e2e_assert($fs['envelope_connections'] <= SLOW_HTTP1_POOL, '(http1) %d connections, expected ≤ %d (pool kept over the gap)',
                       $fs['envelope_connections'], SLOW_HTTP1_POOL);
        }
        $summary[] = sprintf('%s: %d events, %d connection(s), %d in flight at most', $case, 2 * SLOW_BURST,
                             $fs['envelope_connections'], $fs['max_in_flight']);
    }
    return implode('; ', $summary);
});
