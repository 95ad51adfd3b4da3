--TEST--
flush(): true once everything queued is delivered to the receiver; false, on time, while Sentry fails
--SKIPIF--
<?php $st_needs = ['receiver']; require __DIR__ . '/skipif.inc'; ?>
--INI--
sentry_transport.queue.name=040_flush
--FILE--
<?php
require __DIR__ . '/st.inc';
require __DIR__ . '/../receiver/client.php';
$q = '040_flush';
st_shm_remove($q);
$r = st_receiver_start();
$code = <<<'PHP'
$url = getenv('RECEIVER_URL');
$stats = fn() => json_decode(file_get_contents("$url/_stats"), true);
$out = [];
$t = microtime(true);
$out['empty'] = SentryTransport::flush(5.0);
$out['empty_fast'] = microtime(true) - $t < 2.5;   // not the whole timeout
$ids = [];
for ($i = 0; $i < 3; $i++) {
    $ids[] = SentryTransport::sendEvent(['message' => "flush $i"])['event_id'];
}
$out['flush'] = SentryTransport::flush(10.0);
$s = $stats();                          // right after flush() returned
$out['delivered_when_flushed'] = $s['delivered_unique'];
$out['queue_length'] = SentryTransport::getMetrics()['queue_length'];
$out['sent'] = SentryTransport::getMetrics()['events_sent'];
// Sentry answers 503 from now on: the event stays queued for a retry, flush() gives up on time
file_get_contents("$url/_faults", false, stream_context_create(['http' => ['method' => 'POST',
    'header' => 'Content-Type: application/json', 'content' => '{"then":{"status":503}}']]));
SentryTransport::sendEvent(['message' => 'will fail']);
$t = microtime(true);
$out['flush_failing'] = SentryTransport::flush(0.5);
$e = microtime(true) - $t;
$out['flush_failing_on_time'] = $e >= 0.49 && $e < 5.0;  // waited its timeout, did not hang
$t = microtime(true);
$out['flush_zero'] = SentryTransport::flush(0);
$out['flush_zero_fast'] = microtime(true) - $t < 2.0;
$out['pending'] = SentryTransport::getMetrics()['queue_length'];
st_out($out);
PHP;
$v = st_run_json(['dsn' => $r['dsn'], 'queue.name' => $q, 'retry.initial_backoff' => '1h', 'retry.max_backoff' => '1h'] + st_default_ini(),
                 $code, ['RECEIVER_URL' => $r['url']])['value'];
foreach ($v as $k => $x) {
    echo "$k: ", json_encode($x), "\n";
}
$s = receiver_stats($r);
echo "receiver: delivered_unique {$s['delivered_unique']}, 503s ", $s['by_status']['503'] ?? 0, ", invalid {$s['invalid']}\n";
receiver_stop($r);
st_shm_remove($q);
?>
--CLEAN--
<?php
require __DIR__ . '/st.inc';
st_shm_remove('040_flush');
?>
--EXPECT--
empty: true
empty_fast: true
flush: true
delivered_when_flushed: 3
queue_length: 0
sent: 3
flush_failing: false
flush_failing_on_time: true
flush_zero: false
flush_zero_fast: true
pending: 1
receiver: delivered_unique 3, 503s 1, invalid 0
