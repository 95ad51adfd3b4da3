<?php
/**
 * php_fpm: a real php-fpm (Debian's php8.2-fpm) behind a real nginx, both with their own
 * configuration in a temp dir. The extension is loaded by the FPM master (`-d extension=…`
 * on its command line: settings are read at MINIT, in the master, before it forks).
 *
 *   php -n tests/e2e/php_fpm.php <so> [--requests=300] [--events=5] [--clients=6] [--children=4] [--max-requests=40]
 *
 * pm.max_requests (default 40) makes FPM recycle its children during the load, so children
 * forked later (and children exiting while they are the drainer) are covered too.
 *
 * Asserts: the master has exactly one thread once its children exist and before any request
 * (the background thread starts lazily, in children only) and still one after serving;
 * every request's events were accepted; events from >= 2 distinct children arrive; every
 * event_id is delivered exactly once with its payload intact; invalid == 0; FPM stops
 * gracefully (SIGQUIT) within a bound, with no child dying of a signal.
 */

declare(strict_types=1);

require __DIR__ . '/fpm_lib.php';

$so = e2e_so_path($argv);
$opt = ['requests' => 300, 'events' => 5, 'clients' => 6, 'children' => 4, 'max-requests' => 40];
foreach (array_slice($argv, 2) as $a) {
    if (preg_match('/^--(requests|events|clients|children|max-requests)=(\d+)$/', $a, $m)) {
        $opt[$m[1]] = (int)$m[2];
    }
}

e2e_main(static function () use ($so, $opt): string {
    fpm_require_binaries();
    $tmp = e2e_tmpdir('fpm');
    $queue = e2e_queue_name('fpm');
    $r = receiver_start(['log' => "$tmp/receiver.log"]);
    e2e_log('receiver %s, queue %s', $r['url'], $queue);

    // ---------------------------------------------------------------- php-fpm
    $app = realpath(__DIR__ . '/fpm_app');
    $sock = "$tmp/fpm.sock";
    $children = $opt['children'];
    $ini = [
        'dsn' => $r['dsn'],
        'queue.name' => $queue,
        'queue.buffer_size' => '20000',
        'queue.memory' => '32M',
        'shutdown_timeout' => '3s',
        'logging.level' => 'warning',
        'logging.file' => "$tmp/extension.log",
    ];
    [$fpm, $kids] = fpm_start($tmp, $so, $ini, fpm_pool($tmp, 'e2e', $sock, $children, $opt['max-requests']), $children, [$sock]);
    $master = $fpm['pid'];
    $masterThreadsBefore = e2e_thread_count($master);
    $kidThreadsBefore = array_map('e2e_thread_count', $kids);
    e2e_log('php-fpm master %d (%d thread(s)), children %s (threads %s)', $master, $masterThreadsBefore,
            implode(',', $kids), implode(',', $kidThreadsBefore));
    e2e_assert($masterThreadsBefore === 1, 'FPM master has %d threads before serving (expected 1: no thread before fork)', $masterThreadsBefore);
    e2e_log('queue object before the first request: %s', file_exists(e2e_shm_path($queue)) ? 'exists' : 'absent');

    // ---------------------------------------------------------------- nginx
    [$nginx, $base] = fpm_start_nginx($tmp, $app, fpm_nginx_location('~ \\.php$', $sock, '30s'));
    e2e_log('nginx %d on %s', $nginx['pid'], $base);
    e2e_assert(e2e_thread_count($master) === 1, 'FPM master has %d threads', e2e_thread_count($master));

    // ---------------------------------------------------------------- load
    $perClient = intdiv($opt['requests'] + $opt['clients'] - 1, $opt['clients']);
    $t0 = microtime(true);
    $clients = fpm_http_clients($tmp, "$base/send.php", $opt['clients'], $perClient, 'client', '&n=' . $opt['events']);
    if (!e2e_wait_exit($clients, 120.0)) {
        e2e_fail('HTTP clients still running after 120 s');
    }
    $loadSecs = microtime(true) - $t0;
    $sent = [];
    $rows = fpm_collect_sent($tmp, $clients, $master, $sent);
    $nreq = count($rows);
    $servedBy = [];
    $threadsSeen = [];
    foreach ($rows as $row) {
        $servedBy[$row['body']['pid']] = ($servedBy[$row['body']['pid']] ?? 0) + 1;
        $threadsSeen[$row['body']['pid']] = $row['body']['threads'];
    }
    $total = $opt['clients'] * $perClient * $opt['events'];
    e2e_assert($nreq === $opt['clients'] * $perClient, '%d responses, expected %d', $nreq, $opt['clients'] * $perClient);
    e2e_assert(count($sent) === $total, '%d events accepted, expected %d', count($sent), $total);
    ksort($servedBy);
    e2e_log('%d requests in %.2fs served by %s; threads per child %s', $nreq, $loadSecs, json_encode($servedBy), json_encode($threadsSeen));
    e2e_assert(count($servedBy) >= 2, 'only %d FPM child served requests', count($servedBy));
    foreach ($threadsSeen as $pid => $n) {
        e2e_assert($n === 2, 'FPM child %d has %d threads while serving (expected 2: PHP + drainer)', $pid, $n);
    }

    // ---------------------------------------------------------------- delivery
    $stats = receiver_wait_delivered($r, $total, 60.0);
    e2e_log('receiver: %s', json_encode(array_intersect_key($stats, array_flip(
        ['envelopes', 'valid', 'invalid', 'rejected_auth', 'delivered', 'delivered_unique', 'duplicates', 'by_status']))));
    e2e_assert($stats['invalid'] === 0, 'receiver found %d invalid envelopes: %s', $stats['invalid'], json_encode($stats['errors']));
    e2e_assert($stats['delivered_unique'] === $total, 'delivered_unique %d after 60 s, expected %d', $stats['delivered_unique'], $total);
    e2e_assert($stats['duplicates'] === 0, '%d duplicate deliveries', $stats['duplicates']);
    $byId = e2e_delivered_by_id($r);
    $fromPids = [];
    foreach ($sent as $id => $event) {
        $recs = $byId[$id] ?? [];
        e2e_assert(count($recs) === 1, 'event %s (marker %s) delivered %d times', $id, $event['extra']['marker'], count($recs));
        $p = e2e_event_payload($recs[0]);
        e2e_assert($p !== null, 'event %s: no event payload', $id);
        $mm = e2e_subset_mismatch($event, $p);
        e2e_assert($mm === null, 'event %s (marker %s): payload differs: %s', $id, $event['extra']['marker'], (string)$mm);
        $fromPids[$p['extra']['pid']] = true;
    }
    e2e_assert(count($fromPids) >= 2, 'delivered events come from %d child(ren) only', count($fromPids));
    $extra = array_diff_key($byId, $sent);
    e2e_assert(!$extra, '%d delivered event_ids nobody sent', count($extra));

    $masterThreadsAfter = e2e_thread_count($master);
    e2e_assert($masterThreadsAfter === 1, 'FPM master has %d threads after serving (expected 1)', $masterThreadsAfter);

    // ---------------------------------------------------------------- graceful stop
    [$stopSecs, $fpmLog] = fpm_stop($tmp, $fpm, $nginx, 15.0);
    e2e_assert(!str_contains($fpmLog, 'exited on signal'), 'an FPM child died of a signal: %s', substr($fpmLog, 0, 1500));
    $extLog = trim((string)@file_get_contents("$tmp/extension.log"));
    e2e_assert($extLog === '', 'extension.log is not empty: %s', substr($extLog, 0, 800));
    receiver_stop($r);
    return sprintf('%d requests (%d clients) -> %d children %s, %d events delivered exactly once from %d children, ' .
                   'invalid 0; master threads %d before / %d after serving; FPM stopped in %.2fs',
                   $nreq, $opt['clients'], count($servedBy), json_encode(array_values($servedBy)), $total, count($fromPids),
                   $masterThreadsBefore, $masterThreadsAfter, $stopSecs);
});
