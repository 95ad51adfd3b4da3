--TEST--
Bad event content never throws: success=false with a clear error, nothing queued, json_last_error() untouched
--SKIPIF--
<?php $st_fresh = ['022_bad_content']; require __DIR__ . '/skipif.inc'; ?>
--INI--
sentry_transport.dsn=http://pubkey022@127.0.0.1:9/42
sentry_transport.queue.name=022_bad_content
sentry_transport.retry.initial_backoff=1h
sentry_transport.retry.max_backoff=1h
sentry_transport.retry.dead_letter_queue=0
sentry_transport.shutdown_timeout=0
sentry_transport.logging.level=off
--FILE--
<?php
require __DIR__ . '/st.inc';
class Throws implements JsonSerializable
{
    public function jsonSerialize(): mixed
    {
        throw new RuntimeException('boom');
    }
}
enum Suit { case Hearts; }
$recursive = ['message' => 'r'];
$recursive['self'] = &$recursive;
$obj = new stdClass();
$obj->self = $obj;
$deep = 'x';
for ($i = 0; $i < 600; $i++) {
    $deep = [$deep];
}
$big = str_repeat('a', 1024 * 1024);
$cases = [
    'json list' => '[1,2]',
    'json number' => '42',
    'json string' => '"event"',
    'json null' => 'null',
    'empty string' => '',
    'whitespace' => "  \n ",
    'truncated' => '{"message":"x"',
    'trailing garbage' => '{"message":"x"} x',
    'two objects' => '{}{}',
    'single quotes' => "{'message':'x'}",
    'bad escape' => '{"message":"\\q"}',
    'control char' => "{\"message\":\"a\x01b\"}",
    'invalid UTF-8 (json)' => "{\"message\":\"\xff\xfe\"}",
    'overlong UTF-8 (json)' => "{\"message\":\"\xc0\xaf\"}",
    'surrogate UTF-8 (json)' => "{\"message\":\"\xed\xa0\x80\"}",
    'deep json' => str_repeat('{"a":', 600) . '1' . str_repeat('}', 600),
    'big json' => '{"message":"' . $big . '"}',
    'empty array' => [],
    'invalid UTF-8 (array)' => ['message' => "\xff"],
    'invalid UTF-8 key' => ["k\xff" => 1],
    'INF' => ['extra' => ['x' => INF]],
    'NAN' => ['extra' => ['x' => NAN]],
    'recursion (array)' => $recursive,
    'recursion (object)' => ['o' => $obj],
    'resource' => ['fp' => fopen('php://memory', 'r')],
    'non-backed enum' => ['suit' => Suit::Hearts],
    'jsonSerialize throws' => ['x' => new Throws()],
    'deep array' => ['d' => $deep],
    'big array' => ['message' => $big],
    'seed: bad payload' => ['event_id' => 'x', 'type' => 'event', 'payload' => '[1]'],
    'seed: invalid JSON' => ['type' => 'event', 'payload' => '{"a":'],
    'seed: unknown type' => ['type' => 'session', 'payload' => '{}'],
    'seed: type not string' => ['type' => 1, 'payload' => '{}'],
    'seed: event_id not string' => ['event_id' => 42, 'type' => 'event', 'payload' => '{}'],
    'seed: big payload' => ['type' => 'event', 'payload' => '{"m":"' . $big . '"}'],
];
json_decode('{');                      // the caller's own JSON state…
$before = SentryTransport::getMetrics();
foreach ($cases as $name => $event) {
    try {
        $r = SentryTransport::sendEvent($event);
        printf("%-26s %s%s\n", $name, st_show($r), $r['event_id'] === '' || $r['success'] ? '' : ' [id ' . strlen($r['event_id']) . ']');
    } catch (Throwable $e) {
        printf("%-26s THREW %s: %s\n", $name, get_class($e), $e->getMessage());
    }
}
// …is still the caller's
var_dump(json_last_error() === JSON_ERROR_SYNTAX);
$after = SentryTransport::getMetrics();
var_dump($after['events_accepted'] - $before['events_accepted'], $after['queue_length'],
         $after['events_rejected'] - $before['events_rejected']);
// the same through sendBatch: one failed result each, in order
$res = SentryTransport::sendBatch(array_values($cases));
var_dump(count($res) === count($cases), count(array_filter($res, fn($r) => $r['success'])));
// and the transport still works afterwards
echo SentryTransport::sendEvent(['message' => 'ok'])['success'] ? "still accepting\n" : "BROKEN\n";
// the 1 MiB limit is on the event item as sent: an event with nothing to fill in, exactly
// 1 MiB long, is accepted; one byte more is not
$full = ['event_id' => str_repeat('ab', 16), 'timestamp' => 1700000000, 'platform' => 'php', 'level' => 'error',
         'sdk' => ['name' => 'x', 'version' => '1'], 'environment' => 'e', 'release' => 'r', 'server_name' => 's',
         'message' => ''];
$pad = 1024 * 1024 - strlen(json_encode($full));
$full['message'] = str_repeat('m', $pad);
$json = json_encode($full);
echo strlen($json), ' ', st_show(SentryTransport::sendEvent($json)), "\n";
$full['message'] .= 'm';
echo strlen(json_encode($full)), ' ', st_show(SentryTransport::sendEvent(json_encode($full))), "\n";
echo strlen($json) + 2, ' ', st_show(SentryTransport::sendEvent(" $json\n")), " (surrounding whitespace is not part of the item)\n";
// the reference cycles built above are PHP's to collect (sanitizer runs report them otherwise)
unset($cases, $recursive, $obj, $res);
gc_collect_cycles();
?>
--CLEAN--
<?php
require __DIR__ . '/st.inc';
st_shm_remove('022_bad_content');
?>
--EXPECT--
json list                  fail not a JSON object
json number                fail not a JSON object
json string                fail not a JSON object
json null                  fail not a JSON object
empty string               fail empty input
whitespace                 fail JSON text is only whitespace
truncated                  fail unexpected end of input (unterminated object or array)
trailing garbage           fail trailing data after JSON object
two objects                fail trailing data after JSON object
single quotes              fail expected a string key in object
bad escape                 fail invalid escape in string
control char               fail control character in string
invalid UTF-8 (json)       fail invalid UTF-8 in string
overlong UTF-8 (json)      fail invalid UTF-8 in string
surrogate UTF-8 (json)     fail invalid UTF-8 in string
deep json                  fail nesting deeper than 512
big json                   fail event item exceeds 1 MiB
empty array                fail event is empty
invalid UTF-8 (array)      fail event could not be encoded: malformed UTF-8 characters
invalid UTF-8 key          fail event could not be encoded: malformed UTF-8 characters
INF                        fail event could not be encoded: INF or NAN cannot be encoded in JSON
NAN                        fail event could not be encoded: INF or NAN cannot be encoded in JSON
recursion (array)          fail event could not be encoded: recursive reference
recursion (object)         fail event could not be encoded: recursive reference
resource                   fail event could not be encoded: a value of an unsupported type (resource?)
non-backed enum            fail event could not be encoded: non-backed enum
jsonSerialize throws       fail event could not be encoded: an object's jsonSerialize() threw
deep array                 fail event could not be encoded: nested deeper than 512 levels
big array                  fail event item exceeds 1 MiB
seed: bad payload          fail not a JSON object
seed: invalid JSON         fail unexpected end of input (unterminated object or array)
seed: unknown type         fail unsupported event type
seed: type not string      fail event 'type' and 'event_id' must be strings
seed: event_id not string  fail event 'type' and 'event_id' must be strings
seed: big payload          fail event item exceeds 1 MiB
bool(true)
int(0)
int(0)
int(0)
bool(true)
int(0)
still accepting
1048576 ok abababababababababababababababab
1048577 fail event item exceeds 1 MiB
1048578 ok abababababababababababababababab (surrounding whitespace is not part of the item)
