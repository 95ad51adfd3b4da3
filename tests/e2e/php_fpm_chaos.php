<?php
/**
 * php_fpm_chaos: a real php-fpm behind a real nginx (as php_fpm.php) with children recycled
 * constantly (pm.max_requests = 2) and request_terminate_timeout = 1s, so FPM's master
 * kills children (SIGTERM) while they are inside sendEvent; the test SIGKILLs a few more.
 *
 *   php -n tests/e2e/php_fpm_chaos.php <so> [--chaos=8] [--sigkill=3] [--requests=240] [--clients=3]
 *       [--children=3] [--max-requests=2] [--terminate=1] [--idle-ms=600] [--pad=600000]
 *
 * One FPM master (the extension loaded by it, one queue) with two static pools, both with
 * pm.max_requests: "chaos" (request_terminate_timeout) and "web" (30 s: only a bound on a
 * hang; a normal request starved of CPU for 1 s on a busy machine is not what this tests).
 * Normal requests (fpm_app/send.php, 3 events each, `--children` children) run alongside
 * chaos requests (fpm_app/send_until_killed.php), which sleep idle-ms, then call sendEvent
 * in a tight loop until they are killed. Their events carry a pad-byte "password" that the
 * scrubber removes, so almost all of the loop is spent inside sendEvent while the queue gets
 * small records. Each chaos request writes a line right before each sendEvent and the
 * accepted event_id right after it returns, to a file of its own: the last line tells where
 * the kill landed. `--sigkill` of them sleep less and are SIGKILLed by the test once they
 * sent 20 events.
 *
 * Asserts: the terminate timeout really fired (> 0 "execution timed out" in FPM's log) and
 * > 0 of its kills landed inside sendEvent; every dead child is explained (a timeout or the
 * test's SIGKILL); every normal request answered 200 with its events accepted; every event
 * whose sendEvent returned success=true (normal or chaos) is delivered, at least once
 * (duplicates reported), with its marker and the pad scrubbed; the only other delivered
 * events are, per killed request, the one whose sendEvent the kill interrupted;
 * invalid == 0; the FPM master has 1 thread throughout; after the kills FPM still serves (a
 * final round of requests answers 200 within 30 s); graceful stop (SIGQUIT) exits 0; a fresh
 * `php` sees the queue empty (queue_length, in_flight, retries); the extension logs no
 * error. Reports kills, spawned children, slowest normal request, events accepted/delivered/
 * duplicates, lock recoveries.
 */

declare(strict_types=1);

require __DIR__ . '/fpm_lib.php';

$so = e2e_so_path($argv);
$opt = ['chaos' => 8, 'sigkill' => 3, 'requests' => 240, 'clients' => 3, 'children' => 3, 'max-requests' => 2,
        'terminate' => 1, 'idle-ms' => 600, 'pad' => 600000];
foreach (array_slice($argv, 2) as $a) {
    if (preg_match('/^--(chaos|sigkill|requests|clients|children|max-requests|terminate|idle-ms|pad)=(\d+)$/', $a, $m)) {
        $opt[$m[1]] = (int)$m[2];
    }
}

const CHAOS_CLIENTS = 2;

e2e_main(static function () use ($so, $opt): string {
    fpm_require_binaries();
    $tmp = e2e_tmpdir('fpmchaos');
    $queue = e2e_queue_name('fpmchaos');
    $r = receiver_start(['log' => "$tmp/receiver.log"]);
    e2e_log('receiver %s, queue %s', $r['url'], $queue);
    $acc = "$tmp/acc";
    mkdir($acc, 0777);
    chmod($acc, 0777); // FPM's children may run as another user than this test

    // ---------------------------------------------------------------- php-fpm
    // Two pools of one master (one extension, one queue): "chaos" with the terminate
    // timeout, "web" for the normal requests, whose 30 s limit only bounds a hang (on a
    // busy 2-core machine a starved normal request could otherwise outlive 1 s).
    $app = realpath(__DIR__ . '/fpm_app');
    $sockWeb = "$tmp/fpm-web.sock";
    $sockChaos = "$tmp/fpm-chaos.sock";
    $children = $opt['children'];
    $chaosChildren = CHAOS_CLIENTS + ($opt['sigkill'] ? 1 : 0);
    $pools = fpm_pool($tmp, 'web', $sockWeb, $children, $opt['max-requests'], "request_terminate_timeout = 30s\nenv[E2E_ACC_DIR] = $acc\n")
        . fpm_pool($tmp, 'chaos', $sockChaos, $chaosChildren, $opt['max-requests'],
                   "request_terminate_timeout = {$opt['terminate']}s\nenv[E2E_ACC_DIR] = $acc\n");
    $ini = [
        'dsn' => $r['dsn'],
        'queue.name' => $queue,
        'queue.buffer_size' => '100000',
        'queue.memory' => '64M',
        'shutdown_timeout' => '2s',
        'logging.level' => getenv('E2E_ST_LOG_LEVEL') ?: 'warning', // info: elections, for a post-mortem with E2E_KEEP=1
        'logging.file' => "$tmp/extension.log",
    ];
    [$fpm] = fpm_start($tmp, $so, $ini, $pools, $children + $chaosChildren, [$sockWeb, $sockChaos]);
    $master = $fpm['pid'];
    e2e_assert(e2e_thread_count($master) === 1, 'FPM master has %d threads before serving', e2e_thread_count($master));

    // ---------------------------------------------------------------- nginx
    [$nginx, $base] = fpm_start_nginx($tmp, $app, fpm_nginx_location('= /send_until_killed.php', $sockChaos, '30s')
                                                  . fpm_nginx_location('~ \\.php$', $sockWeb, '40s'));
    e2e_log('php-fpm master %d, nginx %d on %s', $master, $nginx['pid'], $base);

    // ---------------------------------------------------------------- load: normal + chaos
    $perNormal = intdiv($opt['requests'] + $opt['clients'] - 1, $opt['clients']);
    $perChaos = intdiv($opt['chaos'] + CHAOS_CLIENTS - 1, CHAOS_CLIENTS);
    $t0 = microtime(true);
    $normal = fpm_http_clients($tmp, "$base/send.php", $opt['clients'], $perNormal, 'n', '&n=3');
    $chaos = fpm_http_clients($tmp, "$base/send_until_killed.php", CHAOS_CLIENTS, $perChaos, 'x',
                              sprintf('&idle=%.3f&pad=%d&cap=10', $opt['idle-ms'] / 1000, $opt['pad']));
    // These the test SIGKILLs itself once they have sent 20 events (they sleep less, so
    // that comes well before the terminate timeout).
    $chaos = array_merge($chaos, $opt['sigkill'] ? fpm_http_clients($tmp, "$base/send_until_killed.php", 1, $opt['sigkill'], 'k',
                                                                    sprintf('&idle=0.2&pad=%d&cap=10', $opt['pad'])) : []);
    $all = array_merge($normal, $chaos);
    $masterThreadsMax = 0;
    $sigkilled = [];  // req → pid
    $normalSecs = null;
    $done = e2e_wait_until(static function () use (&$all, $master, &$masterThreadsMax, &$sigkilled, $acc, &$normalSecs, $t0,
                                                   $normal) {
        $masterThreadsMax = max($masterThreadsMax, e2e_thread_count($master));
        foreach (glob("$acc/ck*.jsonl") as $f) {
            $req = basename($f, '.jsonl');
            $rows = isset($sigkilled[$req]) ? [] : e2e_json_lines($f);
            if (count(array_filter($rows, static fn($r) => isset($r['m']))) < 20 || isset(end($rows)['end'])) {
                continue;
            }
            $pid = (int)$rows[0]['start'];
            $stat = (string)@file_get_contents("/proc/$pid/stat");
            if ((int)(explode(' ', substr($stat, strrpos($stat, ')') + 2))[1] ?? 0) === $master) { // still FPM's child
                exec('kill -KILL ' . $pid);
                $sigkilled[$req] = $pid;
            }
        }
        $any = false;
        foreach ($all as $i => &$c) {
            $any = e2e_running($c) || $any;
            if ($i === count($normal) - 1 && !$any) {
                $normalSecs ??= microtime(true) - $t0;
            }
        }
        return !$any;
    }, 150.0, 0.05);
    e2e_assert((bool)$done, 'HTTP clients still running after 150 s (FPM deadlocked?)');
    $loadSecs = microtime(true) - $t0;
    $normal = array_slice($all, 0, count($normal));
    $chaos = array_slice($all, count($normal));
    e2e_assert($masterThreadsMax === 1, 'FPM master had %d threads during the load (expected 1)', $masterThreadsMax);

    $sent = [];       // event_id → event sent (of a chaos request's event, only its marker is known)
    $rows = fpm_collect_sent($tmp, $normal, $master, $sent);
    $nreq = count($rows);
    $servedBy = array_count_values(array_map(static fn($row) => $row['body']['pid'], $rows));
    $maxMs = max(array_column($rows, 'ms') ?: [0.0]); // slowest normal request, as its client saw it
    e2e_assert($nreq === $opt['clients'] * $perNormal, '%d normal responses, expected %d', $nreq, $opt['clients'] * $perNormal);
    $normalEvents = count($sent);

    // Chaos requests: the HTTP side (502 when killed) and each request's record file.
    $chaosStatus = [];
    foreach ($chaos as $cl) {
        e2e_assert($cl['exit'] === 0, '%s exited with %s', $cl['name'], var_export($cl['exit'], true));
        foreach (e2e_json_lines($cl['out']) as $row) {
            $chaosStatus[$row['req']] = $row['status'];
        }
    }
    $nChaos = CHAOS_CLIENTS * $perChaos + $opt['sigkill'];
    e2e_assert(count($chaosStatus) === $nChaos, '%d chaos responses, expected %d', count($chaosStatus), $nChaos);
    // Who killed each request: FPM's log names the request of every timeout.
    $fpmLog = (string)@file_get_contents("$tmp/fpm.log");
    preg_match_all('/\?req=([A-Za-z0-9_.-]+)[^"]*"\) execution timed out/', $fpmLog, $tm);
    $timedOutReqs = array_flip($tm[1]);
    $killedIn = ['timeout' => ['send' => 0, 'between' => 0, 'before' => 0],
                 'sigkill' => ['send' => 0, 'between' => 0, 'before' => 0]];
    $survived = 0;
    $inFlight = [];   // marker of the event each killed request was sending → req
    $chaosAccepted = 0;
    $refused = [];
    foreach ($chaosStatus as $req => $status) {
        $rows = e2e_json_lines("$acc/$req.jsonl");
        e2e_assert($rows && isset($rows[0]['start']), 'chaos request %s (HTTP %d) left no record', $req, $status);
        $last = end($rows);
        $pid = $rows[0]['start'];
        foreach ($rows as $row) {
            if (isset($row['m'])) {
                if ($row['ok'] !== true) {
                    $refused[] = $row['err'];
                    continue;
                }
                e2e_assert(!isset($sent[$row['id']]), 'event_id %s returned twice', $row['id']);
                $sent[$row['id']] = ['extra' => ['marker' => $row['m']]];
                $chaosAccepted++;
            }
        }
        if (isset($last['end'])) {
            $survived++;
            e2e_assert($status === 200, 'chaos request %s finished its loop but answered HTTP %d', $req, $status);
            continue;
        }
        e2e_assert($status !== 200, 'chaos request %s answered 200 but its record stops early: %s', $req, json_encode($last));
        if (isset($sigkilled[$req])) {
            e2e_assert($sigkilled[$req] === $pid, 'request %s: SIGKILLed pid %d, its record says pid %d', $req, $sigkilled[$req], $pid);
            $killer = 'sigkill';
        } else {
            e2e_assert(isset($timedOutReqs[$req]), 'chaos request %s (pid %d, HTTP %d) died, but neither FPM\'s timeout nor the test ' .
                       'killed it; last record %s', $req, $pid, $status, json_encode($last));
            $killer = 'timeout';
        }
        if (isset($last['b'])) {
            $killedIn[$killer]['send']++;
            $inFlight[sprintf('chaos-%s-%d-p%d', $req, $last['b'], $pid)] = $req;
        } elseif (isset($last['m'])) {
            $killedIn[$killer]['between']++;
            $inFlight[sprintf('chaos-%s-%d-p%d', $req, $last['i'] + 1, $pid)] = $req; // its {"b"} line may have been cut
        } else {
            $killedIn[$killer]['before']++;
        }
    }
    e2e_assert(!$refused, '%d chaos sendEvent calls failed, e.g. "%s"', count($refused), $refused[0] ?? '');

    $timedOut = preg_match_all('/execution timed out/', $fpmLog);
    preg_match_all('/exited on signal (\d+)/', $fpmLog, $sigs);
    $bySignal = array_count_values($sigs[1]);
    $spawned = preg_match_all('/child \d+ started/', $fpmLog);
    e2e_log('load %.1fs (normal clients done after %.1fs, slowest request %.0f ms): %d normal requests (%d events) served by %d children; %d chaos ' .
            'requests, %d survived; killed by the timeout %s, by the test\'s SIGKILL %s; %d chaos events accepted', $loadSecs,
            $normalSecs ?? -1, $maxMs, $nreq, $normalEvents, count($servedBy), count($chaosStatus), $survived,
            json_encode($killedIn['timeout']), json_encode($killedIn['sigkill']), $chaosAccepted);
    e2e_log('FPM log: %d "execution timed out", exits by signal %s, %d children started', $timedOut, json_encode($bySignal),
            $spawned);
    e2e_assert($timedOut > 0, 'request_terminate_timeout never fired (no "execution timed out" in the FPM log)');
    e2e_assert($killedIn['timeout']['send'] > 0, 'no timeout kill landed inside sendEvent (%s)', json_encode($killedIn['timeout']));
    e2e_assert(!$opt['sigkill'] || $sigkilled, 'the test SIGKILLed no chaos request');
    // A request the test SIGKILLed just as its timeout fired is in both sets: one death.
    $killedReqs = count($timedOutReqs + $sigkilled);
    e2e_assert(array_sum($bySignal) === $killedReqs, '%d children exited on a signal (%s), expected %d (%d timeouts, %d SIGKILLs)',
               array_sum($bySignal), json_encode($bySignal), $killedReqs, $timedOut, count($sigkilled));

    // ---------------------------------------------------------------- FPM still serves
    $t1 = microtime(true);
    $final = fpm_http_clients($tmp, "$base/send.php", 3, 4, 'f', '&n=3');
    e2e_assert(e2e_wait_exit($final, 30.0), 'the final round of requests did not finish within 30 s after the kills');
    $finalRows = fpm_collect_sent($tmp, $final, $master, $sent);
    e2e_assert(count($finalRows) === 12, '%d final responses, expected 12', count($finalRows));
    $maxMs = max($maxMs, ...array_column($finalRows, 'ms'));
    $finalSecs = microtime(true) - $t1;
    e2e_assert(e2e_thread_count($master) === 1, 'FPM master has %d threads after the load', e2e_thread_count($master));

    // ---------------------------------------------------------------- delivery
    $n = count($sent);
    // By id, not by count: the receiver also has the events a kill interrupted.
    $stats = receiver_wait_delivered($r, $n, 60.0);
    $byId = [];
    e2e_wait_until(static function () use ($r, $sent, &$byId) {
        $byId = e2e_delivered_by_id($r);
        return !array_diff_key($sent, $byId);
    }, 30.0, 0.5);
    $missing = array_diff_key($sent, $byId);
    if ($missing) { // where are they? A fresh process's view of the queue, before its own thread acts
        $p = e2e_spawn('probe', array_merge([E2E_PHP, '-n'], e2e_ext_args($so, $ini), ['-r',
            'echo json_encode(SentryTransport::getStatus()["queue"] + ["drainer" => SentryTransport::getStatus()["drainer"],
                 "metrics" => array_diff_key(SentryTransport::getMetrics(), ["send_latency_buckets" => 1])]);']),
            "$tmp/missing-probe.out", '/dev/null');
        $one = [&$p];
        e2e_wait_exit($one, 15.0);
        // Stranded (still queued: the fresh process's drainer sends them now) or lost?
        $later = e2e_wait_until(static function () use ($r, $missing) {
            return !array_diff_key($missing, e2e_delivered_by_id($r));
        }, 10.0, 0.2);
        $seen = array_values(array_filter(receiver_events($r), static fn($e) => isset($missing[$e['event_id'] ?? ''])));
        $seen = ['delivered_after_a_fresh_process_ran' => (bool)$later, 'records' => $seen];
        e2e_fail('%d of %d accepted events never delivered, e.g. %s (marker %s); receiver %s, saw them %s; queue seen by a fresh ' .
                 'process: %s; extension log: %s', count($missing), $n, (string)array_key_first($missing),
                 (string)reset($missing)['extra']['marker'],
                 json_encode(array_intersect_key($stats, array_flip(['delivered', 'delivered_unique', 'duplicates', 'invalid']))),
                 substr(json_encode($seen), 0, 2000), @file_get_contents("$tmp/missing-probe.out"), substr(trim((string)@file_get_contents("$tmp/extension.log")), 0, 1000));
    }
    $dupIds = 0;
    foreach ($sent as $id => $event) {
        $marker = $event['extra']['marker'];
        $dupIds += count($byId[$id]) > 1 ? 1 : 0;
        foreach ($byId[$id] as $rec) {
            $p = e2e_event_payload($rec);
            e2e_assert(($p['extra']['marker'] ?? null) === $marker, 'event %s delivered with marker %s, sent %s', $id,
                       json_encode($p['extra']['marker'] ?? null), $marker);
            if (str_starts_with($marker, 'chaos-')) {
                e2e_assert(($p['extra']['password'] ?? null) === '[Filtered]', 'chaos event %s: password not scrubbed', $id);
            }
        }
    }
    // Beyond the accepted ones: only the event a kill interrupted, at most one per killed request.
    $interrupted = [];
    foreach (array_diff_key($byId, $sent) as $id => $recs) {
        $marker = e2e_event_payload($recs[0])['extra']['marker'] ?? '?';
        e2e_assert(isset($inFlight[$marker]) && !isset($interrupted[$inFlight[$marker]]),
                   'delivered event %s (marker %s) was never accepted, and is not the one a kill interrupted', $id, $marker);
        $interrupted[$inFlight[$marker]] = true;
    }
    $stats = receiver_stats($r);
    e2e_assert($stats['invalid'] === 0, 'receiver found %d invalid envelopes: %s', $stats['invalid'], json_encode($stats['errors']));

    // ---------------------------------------------------------------- graceful stop
    [$stopSecs, $fpmLog] = fpm_stop($tmp, $fpm, $nginx, 20.0);
    preg_match_all('/exited on signal (\d+)/', $fpmLog, $sigs);
    $bySignal = array_count_values($sigs[1]);
    $timedOut = preg_match_all('/execution timed out/', $fpmLog);
    $spawned = preg_match_all('/child \d+ started/', $fpmLog);
    e2e_assert(array_sum($bySignal) === $killedReqs, 'after the stop: %d children exited on a signal (%s), expected %d',
               array_sum($bySignal), json_encode($bySignal), $killedReqs);

    // ---------------------------------------------------------------- the queue drains to empty
    $probes = 0;
    $pr = e2e_wait_until(static function () use ($so, $ini, $tmp, &$probes) {
        $probes++;
        $j = e2e_status_probe(array_merge([E2E_PHP, '-n'], e2e_ext_args($so, $ini)), "$tmp/probe$probes.out", "$tmp/probe.err");
        return e2e_queue_empty($j) ? $j : false;
    }, 30.0, 0.5);
    e2e_assert((bool)$pr, 'the queue is not empty 30 s after FPM stopped (%d fresh processes looked)', $probes);
    $m = $pr['metrics'];
    e2e_log('final metrics: %s', json_encode(array_intersect_key($m, array_flip(['events_sent', 'events_accepted', 'lock_recoveries',
        'corrupt_records', 'drainer_elections', 'total_retries', 'network_errors', 'responses_4xx', 'responses_5xx']))));
    e2e_assert_no_extension_errors("$tmp/extension.log");
    $stats = receiver_stats($r);
    receiver_stop($r);
    return sprintf('%d normal (slowest %.0f ms) + %d chaos requests in %.1fs; %d children killed by request_terminate_timeout (%d inside ' .
                   'sendEvent, %d between calls, %d before the loop), %d SIGKILLed by the test (%d inside sendEvent); exits by ' .
                   'signal %s; %d children started (recycled), master 1 thread; %d events accepted (%d chaos), all delivered ' .
                   '(%d ids more than once, %d deliveries), %d interrupted events delivered too, invalid 0; final round %.2fs; ' .
                   'FPM stopped in %.2fs; queue empty (probe %d); lock_recoveries %d, corrupt_records %d, elections %d',
                   $nreq, $maxMs, count($chaosStatus), $loadSecs, $timedOut, $killedIn['timeout']['send'], $killedIn['timeout']['between'],
                   $killedIn['timeout']['before'], count($sigkilled), $killedIn['sigkill']['send'], json_encode($bySignal), $spawned,
                   $n, $chaosAccepted, $dupIds, $stats['delivered'], count($interrupted), $finalSecs, $stopSecs, $probes,
                   $m['lock_recoveries'] ?? -1, $m['corrupt_records'] ?? -1, $m['drainer_elections'] ?? -1);
});
