<?php
/**
 * exhaustion_dead_letters: the dead-letter directory cannot be written (issue #4).
 *
 *   php -n tests/e2e/exhaustion_dead_letters.php <so>
 *
 * retry.dead_letter_path lies on a 1 MiB tmpfs of a private mount namespace
 * (exhaustion_lib.php; root only, else SKIP). The receiver answers 400 (a permanent
 * failure) to the "bad" events. One PHP process lives through every phase:
 *
 * 1. read-only mount, directory missing (it cannot even be created): 3 bad events →
 *    getStatus()['dead_letters'] = failing, error names the directory and "Read-only file
 *    system"; getMetrics() dead_letter_errors 3, events_failed 3, drops.send_error 3; the
 *    transport stays active and 2 good events are delivered.
 * 2. remounted read-write: the state returns to ok on its own (the drainer re-checks every
 *    few seconds), a bad event is written as a dead letter (listed, file present).
 * 3. the filesystem filled to 100 %: a bad event → failing, "No space left on device",
 *    no temporary file left behind.
 * 4. remounted read-only while still failing: a bad event → error now "Read-only file
 *    system", same episode (same `since`).
 * 5. read-write and space freed: ok again on its own; a bad event is written.
 * Throughout: the log says "dead letters cannot be written" once per episode (2 in all)
 * and "dead letters are written again" once per recovery (2), never a line per event
 * (dead_letter_errors ends at 5); the process exits 0 with nothing on stderr.
 */

declare(strict_types=1);

require __DIR__ . '/exhaustion_lib.php';

const EXD_RECOVER_S = 20.0; // ST_DEADLETTER_RECHECK_MS (5 s) + the drainer's 1 s tick, with room

$so = e2e_so_path($argv);
ex_require_namespaces();

e2e_main(static function () use ($so): string {
    $tmp = e2e_tmpdir('exh-dl');
    $queue = e2e_queue_name('exhdl');
    $r = receiver_start(['log' => "$tmp/receiver.log"]);
    $fs = "$tmp/dlfs";
    mkdir($fs, 0700);
    $dir = "$fs/letters";
    $ini = ['retry.max_attempts' => '1', 'retry.dead_letter_queue' => '1', 'send_client_reports' => '0',
            'logging.level' => 'info'] + dl_base_ini($r['dsn'], $queue, $tmp);
    $ini['retry.dead_letter_path'] = $dir;
    $setup = sprintf("mount -t tmpfs -o size=1m,mode=0700 tmpfs %s\nmount -o remount,ro %s", escapeshellarg($fs),
                     escapeshellarg($fs));
    e2e_log('receiver %s, queue %s, dead letters in %s (read-only tmpfs, missing)', $r['url'], $queue, $dir);

    $c = ex_spawn('php', $so, $ini, $tmp, $setup, <<<'PHP'
        function send(string $phase, int $i = 0): array
        {
            return SentryTransport::sendEvent(['message' => "dead-letter exhaustion $phase $i", 'extra' => ['phase' => $phase, 'i' => $i]]);
        }
        function metric_at_least(string $key, int $n): bool
        {
            return (bool)wait_until(static fn() => SentryTransport::getMetrics()[$key] >= $n, 15.0);
        }
        function snap(): array
        {
            return ['status' => SentryTransport::getStatus(), 'metrics' => SentryTransport::getMetrics()];
        }
        function state_ok(): array
        {
            $t = microtime(true);
            $ok = wait_until(static fn() => SentryTransport::getStatus()['dead_letters']['state'] === 'ok', $GLOBALS['CTX']['recover']);
            return ['ok' => $ok, 'seconds' => microtime(true) - $t] + snap();
        }
        function step(string $gate): void
        {
            if (!gate($gate, 90.0)) {
                out('fatal', "gate $gate never opened");
                exit(3);
            }
        }
        step('bad1');
        $bad = [send('bad1', 0), send('bad1', 1), send('bad1', 2)];
        out('p1', ['bad' => $bad, 'reached' => metric_at_least('dead_letter_errors', 3)] + snap());
        step('good1');
        $good = [send('good1', 0), send('good1', 1)];
        out('p1good', ['good' => $good, 'flushed' => SentryTransport::flush(10.0)] + snap());
        step('rw');
        out('p2ok', state_ok());
        step('bad2');
        $b = send('bad2');
        out('p2', ['bad' => $b, 'reached' => metric_at_least('dead_letters_written', 1), 'list' => SentryTransport::getDeadLetters()] + snap());
        step('full');
        $b = send('bad3');
        out('p3', ['bad' => $b, 'reached' => metric_at_least('dead_letter_errors', 4)] + snap());
        step('ro2');
        $b = send('bad4');
        out('p4', ['bad' => $b, 'reached' => metric_at_least('dead_letter_errors', 5)] + snap());
        step('freed');
        out('p5ok', state_ok());
        $b = send('bad5');
        out('p5', ['bad' => $b, 'reached' => metric_at_least('dead_letters_written', 2), 'list' => SentryTransport::getDeadLetters()] + snap());
        step('end');
        PHP, $r, ['recover' => EXD_RECOVER_S]);
    $pid = $c['pid'];

    $failing = static function (array $o, string $reason, string $what) use ($dir): void {
        $dl = $o['status']['dead_letters'];
        e2e_log('%s: dead_letters %s', $what, json_encode($dl, JSON_UNESCAPED_SLASHES));
        e2e_assert($dl['state'] === 'failing', '%s: dead_letters.state %s, expected failing', $what, json_encode($dl['state']));
        e2e_assert(str_contains($dl['error'], $dir) && str_contains($dl['error'], $reason),
                   '%s: dead_letters.error %s should name %s and "%s"', $what, json_encode($dl['error']), $dir, $reason);
        e2e_assert(is_string($dl['since']) && dl_is_rfc3339($dl['since']) && is_string($dl['last_error_at']),
                   '%s: since %s, last_error_at %s', $what, json_encode($dl['since']), json_encode($dl['last_error_at']));
        e2e_assert($o['status']['active'] === true && $o['status']['error'] === '',
                   '%s: the transport itself should stay active: active %s, error %s', $what,
                   json_encode($o['status']['active']), json_encode($o['status']['error']));
        e2e_assert($o['reached'] === true, '%s: the bad event was not counted within 15 s: metrics %s; log %s', $what,
                   json_encode($o['metrics']), dl_ext_log(dirname($dir, 2)));
    };
    $recovered = static function (array $o, string $what): void {
        $dl = $o['status']['dead_letters'];
        e2e_assert($o['ok'] === true && $dl['state'] === 'ok' && $dl['error'] === '',
                   '%s: dead_letters did not return to ok within %.0f s: %s', $what, EXD_RECOVER_S, json_encode($dl));
        e2e_log('%s: ok again %.2f s after the fix', $what, $o['seconds']);
    };
    $letters = static function () use ($pid, $dir): array {
        $ls = ex_ns($pid, 'ls -A "$1"', $dir);
        return array_values(array_filter(explode("\n", trim($ls)), 'strlen'));
    };
    $bad = static function (array $res, string $what): void {
        e2e_assert($res['success'] === true, '%s: sendEvent failed: %s', $what, json_encode($res));
    };

    // ---------------------------------------------------------------- 1. read-only, missing
    receiver_faults($r, ['then' => ['status' => 400]]);
    dl_open_gate($tmp, 'bad1');
    $p1 = dl_wait_key($c, 'p1', 40.0);
    foreach ($p1['bad'] as $res) {
        $bad($res, 'phase 1');
    }
    $failing($p1, 'Read-only file system', 'phase 1 (read-only, directory missing)');
    $m = $p1['metrics'];
    e2e_log('phase 1 metrics: dead_letter_errors %d, dead_letters_written %d, events_failed %d, drops.send_error %d',
            $m['dead_letter_errors'], $m['dead_letters_written'], $m['events_failed'], $m['drops']['send_error']);
    e2e_assert($m['dead_letter_errors'] === 3 && $m['dead_letters_written'] === 0 && $m['events_failed'] === 3
               && $m['drops']['send_error'] === 3, 'phase 1 metrics: %s', json_encode($m));
    $statuses = array_map(static fn($rec) => (string)$rec['status'], receiver_events($r));
    e2e_assert($statuses === ['400', '400', '400'], 'receiver answered %s, expected 3 × 400', json_encode($statuses));
    receiver_faults($r, []);
    dl_open_gate($tmp, 'good1');
    $g = dl_wait_key($c, 'p1good', 30.0);
    $ids = array_column($g['good'], 'event_id');
    e2e_assert(receiver_wait_for(static function () use ($r, $ids) {
        $by = e2e_delivered_by_id($r);
        return isset($by[$ids[0]], $by[$ids[1]]);
    }, 10.0) !== false, 'good events not delivered while dead letters fail: %s', dl_stats_brief(receiver_stats($r)));
    e2e_assert($g['status']['dead_letters']['state'] === 'failing', 'a delivery cleared the dead-letter error');

    // ---------------------------------------------------------------- 2. read-write again
    ex_ns($pid, 'mount -o remount,rw "$1"', $fs);
    dl_open_gate($tmp, 'rw');
    $recovered(dl_wait_key($c, 'p2ok', EXD_RECOVER_S + 20), 'phase 2 (remounted read-write)');
    receiver_faults($r, ['then' => ['status' => 400]]);
    dl_open_gate($tmp, 'bad2');
    $p2 = dl_wait_key($c, 'p2', 40.0);
    $bad($p2['bad'], 'phase 2');
    e2e_assert($p2['reached'] === true && $p2['status']['dead_letters']['state'] === 'ok',
               'phase 2: dead letter not written: %s; metrics %s; log %s', json_encode($p2['status']['dead_letters']),
               json_encode($p2['metrics']), dl_ext_log($tmp));
    e2e_assert(count($p2['list']) === 1 && $p2['list'][0]['event_id'] === $p2['bad']['event_id'],
               'phase 2: getDeadLetters() = %s', json_encode($p2['list']));
    e2e_assert($letters() === [$p2['list'][0]['id'] . '.envelope'], 'phase 2: directory holds %s', json_encode($letters()));

    // ---------------------------------------------------------------- 3. full
    ex_fill($pid, $fs);
    dl_open_gate($tmp, 'full');
    $p3 = dl_wait_key($c, 'p3', 40.0);
    $bad($p3['bad'], 'phase 3');
    $failing($p3, 'No space left on device', 'phase 3 (filesystem full)');
    e2e_assert($letters() === [$p2['list'][0]['id'] . '.envelope'], 'phase 3: a failed write left %s', json_encode($letters()));

    // ---------------------------------------------------------------- 4. read-only while failing
    ex_ns($pid, 'mount -o remount,ro "$1"', $fs);
    dl_open_gate($tmp, 'ro2');
    $p4 = dl_wait_key($c, 'p4', 40.0);
    $bad($p4['bad'], 'phase 4');
    $failing($p4, 'Read-only file system', 'phase 4 (read-only while full)');
    e2e_assert($p4['status']['dead_letters']['since'] === $p3['status']['dead_letters']['since'],
               'phase 4 should continue the episode of phase 3: since %s vs %s', $p4['status']['dead_letters']['since'],
               $p3['status']['dead_letters']['since']);

    // ---------------------------------------------------------------- 5. fixed
    ex_ns($pid, 'mount -o remount,rw "$1" && rm -f "$1/filler"', $fs);
    dl_open_gate($tmp, 'freed');
    $recovered(dl_wait_key($c, 'p5ok', EXD_RECOVER_S + 20), 'phase 5 (read-write, space freed)');
    $p5 = dl_wait_key($c, 'p5', 40.0);
    $bad($p5['bad'], 'phase 5');
    e2e_assert($p5['reached'] === true && $p5['status']['dead_letters']['state'] === 'ok', 'phase 5: dead letter not written: %s',
               json_encode($p5['status']['dead_letters']));
    e2e_assert(in_array($p5['bad']['event_id'], array_column($p5['list'], 'event_id'), true) && count($p5['list']) === 2,
               'phase 5: getDeadLetters() = %s', json_encode($p5['list']));
    $m = $p5['metrics'];
    e2e_assert($m['dead_letter_errors'] === 5 && $m['dead_letters_written'] === 2 && $m['events_failed'] === 7
               && $m['drops']['send_error'] === 7 && $m['events_sent'] === 2, 'final metrics: %s', json_encode($m));

    receiver_faults($r, []);
    dl_open_gate($tmp, 'end');
    $out = dl_finish($c, 30.0);
    e2e_assert(!isset($out['fatal']), 'child: %s', json_encode($out['fatal'] ?? null));

    // The log: once per episode and per recovery, never per event.
    $down = ex_log_lines($tmp, 'dead letters cannot be written');
    $up = ex_log_lines($tmp, 'dead letters are written again');
    $perEvent = ex_log_lines($tmp, 'dead letter not written');
    e2e_log('log: %d "cannot be written", %d "written again", %d per-event', count($down), count($up), count($perEvent));
    e2e_assert(count($down) === 2 && count($up) === 2 && !$perEvent,
               'log has %d "cannot be written" (want 2), %d "written again" (want 2), %d per-event lines (want 0): %s',
               count($down), count($up), count($perEvent), dl_ext_log($tmp));
    e2e_assert(str_contains($down[0]['error'] ?? '', 'Read-only file system') && str_contains($down[1]['error'] ?? '', 'No space left'),
               'logged reasons: %s', json_encode(array_column($down, 'error')));
    foreach (array_merge($down, $up) as $line) {
        e2e_assert(!isset($line['repeated']), 'a dead-letter state line was collapsed as a repeat: %s', json_encode($line));
    }
    receiver_stop($r);
    return sprintf('read-only+missing → failing ("%s…"), 3 lost counted (dead_letter_errors 3, events_failed 3), good events ' .
                   'delivered; rw → ok on its own, written; full → failing (ENOSPC), nothing left behind; ro while failing → same ' .
                   'episode; fixed → ok, written; log: 2 down + 2 up lines for 5 lost events, 0 per-event lines; PHP exit 0',
                   substr($p1['status']['dead_letters']['error'], 0, 60));
});
