--TEST--
sendEnvelope: malformed envelopes are refused with a clear error, nothing queued
--SKIPIF--
<?php $st_fresh = ['026_envelope_malformed']; require __DIR__ . '/skipif.inc'; ?>
--INI--
sentry_transport.dsn=http://pubkey026@127.0.0.1:9/42
sentry_transport.queue.name=026_envelope_malformed
sentry_transport.retry.initial_backoff=1h
sentry_transport.retry.max_backoff=1h
sentry_transport.retry.dead_letter_queue=0
sentry_transport.shutdown_timeout=0
sentry_transport.logging.level=off
--FILE--
<?php
require __DIR__ . '/st.inc';
$id = '9ec79c33ec9942ab8353589fcb2e04dc';
$h = '{"event_id":"' . $id . '"}';
$ev = '{"event_id":"' . $id . '","message":"m"}';
$cases = [
    'empty' => '',
    'header not JSON' => "not json\n{\"type\":\"event\"}\n$ev\n",
    'header is a list' => "[]\n{\"type\":\"event\"}\n$ev\n",
    'header only' => "$h\n",
    'header only, no newline' => $h,
    'item header not JSON' => "$h\n{type:event}\n$ev\n",
    'item without type' => "$h\n{\"length\":2}\n{}\n",
    'item type not string' => "$h\n{\"type\":1}\n{}\n",
    'length too long' => "$h\n{\"type\":\"event\",\"length\":" . (strlen($ev) + 10) . "}\n$ev\n",
    'length too short' => "$h\n{\"type\":\"event\",\"length\":" . (strlen($ev) - 1) . "}\n$ev\n",
    'length negative' => "$h\n{\"type\":\"event\",\"length\":-1}\n$ev\n",
    'length fractional' => "$h\n{\"type\":\"event\",\"length\":1.5}\n$ev\n",
    'length string' => "$h\n{\"type\":\"event\",\"length\":\"10\"}\n$ev\n",
    'two events' => "$h\n{\"type\":\"event\"}\n$ev\n{\"type\":\"event\"}\n$ev\n",
    'event and transaction' => "$h\n{\"type\":\"event\"}\n$ev\n{\"type\":\"transaction\"}\n$ev\n",
    'event over 1 MiB' => "$h\n{\"type\":\"event\"}\n{\"m\":\"" . str_repeat('x', 1024 * 1024) . "\"}\n",
    'header event_id a number' => "{\"event_id\":42}\n{\"type\":\"event\"}\n$ev\n",
    'invalid UTF-8 header' => "{\"x\":\"\xff\"}\n{\"type\":\"attachment\",\"length\":1}\nx\n",
];
$before = SentryTransport::getMetrics()['events_accepted'];
foreach ($cases as $name => $env) {
    try {
        printf("%-26s %s\n", $name, st_show(SentryTransport::sendEnvelope($env)));
    } catch (Throwable $e) {
        printf("%-26s THREW %s\n", $name, $e->getMessage());
    }
}
var_dump(SentryTransport::getMetrics()['events_accepted'] - $before, SentryTransport::getMetrics()['queue_length']);
?>
--CLEAN--
<?php
require __DIR__ . '/st.inc';
st_shm_remove('026_envelope_malformed');
?>
--EXPECT--
empty                      fail empty envelope
header not JSON            fail envelope header is not a valid JSON object
header is a list           fail envelope header is not a valid JSON object
header only                fail envelope has no items
header only, no newline    fail envelope has no items
item header not JSON       fail envelope item header is not a valid JSON object
item without type          fail envelope item header has no type
item type not string       fail envelope item type is not a string
length too long            fail envelope item length exceeds the envelope
length too short           fail envelope item length does not match its payload
length negative            fail envelope item length is not a non-negative integer
length fractional          fail envelope item length is not a non-negative integer
length string              fail envelope item length is not a non-negative integer
two events                 fail envelope carries more than one event
event and transaction      fail envelope carries more than one event
event over 1 MiB           fail event item exceeds 1 MiB
header event_id a number   fail envelope header event_id is not a string
invalid UTF-8 header       fail envelope header is not a valid JSON object
int(0)
int(0)