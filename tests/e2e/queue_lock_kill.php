<?php
/**
 * queue_lock_kill: a process is SIGKILLed while it holds the queue lock (the robust mutex
 * every sendEvent and the drainer take), in the middle of writing a record, while 4 exec'd
 * workers keep sending. The holder is tests/e2e/helpers/hold_queue_lock.c, built here from
 * the extension's own src/core (no test hook in the extension): it takes the lock, writes
 * half a record past the tail, and waits; the test kills it after 1 s.
 *
 *   php -n tests/e2e/queue_lock_kill.php <so>
 *
 * Asserts: the lock was really held (no worker's sendEvent returned between "locked" and
 * the kill); afterwards every worker goes on (each returns from sendEvent after the kill)
 * and exits 0 with its queue flushed; every accepted event is delivered with its payload
 * intact; invalid 0; duplicates within what a takeover could resend (0 without one);
 * lock_recoveries ≥ 1 and corrupt_records 0 (the half record was never published); the
 * queue ends empty; no error logged. Reports how long the workers were held up.
 * Needs a C compiler (cc) and libcurl/zlib headers (what building the extension needs);
 * prints SKIP without them.
 */

declare(strict_types=1);

require __DIR__ . '/lib.php';

const LOCK_WORKERS = 4;
const LOCK_EVENTS = 1500;
const HOLD_S = 1.0; // how long the lock is held before the kill (the fault, not an assertion)

$so = e2e_so_path($argv);

e2e_main(static function () use ($so): string {
    $tmp = e2e_tmpdir('lockkill');
    $root = dirname(__DIR__, 2);
    // ------------------------------------------------------------ the lock holder
    $cc = trim((string)shell_exec('command -v cc 2>/dev/null'));
    $flags = trim((string)shell_exec('pkg-config --cflags --libs libcurl zlib 2>/dev/null'));
    if ($cc === '' || $flags === '') {
        fwrite(STDOUT, "SKIP no C compiler or libcurl/zlib development files to build the lock holder\n");
        exit(0);
    }
    $bin = "$tmp/hold_queue_lock";
    $cmd = sprintf('%s -std=c11 -D_GNU_SOURCE -O1 -I%s %s %s %s -lpthread -lm -o %s 2>&1', escapeshellarg($cc),
                   escapeshellarg("$root/src/core"), escapeshellarg(__DIR__ . '/helpers/hold_queue_lock.c'),
                   implode(' ', array_map('escapeshellarg', glob("$root/src/core/*.c"))), $flags, escapeshellarg($bin));
    exec($cmd, $ccOut, $ccRc);
    e2e_assert($ccRc === 0, 'building the lock holder failed: %s', implode("\n", array_slice($ccOut, 0, 20)));

    $queue = e2e_queue_name('lockkill');
    $r = receiver_start(['log' => "$tmp/receiver.log"]);
    e2e_log('receiver %s, queue %s', $r['url'], $queue);
    $ini = [
        'dsn' => $r['dsn'],
        'queue.name' => $queue,
        'queue.buffer_size' => '50000',
        'queue.memory' => '64M',
        'shutdown_timeout' => '5s',
        'logging.level' => 'warning',
        'logging.file' => "$tmp/extension.log",
    ];
    $php = array_merge([E2E_PHP, '-n'], e2e_ext_args($so, $ini));
    $tag = 'lock-' . bin2hex(random_bytes(3));
    $workers = [];
    for ($w = 0; $w < LOCK_WORKERS; $w++) {
        $workers[$w] = e2e_spawn("worker$w", array_merge($php, [__DIR__ . '/workers/send_worker.php', (string)$w,
                                 (string)LOCK_EVENTS, $tag, '1000', '60', '0']), "$tmp/worker$w.out", "$tmp/worker$w.err");
    }
    $events = static function (string $file): array {
        return array_values(array_filter(e2e_json_lines($file), static fn($row) => isset($row['i'])));
    };
    // Mid-load: every worker has sent a few hundred events.
    $midLoad = e2e_wait_until(static function () use (&$workers, $events) {
        foreach ($workers as &$c) {
            if (!e2e_running($c)) {
                e2e_fail('%s exited (%s) before the fault: %s', $c['name'], var_export($c['exit'], true),
                         substr((string)@file_get_contents($c['err']), 0, 500));
            }
            if (count($events($c['out'])) < 200) {
                return false;
            }
        }
        return true;
    }, 60.0, 0.01);
    e2e_assert($midLoad, 'the workers did not get going within 60 s');

    $holder = e2e_spawn('holder', [$bin, $queue], "$tmp/holder.out", "$tmp/holder.err");
    $locked = e2e_wait_until(static fn() => str_starts_with((string)@file_get_contents("$tmp/holder.out"), 'locked'), 20.0, 0.005);
    e2e_assert($locked, 'the lock holder did not take the lock within 20 s: %s', (string)@file_get_contents("$tmp/holder.err"));
    $tLocked = microtime(true);
    usleep((int)(HOLD_S * 1e6));
    $tKill = microtime(true);
    proc_terminate($holder['proc'], 9);
    $one = [&$holder];
    e2e_wait_exit($one, 5.0);
    e2e_assert($holder['exit'] === 137, 'the lock holder exited with %s, expected 137 (SIGKILL)', var_export($holder['exit'], true));
    e2e_log('lock held from +%.3fs to the SIGKILL %.3fs later', $tLocked - $GLOBALS['__e2e_t0'], $tKill - $tLocked);

    e2e_assert(e2e_wait_exit($workers, 120.0), 'workers still running 120 s after the kill');
    $accepted = [];
    $stalls = [];
    foreach ($workers as $w => $c) {
        $err = trim((string)@file_get_contents($c['err']));
        e2e_assert($c['exit'] === 0 && $err === '', 'worker %d exited with %s: %s', $w, var_export($c['exit'], true), substr($err, 0, 500));
        $rows = $events($c['out']);
        $during = array_filter($rows, static fn($row) => $row['t'] > $tLocked && $row['t'] < $tKill);
        e2e_assert(!$during, 'worker %d: %d sendEvent calls returned while the lock was held: the holder did not hold it', $w,
                   count($during));
        $before = array_filter($rows, static fn($row) => $row['t'] <= $tLocked);
        $after = array_values(array_filter($rows, static fn($row) => $row['t'] >= $tKill));
        e2e_assert(count($rows) === LOCK_EVENTS && $after, 'worker %d: %d events, %d after the kill', $w, count($rows), count($after));
        $stalls[] = $after[0]['t'] - ($before ? max(array_column($before, 't')) : $tLocked);
        foreach ($rows as $row) {
            e2e_assert($row['ok'] === true, 'worker %d: sendEvent failed: %s', $w, (string)$row['err']);
            $accepted[$row['id']] = $row['event'];
        }
        $done = null;
        foreach (e2e_json_lines($c['out']) as $row) {
            $done = isset($row['done']) ? $row : $done;
        }
        e2e_assert($done !== null && $done['flushed'] === true, 'worker %d: the queue was not flushed at its end', $w);
    }
    $n = count($accepted);
    [$stats, $byId] = e2e_assert_delivered_intact($r, $accepted);
    e2e_assert(!array_diff_key($byId, $accepted), 'delivered event_ids no worker accepted');
    $stats = receiver_stats($r);
    e2e_assert($stats['invalid'] === 0, 'receiver found %d invalid envelopes: %s', $stats['invalid'], json_encode($stats['errors']));

    $probe = e2e_status_probe($php, "$tmp/probe.out", "$tmp/probe.err");
    e2e_assert(e2e_queue_empty($probe), 'queue not empty at the end: %s', json_encode($probe['status']['queue']));
    $m = $probe['metrics'];
    $takeovers = $m['drainer_takeovers_stale'] + $m['drainer_takeovers_dead'];
    e2e_assert($stats['duplicates'] <= 4 * $takeovers, '%d duplicates without a takeover to explain them', $stats['duplicates']);
    e2e_assert($m['lock_recoveries'] >= 1, 'no lock recovery counted: %s', json_encode($m));
    e2e_assert($m['corrupt_records'] === 0, '%d corrupt records: the unpublished half record was read', $m['corrupt_records']);
    e2e_assert_no_extension_errors("$tmp/extension.log");
    receiver_stop($r);
    return sprintf('a process SIGKILLed inside the queue lock (held %.2fs, half a record written): %d workers held up %.2f-%.2fs, ' .
                   'then all went on; %d accepted events all delivered intact, %d duplicates, invalid 0, queue empty; ' .
                   'lock_recoveries %d, corrupt_records 0, takeovers %d', $tKill - $tLocked, LOCK_WORKERS, min($stalls), max($stalls),
                   $n, $stats['duplicates'], $m['lock_recoveries'], $takeovers);
});
