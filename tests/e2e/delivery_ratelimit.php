<?php
/**
 * delivery_ratelimit: a 429 with `X-Sentry-Rate-Limits: 60:error;transaction:key` is learned
 * host-wide and honoured at sendEvent(), in the process that got it and in a second,
 * separately exec'd process; other categories (monitor, session) still flow.
 *
 *   php -n tests/e2e/delivery_ratelimit.php <so>
 *
 * Asserts: the first error is accepted (the 429 comes later) and the limit appears in
 * getStatus()['rate_limits'] (keys error and transaction, RFC 3339, ~60 s ahead, no other
 * category); then, in both processes, an error and a transaction are refused with
 * success=false, rate_limit=true, error "rate limited until <RFC 3339>"; a check_in and a
 * session queued with sendEnvelope arrive; after the 429 no envelope with an event or a
 * transaction item reaches the receiver; invalid == 0.
 */

declare(strict_types=1);

require __DIR__ . '/delivery_lib.php';

$so = e2e_so_path($argv);

e2e_main(static function () use ($so): string {
    $tmp = e2e_tmpdir('dl-rl');
    $queue = e2e_queue_name('dlrl');
    $r = receiver_start(['log' => "$tmp/receiver.log"]);
    receiver_faults($r, ['script' => [['status' => 429, 'headers' => ['X-Sentry-Rate-Limits' => '60:error;transaction:key']]]]);
    e2e_log('receiver %s, queue %s', $r['url'], $queue);
    $ini = dl_base_ini($r['dsn'], $queue, $tmp);

    // What both processes do while the limit is in force.
    $probe = <<<'PHP'
        $t = microtime(true);
        $tid = bin2hex(random_bytes(16));
        out('error', SentryTransport::sendEvent(['message' => 'rate limited error ' . $CTX['who'], 'level' => 'error']));
        out('transaction', SentryTransport::sendEvent([
            'type' => 'transaction', 'transaction' => 'GET /rate-limited', 'start_timestamp' => $t - 0.25, 'timestamp' => $t,
            'contexts' => ['trace' => ['trace_id' => $tid, 'span_id' => substr($tid, 0, 16), 'op' => 'http.server']],
            'spans' => []]));
        $checkInId = bin2hex(random_bytes(16));
        $sid = sprintf('%s-%s-4%s-a%s-%s', bin2hex(random_bytes(4)), bin2hex(random_bytes(2)), substr(bin2hex(random_bytes(2)), 1),
                       substr(bin2hex(random_bytes(2)), 1), bin2hex(random_bytes(6)));
        out('check_in_id', $checkInId);
        out('sid', $sid);
        out('check_in', SentryTransport::sendEnvelope("{}\n" . '{"type":"check_in"}' . "\n" . json_encode(
            ['check_in_id' => $checkInId, 'monitor_slug' => 'e2e-ratelimit', 'status' => 'ok', 'duration' => 0.25]) . "\n"));
        out('session', SentryTransport::sendEnvelope("{}\n" . '{"type":"session"}' . "\n" . json_encode(
            ['sid' => $sid, 'init' => true, 'status' => 'ok', 'started' => gmdate('Y-m-d\TH:i:s\Z'),
             'attrs' => ['release' => 'e2e@1.0.0', 'environment' => 'e2e']]) . "\n"));
        out('status', SentryTransport::getStatus());
        out('flushed', SentryTransport::flush(10.0));
        out('metrics', SentryTransport::getMetrics());
        PHP;

    // Process A: the first error meets the 429; wait until the limit is learned; then probe.
    $a = dl_run('proc_a', $so, $ini, $tmp, <<<'PHP'
        out('first', SentryTransport::sendEvent(['message' => 'first error: meets the 429', 'level' => 'error']));
        $learned = wait_until(static fn() => isset(SentryTransport::getStatus()['rate_limits']['error']), 10.0);
        out('learned', $learned);
        out('learned_status', SentryTransport::getStatus());
        PHP . "\n" . $probe, $r, 40.0, ['who' => 'A']);

    $first = $a['first'];
    e2e_log('A first: %s', json_encode($first));
    e2e_assert($first['success'] === true, 'the first error was not accepted: %s', json_encode($first));
    e2e_assert($a['learned'] === true, 'rate limit not learned within 10 s of the 429: getStatus rate_limits = %s; receiver %s; log %s',
               json_encode($a['learned_status']['rate_limits'] ?? null), dl_stats_brief(receiver_stats($r)), dl_ext_log($tmp));

    // Process B: separately exec'd, after A is gone.
    $b = dl_run('proc_b', $so, $ini, $tmp, $probe, $r, 40.0, ['who' => 'B']);

    $now = time();
    foreach (['A' => $a, 'B' => $b] as $who => $o) {
        foreach (['error', 'transaction'] as $kind) {
            $res = $o[$kind];
            e2e_log('%s %s: %s', $who, $kind, json_encode($res));
            e2e_assert($res['success'] === false && $res['rate_limit'] === true,
                       'process %s: %s during the limit gave success=%s rate_limit=%s error=%s (expected success=false, rate_limit=true)',
                       $who, $kind, json_encode($res['success']), json_encode($res['rate_limit']), json_encode($res['error']));
            e2e_assert((bool)preg_match('~^rate limited until (\S+)~', $res['error'], $m) && dl_is_rfc3339($m[1]),
                       'process %s: %s error is %s, expected "rate limited until <RFC 3339>"', $who, $kind, json_encode($res['error']));
            $until = e2e_rfc3339_to_float($m[1]);
            e2e_assert($until > $now + 20 && $until < $now + 70, 'process %s: %s limited until %s, expected about 60 s after the 429',
                       $who, $kind, $m[1]);
        }
        foreach (['check_in', 'session'] as $kind) {
            e2e_assert($o[$kind]['success'] === true, 'process %s: %s (not rate limited) refused: %s', $who, $kind, json_encode($o[$kind]));
        }
        $rl = $o['status']['rate_limits'] ?? null;
        e2e_assert(is_array($rl) && isset($rl['error'], $rl['transaction']),
                   'process %s: getStatus rate_limits = %s, expected keys error and transaction', $who, json_encode($rl));
        e2e_assert(dl_is_rfc3339((string)$rl['error']) && dl_is_rfc3339((string)$rl['transaction']),
                   'process %s: rate_limits values not RFC 3339: %s', $who, json_encode($rl));
        $others = array_diff(array_keys($rl), ['error', 'transaction']);
        e2e_assert(!$others, 'process %s: rate_limits also lists %s (only error;transaction were limited)', $who, json_encode($rl));
        e2e_assert($o['flushed'] === true, 'process %s: flush(10) returned false', $who);
    }

    // The receiver: check_ins and sessions of both processes arrive; no event/transaction after the 429.
    $wantCheckIns = [$a['check_in_id'], $b['check_in_id']];
    $wantSids = [$a['sid'], $b['sid']];
    $seen = receiver_wait_for(static function () use ($r, $wantCheckIns, $wantSids) {
        $ci = $ss = [];
        foreach (receiver_events($r, 0, true) as $rec) {
            foreach ($rec['item_types'] as $i => $t) {
                $p = $rec['payloads'][$i] ?? null;
                if ($t === 'check_in' && is_array($p)) {
                    $ci[] = $p['check_in_id'] ?? '';
                } elseif ($t === 'session' && is_array($p)) {
                    $ss[] = $p['sid'] ?? '';
                }
            }
        }
        return !array_diff($wantCheckIns, $ci) && !array_diff($wantSids, $ss) ? [$ci, $ss] : false;
    }, 10.0);
    $stats = receiver_stats($r);
    e2e_log('receiver: %s', dl_stats_brief($stats));
    e2e_assert($seen !== false, 'check_ins/sessions (categories monitor/session are not limited) not all delivered within 10 s; ' .
               'receiver %s; log %s', dl_stats_brief($stats), dl_ext_log($tmp));
    e2e_assert($stats['invalid'] === 0, 'receiver found %d invalid envelopes: %s', $stats['invalid'], json_encode($stats['errors']));

    $recs = receiver_events($r);
    $seq429 = null;
    $after = [];
    foreach ($recs as $rec) {
        if ($seq429 === null) {
            if ((string)$rec['status'] === '429') {
                $seq429 = $rec['seq'];
                e2e_assert(in_array('event', $rec['item_types'], true) && $rec['event_id'] === $first['event_id'],
                           'the 429 went to %s (event_id %s), expected the first error %s', json_encode($rec['item_types']),
                           json_encode($rec['event_id']), $first['event_id']);
            }
            continue;
        }
        foreach ($rec['item_types'] as $t) {
            $after[$t] = ($after[$t] ?? 0) + 1;
        }
    }
    e2e_assert($seq429 !== null, 'the receiver never answered 429 (faults: %s)', json_encode(receiver_json($r, 'GET', '/_faults')));
    e2e_log('items after the 429: %s', json_encode($after));
    e2e_assert(($after['event'] ?? 0) === 0 && ($after['transaction'] ?? 0) === 0,
               'during the 60 s limit the receiver got %d event and %d transaction items after the 429 (expected 0): %s',
               $after['event'] ?? 0, $after['transaction'] ?? 0, json_encode($after));
    // Observation only (not asserted here): what the client reports said about the refusals.
    $reported = [];
    foreach (receiver_events($r, 0, true) as $rec) {
        foreach ($rec['item_types'] as $i => $t) {
            foreach ($t === 'client_report' ? ($rec['payloads'][$i]['discarded_events'] ?? []) : [] as $d) {
                $k = ($d['reason'] ?? '?') . '/' . ($d['category'] ?? '?');
                $reported[$k] = ($reported[$k] ?? 0) + (int)($d['quantity'] ?? 0);
            }
        }
    }
    e2e_log('client reports delivered: %s', json_encode($reported));
    receiver_stop($r);
    return sprintf('429 learned; A and B: error+transaction refused (rate_limit=true, "%s"); rate_limits %s; ' .
                   'check_in+session delivered from both; items after the 429: %s; client reports: %s',
                   substr($b['error']['error'], 0, 40), implode(',', array_keys($b['status']['rate_limits'])), json_encode($after),
                   json_encode($reported));
});
