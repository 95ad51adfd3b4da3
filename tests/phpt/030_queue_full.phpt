--TEST--
Queue full: buffer_size=3 and an unreachable Sentry; the 4th event is refused with "queue full", counted, earlier ones kept
--SKIPIF--
<?php $st_fresh = ['030_queue_full']; require __DIR__ . '/skipif.inc'; ?>
--INI--
sentry_transport.dsn=http://pubkey030@127.0.0.1:9/42
sentry_transport.queue.name=030_queue_full
sentry_transport.queue.buffer_size=3
sentry_transport.retry.initial_backoff=1h
sentry_transport.retry.max_backoff=1h
sentry_transport.retry.dead_letter_queue=0
sentry_transport.shutdown_timeout=0
sentry_transport.logging.level=off
--FILE--
<?php
require __DIR__ . '/st.inc';
$m0 = SentryTransport::getMetrics();
var_dump($m0['queue_length'], $m0['events_accepted']);   // a fresh queue
for ($i = 1; $i <= 4; $i++) {
    $r = SentryTransport::sendEvent(['message' => "event $i", 'event_id' => str_repeat(dechex($i), 32)]);
    echo "$i: ", st_show($r), $r['success'] ? '' : " (event_id {$r['event_id']})", "\n";
}
echo "batch: ", implode(' | ', array_map('st_show', SentryTransport::sendBatch([['message' => 'b1'], '{"message":"b2"}']))), "\n";
echo "envelope: ", st_show(SentryTransport::sendEnvelope("{\"event_id\":\"" . str_repeat('e', 32) . "\"}\n{\"type\":\"event\"}\n{\"event_id\":\"" . str_repeat('e', 32) . "\"}\n")), "\n";
$m = SentryTransport::getMetrics();
foreach (['queue_length', 'events_accepted', 'events_rejected', 'queue_overflow', 'events_sent'] as $k) {
    echo "$k: ", $m[$k] - ($k === 'queue_length' ? 0 : $m0[$k]), "\n";
}
$s = SentryTransport::getStatus();
echo "status queue_length: {$s['queue']['queue_length']}, capacity: {$s['queue']['capacity']}, active: ", json_encode($s['active']), "\n";
// flush cannot succeed while Sentry is unreachable, and returns within its timeout
$t = microtime(true);
var_dump(SentryTransport::flush(0.3));
$elapsed = microtime(true) - $t;
echo $elapsed >= 0.29 && $elapsed < 5.0 ? "flush waited about 0.3 s\n" : "flush took $elapsed s\n";
// another process sees the same full queue (host-wide)
$other = st_run_json(['dsn' => 'http://pubkey030@127.0.0.1:9/42', 'queue.name' => '030_queue_full', 'queue.buffer_size' => '3'] + st_default_ini(),
                     'st_out([SentryTransport::sendEvent(["message" => "from elsewhere"]), SentryTransport::getMetrics()["queue_length"]]);');
echo "other process: ", st_show($other['value'][0]), ", queue_length ", $other['value'][1], "\n";
echo "overflow now: ", SentryTransport::getMetrics()['queue_overflow'] - $m0['queue_overflow'], "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/st.inc';
st_shm_remove('030_queue_full');
?>
--EXPECT--
int(0)
int(0)
1: ok 11111111111111111111111111111111
2: ok 22222222222222222222222222222222
3: ok 33333333333333333333333333333333
4: fail queue full (event_id 44444444444444444444444444444444)
batch: fail queue full | fail queue full
envelope: fail queue full
queue_length: 3
events_accepted: 3
events_rejected: 4
queue_overflow: 4
events_sent: 0
status queue_length: 3, capacity: 3, active: true
bool(false)
flush waited about 0.3 s
other process: fail queue full, queue_length 3
overflow now: 5
