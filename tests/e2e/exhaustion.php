<?php
/**
 * exhaustion: the queue's filesystem is full (issue #4).
 *
 *   php -n tests/e2e/exhaustion.php <so> --case=shm|queue_path
 *
 * shm:        /dev/shm is a 2 MiB tmpfs, filled to 100 % before PHP starts (queue.memory=1M).
 * queue_path: queue.path lives on a 2 MiB tmpfs, filled the same way.
 * Both inside a private mount namespace (exhaustion_lib.php); root only, else SKIP.
 *
 * 1. Broken: sendEvent returns success=false at once with an error naming the queue's path
 *    and "No space left on device"; getStatus() says active=false with the same error;
 *    1,000 sendEvent calls 1 ms apart (≥ 1 s, so the binding's re-open at most once a
 *    second happens in between) each return within 50 ms (a hang bound, not a benchmark:
 *    median/p99/max reported); the log says "queue unavailable" once, not per call.
 * 2. The test frees the space from outside (nsenter … rm filler): without restarting PHP a
 *    later sendEvent succeeds (within 10 s) and that event is delivered, intact; getStatus()
 *    is active with no error.
 * 3. Mid-run exhaustion: the test fills the filesystem to 100 % again (0 bytes available,
 *    checked) while the queue exists; its pages were reserved at creation (posix_fallocate),
 *    so 50 more events are accepted and all delivered; the process exits 0, nothing on stderr.
 */

declare(strict_types=1);

require __DIR__ . '/exhaustion_lib.php';

const EX_FS_SIZE = '2m';
const EX_QUEUE_MEMORY = '1M';
const EX_CALLS = 1000;
const EX_HANG_BOUND_MS = 50.0;
const EX_MIDRUN_EVENTS = 50;

$so = e2e_so_path($argv);
$case = 'shm';
foreach (array_slice($argv, 2) as $a) {
    if (preg_match('/^--case=(shm|queue_path)$/', $a, $m)) {
        $case = $m[1];
    }
}
ex_require_namespaces();

e2e_main(static function () use ($so, $case): string {
    $tmp = e2e_tmpdir('exh-' . $case);
    $queue = e2e_queue_name('exh' . $case);
    $r = receiver_start(['log' => "$tmp/receiver.log"]);
    $ini = [
        'dsn' => $r['dsn'],
        'queue.name' => $queue,
        'queue.memory' => EX_QUEUE_MEMORY,
        'send_client_reports' => '0',
        'shutdown_timeout' => '3s',
        'logging.level' => 'warning',
        'logging.file' => "$tmp/extension.log",
    ];
    if ($case === 'shm') {
        $fsDir = '/dev/shm';
        $location = '/dev/shm/sentry_transport.v3.' . e2e_euid() . '.' . $queue;
    } else {
        $fsDir = "$tmp/qfs";
        mkdir($fsDir, 0700);
        $location = "$fsDir/queue.bin";
        $ini['queue.path'] = $location;
    }
    // Mount a small tmpfs over $fsDir (private to the child) and fill it before PHP starts.
    $setup = sprintf('mount -t tmpfs -o size=%s,mode=1777 tmpfs %s' . "\n" .
                     'dd if=/dev/zero of=%s/filler bs=4k 2>/dev/null || true',
                     EX_FS_SIZE, escapeshellarg($fsDir), escapeshellarg($fsDir));
    e2e_log('case %s: receiver %s, queue %s on a full %s tmpfs at %s', $case, $r['url'], $location, EX_FS_SIZE, $fsDir);

    $c = ex_spawn('php', $so, $ini, $tmp, $setup, <<<'PHP'
        // ---- 1. broken
        $t = hrtime(true);
        $first = SentryTransport::sendEvent(['message' => 'exhaustion: while full']);
        $firstMs = (hrtime(true) - $t) / 1e6;
        out('first', ['result' => $first, 'ms' => $firstMs, 'status' => SentryTransport::getStatus()]);
        $lat = [];
        $fails = 0;
        $errors = [];
        $t0 = microtime(true);
        for ($i = 0; $i < $CTX['calls']; $i++) {
            $t = hrtime(true);
            $res = SentryTransport::sendEvent(['message' => "exhaustion: broken $i"]);
            $lat[] = (hrtime(true) - $t) / 1e6;
            if (!$res['success']) {
                $fails++;
                $errors[$res['error']] = true;
            }
            usleep(1000);
        }
        out('broken', ['lat' => $lat, 'fails' => $fails, 'errors' => array_keys($errors), 'seconds' => microtime(true) - $t0,
                       'status' => SentryTransport::getStatus()]);
        if (!gate('freed', 60.0)) {
            out('fatal', 'gate freed never opened');
            exit(3);
        }
        // ---- 2. recovery, same process
        $tFreed = microtime(true);
        $tries = 0;
        $ok = wait_until(static function () use (&$tries) {
            $tries++;
            $res = SentryTransport::sendEvent(['message' => 'exhaustion: after the fix', 'extra' => ['phase' => 'recovered']]);
            return $res['success'] ? $res : false;
        }, 10.0, 0.05);
        out('recovered', ['result' => $ok, 'tries' => $tries, 'seconds' => microtime(true) - $tFreed,
                          'flushed' => SentryTransport::flush(10.0), 'status' => SentryTransport::getStatus()]);
        if (!gate('refilled', 60.0)) {
            out('fatal', 'gate refilled never opened');
            exit(3);
        }
        // ---- 3. the filesystem is full again; the queue's pages were reserved
        $ids = [];
        $bad = [];
        for ($i = 0; $i < $CTX['midrun']; $i++) {
            $res = SentryTransport::sendEvent(['message' => "exhaustion: midrun $i", 'extra' => ['phase' => 'midrun', 'i' => $i]]);
            if ($res['success']) {
                $ids[] = $res['event_id'];
            } else {
                $bad[] = $res['error'];
            }
        }
        out('midrun', ['ids' => $ids, 'bad' => $bad, 'flushed' => SentryTransport::flush(15.0),
                       'status' => SentryTransport::getStatus(), 'metrics' => SentryTransport::getMetrics()]);
        gate('end', 60.0); // the test looks at the filesystem while this namespace still exists
        PHP, $r, ['calls' => EX_CALLS, 'midrun' => EX_MIDRUN_EVENTS]);
    $pid = $c['pid'];

    // ---------------------------------------------------------------- 1. broken
    $first = dl_wait_key($c, 'first', 30.0);
    $res = $first['result'];
    $st = $first['status'];
    e2e_log('first sendEvent (%.3f ms): %s', $first['ms'], json_encode($res));
    e2e_log('getStatus error: %s', $st['error']);
    e2e_assert($res['success'] === false, 'sendEvent succeeded on a full filesystem: %s', json_encode($res));
    foreach (['No space left on device', $location] as $needle) {
        e2e_assert(str_contains($res['error'], $needle), 'sendEvent error %s does not mention "%s"', json_encode($res['error']), $needle);
        e2e_assert(str_contains($st['error'], $needle), 'getStatus error %s does not mention "%s"', json_encode($st['error']), $needle);
    }
    e2e_assert($st['active'] === false && $st['queue']['closed'] === true, 'getStatus while full: active %s, closed %s',
               json_encode($st['active']), json_encode($st['queue']['closed']));
    e2e_assert($first['ms'] < EX_HANG_BOUND_MS, 'the first sendEvent took %.1f ms (bound %.0f ms)', $first['ms'], EX_HANG_BOUND_MS);

    $broken = dl_wait_key($c, 'broken', 60.0);
    $p = ex_percentiles($broken['lat']);
    e2e_log('%d calls while full over %.2f s: median %.4f ms, p99 %.4f ms, max %.3f ms; errors %s', $p['n'], $broken['seconds'],
            $p['median'], $p['p99'], $p['max'], json_encode($broken['errors']));
    e2e_assert($p['n'] === EX_CALLS && $broken['fails'] === EX_CALLS, '%d of %d calls failed while full, expected all',
               $broken['fails'], $p['n']);
    e2e_assert($p['max'] < EX_HANG_BOUND_MS, 'a sendEvent while full took %.1f ms (bound %.0f ms)', $p['max'], EX_HANG_BOUND_MS);
    e2e_assert(count($broken['errors']) === 1 && $broken['errors'][0] === $res['error'],
               'errors while full vary: %s', json_encode($broken['errors']));
    e2e_assert($broken['status']['active'] === false, 'getStatus became active while still full');
    $logged = ex_log_lines($tmp, 'queue unavailable');
    e2e_assert(count($logged) === 1, '"queue unavailable" logged %d times over %d failing calls, expected once: %s',
               count($logged), EX_CALLS + 1, dl_ext_log($tmp));
    e2e_assert(str_contains((string)($logged[0]['error'] ?? ''), 'No space left on device'), 'the log line lacks the reason: %s',
               json_encode($logged[0]));
    e2e_assert(e2e_running($c), 'PHP exited while the queue was unavailable');

    // ---------------------------------------------------------------- 2. free space, recover
    e2e_assert(ex_avail($pid, $fsDir) === 0, 'filesystem %s was not full during phase 1', $fsDir);
    ex_ns($pid, 'rm -f "$1/filler"', $fsDir);
    e2e_log('freed %s: %d bytes available', $fsDir, ex_avail($pid, $fsDir));
    dl_open_gate($tmp, 'freed');
    $rec = dl_wait_key($c, 'recovered', 30.0);
    e2e_assert(is_array($rec['result']) && $rec['result']['success'] === true,
               'no sendEvent succeeded within 10 s of freeing space (%d tries): status %s; log %s', $rec['tries'],
               json_encode($rec['status']['error'] ?? null), dl_ext_log($tmp));
    e2e_log('recovered after %.3f s (%d tries), event %s', $rec['seconds'], $rec['tries'], $rec['result']['event_id']);
    e2e_assert($rec['status']['active'] === true && $rec['status']['error'] === '', 'getStatus after recovery: active %s, error %s',
               json_encode($rec['status']['active']), json_encode($rec['status']['error']));
    e2e_assert($rec['status']['queue']['location'] === ($case === 'shm' ? substr($location, strlen('/dev/shm')) : $location),
               'queue location %s', json_encode($rec['status']['queue']['location']));
    $recId = $rec['result']['event_id'];
    e2e_assert(receiver_wait_for(static fn() => isset(e2e_delivered_by_id($r)[$recId]), 10.0) !== false,
               'the event sent after recovery was not delivered: %s', dl_stats_brief(receiver_stats($r)));
    $payload = e2e_event_payload(e2e_delivered_by_id($r)[$recId][0]);
    e2e_assert(($payload['extra']['phase'] ?? null) === 'recovered', 'recovered event arrived as %s', json_encode($payload));

    // ---------------------------------------------------------------- 3. full again, mid-run
    ex_fill($pid, $fsDir, 'filler2');
    e2e_log('filled %s again: 0 bytes available, queue mapped', $fsDir);
    dl_open_gate($tmp, 'refilled');
    $mid = dl_wait_key($c, 'midrun', 40.0);
    $availDuring = ex_avail($pid, $fsDir);
    e2e_assert(!$mid['bad'], '%d of %d sendEvent calls failed with the filesystem full after creation, e.g. %s', count($mid['bad']),
               EX_MIDRUN_EVENTS, $mid['bad'][0] ?? '');
    e2e_assert(count($mid['ids']) === EX_MIDRUN_EVENTS, '%d events accepted mid-run', count($mid['ids']));
    $want = array_merge([$recId], $mid['ids']);
    $ok = receiver_wait_for(static function () use ($r, $want) {
        $by = e2e_delivered_by_id($r);
        foreach ($want as $id) {
            if (!isset($by[$id])) {
                return false;
            }
        }
        return true;
    }, 20.0);
    e2e_assert($ok !== false, 'not every mid-run event was delivered: %s; metrics %s', dl_stats_brief(receiver_stats($r)),
               json_encode($mid['metrics']));
    $by = e2e_delivered_by_id($r);
    foreach ($mid['ids'] as $i => $id) {
        $pl = e2e_event_payload($by[$id][0]);
        e2e_assert(($pl['extra']['i'] ?? null) === $i && ($pl['extra']['phase'] ?? null) === 'midrun',
                   'mid-run event %d arrived as %s', $i, json_encode($pl['extra'] ?? null));
    }
    e2e_assert($availDuring === 0, 'the filesystem had %d bytes free after the mid-run sends (expected still full)', $availDuring);
    $stats = receiver_stats($r);
    e2e_assert($stats['invalid'] === 0, 'receiver found %d invalid envelopes', $stats['invalid']);
    e2e_assert($stats['delivered'] === 1 + EX_MIDRUN_EVENTS, 'receiver got %d deliveries, expected %d (nothing from the broken phase)',
               $stats['delivered'], 1 + EX_MIDRUN_EVENTS);

    dl_open_gate($tmp, 'end');
    $out = dl_finish($c, 30.0);
    e2e_assert(!isset($out['fatal']), 'child: %s', json_encode($out['fatal'] ?? null));
    receiver_stop($r);
    return sprintf('%s: full → success=false + status error "%s…" at once; %d calls while full: median %.4f ms, p99 %.4f ms, ' .
                   'max %.3f ms (bound %.0f); logged once; freed → recovered in %.2f s (%d tries) and delivered; refilled to 0 ' .
                   'bytes free mid-run → %d/%d accepted and delivered; PHP exit 0',
                   $case, substr($res['error'], 0, 70), $p['n'], $p['median'], $p['p99'], $p['max'], EX_HANG_BOUND_MS,
                   $rec['seconds'], $rec['tries'], count($mid['ids']), EX_MIDRUN_EVENTS);
});
