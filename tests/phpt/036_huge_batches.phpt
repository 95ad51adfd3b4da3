--TEST--
Huge batches: sendBatch of 100,000 events and batches bigger than the queue get one clear result per event, in order; nothing crashes, the queue stays consistent
--SKIPIF--
<?php $st_needs = ['receiver']; require __DIR__ . '/skipif.inc'; ?>
--INI--
sentry_transport.queue.name=036_huge_batches
--FILE--
<?php
require __DIR__ . '/st.inc';
require __DIR__ . '/../receiver/client.php';
// Summarizes a sendBatch() result: counts per outcome, and whether it has one result per
// input under the same key, in order, with the ids given.
$summary = <<<'PHP'
function summarize(array $batch, array $res): array
{
    $counts = [];
    $ids = true;
    foreach ($batch as $k => $ev) {
        $r = $res[$k] ?? null;
        $what = $r === null ? 'MISSING' : ($r['success'] ? 'ok' : $r['error']);
        $counts[$what] = ($counts[$what] ?? 0) + 1;
        if ($r !== null && is_array($ev) && isset($ev['event_id']) && $r['event_id'] !== $ev['event_id']) {
            $ids = false;
        }
    }
    return ['counts' => $counts, 'same_keys_in_order' => array_keys($res) === array_keys($batch), 'ids' => $ids];
}
PHP;

// A: 100,000 events (every 1000th one bad) into the default queue (1000 events), drained
// meanwhile into the receiver: the first ones are queued, the rest are refused as "queue full".
$q = '036_huge_batches';
st_shm_remove($q);
$r = st_receiver_start();
$code = $summary . <<<'PHP'
$batch = [];
for ($i = 0; $i < 100000; $i++) {
    $batch[] = $i % 1000 === 999 ? ['x' => INF] : ['message' => "batch $i", 'event_id' => sprintf('%032x', $i + 1)];
}
$m0 = SentryTransport::getMetrics();
$t = microtime(true);
$res = SentryTransport::sendBatch($batch);
$elapsed = microtime(true) - $t;
$m1 = SentryTransport::getMetrics();
$s = summarize($batch, $res);
$okIds = [];
foreach ($res as $one) {
    if ($one['success']) {
        $okIds[] = $one['event_id'];
    }
}
$flushed = SentryTransport::flush(60.0);
$good = SentryTransport::sendEvent(['message' => 'after the huge batch', 'event_id' => str_repeat('f', 32)]);
$flushed2 = SentryTransport::flush(30.0);
$st = SentryTransport::getStatus();
st_out(['s' => $s, 'elapsed' => $elapsed, 'ok_ids' => $okIds, 'flushed' => $flushed && $flushed2, 'good' => $good,
        'accepted' => $m1['events_accepted'] - $m0['events_accepted'], 'overflow' => $m1['queue_overflow'] - $m0['queue_overflow'],
        'status' => ['active' => $st['active'], 'error' => $st['error'], 'queue_length' => $st['queue']['queue_length']],
        'peak_mb' => memory_get_peak_usage() >> 20]);
PHP;
$run = st_run_json(['dsn' => $r['dsn'], 'queue.name' => $q] + st_default_ini(), $code, [], ['memory_limit' => '512M']);
$v = $run['value'];
$c = $v['s']['counts'];
$ok = $c['ok'] ?? 0;
$full = $c['queue full'] ?? 0;
$inf = $c['event could not be encoded: INF or NAN cannot be encoded in JSON'] ?? 0;
unset($c['ok'], $c['queue full'], $c['event could not be encoded: INF or NAN cannot be encoded in JSON']);
echo "A: one result per event, same keys in order: ", json_encode($v['s']['same_keys_in_order']), ", ids kept: ", json_encode($v['s']['ids']), "\n";
echo "A: INF refused: $inf, queued: ", $ok >= 1000 ? 'at least the capacity (1000)' : "only $ok", ", the rest queue full: ",
     json_encode($ok + $full + $inf === 100000), ", other outcomes: ", json_encode($c), "\n";
echo "A: accepted = queued: ", json_encode($v['accepted'] === $ok), ", overflow counted = queue full: ", json_encode($v['overflow'] === $full), "\n";
echo "A: hang check (sendBatch under 120 s): ", json_encode($v['elapsed'] < 120), "\n";
echo "A: flushed: ", json_encode($v['flushed']), ", good event after: ", st_show($v['good']), ", status: ", json_encode($v['status']), "\n";
$want = array_merge($v['ok_ids'], [str_repeat('f', 32)]);
$stats = receiver_wait_for(fn() => ($s = receiver_stats($r))['delivered_unique'] >= count($want) ? $s : false, 60.0) ?: receiver_stats($r);
echo "A: receiver: invalid={$stats['invalid']} delivered_unique = queued + 1: ", json_encode($stats['delivered_unique'] === count($want)), "\n";
$got = array_column(receiver_events($r, 0, true), 'event_id');
echo "A: every queued id delivered: ", json_encode(!array_diff($want, $got)), "\n";
receiver_stop($r);
st_shm_remove($q);

// B: Sentry unreachable, so nothing leaves the queue: a batch bigger than the queue's count
// bound, then one bigger than its bytes; exact results.
$q = '036_huge_batches_b';
st_shm_remove($q);
$code = $summary . <<<'PHP'
$out = [];
$batch = [];
for ($i = 0; $i < 8; $i++) {
    $batch["k$i"] = ['message' => "b $i", 'event_id' => sprintf('%032x', $i + 1)];
}
$res = SentryTransport::sendBatch($batch);
$out[] = 'count bound 5, batch of 8: ' . implode(', ', array_map(fn($k, $x) => "$k " . ($x['success'] ? 'ok' : $x['error']), array_keys($res), $res));
$st = SentryTransport::getStatus();
$out[] = "status: active " . json_encode($st['active']) . ", error " . json_encode($st['error']) . ", queue_length {$st['queue']['queue_length']} of {$st['queue']['capacity']}";
$big = [];
for ($i = 0; $i < 100000; $i++) {
    $big[] = ['message' => "x $i"];
}
$s = summarize($big, SentryTransport::sendBatch($big));
$out[] = 'full queue, batch of 100000: ' . json_encode($s);
$out[] = 'good event on the full queue: ' . st_show_min(SentryTransport::sendEvent(['message' => 'good']));
st_out($out);
function st_show_min(array $r): string { return $r['success'] ? 'ok' : 'fail ' . $r['error']; }
PHP;
$ini = ['dsn' => 'http://pub036@127.0.0.1:9/42', 'queue.name' => $q, 'queue.buffer_size' => '5',
        'retry.initial_backoff' => '1h', 'retry.max_backoff' => '1h'] + st_default_ini();
$run = st_run_json($ini, $code, [], ['memory_limit' => '512M']);
echo "B: ", implode("\nB: ", $run['value']), "\n";
echo "B: warnings: ", json_encode($run['warnings']), "\n";
st_shm_remove($q);

// C: a batch bigger than the queue's bytes (256K): 20 KB events fill it long before 1000 events
$q = '036_huge_batches_c';
st_shm_remove($q);
$code = $summary . <<<'PHP'
$batch = [];
for ($i = 0; $i < 40; $i++) {
    $batch[] = ['message' => str_repeat('m', 20 * 1024), 'event_id' => sprintf('%032x', $i + 1)];
}
$res = SentryTransport::sendBatch($batch);
$s = summarize($batch, $res);
$st = SentryTransport::getStatus()['queue'];
$firstFull = null;
foreach ($res as $k => $x) {
    if (!$x['success']) { $firstFull ??= $k; }
    elseif ($firstFull !== null) { $firstFull = 'OK AFTER A FAILURE'; break; }
}
st_out(['s' => $s, 'q' => $st, 'first_full' => $firstFull,
        'small' => SentryTransport::sendEvent(['message' => 'small'])]);
PHP;
$ini = ['dsn' => 'http://pub036@127.0.0.1:9/42', 'queue.name' => $q, 'queue.memory' => '256K',
        'retry.initial_backoff' => '1h', 'retry.max_backoff' => '1h'] + st_default_ini();
$v = st_run_json($ini, $code)['value'];
$n = $v['s']['counts']['ok'] ?? 0;
echo "C: 40 events of 20 KB into 256K: queued a prefix: ", json_encode(is_int($v['first_full']) && $v['first_full'] === $n),
     ", between 5 and 12: ", json_encode($n >= 5 && $n <= 12), ", the rest: ", json_encode(array_keys(array_diff_key($v['s']['counts'], ['ok' => 1]))),
     ", queue_length = queued: ", json_encode($v['q']['queue_length'] === $n), ", bytes within capacity: ",
     json_encode($v['q']['bytes_used'] <= $v['q']['bytes_capacity']), "\n";
echo "C: a small event still fits in the space left: ", json_encode($v['small']['success'] || $v['small']['error'] === 'queue full'), "\n";
st_shm_remove($q);
?>
--CLEAN--
<?php
require __DIR__ . '/st.inc';
foreach (['036_huge_batches', '036_huge_batches_b', '036_huge_batches_c'] as $q) {
    st_shm_remove($q);
}
?>
--EXPECT--
A: one result per event, same keys in order: true, ids kept: true
A: INF refused: 100, queued: at least the capacity (1000), the rest queue full: true, other outcomes: []
A: accepted = queued: true, overflow counted = queue full: true
A: hang check (sendBatch under 120 s): true
A: flushed: true, good event after: ok ffffffffffffffffffffffffffffffff, status: {"active":true,"error":"","queue_length":0}
A: receiver: invalid=0 delivered_unique = queued + 1: true
A: every queued id delivered: true
B: count bound 5, batch of 8: k0 ok, k1 ok, k2 ok, k3 ok, k4 ok, k5 queue full, k6 queue full, k7 queue full
B: status: active true, error "", queue_length 5 of 5
B: full queue, batch of 100000: {"counts":{"queue full":100000},"same_keys_in_order":true,"ids":true}
B: good event on the full queue: fail queue full
B: warnings: []
C: 40 events of 20 KB into 256K: queued a prefix: true, between 5 and 12: true, the rest: ["queue full"], queue_length = queued: true, bytes within capacity: true
C: a small event still fits in the space left: true