<?php
/**
 * multi_process: 4 exec'd `php` worker processes (RoadRunner's model: independent processes,
 * no common PHP parent) each send 1,000 events with a unique marker into one shared queue.
 *
 *   php -n tests/e2e/multi_process.php <so> --compression=1|0|gzip|zstd|none
 *
 * Asserts: every sendEvent succeeded; every returned event_id is delivered exactly once
 * (duplicates == 0 in this fault-free run); each delivered payload carries exactly what was
 * sent (marker, message, tags, extra); invalid == 0; the wire encoding is gzip with
 * compression on (1 or gzip), zstd with zstd (decoded by the receiver), identity with it off.
 */

declare(strict_types=1);

require __DIR__ . '/lib.php';

const WORKERS = 4;
const EVENTS_PER_WORKER = 1000;

$so = e2e_so_path($argv);
$compression = '1';
foreach (array_slice($argv, 2) as $a) {
    if (preg_match('/^--compression=(0|1|gzip|zstd|none)$/', $a, $m)) {
        $compression = $m[1];
    }
}
$wantEncoding = ['1' => 'gzip', 'gzip' => 'gzip', 'zstd' => 'zstd', '0' => 'identity', 'none' => 'identity'][$compression];

e2e_main(static function () use ($so, $compression, $wantEncoding): string {
    $tmp = e2e_tmpdir('mp');
    $queue = e2e_queue_name('mp' . $compression);
    $r = receiver_start(['log' => "$tmp/receiver.log"]);
    e2e_log('receiver %s, queue %s, compression %s', $r['url'], $queue, $compression);

    $ini = [
        'dsn' => $r['dsn'],
        'queue.name' => $queue,
        'queue.buffer_size' => '20000',
        'queue.memory' => '64M',
        'transport.compression' => $compression,
        'shutdown_timeout' => '5s',
        'logging.level' => 'warning',
        'logging.file' => "$tmp/extension.log",
    ];
    $tag = 'mp' . $compression . '-' . bin2hex(random_bytes(3));
    $workers = [];
    $t0 = microtime(true);
    for ($w = 0; $w < WORKERS; $w++) {
        $cmd = array_merge([E2E_PHP, '-n'], e2e_ext_args($so, $ini),
                           [__DIR__ . '/workers/send_worker.php', (string)$w, (string)EVENTS_PER_WORKER, $tag, '0', '60']);
        $workers[$w] = e2e_spawn("worker$w", $cmd, "$tmp/worker$w.out", "$tmp/worker$w.err");
    }
    e2e_log('started %d workers: pids %s', WORKERS, implode(',', array_column($workers, 'pid')));
    if (!e2e_wait_exit($workers, 90.0)) {
        e2e_fail('workers still running after 90 s');
    }
    e2e_log('workers exited after %.2fs', microtime(true) - $t0);

    // What the workers say they sent.
    $sent = [];        // event_id → event
    $pids = [];
    foreach ($workers as $w => $c) {
        $err = trim((string)@file_get_contents($c['err']));
        e2e_assert($c['exit'] === 0, 'worker %d exited with %s; stderr: %s', $w, var_export($c['exit'], true), substr($err, 0, 500));
        e2e_assert($err === '', 'worker %d wrote to stderr: %s', $w, substr($err, 0, 500));
        $rows = e2e_json_lines($c['out']);
        $done = null;
        $n = 0;
        foreach ($rows as $row) {
            if (isset($row['done'])) {
                $done = $row;
            } elseif (isset($row['i'])) {
                $n++;
                e2e_assert($row['ok'] === true, 'worker %d event %d not accepted: %s', $w, $row['i'], $row['err']);
                e2e_assert((bool)preg_match('/^[0-9a-f]{32}$/', $row['id']), 'worker %d: bad event_id %s', $w, $row['id']);
                e2e_assert(!isset($sent[$row['id']]), 'event_id %s returned twice by sendEvent', $row['id']);
                $sent[$row['id']] = $row['event'];
            } else {
                e2e_fail('worker %d printed an unexpected line: %s', $w, json_encode($row));
            }
        }
        e2e_assert($n === EVENTS_PER_WORKER, 'worker %d reported %d events, expected %d', $w, $n, EVENTS_PER_WORKER);
        e2e_assert($done !== null, 'worker %d printed no final line', $w);
        e2e_assert($done['flushed'] === true, 'worker %d: flush(60) returned false (queue_length %d)', $w,
                   $done['status']['queue']['queue_length'] ?? -1);
        $pids[] = $done['pid'];
    }
    $total = WORKERS * EVENTS_PER_WORKER;
    e2e_assert(count($sent) === $total, '%d distinct event_ids accepted, expected %d', count($sent), $total);

    // Bounded wait for the receiver to have all of them.
    $stats = receiver_wait_delivered($r, $total, 60.0);
    e2e_log('receiver: %s', json_encode(array_intersect_key($stats, array_flip(
        ['envelopes', 'valid', 'invalid', 'rejected_auth', 'delivered', 'delivered_unique', 'duplicates', 'by_status']))));
    e2e_assert($stats['invalid'] === 0, 'receiver found %d invalid envelopes: %s', $stats['invalid'], json_encode($stats['errors']));
    e2e_assert($stats['rejected_auth'] === 0, 'receiver rejected %d envelopes (auth)', $stats['rejected_auth']);
    e2e_assert($stats['delivered_unique'] === $total, 'delivered_unique %d after 60 s, expected %d; extension log: %s',
               $stats['delivered_unique'], $total, substr(trim((string)@file_get_contents("$tmp/extension.log")), 0, 600));
    e2e_assert($stats['duplicates'] === 0, '%d duplicate deliveries in a fault-free run', $stats['duplicates']);

    // Every event_id exactly once, intact, encoded as configured.
    $byId = e2e_delivered_by_id($r);
    $encodings = [];
    foreach ($sent as $id => $event) {
        $recs = $byId[$id] ?? [];
        e2e_assert(count($recs) === 1, 'event %s (marker %s) delivered %d times', $id, $event['extra']['marker'], count($recs));
        $rec = $recs[0];
        $encodings[$rec['encoding']] = ($encodings[$rec['encoding']] ?? 0) + 1;
        e2e_assert($rec['valid'] === true && $rec['item_types'] === ['event'], 'event %s: valid=%s items=%s', $id,
                   json_encode($rec['valid']), json_encode($rec['item_types']));
        $p = e2e_event_payload($rec);
        e2e_assert($p !== null, 'event %s has no decodable event payload', $id);
        e2e_assert(($p['event_id'] ?? null) === $id, 'event %s: payload event_id %s', $id, json_encode($p['event_id'] ?? null));
        $mm = e2e_subset_mismatch($event, $p);
        e2e_assert($mm === null, 'event %s (marker %s): payload differs: %s', $id, $event['extra']['marker'], (string)$mm);
        e2e_assert(($p['platform'] ?? '') === 'php' && isset($p['timestamp']), 'event %s: platform/timestamp not filled', $id);
        $ce = $rec['headers']['content_encoding'] ?? null;
        e2e_assert($wantEncoding !== 'identity' ? $ce === $wantEncoding : ($ce === null || $ce === 'identity'),
                   'event %s: Content-Encoding %s with compression=%s', $id, json_encode($ce), $compression);
    }
    e2e_assert(array_keys($encodings) === [$wantEncoding], 'encodings seen: %s, expected only %s', json_encode($encodings), $wantEncoding);
    $extra = array_diff_key($byId, $sent);
    e2e_assert(!$extra, '%d delivered event_ids that no worker sent, e.g. %s', count($extra), (string)array_key_first($extra));

    $log = trim((string)@file_get_contents("$tmp/extension.log"));
    e2e_assert($log === '', 'the extension logged warnings/errors: %s', substr($log, 0, 600));
    $metrics = e2e_json_lines($workers[WORKERS - 1]['out']);
    $last = end($metrics)['metrics'] ?? [];
    receiver_stop($r);
    return sprintf('%d workers x %d events, %d delivered exactly once, intact, encoding %s, invalid 0, duplicates 0 ' .
                   '(%.1fs, drainer elections %d)', WORKERS, EVENTS_PER_WORKER, $total, $wantEncoding,
                   microtime(true) - $t0, $last['drainer_elections'] ?? -1);
});
