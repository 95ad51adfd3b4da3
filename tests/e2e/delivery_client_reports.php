<?php
/**
 * delivery_client_reports: discards are counted host-wide by reason and category and
 * reported to Sentry in client_report items, exactly once.
 *
 *   php -n tests/e2e/delivery_client_reports.php <so>
 *
 * One queue, several exec'd processes (php.ini is per process):
 *  - P1, sample_rate=0: N errors → each result sampled=false, dropped="sample_rate";
 *  - P2, ignore_exceptions="App\IgnoredException": M errors with that exception type →
 *    dropped="ignored";
 *  - P3 (plain): one normal event E1.
 * Asserts: getMetrics()['drops'] has sample_rate N and ignored M; the receiver gets
 * client_report items (with E1's envelope or on their own) whose discarded_events add up to
 * exactly {sample_rate, error, N} and {ignored, error, M} and nothing else; each report is
 * in a delivered envelope; client_reports_sent ≥ 1. Then P4 sends E2: E2's envelope carries
 * no report with those reasons and the totals are unchanged (reported once, not twice).
 * A second project on the same queue (DSN B, its own receiver): K errors sampled out in P5
 * are reported to B only, with B's event E3, never to A (A's totals stay exact).
 */

declare(strict_types=1);

require __DIR__ . '/delivery_lib.php';

const CR_N = 7;
const CR_M = 4;
const CR_K = 3;

$so = e2e_so_path($argv);

/** Sum of discarded_events over every client_report item received (delivered ones), and where they rode. */
function cr_totals(array $r): array
{
    $tot = [];
    $where = [];
    foreach (receiver_events($r) as $rec) {
        foreach ($rec['item_types'] as $i => $t) {
            if ($t !== 'client_report') {
                continue;
            }
            $p = $rec['payloads'][$i] ?? [];
            $ok = str_starts_with((string)$rec['status'], '2');
            $where[] = ['seq' => $rec['seq'], 'status' => $rec['status'], 'with' => array_values(array_diff($rec['item_types'], ['client_report'])),
                        'event_id' => $rec['event_id'], 'discarded' => $p['discarded_events'] ?? null];
            if (!$ok) {
                continue;
            }
            foreach ($p['discarded_events'] ?? [] as $d) {
                $k = ($d['reason'] ?? '?') . '/' . ($d['category'] ?? '?');
                $tot[$k] = ($tot[$k] ?? 0) + (int)($d['quantity'] ?? 0);
            }
        }
    }
    ksort($tot);
    return [$tot, $where];
}

e2e_main(static function () use ($so): string {
    $tmp = e2e_tmpdir('dl-cr');
    $queue = e2e_queue_name('dlcr');
    $r = receiver_start(['log' => "$tmp/receiver.log"]);
    e2e_log('receiver %s, queue %s', $r['url'], $queue);
    $base = ['send_client_reports' => '1', 'sample_rate' => '1'] + dl_base_ini($r['dsn'], $queue, $tmp);

    $p1 = dl_run('p1_sampled', $so, ['sample_rate' => '0'] + $base, $tmp, <<<'PHP'
        $res = [];
        for ($i = 0; $i < $CTX['n']; $i++) {
            $res[] = SentryTransport::sendEvent(['message' => "sampled out $i", 'level' => 'error']);
        }
        out('res', $res);
        out('metrics', SentryTransport::getMetrics());
        PHP, $r, 30.0, ['n' => CR_N]);
    foreach ($p1['res'] as $i => $res) {
        e2e_assert(($res['sampled'] ?? null) === false && ($res['dropped'] ?? null) === 'sample_rate',
                   'P1 (sample_rate=0) event %d: sampled=%s dropped=%s (expected false, "sample_rate"); result %s', $i,
                   json_encode($res['sampled'] ?? null), json_encode($res['dropped'] ?? null), json_encode($res));
    }

    $p2 = dl_run('p2_ignored', $so, ['ignore_exceptions' => 'App\\IgnoredException'] + $base, $tmp, <<<'PHP'
        $res = [];
        for ($i = 0; $i < $CTX['m']; $i++) {
            $res[] = SentryTransport::sendEvent(['level' => 'error', 'exception' => ['values' => [
                ['type' => 'App\\IgnoredException', 'value' => "ignored $i",
                 'stacktrace' => ['frames' => [['filename' => 'app.php', 'function' => 'run', 'lineno' => 10 + $i]]]]]]]);
        }
        out('res', $res);
        out('metrics', SentryTransport::getMetrics());
        PHP, $r, 30.0, ['m' => CR_M]);
    foreach ($p2['res'] as $i => $res) {
        e2e_assert(($res['dropped'] ?? null) === 'ignored',
                   'P2 (ignore_exceptions=App\\IgnoredException) event %d: dropped=%s (expected "ignored"); result %s', $i,
                   json_encode($res['dropped'] ?? null), json_encode($res));
    }
    $drops = $p2['metrics']['drops'] ?? null;
    e2e_log('metrics after P1+P2: %s', json_encode($p2['metrics']));
    e2e_assert(is_array($drops) && ($drops['sample_rate'] ?? null) === CR_N && ($drops['ignored'] ?? null) === CR_M,
               'getMetrics()[drops] = %s, expected sample_rate %d and ignored %d', json_encode($drops), CR_N, CR_M);

    // Project B shares the queue: its discards are its own.
    $rb = receiver_start(['log' => "$tmp/receiver-b.log", 'project' => '43']);
    $baseB = ['dsn' => $rb['dsn']] + $base;
    $p5 = dl_run('p5_sampled_b', $so, ['sample_rate' => '0'] + $baseB, $tmp, <<<'PHP'
        for ($i = 0; $i < $CTX['k']; $i++) {
            SentryTransport::sendEvent(['message' => "B sampled out $i", 'level' => 'error']);
        }
        out('metrics', SentryTransport::getMetrics());
        PHP, $rb, 30.0, ['k' => CR_K]);
    e2e_assert(($p5['metrics']['drops']['sample_rate'] ?? null) === CR_N + CR_K, 'drops after P5: %s',
               json_encode($p5['metrics']['drops'] ?? null));

    // E1: a normal event to the working receiver carries (or follows) the report.
    $p3 = dl_run('p3_normal', $so, $base, $tmp, <<<'PHP'
        out('res', SentryTransport::sendEvent(['message' => 'normal event E1', 'level' => 'error']));
        out('flushed', SentryTransport::flush(10.0));
        wait_until(static fn() => SentryTransport::getMetrics()['client_reports_sent'] ?? 0, 5.0);
        out('metrics', SentryTransport::getMetrics());
        PHP, $r, 30.0);
    $e1 = $p3['res']['event_id'];
    e2e_assert($p3['res']['success'] === true, 'E1 not accepted: %s', json_encode($p3['res']));
    $want = ['ignored/error' => CR_M, 'sample_rate/error' => CR_N];
    $done = receiver_wait_for(static function () use ($r, $e1, $want) {
        [$tot] = cr_totals($r);
        return isset(e2e_delivered_by_id($r)[$e1]) && $tot == $want;
    }, 10.0);
    [$tot, $where] = cr_totals($r);
    $stats = receiver_stats($r);
    e2e_log('receiver: %s', dl_stats_brief($stats));
    e2e_log('client reports: %s', json_encode($where));
    e2e_log('P3 metrics: %s', json_encode($p3['metrics']));
    e2e_assert(isset(e2e_delivered_by_id($r)[$e1]), 'E1 not delivered within 10 s: receiver %s; log %s', dl_stats_brief($stats), dl_ext_log($tmp));
    e2e_assert($stats['invalid'] === 0, 'receiver found %d invalid envelopes: %s', $stats['invalid'], json_encode($stats['errors']));
    e2e_assert($done !== false, 'client reports received add up to %s, expected exactly %s (reports: %s)', json_encode($tot),
               json_encode($want), json_encode($where));
    e2e_assert(($p3['metrics']['client_reports_sent'] ?? 0) >= 1, 'client_reports_sent = %s, expected ≥ 1',
               json_encode($p3['metrics']['client_reports_sent'] ?? null));
    $rodeWithE1 = (bool)array_filter($where, static fn($w) => $w['event_id'] === $e1);
    $nReports = count($where);

    // E2: nothing left to report; the counts are not sent a second time.
    $p4 = dl_run('p4_normal', $so, $base, $tmp, <<<'PHP'
        out('res', SentryTransport::sendEvent(['message' => 'normal event E2', 'level' => 'error']));
        out('flushed', SentryTransport::flush(10.0));
        out('metrics', SentryTransport::getMetrics());
        PHP, $r, 30.0);
    $e2 = $p4['res']['event_id'];
    e2e_assert(receiver_wait_for(static fn() => isset(e2e_delivered_by_id($r)[$e2]), 10.0) !== false, 'E2 not delivered within 10 s');
    [$tot2, $where2] = cr_totals($r);
    e2e_log('client reports after E2: %s', json_encode($where2));
    $withE2 = array_values(array_filter($where2, static fn($w) => $w['event_id'] === $e2));
    foreach ($withE2 as $w) {
        foreach ($w['discarded'] ?? [] as $d) {
            e2e_assert(!in_array($d['reason'] ?? '', ['sample_rate', 'ignored'], true),
                       'E2 carries a second client report with %s (already reported): %s', json_encode($d), json_encode($w));
        }
    }
    e2e_assert($tot2 == $want, 'after E2 the reported totals are %s, expected still %s (reported twice?)', json_encode($tot2), json_encode($want));

    // E3 to B carries B's report, and only B's.
    $p6 = dl_run('p6_normal_b', $so, $baseB, $tmp, <<<'PHP'
        out('res', SentryTransport::sendEvent(['message' => 'normal event E3 to B', 'level' => 'error']));
        out('flushed', SentryTransport::flush(10.0));
        PHP, $rb, 30.0);
    $e3 = $p6['res']['event_id'];
    $wantB = ['sample_rate/error' => CR_K];
    $doneB = receiver_wait_for(static function () use ($rb, $e3, $wantB) {
        [$tot] = cr_totals($rb);
        return isset(e2e_delivered_by_id($rb)[$e3]) && $tot == $wantB;
    }, 10.0);
    [$totB, $whereB] = cr_totals($rb);
    e2e_assert($doneB !== false, 'B\'s client reports add up to %s, expected exactly %s (reports: %s; log %s)', json_encode($totB),
               json_encode($wantB), json_encode($whereB), dl_ext_log($tmp));
    [$tot3] = cr_totals($r);
    e2e_assert($tot3 == $want, 'A\'s reported totals became %s after B\'s traffic, expected still %s', json_encode($tot3),
               json_encode($want));
    receiver_stop($rb);
    receiver_stop($r);
    return sprintf('sample_rate %d + ignored %d reported exactly once in %d client_report item(s) (%s E1), not repeated with E2; ' .
                   'project B\'s %d reported to B only', CR_N, CR_M, $nReports, $rodeWithE1 ? 'attached to' : 'sent apart from', CR_K);
});
