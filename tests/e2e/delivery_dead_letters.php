<?php
/**
 * delivery_dead_letters: permanent failures become dead letters, safely stored, listable,
 * replayable.
 *
 *   php -n tests/e2e/delivery_dead_letters.php <so>
 *
 * The DSN carries a secret (http://pub:<secret>@127.0.0.1:PORT/42). The receiver answers
 * 400 to event A, 413 to event B. Asserts: getDeadLetters() lists exactly 2, A with reason
 * send_error and B with too_large (attempts 1, RFC 3339 failed_at, size = file size); the
 * directory (created by the extension inside a fresh 0700 parent) is 0700, each file 0600;
 * file names contain the event ids and neither names nor contents contain the secret;
 * metrics dead_letters_written == 2. Then, from a fresh process with the faults cleared,
 * replayDeadLetters() == 2, both events are delivered (once each, intact), getDeadLetters()
 * is empty and the directory holds no dead-letter file.
 * Client reports are turned off here (send_client_reports=0) so that a report sent on its
 * own cannot consume one of the scripted faults.
 */

declare(strict_types=1);

require __DIR__ . '/delivery_lib.php';

const DL_SECRET = 'Sekr3tDLq9';

$so = e2e_so_path($argv);

e2e_main(static function () use ($so): string {
    $tmp = e2e_tmpdir('dl-dlq');
    $queue = e2e_queue_name('dldlq');
    $r = receiver_start(['key' => 'pub', 'log' => "$tmp/receiver.log"]);
    $dsn = 'http://pub:' . DL_SECRET . '@127.0.0.1:' . $r['port'] . '/42';
    receiver_faults($r, ['script' => [['status' => 400], ['status' => 413]]]);
    $parent = "$tmp/dlq-parent";
    mkdir($parent, 0700);
    chmod($parent, 0700);
    $dir = "$parent/letters";
    $ini = ['retry.max_attempts' => '3', 'retry.dead_letter_queue' => '1', 'retry.dead_letter_path' => $dir,
            'send_client_reports' => '0'] + dl_base_ini($dsn, $queue, $tmp);
    e2e_log('receiver %s, queue %s, dead letters in %s', $r['url'], $queue, $dir);

    $o = dl_run('fail', $so, $ini, $tmp, <<<'PHP'
        $a = SentryTransport::sendEvent(['message' => 'dead letter A (400)', 'level' => 'error', 'extra' => ['which' => 'A']]);
        out('a', $a);
        out('a_dead', wait_until(static fn() => SentryTransport::getMetrics()['dead_letters_written'] >= 1, 10.0));
        $b = SentryTransport::sendEvent(['message' => 'dead letter B (413)', 'level' => 'error', 'extra' => ['which' => 'B']]);
        out('b', $b);
        out('b_dead', wait_until(static fn() => SentryTransport::getMetrics()['dead_letters_written'] >= 2, 10.0));
        out('list', SentryTransport::getDeadLetters());
        out('metrics', SentryTransport::getMetrics());
        out('status', SentryTransport::getStatus());
        PHP, $r, 40.0);
    $a = $o['a'];
    $b = $o['b'];
    e2e_assert($a['success'] && $b['success'], 'sendEvent failed: %s / %s', json_encode($a), json_encode($b));
    $list = $o['list'];
    e2e_log('dead letters: %s', json_encode($list));
    e2e_log('metrics: %s', json_encode($o['metrics']));
    $stats = receiver_stats($r);
    e2e_log('receiver: %s', dl_stats_brief($stats));
    e2e_assert($o['a_dead'] === true && $o['b_dead'] === true,
               'dead_letters_written did not reach 1 then 2 within 10 s each (%s, %s): metrics %s; receiver %s; log %s',
               json_encode($o['a_dead']), json_encode($o['b_dead']), json_encode($o['metrics']), dl_stats_brief($stats), dl_ext_log($tmp));
    e2e_assert(count($list) === 2, 'getDeadLetters() lists %d, expected 2: %s', count($list), json_encode($list));
    $byEvent = array_column($list, null, 'event_id');
    e2e_assert(isset($byEvent[$a['event_id']], $byEvent[$b['event_id']]), 'dead letters are for %s, expected A %s and B %s',
               json_encode(array_column($list, 'event_id')), $a['event_id'], $b['event_id']);
    e2e_assert($byEvent[$a['event_id']]['reason'] === 'send_error', 'A (400) has reason %s, expected send_error',
               json_encode($byEvent[$a['event_id']]['reason']));
    e2e_assert($byEvent[$b['event_id']]['reason'] === 'too_large', 'B (413) has reason %s, expected too_large',
               json_encode($byEvent[$b['event_id']]['reason']));
    foreach ($list as $l) {
        e2e_assert($l['attempts'] === 1, 'dead letter %s: attempts %s, expected 1 (4xx is not retried)', $l['id'], json_encode($l['attempts']));
        e2e_assert(dl_is_rfc3339($l['failed_at']), 'dead letter %s: failed_at %s not RFC 3339', $l['id'], json_encode($l['failed_at']));
    }
    $statuses = array_map(static fn($rec) => (string)$rec['status'], receiver_events($r));
    e2e_assert($statuses === ['400', '413'], 'the receiver answered %s, expected exactly ["400","413"] (no retry of a 4xx)',
               json_encode($statuses));
    e2e_assert(($o['metrics']['dead_letters_written'] ?? null) === 2, 'dead_letters_written %s, expected 2',
               json_encode($o['metrics']['dead_letters_written'] ?? null));

    // The directory and files, as the OS sees them.
    clearstatcache();
    e2e_assert(is_dir($dir) && !is_link($dir), 'dead-letter directory %s missing', $dir);
    $mode = fileperms($dir) & 0777;
    e2e_assert($mode === 0700, 'dead-letter directory mode %o, expected 700', $mode);
    $files = array_values(array_filter(scandir($dir), static fn($f) => $f !== '.' && $f !== '..'));
    e2e_log('files: %s', json_encode($files));
    $letters = array_values(array_filter($files, static fn($f) => str_ends_with($f, '.envelope')));
    e2e_assert(count($letters) === 2, '%d *.envelope files in the directory, expected 2: %s', count($letters), json_encode($files));
    foreach ($letters as $f) {
        $fm = fileperms("$dir/$f") & 0777;
        e2e_assert($fm === 0600, 'file %s has mode %o, expected 600', $f, $fm);
        e2e_assert(is_file("$dir/$f") && !is_link("$dir/$f"), '%s is not a regular file', $f);
        e2e_assert(fileowner("$dir/$f") === e2e_euid(), '%s is owned by uid %d', $f, fileowner("$dir/$f"));
    }
    foreach ($files as $f) {
        e2e_assert(stripos($f, DL_SECRET) === false, 'a file name in the dead-letter directory contains the DSN secret: %s', $f);
        $content = (string)@file_get_contents("$dir/$f");
        e2e_assert(!str_contains($content, DL_SECRET), 'dead-letter file %s contains the DSN secret', $f);
    }
    foreach ([$a['event_id'], $b['event_id']] as $id) {
        $named = array_filter($letters, static fn($f) => str_contains($f, $id));
        e2e_assert(count($named) === 1, 'no (or several) file names contain event id %s: %s', $id, json_encode($letters));
    }
    foreach ($list as $l) {
        e2e_assert(in_array($l['id'] . '.envelope', $letters, true), 'dead letter id %s has no file %s.envelope', $l['id'], $l['id']);
        e2e_assert($l['size'] === filesize("$dir/{$l['id']}.envelope"), 'dead letter %s: size %d, file has %d bytes', $l['id'],
                   $l['size'], filesize("$dir/{$l['id']}.envelope"));
    }
    e2e_assert(!str_contains(json_encode($o['status']) . json_encode($list), DL_SECRET), 'getStatus()/getDeadLetters() show the DSN secret');

    // Replay, with the receiver fixed, from a fresh process.
    receiver_faults($r, []);
    $seqBefore = count(receiver_events($r));
    $o2 = dl_run('replay', $so, $ini, $tmp, <<<'PHP'
        out('replayed', SentryTransport::replayDeadLetters());
        out('flushed', SentryTransport::flush(10.0));
        out('list', SentryTransport::getDeadLetters());
        out('metrics', SentryTransport::getMetrics());
        PHP, $r, 30.0);
    e2e_log('replay: %s, list after %s, metrics %s', json_encode($o2['replayed']), json_encode($o2['list']), json_encode($o2['metrics']));
    e2e_assert($o2['replayed'] === 2, 'replayDeadLetters() returned %s, expected 2', json_encode($o2['replayed']));
    $stats = receiver_wait_for(static function () use ($r, $a, $b) {
        $by = e2e_delivered_by_id($r);
        return isset($by[$a['event_id']], $by[$b['event_id']]) ? receiver_stats($r) : false;
    }, 10.0);
    e2e_assert($stats !== false, 'replayed events not both delivered within 10 s: receiver %s; log %s',
               dl_stats_brief(receiver_stats($r)), dl_ext_log($tmp));
    $by = e2e_delivered_by_id($r);
    foreach (['A' => $a, 'B' => $b] as $which => $ev) {
        e2e_assert(count($by[$ev['event_id']]) === 1, '%s delivered %d times after replay', $which, count($by[$ev['event_id']]));
        $p = e2e_event_payload($by[$ev['event_id']][0]);
        e2e_assert(($p['extra']['which'] ?? null) === $which, 'replayed %s arrived with extra %s', $which, json_encode($p['extra'] ?? null));
        e2e_assert($by[$ev['event_id']][0]['seq'] >= $seqBefore, 'replayed %s: delivery predates the replay', $which);
    }
    e2e_assert($stats['invalid'] === 0, 'receiver found %d invalid envelopes: %s', $stats['invalid'], json_encode($stats['errors']));
    e2e_assert($o2['list'] === [], 'getDeadLetters() after replay: %s, expected []', json_encode($o2['list']));
    clearstatcache();
    $left = array_filter(scandir($dir), static fn($f) => str_ends_with($f, '.envelope'));
    e2e_assert(!$left, 'dead-letter files left after replay: %s', json_encode(array_values($left)));
    receiver_stop($r);
    return sprintf('400→send_error, 413→too_large, dir 0700, files 0600, names carry event ids, no secret; replay 2 → both delivered once, list empty');
});
