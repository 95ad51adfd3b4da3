--TEST--
sendBatch: one result per input, same order and same keys, valid and invalid mixed
--SKIPIF--
<?php $st_fresh = ['024_batch']; require __DIR__ . '/skipif.inc'; ?>
--INI--
sentry_transport.dsn=http://pubkey024@127.0.0.1:9/42
sentry_transport.queue.name=024_batch
sentry_transport.retry.initial_backoff=1h
sentry_transport.retry.max_backoff=1h
sentry_transport.retry.dead_letter_queue=0
sentry_transport.shutdown_timeout=0
sentry_transport.logging.level=off
--FILE--
<?php
require __DIR__ . '/st.inc';
var_dump(SentryTransport::sendBatch([]));
$ev = ['message' => 'by reference', 'event_id' => 'cccccccccccccccccccccccccccccccc'];
$batch = [
    'first' => ['message' => 'one', 'event_id' => 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'],
    'second' => '[1,2]',
    7 => '{"message":"three","event_id":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}',
    'int' => 42,
    'null' => null,
    'obj' => new stdClass(),
    'seed' => ['event_id' => 'dddddddd-dddd-dddd-dddd-dddddddddddd', 'type' => 'transaction', 'payload' => '{}'],
    'inf' => ['x' => INF],
    3 => &$ev,
    'last' => ['message' => 'last', 'event_id' => 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee'],
];
$res = SentryTransport::sendBatch($batch);
echo "keys: ", json_encode(array_keys($res)), "\n";
foreach ($res as $k => $r) {
    echo "$k: ", st_show($r), "\n";
}
// positional correspondence, whatever the keys
$i = 0;
foreach ($batch as $k => $_) {
    $r = array_values($res)[$i++] ?? null;
    echo "#$i $k: ", $r === null ? 'MISSING' : st_show($r), "\n";
}
$m = SentryTransport::getMetrics();
echo "accepted ", $m['events_accepted'], ", queue_length ", $m['queue_length'], "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/st.inc';
st_shm_remove('024_batch');
?>
--EXPECT--
array(0) {
}
keys: ["first","second",7,"int","null","obj","seed","inf",3,"last"]
first: ok aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
second: fail not a JSON object
7: ok bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
int: fail event must be an array or a JSON string
null: fail event must be an array or a JSON string
obj: fail event must be an array or a JSON string
seed: ok dddddddddddddddddddddddddddddddd
inf: fail event could not be encoded: INF or NAN cannot be encoded in JSON
3: ok cccccccccccccccccccccccccccccccc
last: ok eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee
#1 first: ok aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
#2 second: fail not a JSON object
#3 7: ok bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
#4 int: fail event must be an array or a JSON string
#5 null: fail event must be an array or a JSON string
#6 obj: fail event must be an array or a JSON string
#7 seed: ok dddddddddddddddddddddddddddddddd
#8 inf: fail event could not be encoded: INF or NAN cannot be encoded in JSON
#9 3: ok cccccccccccccccccccccccccccccccc
#10 last: ok eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee
accepted 5, queue_length 5
