<?php
/**
 * pcntl_fork: a CLI parent (`php -n -d extension=… -d extension=posix`, pcntl is built into
 * Debian's CLI) sends events, so its drainer thread runs and leads, then forks children in
 * a tight loop while it keeps sending (workers/fork_tree.php). A child is forked while the
 * parent's drainer thread is busy (queue lock, log mutex, malloc, curl): it must not
 * deadlock on any lock that thread held at fork time, neither when it sends nor when it exits.
 *
 *   php -n tests/e2e/pcntl_fork.php <so> [--forks=300] [--per-child=4] [--concurrency=8] [--heirs=10] [--tls=0]
 *
 * Children (mode = i % 5): send then exit(0); send then SIGKILL themselves; send, fork two
 * grandchildren (one exits, one SIGKILLs itself), reap them, send, exit; exit at once
 * without touching the extension; fork three grandchildren back to back, each sending one
 * event. Every process records each accepted event_id in its own file. Last, the parent
 * daemonizes `heirs` times in a chain: send a burst, fork an heir, exit at once; each heir,
 * forked while the drainer thread was busy with the burst, must take the lease once its
 * parent is gone and deliver with curl state made after the fork. --tls=1 makes the
 * receiver speak HTTPS (a throw-away certificate, transport.ca_info), so the thread is
 * inside OpenSSL when the fork comes.
 *
 * Asserts: no process hangs (every child and grandchild is reaped within 20 s of its fork;
 * a hang is recorded with its kernel stack, then SIGKILLed); exit statuses are the ones
 * each mode asks for; every child that sent sees the parent as drainer (is_self false) and
 * its own thread running; every heir ends up the drainer (is_self) and its flush() empties
 * the queue; event_ids are unique across processes; every accepted event is delivered (at
 * least once; duplicates reported) with its marker, and nothing else is; invalid == 0; the
 * parent's flush() empties the queue and a fresh `php` sees it empty; no process of the
 * test is left over; the extension logged no error.
 */

declare(strict_types=1);

require __DIR__ . '/lib.php';

$so = e2e_so_path($argv);
$opt = ['forks' => 300, 'per-child' => 4, 'concurrency' => 8, 'heirs' => 10, 'tls' => 0];
foreach (array_slice($argv, 2) as $a) {
    if (preg_match('/^--(forks|per-child|concurrency|heirs|tls)=(\d+)$/', $a, $m)) {
        $opt[$m[1]] = (int)$m[2];
    }
}

/** Pids of live processes whose command line carries $tag (the parent and its forks). */
function fork_pids_with(string $tag): array
{
    $pids = [];
    foreach (scandir('/proc') as $p) {
        if (preg_match('/^\d+$/', $p) && str_contains((string)@file_get_contents("/proc/$p/cmdline"), $tag)) {
            $state = (string)@file_get_contents("/proc/$p/stat");
            if ($state !== '' && substr($state, strrpos($state, ')') + 2, 1) !== 'Z') {
                $pids[] = (int)$p;
            }
        }
    }
    return $pids;
}

e2e_main(static function () use ($so, $opt): string {
    $tmp = e2e_tmpdir('fork');
    $queue = e2e_queue_name('fork');
    $ropt = ['log' => "$tmp/receiver.log"];
    $tlsIni = [];
    if ($opt['tls']) { // the drainer thread busy in OpenSSL at fork time; the heir then leads over TLS
        exec(sprintf('openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext %s -keyout %s -out %s 2>&1',
                     escapeshellarg('subjectAltName=IP:127.0.0.1'), escapeshellarg("$tmp/key.pem"), escapeshellarg("$tmp/cert.pem")),
             $sslOut, $rc);
        e2e_assert($rc === 0, 'openssl could not make a test certificate: %s', implode(' ', $sslOut));
        $ropt += ['tls_cert' => "$tmp/cert.pem", 'tls_key' => "$tmp/key.pem"];
        $tlsIni = ['transport.ca_info' => "$tmp/cert.pem"];
    }
    $r = receiver_start($ropt);
    e2e_log('receiver %s, queue %s', $r['url'], $queue);
    $ini = $tlsIni + [
        'dsn' => $r['dsn'],
        'queue.name' => $queue,
        'queue.buffer_size' => '50000',
        'queue.memory' => '32M',
        'shutdown_timeout' => '3s',
        'logging.level' => 'warning',
        'logging.file' => "$tmp/extension.log",
    ];
    $php = array_merge([E2E_PHP, '-n'], e2e_ext_args($so, $ini), ['-d', 'extension=posix']);
    exec(implode(' ', array_map('escapeshellarg', array_merge($php, ['-r',
        'echo function_exists("pcntl_fork") && function_exists("posix_kill") && class_exists("SentryTransport") ? "ok" : "missing";']))) . ' 2>&1',
        $o, $rc);
    e2e_assert(implode('', $o) === 'ok', 'php -n with the extension, pcntl and posix is not available: %s', implode(' ', $o));

    $tag = 'forktree-' . bin2hex(random_bytes(4));
    $dir = "$tmp/rec";
    mkdir($dir);
    e2e_on_exit(static function () use ($tag): void { // a hung fork outlives its parent: kill it by pid
        foreach (fork_pids_with($tag) as $p) {
            e2e_log('killing left-over process %d', $p);
            exec('kill -9 ' . (int)$p);
        }
    });
    $t0 = microtime(true);
    $parent = e2e_spawn('fork_tree', array_merge($php, [__DIR__ . '/workers/fork_tree.php', $dir, (string)$opt['forks'],
                        (string)$opt['per-child'], $tag, (string)$opt['concurrency'],
                        (string)$opt['heirs']]), "$tmp/parent.out", "$tmp/parent.err");
    $one = [&$parent];
    if (!e2e_wait_exit($one, 120.0)) {
        e2e_fail('the fork_tree parent (pid %d) still runs after 120 s; processes left: %s', $parent['pid'],
                 implode(',', fork_pids_with($tag)));
    }
    $secs = microtime(true) - $t0;
    $err = trim((string)@file_get_contents("$tmp/parent.err") . @file_get_contents("$tmp/parent.out"));
    e2e_assert($parent['exit'] === 0 && $err === '', 'the parent exited with %s: %s', var_export($parent['exit'], true), substr($err, 0, 800));
    // The heirs (daemonized: not our children) lead one after the other, then exit on their own.
    $left = e2e_wait_until(static fn() => fork_pids_with($tag) === [], 90.0) ? [] : fork_pids_with($tag);
    e2e_assert(!$left, 'processes still alive 90 s after the parent exited: %s', implode(',', $left));

    // ---------------------------------------------------------------- what every process recorded
    $accepted = [];   // event_id → marker
    $refused = [];
    $starts = [];     // pid → mode
    $ends = [];       // pid → status view
    $reaped = [];     // pid → row
    $hangs = [];
    $forked = 0;
    $done = null;
    $leader = null;
    $heirs = [];
    $parentPid = $parent['pid'];
    foreach (glob("$dir/*.jsonl") as $f) {
        foreach (e2e_json_lines($f) as $row) {
            if (isset($row['raw'])) {
                e2e_fail('%s: unreadable line %s', basename($f), $row['raw']);
            } elseif (isset($row['m'])) {
                if ($row['ok'] !== true) {
                    $refused[] = $row['err'];
                    continue;
                }
                e2e_assert(!isset($accepted[$row['id']]), 'event_id %s returned for %s and %s', $row['id'],
                           $accepted[$row['id']] ?? '', $row['m']);
                $accepted[$row['id']] = $row['m'];
            } elseif (isset($row['start'])) {
                $starts[$row['start']] = $row['mode'];
            } elseif (isset($row['end'])) {
                $ends[$row['end']] = $row['status'];
            } elseif (isset($row['reaped'])) {
                $reaped[$row['reaped']] = $row;
            } elseif (isset($row['hang'])) {
                $hangs[] = $row;
            } elseif (isset($row['fork'])) {
                $forked++;
            } elseif (isset($row['fork_failed'])) {
                e2e_fail('pcntl_fork failed at %d: %s', $row['fork_failed'], $row['err']);
            } elseif (isset($row['done'])) {
                $done = $row;
            } elseif (isset($row['leader'])) {
                $leader = $row['leader'];
            } elseif (isset($row['heir'])) {
                $heirs[$row['gen']] = $row;
            }
        }
    }
    foreach ($hangs as $h) {
        e2e_log("HANG: pid %d (%s) after %.1fs, wchan %s, kernel stack %s\n%s", $h['hang'], $h['mode'], $h['secs'], $h['wchan'],
                str_replace("\n", ' | ', $h['stack']), preg_replace('/^(?!#|Thread).*\n?/m', '', $h['gdb']));
    }
    e2e_assert(!$hangs, '%d process(es) did not exit within 20 s of their fork, e.g. pid %d (%s)', count($hangs),
               $hangs[0]['hang'] ?? 0, $hangs[0]['mode'] ?? '');
    e2e_assert($done !== null, 'the parent wrote no final line');
    e2e_assert($leader === true, 'the parent never became the drainer');
    e2e_assert($forked === $opt['forks'], '%d forks recorded, expected %d', $forked, $opt['forks']);
    e2e_assert(!$refused, '%d sendEvent calls failed, e.g. "%s"', count($refused), $refused[0] ?? '');

    // Exit statuses: every fork was reaped by its parent, with the status its mode asks for.
    $byMode = [];
    $maxSecs = 0.0;
    foreach ($reaped as $pid => $row) {
        $mode = $row['mode'];
        $byMode[$mode] = ($byMode[$mode] ?? 0) + 1;
        $maxSecs = max($maxSecs, $row['secs']);
        $killed = in_array($mode, ['sigkill', 'gsigkill'], true);
        e2e_assert($killed ? $row['sig'] === 9 : ($row['code'] === 0 && $row['sig'] === null),
                   'pid %d (%s) ended with code %s signal %s', $pid, $mode, var_export($row['code'], true), var_export($row['sig'], true));
        if ($mode !== 'bare' && $mode !== 'gburst' && !$killed) {
            $v = $ends[$pid] ?? null;
            e2e_assert($v !== null, 'pid %d (%s) exited 0 without its end line', $pid, $mode);
            e2e_assert($v['active'] === true && $v['thread'] === true && $v['is_self'] === false && $v['drainer'] === $parentPid,
                       'pid %d (%s) saw drainer %s (is_self %s, own thread %s, active %s), expected the parent %d', $pid, $mode,
                       $v['drainer'], var_export($v['is_self'], true), var_export($v['thread'], true), var_export($v['active'], true),
                       $parentPid);
        }
    }
    $expectReaped = $opt['forks'] + 2 * ($byMode['tree'] ?? 0) + 3 * ($byMode['burst'] ?? 0);
    e2e_assert(count($reaped) === $expectReaped, '%d processes reaped, expected %d', count($reaped), $expectReaped);
    ksort($byMode);
    e2e_log('%d forks (+ grandchildren) in %.2fs, reaped by mode %s, slowest %.3fs from fork to reap; parent flushed: %s',
            $opt['forks'], $secs, json_encode($byMode), $maxSecs, json_encode($done['flushed']));
    e2e_assert($done['flushed'] === true, 'the parent\'s flush(60) did not empty the queue: %s', json_encode($done['status']));
    ksort($heirs);
    e2e_assert(count($heirs) === $opt['heirs'], '%d of %d heirs wrote their final line', count($heirs), $opt['heirs']);
    foreach ($heirs as $gen => $h) {
        e2e_assert($h['orphaned'] === true && $h['flushed'] === true && $h['status']['is_self'] === true,
                   'heir %d (forked during a burst) did not take over and deliver: %s', $gen, json_encode($h));
    }
    $heirSecs = array_column($heirs, 'secs');
    e2e_log('%d heirs in a chain, each led and flushed; parent gone → own queue empty took %.3f..%.3fs', count($heirs),
            $heirSecs ? min($heirSecs) : 0, $heirSecs ? max($heirSecs) : 0);

    // ---------------------------------------------------------------- delivery
    $n = count($accepted);
    $stats = receiver_wait_delivered($r, $n, 60.0);
    $byId = [];
    e2e_wait_until(static function () use ($r, $accepted, &$byId) { // by id, not by count
        $byId = e2e_delivered_by_id($r);
        return !array_diff_key($accepted, $byId);
    }, 30.0, 0.5);
    $missing = array_diff_key($accepted, $byId);
    e2e_assert(!$missing, '%d of %d accepted events never delivered, e.g. %s (marker %s)', count($missing), $n,
               (string)array_key_first($missing), (string)reset($missing));
    foreach ($accepted as $id => $marker) {
        foreach ($byId[$id] as $rec) {
            $p = e2e_event_payload($rec);
            e2e_assert(($p['extra']['marker'] ?? null) === $marker, 'event %s delivered with marker %s, sent %s', $id,
                       json_encode($p['extra']['marker'] ?? null), $marker);
        }
    }
    $unknown = array_diff_key($byId, $accepted);
    e2e_assert(!$unknown, '%d delivered event_ids nobody recorded, e.g. %s', count($unknown), (string)array_key_first($unknown));
    $stats = receiver_stats($r);
    e2e_assert($stats['invalid'] === 0, 'receiver found %d invalid envelopes: %s', $stats['invalid'], json_encode($stats['errors']));

    // The queue, as a fresh process of the host sees it.
    $pr = e2e_status_probe($php, "$tmp/probe.out", "$tmp/probe.err");
    e2e_assert(e2e_queue_empty($pr), 'queue not empty at the end: %s', json_encode($pr['status']['queue'] ?? null));
    $m = $pr['metrics'];
    e2e_assert_no_extension_errors("$tmp/extension.log");
    receiver_stop($r);
    return sprintf('%d forks + %d grandchildren (%s) in %.1fs, none hung (slowest fork→reap %.3fs); %d accepted events ' .
                   'from %d processes all delivered, %d duplicates, invalid 0; queue empty; lock_recoveries %d, ' .
                   'corrupt_records %d, elections %d',
                   $opt['forks'], count($reaped) - $opt['forks'], json_encode($byMode), $secs, $maxSecs, $n,
                   count(glob("$dir/*.jsonl")), $stats['duplicates'], $m['lock_recoveries'] ?? -1, $m['corrupt_records'] ?? -1,
                   $m['drainer_elections'] ?? -1);
});
