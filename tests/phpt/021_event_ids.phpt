--TEST--
event_id rules: 32 hex kept (lowercased), dashed UUID stripped, other ids mapped deterministically, absent → generated
--SKIPIF--
<?php $st_fresh = ['021_event_ids']; require __DIR__ . '/skipif.inc'; ?>
--INI--
sentry_transport.dsn=http://pubkey021@127.0.0.1:9/42
sentry_transport.queue.name=021_event_ids
sentry_transport.retry.initial_backoff=1h
sentry_transport.retry.max_backoff=1h
sentry_transport.retry.dead_letter_queue=0
sentry_transport.shutdown_timeout=0
sentry_transport.logging.level=off
--FILE--
<?php
require __DIR__ . '/st.inc';
function id(array $r): string
{
    if (!$r['success']) {
        return 'FAILED: ' . $r['error'];
    }
    return preg_match('~^[0-9a-f]{32}$~', $r['event_id']) ? $r['event_id'] : 'BAD ID ' . json_encode($r['event_id']);
}
$ev = fn($id) => ['event_id' => $id, 'message' => 'm'];
echo "kept:      ", id(SentryTransport::sendEvent($ev('0123456789abcdef0123456789abcdef'))), "\n";
echo "lowered:   ", id(SentryTransport::sendEvent($ev('ABCDEF0123456789ABCDEF0123456789'))), "\n";
echo "json:      ", id(SentryTransport::sendEvent('{"event_id":"5C3D7A2E-1F2B-4C5D-8E9F-0A1B2C3D4E5F"}')), "\n";
echo "dashed:    ", id(SentryTransport::sendEvent($ev('5c3d7a2e-1f2b-4c5d-8e9f-0a1b2c3d4e5f'))), "\n";
echo "seed:      ", id(SentryTransport::sendEvent(['event_id' => '{5c3d7a2e1f2b4c5d8e9f0a1b2c3d4e5f}'] + ['type' => 'event', 'payload' => '{}'])), "\n";
echo "seed wins: ", id(SentryTransport::sendEvent(['event_id' => 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'type' => 'event',
                                                   'payload' => '{"event_id":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}'])), "\n";
echo "seed empty id uses payload's: ", id(SentryTransport::sendEvent(['event_id' => '', 'type' => 'event',
                                                   'payload' => '{"event_id":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}'])), "\n";

// ids that are not ids: mapped, the same input always to the same id, in every form
$a = id(SentryTransport::sendEvent($ev('order-1234')));
$b = id(SentryTransport::sendEvent('{"event_id":"order-1234","message":"again"}'));
$c = id(SentryTransport::sendEvent(['event_id' => 'order-1234', 'type' => 'event', 'payload' => '{}']));
$d = id(SentryTransport::sendEvent($ev('order-1235')));
echo "mapped:    $a\n";
var_dump($a === $b, $a === $c, $a !== $d);
// the mapping is stable across processes (a retry from another worker keeps its id)
$other = st_run_json(['dsn' => 'http://pubkey021@127.0.0.1:9/42', 'queue.name' => '021_event_ids_b'] + st_default_ini(),
                     'st_out(SentryTransport::sendEvent(["event_id" => "order-1234"])["event_id"]);');
var_dump($other['value'] === $a);
st_shm_remove('021_event_ids_b');
foreach (['0123456789abcdef0123456789abcde', '0123456789abcdef0123456789abcdef0', 'g123456789abcdef0123456789abcdef',
          '5c3d7a2e-1f2b-4c5d-8e9f-0a1b2c3d4e5', '42'] as $odd) {
    echo str_pad($odd, 36), " -> ", id(SentryTransport::sendEvent($ev($odd))), "\n";
}
// non-string ids in the payload are mapped from their JSON text, deterministically
$n1 = id(SentryTransport::sendEvent(['event_id' => 42, 'message' => 'int id']));
$n2 = id(SentryTransport::sendEvent('{"event_id":42}'));
var_dump($n1 === $n2, $n1 === id(SentryTransport::sendEvent($ev('42'))));

// absent, null or "" → a fresh random id, UUIDv4-shaped
$gen = [];
foreach ([['message' => 'no id'], ['event_id' => null], ['event_id' => ''], '{"message":"no id"}',
          ['type' => 'event', 'payload' => '{}']] as $e) {
    $gen[] = id(SentryTransport::sendEvent($e));
}
foreach ($gen as $g) {
    echo preg_match('~^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$~', $g) ? "generated v4\n" : "NOT GENERATED $g\n";
}
var_dump(count(array_unique($gen)) === count($gen));
var_dump(SentryTransport::getMetrics()['events_accepted']);
?>
--CLEAN--
<?php
require __DIR__ . '/st.inc';
st_shm_remove('021_event_ids');
st_shm_remove('021_event_ids_b');
?>
--EXPECT--
kept:      0123456789abcdef0123456789abcdef
lowered:   abcdef0123456789abcdef0123456789
json:      5c3d7a2e1f2b4c5d8e9f0a1b2c3d4e5f
dashed:    5c3d7a2e1f2b4c5d8e9f0a1b2c3d4e5f
seed:      fbfcc0a98dbab090c296c41041e516a0
seed wins: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
seed empty id uses payload's: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
mapped:    a16411577466c1bb75de175ff06a2dcd
bool(true)
bool(true)
bool(true)
bool(true)
0123456789abcdef0123456789abcde      -> 7b6225e3e2fb0815a7b75b7d74234989
0123456789abcdef0123456789abcdef0    -> 6fb1439f3150167f193bf35b96cfafee
g123456789abcdef0123456789abcdef     -> f5f1250ed0b76a0ffb4055078bf1163b
5c3d7a2e-1f2b-4c5d-8e9f-0a1b2c3d4e5  -> 819279530392f419a89666e6613f9606
42                                   -> e1b6cf41472ac5cd7b728c7611972fcf
bool(true)
bool(true)
generated v4
generated v4
generated v4
generated v4
generated v4
bool(true)
int(24)
