<?php
/**
 * drainer_sigkill: 3 long-lived exec'd worker processes keep sending events while the
 * receiver is slow (every envelope answered after 20 ms), so a backlog builds; the worker
 * that is the drainer gets SIGKILL mid-load.
 *
 *   php -n tests/e2e/drainer_sigkill.php <so> [--events=3000] [--sleep-us=1000]
 *
 * Measures the failover time: from the kill to the first moment a surviving worker sees a
 * different drainer pid AND events_sent above the value the dead drainer left (events_sent
 * grows again). Asserts it is < 2 s. Then lets the load finish (the receiver's delay is
 * lifted) and asserts: every event whose sendEvent returned success=true is delivered at
 * least once (duplicates are allowed after a kill: at-least-once; their count is reported),
 * payloads intact, invalid == 0, and the queue ends empty (queue_length 0 seen by a fresh
 * `php` process). The receiver's clock gives an indicative second reading, in the log only.
 *
 * How the time is read: every worker samples getMetrics() then getStatus() every few events
 * and prints {t, drainer, sent, len}. A new drainer announces its pid before it sends
 * anything, so a sample taken after the kill that still shows the dead pid carries exactly
 * the dead drainer's final events_sent (metrics are read first). Without such a sample the
 * highest events_sent seen before the kill is the reference.
 */

declare(strict_types=1);

require __DIR__ . '/lib.php';

const LOAD_WORKERS = 3;
const FAILOVER_LIMIT_S = 2.0;

$so = e2e_so_path($argv);
$opt = ['events' => 3000, 'sleep-us' => 1000];
foreach (array_slice($argv, 2) as $a) {
    if (preg_match('/^--(events|sleep-us)=(\d+)$/', $a, $m)) {
        $opt[$m[1]] = (int)$m[2];
    }
}

e2e_main(static function () use ($so, $opt): string {
    $tmp = e2e_tmpdir('kill');
    $queue = e2e_queue_name('kill');
    $r = receiver_start(['log' => "$tmp/receiver.log"]);
    receiver_faults($r, ['then' => ['delay_ms' => 20, 'status' => 200]]);
    e2e_log('receiver %s (every answer delayed 20 ms), queue %s', $r['url'], $queue);

    $ini = [
        'dsn' => $r['dsn'],
        'queue.name' => $queue,
        'queue.buffer_size' => '50000',
        'queue.memory' => '64M',
        'shutdown_timeout' => '3s',
        'logging.level' => 'warning',
        'logging.file' => "$tmp/extension.log",
    ];
    $tag = 'kill-' . bin2hex(random_bytes(3));
    $workers = [];
    $byPid = [];
    $t0 = microtime(true);
    for ($w = 0; $w < LOAD_WORKERS; $w++) {
        $cmd = array_merge([E2E_PHP, '-n'], e2e_ext_args($so, $ini),
                           [__DIR__ . '/workers/send_worker.php', (string)$w, (string)$opt['events'], $tag,
                            (string)$opt['sleep-us'], '60', '4']);
        $workers[$w] = e2e_spawn("worker$w", $cmd, "$tmp/worker$w.out", "$tmp/worker$w.err");
        $byPid[$workers[$w]['pid']] = $w;
    }
    e2e_log('workers %s', implode(',', array_keys($byPid)));

    // Samples as the workers print them.
    $offsets = array_fill(0, LOAD_WORKERS, 0);
    $samples = [];   // each: [t, worker, drainer, sent, len]
    $read = static function () use (&$workers, &$offsets, &$samples): void {
        foreach ($workers as $w => $c) {
            foreach (e2e_json_lines($c['out'], $offsets[$w]) as $row) {
                if (isset($row['status'])) {
                    $samples[] = ['t' => $row['t'], 'w' => $w, 'drainer' => $row['drainer'], 'sent' => $row['sent'], 'len' => $row['len']];
                }
            }
        }
    };

    // ---------------------------------------------------------------- a backlog, a drainer
    $victim = e2e_wait_until(static function () use (&$samples, $read, $byPid, $t0, &$workers) {
        $read();
        foreach ($workers as &$c) {
            if (!e2e_running($c)) {
                e2e_fail('%s exited (%s) before the kill: %s', $c['name'], var_export($c['exit'], true),
                         substr((string)@file_get_contents($c['err']), 0, 500));
            }
        }
        $last = end($samples);
        if (!$last || microtime(true) - $t0 < 1.0) {
            return false;
        }
        return (isset($byPid[$last['drainer']]) && $last['len'] >= 200) ? $last : false;
    }, 20.0, 0.01);
    if (!$victim) {
        $last = end($samples);
        e2e_fail('no backlog with a worker as drainer within 20 s (last sample %s)', json_encode($last));
    }
    $deadPid = $victim['drainer'];
    $vw = $byPid[$deadPid];
    $tKill = microtime(true);
    proc_terminate($workers[$vw]['proc'], 9);
    e2e_log('SIGKILL drainer pid %d (worker %d) at +%.3fs; backlog %d, events_sent %d', $deadPid, $vw, $tKill - $t0,
            $victim['len'], $victim['sent']);

    // ---------------------------------------------------------------- failover
    $measure = static function () use (&$samples, $tKill, $deadPid) {
        $before = 0;
        $frozen = null;
        $tNew = null;
        $newPid = null;
        foreach ($samples as $s) {
            if ($s['t'] <= $tKill) {
                $before = max($before, $s['sent']);
                continue;
            }
            if ($s['drainer'] === $deadPid && $frozen === null) {
                $frozen = $s['sent']; // exact: nobody has sent since the kill
            }
            if ($s['drainer'] !== $deadPid && $s['drainer'] !== 0) {
                $tNew ??= $s['t'];
                $newPid ??= $s['drainer'];
                $ref = $frozen ?? $before;
                if ($s['sent'] > $ref) {
                    return ['t_grow' => $s['t'], 't_new' => $tNew, 'new_pid' => $s['drainer'], 'frozen' => $ref,
                            'exact' => $frozen !== null, 'sent' => $s['sent']];
                }
            }
        }
        return false;
    };
    $fo = e2e_wait_until(static function () use ($read, $measure) {
        $read();
        return $measure();
    }, 10.0, 0.01);
    if (!$fo) {
        $post = array_values(array_filter($samples, static fn($s) => $s['t'] > $tKill));
        e2e_fail('no new drainer sending within 10 s of the kill (samples after it: %d, last %s)', count($post), json_encode(end($post)));
    }
    $failover = $fo['t_grow'] - $tKill;
    e2e_log('new drainer pid %d seen after %.3fs; events_sent grew (%d → %d%s) after %.3fs', $fo['new_pid'],
            $fo['t_new'] - $tKill, $fo['frozen'], $fo['sent'], $fo['exact'] ? '' : ', reference from before the kill',
            $failover);
    e2e_assert(isset($byPid[$fo['new_pid']]) && $fo['new_pid'] !== $deadPid, 'new drainer pid %d is not a surviving worker', $fo['new_pid']);

    // Second reading: the receiver's clock.
    $firstAfter = null;
    foreach (receiver_events($r) as $rec) {
        $ts = e2e_rfc3339_to_float($rec['received_at']);
        if ($ts > $tKill && ($firstAfter === null || $ts < $firstAfter)) {
            $firstAfter = $ts;
        }
    }
    $rxFailover = $firstAfter === null ? null : $firstAfter - $tKill;
    // Only indicative: a request the dead drainer had already written can still be read
    // by the receiver just after the kill.
    e2e_log('receiver: first envelope read after the kill at +%s s', $rxFailover === null ? 'none yet' : sprintf('%.3f', $rxFailover));
    e2e_assert($failover < FAILOVER_LIMIT_S, 'failover took %.3fs (limit %.1fs)', $failover, FAILOVER_LIMIT_S);

    // ---------------------------------------------------------------- let it finish
    receiver_faults($r, []);
    if (!e2e_wait_exit($workers, 150.0)) {
        e2e_fail('workers still running 150 s after the kill');
    }
    $accepted = [];   // event_id → event
    $refused = [];
    foreach ($workers as $w => $c) {
        $done = null;
        foreach (e2e_json_lines($c['out']) as $row) {
            if (isset($row['i'])) {
                if ($row['ok'] === true) {
                    e2e_assert(!isset($accepted[$row['id']]), 'event_id %s returned twice', $row['id']);
                    $accepted[$row['id']] = $row['event'];
                } else {
                    $refused[] = $row['err'];
                }
            } elseif (isset($row['done'])) {
                $done = $row;
            }
        }
        if ($w === $vw) {
            e2e_assert($c['exit'] === 137, 'the killed worker exited with %s, expected 137 (SIGKILL)', var_export($c['exit'], true));
            continue;
        }
        $err = trim((string)@file_get_contents($c['err']));
        e2e_assert($c['exit'] === 0 && $err === '', 'worker %d exited with %s: %s', $w, var_export($c['exit'], true), substr($err, 0, 500));
        e2e_assert($done !== null && $done['flushed'] === true, 'worker %d: the queue was not empty within 60 s (last status %s)', $w,
                   json_encode($done['status']['queue'] ?? null));
    }
    e2e_assert(!$refused, '%d sendEvent calls failed, e.g. "%s"', count($refused), $refused[0] ?? '');
    $n = count($accepted);
    e2e_log('%d events accepted (the killed worker stopped early)', $n);

    $stats = receiver_wait_delivered($r, $n, 60.0);
    $byId = e2e_delivered_by_id($r);
    $missing = array_diff_key($accepted, $byId);
    e2e_assert(!$missing, '%d accepted events never delivered, e.g. %s (marker %s); receiver %s', count($missing),
               (string)array_key_first($missing), $missing[array_key_first($missing)]['extra']['marker'] ?? '?',
               json_encode(array_intersect_key($stats, array_flip(['delivered', 'delivered_unique', 'duplicates', 'invalid']))));
    foreach ($accepted as $id => $event) {
        foreach ($byId[$id] as $rec) {
            $p = e2e_event_payload($rec);
            $mm = $p === null ? 'no event payload' : e2e_subset_mismatch($event, $p);
            e2e_assert($mm === null, 'event %s: payload differs: %s', $id, (string)$mm);
        }
    }
    $stats = receiver_stats($r);
    e2e_assert($stats['invalid'] === 0, 'receiver found %d invalid envelopes: %s', $stats['invalid'], json_encode($stats['errors']));
    $unknown = count(array_diff_key($byId, $accepted)); // at most the line the kill cut off
    e2e_assert($unknown <= 1, '%d delivered event_ids no worker reported (a kill cuts off at most one line)', $unknown);

    // The queue ends empty, as a fresh process of the host sees it.
    $probeOut = "$tmp/probe.out";
    $probe = e2e_spawn('probe', array_merge([E2E_PHP, '-n'], e2e_ext_args($so, $ini), ['-r',
        'echo json_encode(["status" => SentryTransport::getStatus(), "metrics" => SentryTransport::getMetrics()]), "\n";']),
        $probeOut, "$tmp/probe.err");
    $one = [&$probe];
    e2e_assert(e2e_wait_exit($one, 15.0) && $probe['exit'] === 0, 'status probe failed (%s): %s', var_export($probe['exit'], true),
               @file_get_contents("$tmp/probe.err"));
    $pr = json_decode((string)file_get_contents($probeOut), true);
    $q = $pr['status']['queue'] ?? [];
    e2e_assert(($q['queue_length'] ?? -1) === 0 && ($q['in_flight'] ?? -1) === 0, 'queue not empty at the end: %s', json_encode($q));
    $m = $pr['metrics'];
    e2e_log('final metrics: %s', json_encode($m));
    $log = trim((string)@file_get_contents("$tmp/extension.log"));
    if ($log !== '') {
        e2e_log('extension log (%d lines): %s', substr_count($log, "\n") + 1, substr($log, 0, 800));
    }
    receiver_stop($r);
    return sprintf('failover %.3fs (SIGKILL drainer %d -> pid %d drainer after %.3fs, events_sent growing after %.3fs; ' .
                   'backlog %d at the kill), %d accepted events all delivered, %d duplicates (at-least-once), invalid 0, ' .
                   'queue empty; lock_recoveries %d, corrupt_records %d, elections %d',
                   $failover, $deadPid, $fo['new_pid'], $fo['t_new'] - $tKill, $failover, $victim['len'],
                   $n, $stats['duplicates'], $m['lock_recoveries'] ?? -1, $m['corrupt_records'] ?? -1,
                   $m['drainer_elections'] ?? -1);
});
