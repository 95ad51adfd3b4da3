<?php
/**
 * chaos: exec'd workers send events into one queue while a killer SIGKILLs random workers
 * (the drainer a good share of the time) at random moments and the receiver answers a
 * random share of envelopes with 503, RST, FIN, or a stall (longer and shorter than
 * transport.timeout). Some of the killer's turns instead ask a worker to exit normally (a
 * recycle, like FPM's pm.max_requests), and half of those are SIGKILLed while the extension
 * flushes at exit. Workers that end are replaced (a new exec'd process, a new marker range),
 * so --workers keep running until --events events are accepted in total.
 *
 *   php -n tests/e2e/chaos.php <so> [--workers=8] [--events=20000] [--seed=42]
 *       [--kill-interval-ms=500] [--drainer-share=0.4] [--recycle-share=0.15] [--fault-p=0.12]
 *       [--summary=FILE] [--php=PATH (of the workers, e.g. scripts/php-san.sh for the san build)]
 *
 * The defaults are the short CI run; scripts/chaos.sh runs 8 workers x 100,000 events.
 * The seed drives the kill schedule, the victims and the receiver's fault decisions (the
 * moment a kill lands inside a process, and which envelope gets which fault, still depend
 * on timing).
 *
 * Then faults stop, the queue drains, the workers are told to exit, and a fresh `php`
 * reads the queue. Asserts: every event whose sendEvent returned success=true (as logged by
 * its worker) is delivered (2xx) at least once; no invalid envelope and every delivered
 * payload is the one sent for its event_id; no worker exits unexpectedly, stops answering
 * (20 s) or outlives its deadline after being told to exit; the queue ends empty, nothing
 * dead-lettered, failed or found corrupt; every drainer kill is followed by a new drainer
 * that sends (hang bound 30 s). Reports accepted, delivered, duplicates, lost, kills,
 * drainer kills, failovers and the longest (measured as in drainer_sigkill.php: SIGKILL of
 * the drainer until a sample shows another drainer pid and a higher events_sent), faults by
 * kind. Prints a JSON summary line, then the PASS/FAIL line.
 */

declare(strict_types=1);

require __DIR__ . '/lib.php';

const HANG_S = 20.0;          // a live worker prints a sample every 50 ms
const FAILOVER_HANG_S = 30.0; // no new sending drainer by then: a hang, not a slow failover
const EXIT_DEADLINE_S = 20.0; // after <ctl>/exit (shutdown_timeout is 2 s)
const FAULT_KINDS = ['503', 'reset', 'close', 'stall_long', 'stall_short'];

$so = e2e_so_path($argv);
$opt = ['workers' => 8, 'events' => 20000, 'seed' => 42, 'kill-interval-ms' => 500, 'drainer-share' => 0.4,
        'recycle-share' => 0.15, 'fault-p' => 0.12, 'summary' => '', 'php' => E2E_PHP];
foreach (array_slice($argv, 2) as $a) {
    if (!preg_match('/^--([a-z-]+)=(.*)$/', $a, $m) || !array_key_exists($m[1], $opt)) {
        fwrite(STDOUT, "FAIL unknown argument $a\n");
        exit(1);
    }
    $opt[$m[1]] = is_string($opt[$m[1]]) ? $m[2] : (is_float($opt[$m[1]]) ? (float)$m[2] : (int)$m[2]);
}

$GLOBALS['summary'] = ['date' => gmdate('Y-m-d\TH:i:s\Z'), 'workers' => $opt['workers'], 'events_target' => $opt['events'],
                       'seed' => $opt['seed'], 'kill_interval_ms' => $opt['kill-interval-ms'],
                       'drainer_share' => $opt['drainer-share'], 'recycle_share' => $opt['recycle-share'],
                       'fault_p' => $opt['fault-p'], 'nproc' => (int)trim((string)shell_exec('nproc')),
                       'loadavg_start' => (float)explode(' ', (string)@file_get_contents('/proc/loadavg'))[0]];

/** Why a process does not move: state and wait channel of each of its threads. */
function chaos_diag(int $pid): string
{
    $out = [];
    foreach (@scandir("/proc/$pid/task") ?: [] as $tid) {
        if ($tid[0] === '.') {
            continue;
        }
        preg_match('/^State:\s+(\S+)/m', (string)@file_get_contents("/proc/$pid/task/$tid/status"), $m);
        $out[] = sprintf('%s:%s:%s', $tid, $m[1] ?? '?', trim((string)@file_get_contents("/proc/$pid/task/$tid/wchan")));
    }
    return $out ? implode(' ', $out) : 'gone';
}

e2e_main(static function () use ($so, $opt): string {
    $S = &$GLOBALS['summary'];
    try {
        return chaos_run($so, $opt, $S);
    } finally {
        $line = json_encode(['chaos' => $S], JSON_UNESCAPED_SLASHES);
        fwrite(STDOUT, $line . "\n");
        if ($opt['summary'] !== '') {
            file_put_contents($opt['summary'], $line . "\n");
        }
    }
});

function chaos_run(string $so, array $opt, array &$S): string
{
    mt_srand($opt['seed']);
    $rand = static fn(): float => mt_rand() / mt_getrandmax();
    $tmp = e2e_tmpdir('chaos');
    $queue = e2e_queue_name('chaos');
    $ctl = "$tmp/ctl";
    mkdir($ctl);
    $record = "$tmp/received.jsonl";
    $r = receiver_start(['log' => "$tmp/receiver.log", 'record' => $record]);
    $faults = ['random' => ['seed' => $opt['seed'], 'p' => $opt['fault-p'], 'choices' => [
        ['status' => 503, 'weight' => 4],
        ['reset' => true, 'weight' => 3],
        ['close' => true, 'weight' => 1],
        ['delay_ms' => 2500, 'weight' => 1],   // > transport.timeout: curl gives up
        ['delay_ms' => 300, 'weight' => 2],    // < transport.timeout: a slow answer
    ]]];
    receiver_faults($r, $faults);
    $ini = [
        'dsn' => $r['dsn'],
        'queue.name' => $queue,
        'queue.buffer_size' => '2000',
        'queue.memory' => '32M',
        'queue.workers' => '16',            // stalled transfers must not starve the rest
        'transport.timeout' => '1s',
        'transport.connect_timeout' => '2s',
        'retry.max_attempts' => '100',      // faults delay, never dead-letter
        'retry.initial_backoff' => '50ms',
        'retry.max_backoff' => '1s',
        'retry.dead_letter_path' => "$tmp/dead-letters",
        'shutdown_timeout' => '2s',
        'logging.level' => 'warning',
        'logging.file' => "$tmp/extension.log",
    ];
    $S['fault_choices'] = $faults['random']['choices'];
    $S['ini'] = array_diff_key($ini, array_flip(['dsn', 'queue.name', 'retry.dead_letter_path', 'logging.file']));
    $tag = 'chaos' . bin2hex(random_bytes(3));
    e2e_log('receiver %s, queue %s, tag %s, options %s', $r['url'], $queue, $tag, json_encode($opt));

    $spawns = [];     // spawn id → worker record
    $slots = [];      // slot → spawn id
    $byPid = [];      // pid → spawn id
    $php = $opt['php'];
    $spawn = static function (int $slot) use (&$spawns, &$slots, &$byPid, $so, $ini, $tag, $ctl, $tmp, $php): void {
        $k = count($spawns);
        $cmd = array_merge([$php, '-n'], e2e_ext_args($so, $ini),
                           [__DIR__ . '/workers/chaos_worker.php', (string)$k, $tag, $ctl, "$tmp/acc$k.txt"]);
        $c = e2e_spawn("worker s$k", $cmd, "$tmp/w$k.out", "$tmp/w$k.err");
        $spawns[$k] = ['c' => $c, 'slot' => $slot, 'off' => 0, 'acc' => "$tmp/acc$k.txt", 'accOff' => 0,
                       'accepted' => 0, 'lastOut' => microtime(true), 'killed' => false, 'stopped' => false];
        $slots[$slot] = $k;
        $byPid[$c['pid']] = $k;
    };
    for ($w = 0; $w < $opt['workers']; $w++) {
        $spawn($w);
    }

    // Samples, as parallel arrays (a long run has ~10^5 of them).
    $sT = $sD = $sS = [];
    $latest = ['t' => 0.0, 'drainer' => 0, 'len' => -1];
    $maxSent = 0;
    $refused = [];
    $queueFull = 0;
    $accepted = 0;
    $read = static function () use (&$spawns, &$sT, &$sD, &$sS, &$latest, &$maxSent, &$refused, &$queueFull, &$accepted): void {
        $now = microtime(true);
        foreach ($spawns as &$w) {
            if ($w['done'] ?? false) {
                continue;
            }
            foreach (e2e_json_lines($w['c']['out'], $w['off']) as $row) {
                $w['lastOut'] = $now;
                if (isset($row['s'])) {
                    $sT[] = $row['t'];
                    $sD[] = $row['drainer'];
                    $sS[] = $row['sent'];
                    $maxSent = max($maxSent, $row['sent']);
                    if ($row['t'] > $latest['t']) {
                        $latest = $row;
                    }
                } elseif (isset($row['refused'])) {
                    $refused[] = $row['err'];
                } elseif (isset($row['stopped'])) {
                    $w['stopped'] = true;
                    $queueFull += $row['queue_full'];
                } elseif (isset($row['fatal']) || isset($row['raw'])) {
                    e2e_fail('worker pid %d: %s', $w['c']['pid'], json_encode($row));
                }
            }
            $fh = @fopen($w['acc'], 'rb');
            if ($fh) {
                fseek($fh, $w['accOff']);
                $chunk = (string)stream_get_contents($fh);
                fclose($fh);
                $complete = strrpos($chunk, "\n");
                if ($complete !== false) {
                    $n = substr_count($chunk, "\n", 0, $complete + 1);
                    $w['accOff'] += $complete + 1;
                    $w['accepted'] += $n;
                    $accepted += $n;
                }
            }
            if ($w['c']['exit'] !== null) {
                $w['done'] = true; // exited and read to the end
            }
        }
    };

    // ------------------------------------------------------------------ load under chaos
    $kills = [];      // each: t, pid, spawn, known_drainer, phase (load | shutdown)
    $recycles = 0;    // graceful exits asked for (FPM's pm.max_requests); some are killed mid-shutdown
    $pending = null;  // the drainer kill whose failover the killer waits for
    $t0 = microtime(true);
    $nextKill = $t0 + 1.0 + $rand() * $opt['kill-interval-ms'] / 1000;
    $lastProgress = $t0;
    $lastAccepted = 0;
    $lastLog = $t0;
    $kill = static function (int $k, string $phase) use (&$spawns, &$kills, &$pending, &$latest, &$maxSent): void {
        $c = &$spawns[$k]['c'];
        $isDrainer = $c['pid'] === $latest['drainer'];
        proc_terminate($c['proc'], 9);
        $spawns[$k]['killed'] = true;
        $kills[] = ['t' => microtime(true), 'pid' => $c['pid'], 'spawn' => $k, 'known_drainer' => $isDrainer, 'phase' => $phase];
        if ($isDrainer) {
            $pending = ['t' => microtime(true), 'pid' => $c['pid'], 'ref' => $maxSent];
        }
        $one = [&$c];
        if (!e2e_wait_exit($one, 10.0)) {
            e2e_fail('worker s%d (pid %d) still there 10 s after SIGKILL: %s', $k, $c['pid'], chaos_diag($c['pid']));
        }
    };
    while ($accepted < $opt['events']) {
        usleep(10000);
        $read();
        $now = microtime(true);
        if ($accepted > $lastAccepted) {
            [$lastAccepted, $lastProgress] = [$accepted, $now];
        } elseif ($now - $lastProgress > 90) {
            e2e_fail('no event accepted for 90 s (%d so far); latest sample %s', $accepted, json_encode($latest));
        }
        foreach ($slots as $slot => $k) {
            $w = &$spawns[$k];
            $running = e2e_running($w['c']);
            if (isset($w['recycle_t'])) {
                if ($running && isset($w['kill_at']) && $now >= $w['kill_at']) {
                    $kill($k, 'shutdown');   // e.g. FPM's process_control_timeout, mid-flush
                    $running = false;
                } elseif ($running && $now - $w['recycle_t'] > EXIT_DEADLINE_S) {
                    e2e_fail('recycled worker s%d (pid %d) still running %.0f s after being told to exit: %s', $k,
                             $w['c']['pid'], EXIT_DEADLINE_S, chaos_diag($w['c']['pid']));
                }
                if (!$running) {
                    $err = trim((string)@file_get_contents($w['c']['err']));
                    e2e_assert($w['c']['exit'] === ($w['killed'] ? 137 : 0) && $err === '', 'recycled worker s%d exited with %s: %s',
                               $k, var_export($w['c']['exit'], true), substr($err, 0, 600));
                    $w['exit_s'] = $now - $w['recycle_t'];
                    unset($w);
                    $spawn($slot);
                }
                continue;
            }
            if (!$running) {
                e2e_fail('worker s%d (pid %d) exited by itself with %s: %s', $k, $w['c']['pid'], var_export($w['c']['exit'], true),
                         substr(trim((string)@file_get_contents($w['c']['err'])), 0, 600));
            }
            if ($now - $w['lastOut'] > HANG_S) {
                e2e_fail('worker s%d (pid %d) silent for %.0f s (hung?): threads %s', $k, $w['c']['pid'], $now - $w['lastOut'],
                         chaos_diag($w['c']['pid']));
            }
            unset($w);
        }
        unset($w);
        if ($pending !== null) {
            if ($latest['t'] > $pending['t'] && !in_array($latest['drainer'], [0, $pending['pid']], true)
                && $maxSent > $pending['ref']) {
                $pending = null;
            } elseif ($now - $pending['t'] > FAILOVER_HANG_S) {
                e2e_fail('no drainer sending %.0f s after SIGKILL of drainer pid %d (latest sample %s)', FAILOVER_HANG_S,
                         $pending['pid'], json_encode($latest));
            }
        }
        if ($now >= $nextKill) {
            $nextKill = $now + (0.2 + 1.6 * $rand()) * $opt['kill-interval-ms'] / 1000;
            $live = array_values(array_filter($slots, static fn($k) => !isset($spawns[$k]['recycle_t'])));
            $drainerSpawn = $byPid[$latest['drainer']] ?? null;
            $drainerLive = $drainerSpawn !== null && in_array($drainerSpawn, $live, true);
            $roll = $rand();
            $pick = static function (array $pool) use ($rand): int {
                return $pool[(int)floor($rand() * count($pool)) % count($pool)];
            };
            if ($kills && $roll < $opt['recycle-share'] && count($live) > 1) {
                // The drainer's exit is the interesting one: it flushes for up to shutdown_timeout.
                $victim = $drainerLive && $rand() < 0.5 ? $drainerSpawn : $pick($live);
                $spawns[$victim]['recycle_t'] = $now;
                if ($rand() < 0.5) {
                    $spawns[$victim]['kill_at'] = $now + 2.5 * $rand();  // the drainer flushes for up to 2 s
                }
                touch("$ctl/exit-$victim");
                $recycles++;
            } elseif ($drainerLive && $pending === null && (!$kills || $rand() < $opt['drainer-share'])) {
                $kill($drainerSpawn, 'load');  // the first kill always hits the drainer
                $spawn($spawns[$drainerSpawn]['slot']);
            } elseif ($live) {
                $victim = $pick($pending !== null && $drainerLive && count($live) > 1 ? array_values(array_diff($live, [$drainerSpawn])) : $live);
                $kill($victim, 'load');
                $spawn($spawns[$victim]['slot']);
            }
        }
        if ($now - $lastLog >= 5) {
            $lastLog = $now;
            e2e_log('accepted %d/%d, kills %d, recycles %d, spawns %d, queue %d, drainer %d, events_sent %d', $accepted,
                    $opt['events'], count($kills), $recycles, count($spawns), $latest['len'], $latest['drainer'], $maxSent);
        }
    }
    $tLoad = microtime(true);
    $S['load_s'] = round($tLoad - $t0, 1);
    $S['kills'] = count($kills);
    $S['accepted_at_load_end'] = $accepted;
    $S['kills_in_shutdown'] = count(array_filter($kills, static fn($k) => $k['phase'] === 'shutdown'));
    $S['recycles'] = $recycles;
    $S['recycle_exit_max_s'] = round(max([0.0, ...array_map(static fn($w) => $w['exit_s'] ?? 0.0, $spawns)]), 2);
    touch("$ctl/stop");
    $fstate = receiver_json($r, 'GET', '/_faults');
    receiver_faults($r, []);
    e2e_log('%d accepted after %.1f s, %d kills, %d recycles; faults stopped (%s), workers told to stop sending', $accepted,
            $tLoad - $t0, count($kills), $recycles, json_encode($fstate['random'] ?? null));

    // ------------------------------------------------------------------ drain, then exit
    $live = array_values($slots);
    $ok = e2e_wait_until(static function () use ($read, &$spawns, $live) {
        $read();
        foreach ($live as $k) {
            if (!$spawns[$k]['stopped'] && e2e_running($spawns[$k]['c'])) {
                return false;
            }
        }
        return true;
    }, HANG_S, 0.02);
    if (!$ok) {
        $stuck = array_filter($live, static fn($k) => !$spawns[$k]['stopped']);
        e2e_fail('workers did not stop sending within %.0f s: %s', HANG_S,
                 implode('; ', array_map(static fn($k) => "s$k " . chaos_diag($spawns[$k]['c']['pid']), $stuck)));
    }
    $tStop = microtime(true);
    $drained = e2e_wait_until(static function () use ($read, &$latest, $tStop) {
        $read();
        return $latest['t'] > $tStop && $latest['len'] === 0 && $latest['infl'] === 0;
    }, 180.0, 0.05);
    e2e_assert((bool)$drained, 'queue not drained 180 s after the load (latest sample %s)', json_encode($latest));
    $S['drain_s'] = round(microtime(true) - $tLoad, 1);
    e2e_log('queue drained %.1f s after the load ended', microtime(true) - $tLoad);
    $accepted_at_stop = $accepted;
    touch("$ctl/exit");
    $tExit = microtime(true);
    $exitS = [];
    $workers = [];
    foreach ($live as $k) {
        $workers[$k] = &$spawns[$k]['c'];
    }
    e2e_wait_until(static function () use (&$workers, &$exitS, $tExit) {
        foreach ($workers as $k => &$c) {
            if (!isset($exitS[$k]) && !e2e_running($c)) {
                $exitS[$k] = microtime(true) - $tExit;
            }
        }
        return count($exitS) === count($workers);
    }, EXIT_DEADLINE_S, 0.02);
    foreach ($workers as $k => &$c) {
        e2e_assert(isset($exitS[$k]), 'worker s%d (pid %d) did not exit within %.0f s of being told to: %s', $k, $c['pid'],
                   EXIT_DEADLINE_S, chaos_diag($c['pid']));
        $err = trim((string)@file_get_contents($c['err']));
        e2e_assert($c['exit'] === ($spawns[$k]['killed'] ? 137 : 0) && $err === '', 'worker s%d exited with %s: %s', $k,
                   var_export($c['exit'], true), substr($err, 0, 600));
    }
    unset($c);
    $S['worker_exit_max_s'] = round(max($exitS), 2);
    $read();
    e2e_assert($accepted === $accepted_at_stop, 'accepted-lines grew after the stop (%d -> %d)', $accepted_at_stop, $accepted);
    foreach ($spawns as $k => $w) {
        if ($w['killed']) {
            e2e_assert($w['c']['exit'] === 137, 'killed worker s%d exited with %s, expected 137', $k, var_export($w['c']['exit'], true));
        }
    }

    // A fresh process of the host reads the queue.
    $probe = e2e_spawn('probe', array_merge([$php, '-n'], e2e_ext_args($so, $ini), ['-r',
        'echo json_encode(["status" => SentryTransport::getStatus(), "metrics" => SentryTransport::getMetrics()]), "\n";']),
        "$tmp/probe.out", "$tmp/probe.err");
    $one = [&$probe];
    e2e_assert(e2e_wait_exit($one, 20.0) && $probe['exit'] === 0, 'status probe failed (%s): %s',
               var_export($probe['exit'], true), @file_get_contents("$tmp/probe.err"));
    $pr = json_decode((string)file_get_contents("$tmp/probe.out"), true);
    $q = $pr['status']['queue'];
    $m = $pr['metrics'];
    $S['metrics'] = array_intersect_key($m, array_flip(['events_accepted', 'events_sent', 'events_failed', 'total_retries',
        'network_errors', 'responses_5xx', 'lock_recoveries', 'corrupt_records', 'drainer_elections',
        'dead_letters_written', 'queue_overflow', 'client_reports_sent']));
    $S['queue_end'] = array_intersect_key($q, array_flip(['queue_length', 'retry_queue_length', 'in_flight']));

    // ------------------------------------------------------------------ what arrived
    $acceptedIds = [];  // event_id → marker
    $badIds = [];
    foreach ($spawns as $k => $w) {
        foreach (file($w['acc']) ?: [] as $line) {
            if (!str_ends_with($line, "\n")) {
                continue; // cut by a kill: not logged, so not counted as accepted
            }
            [$marker, $id] = explode(' ', rtrim($line, "\n")) + [1 => ''];
            if ($id !== md5($marker) || isset($acceptedIds[$id])) {
                $badIds[] = $line;
            }
            $acceptedIds[$id] = $marker;
        }
    }
    $delivered = [];    // event_id → 2xx deliveries
    $invalid = 0;
    $corrupt = [];
    $foreign = 0;
    $byKind = array_fill_keys(FAULT_KINDS, 0);
    $stallLongDelivered = 0;
    $stallShortGone = 0;    // a short stall the client still gave up on (load, or its drainer was killed)
    $envelopes = 0;
    $fh = fopen($record, 'rb');
    while (($line = fgets($fh)) !== false) {
        $rec = json_decode($line, true);
        $envelopes++;
        if (!is_array($rec) || $rec['valid'] !== true) {
            $invalid++;
            continue;
        }
        $ch = $rec['fault']['random_choice'] ?? null;
        if ($ch !== null) {
            $byKind[FAULT_KINDS[$ch]]++;
            $stallLongDelivered += (int)($ch === 3 && is_int($rec['status']));
            $stallShortGone += (int)($ch === 4 && $rec['status'] === 'client_gone');
        }
        $id = $rec['event_id'];
        if ($id === null || !is_int($rec['status']) || $rec['status'] < 200 || $rec['status'] >= 300) {
            continue;
        }
        $p = e2e_event_payload($rec);
        $marker = $p['extra']['marker'] ?? '';
        if (md5($marker) !== $id || ($p['message'] ?? '') !== "chaos $marker" || ($p['tags']['marker'] ?? '') !== $marker) {
            $corrupt[] = $id;
        }
        if (!str_starts_with($marker, $tag . '-')) {
            $foreign++;
        }
        $delivered[$id] = ($delivered[$id] ?? 0) + 1;
    }
    fclose($fh);
    $lost = array_diff_key($acceptedIds, $delivered);
    $unlogged = count(array_diff_key($delivered, $acceptedIds));
    $deliveredTotal = array_sum(array_intersect_key($delivered, $acceptedIds));
    $stats = receiver_stats($r);

    // ------------------------------------------------------------------ failovers
    array_multisort($sT, SORT_NUMERIC, $sD, $sS);
    $n = count($sT);
    $after = static function (float $t) use ($sT, $n): int { // index of the first sample after $t
        for ($lo = 0, $hi = $n; $lo < $hi;) {
            $mid = ($lo + $hi) >> 1;
            $sT[$mid] <= $t ? $lo = $mid + 1 : $hi = $mid;
        }
        return $lo;
    };
    // Was it the drainer? Known at the kill, or still shown as the (dead) drainer just after.
    foreach ($kills as $i => $kill) {
        $was = $kill['known_drainer'];
        for ($x = $after($kill['t']); !$was && $x < $n && $sT[$x] < $kill['t'] + 2.0; $x++) {
            $was = $sD[$x] === $kill['pid'];
        }
        $kills[$i]['drainer'] = $was;
    }
    $dk = array_values(array_filter($kills, static fn($k) => $k['drainer']));
    $drainerKills = count($dk);
    $failovers = [];
    $takeovers = [];
    $interrupted = 0;
    foreach ($dk as $i => $kill) {
        $j = $after($kill['t']);
        $before = 0;
        for ($x = $j - 1; $x >= 0 && $sT[$x] > $kill['t'] - 5.0; $x--) {
            $before = max($before, $sS[$x]);
        }
        $frozen = null;   // exact: a sample still naming the dead drainer carries its final events_sent
        $end = $new = null;
        for ($x = $j; $x < $n; $x++) {
            if ($sD[$x] === $kill['pid']) {
                $frozen ??= $sS[$x];
            } elseif ($sD[$x] !== 0) {
                $new ??= $sT[$x];
                if ($sS[$x] > ($frozen ?? $before)) {
                    $end = $sT[$x];
                    break;
                }
            }
        }
        $next = $dk[$i + 1]['t'] ?? INF;
        if ($end === null || $end > $next) {
            // The next drainer kill came first: this one's end is not its own to measure.
            $interrupted++;
            e2e_assert($end !== null || $next - $kill['t'] < FAILOVER_HANG_S, 'no drainer sent after the kill of pid %d', $kill['pid']);
            continue;
        }
        $failovers[] = $end - $kill['t'];
        $takeovers[] = $new - $kill['t'];
        $dk[$i]['failover'] = round($end - $kill['t'], 3);
    }
    e2e_log('drainer kills (+s pid spawn phase failover): %s', implode(', ', array_map(static fn($k) => sprintf('%.2f %d s%d %s %s',
        $k['t'] - $t0, $k['pid'], $k['spawn'], $k['phase'], $k['failover'] ?? 'cut-short'), $dk)));
    rsort($takeovers);
    sort($failovers);
    $fc = count($failovers);

    $S += [
        'spawns' => count($spawns),
        'drainer_kills' => $drainerKills,
        'failovers' => $fc,
        'failovers_cut_short' => $interrupted,
        'takeover_longest_s' => $takeovers ? round($takeovers[0], 3) : null,
        'failover_longest_s' => $fc ? round($failovers[$fc - 1], 3) : null,
        'failover_median_s' => $fc ? round($failovers[intdiv($fc, 2)], 3) : null,
        'failover_p90_s' => $fc ? round($failovers[(int)floor(0.9 * ($fc - 1))], 3) : null,
        'accepted' => count($acceptedIds),
        'delivered_unique' => count(array_intersect_key($delivered, $acceptedIds)),
        'delivered_total' => $deliveredTotal,
        'duplicates' => $deliveredTotal - count(array_intersect_key($delivered, $acceptedIds)),
        'lost' => count($lost),
        'delivered_unlogged' => $unlogged,
        'invalid' => $invalid,
        'corrupt_payloads' => count($corrupt),
        'refused' => count($refused),
        'queue_full_retries' => $queueFull,
        'envelopes_received' => $envelopes,
        'faults_by_kind' => $byKind,
        'stall_long_answered' => $stallLongDelivered,
        'stall_short_client_gone' => $stallShortGone,
        'receiver_by_status' => $stats['by_status'],
    ];
    $S['total_s'] = round(microtime(true) - $t0, 1);
    e2e_log('summary %s', json_encode($S));
    $log = (string)@file_get_contents("$tmp/extension.log");
    e2e_log('extension log: %d lines, e.g. %s', substr_count($log, "\n"), substr($log, 0, 600));

    e2e_assert(!$badIds, '%d accepted lines with a wrong or repeated event_id, e.g. %s', count($badIds), $badIds[0] ?? '');
    e2e_assert(!$lost, '%d accepted events never delivered, e.g. %s (%s)', count($lost), (string)array_key_first($lost),
               $lost[array_key_first($lost)] ?? '');
    e2e_assert($invalid === 0 && $stats['invalid'] === 0, '%d invalid envelopes: %s', $invalid, json_encode($stats['errors']));
    e2e_assert(!$corrupt, '%d delivered payloads differ from what was sent for their event_id, e.g. %s', count($corrupt), $corrupt[0] ?? '');
    e2e_assert($foreign === 0, '%d delivered events carry no marker of this run', $foreign);
    e2e_assert($unlogged <= count($kills), '%d delivered events no worker logged, more than the %d kills could cut off', $unlogged, count($kills));
    e2e_assert(!$refused, '%d sendEvent calls failed (not "queue full"), e.g. "%s"', count($refused), $refused[0] ?? '');
    e2e_assert($q['queue_length'] === 0 && $q['in_flight'] === 0 && $q['retry_queue_length'] === 0, 'queue not empty at the end: %s', json_encode($q));
    e2e_assert($m['events_failed'] === 0 && $m['dead_letters_written'] === 0 && $m['dead_letter_count'] === 0,
               'events failed/dead-lettered: %s', json_encode(array_intersect_key($m, array_flip(['events_failed', 'dead_letters_written', 'dead_letter_count']))));
    e2e_assert($m['corrupt_records'] === 0, 'the queue found %d corrupt records', $m['corrupt_records']);
    e2e_assert($drainerKills >= 1 && array_sum($byKind) >= 1, 'no chaos: %d drainer kills, %d faults', $drainerKills, array_sum($byKind));
    receiver_stop($r);

    return sprintf('%d events accepted by %d spawns of %d workers in %.0f s: all delivered (lost 0, %d duplicates, %d delivered but unlogged), ' .
                   'invalid 0; %d kills (%d of the drainer), %d failovers measured, longest %.3f s, median %.3f s; faults %s; ' .
                   'queue empty, drained %.1f s after the load; lock_recoveries %d, elections %d',
                   $S['accepted'], $S['spawns'], $opt['workers'], $S['load_s'], $S['duplicates'], $unlogged, count($kills),
                   $drainerKills, $fc, $S['failover_longest_s'] ?? 0, $S['failover_median_s'] ?? 0,
                   json_encode($byKind), $S['drain_s'], $m['lock_recoveries'], $m['drainer_elections']);
}
