--TEST--
Bad input to sendEvent/sendBatch/sendEnvelope: each gets a clear error, nothing else is disturbed (a good event after each one is accepted and delivered)
--DESCRIPTION--
Issue #4. Runs against the test receiver with a 256K queue (the smallest), so that "larger than
the whole queue" is reachable. After every bad input: a good event is sent and must succeed,
getStatus() shows the transport active without error, events_accepted moved only for the good
one, no PHP warning/notice was raised and json_last_error() is still the caller's. At the end
the receiver must have every good event (and the accepted oddities), all valid, nothing else.
--SKIPIF--
<?php $st_needs = ['receiver']; require __DIR__ . '/skipif.inc'; ?>
--INI--
sentry_transport.queue.name=035_bad_input
--FILE--
<?php
require __DIR__ . '/st.inc';
require __DIR__ . '/../receiver/client.php';
$q = '035_bad_input';
st_shm_remove($q);
$r = st_receiver_start();
$code = <<<'PHP'
$errors = [];
set_error_handler(function ($no, $str) use (&$errors) { $errors[] = "$no: $str"; return true; });
class Ser implements JsonSerializable { public function jsonSerialize(): mixed { return ['via' => 'jsonSerialize']; } }
class Boom implements JsonSerializable { public function jsonSerialize(): mixed { throw new LogicException('boom'); } }
class Props { public $pub = 'shown'; protected $prot = 'hidden'; private $priv = 'hidden'; }
$recursive = ['message' => 'r'];
$recursive['self'] = &$recursive;
$obj = new stdClass();
$obj->self = $obj;
$deep = 'x';
for ($i = 0; $i < 513; $i++) {
    $deep = [$deep];
}
$fp = fopen('php://memory', 'r');
$huge = str_repeat('h', 300 * 1024);            // larger than the whole 256K queue
$id = 'fc6d8c0c43fc4630ad850ee518f1b9d0';
$h = '{"event_id":"' . $id . '"}';
$ev = '{"event_id":"' . $id . '","timestamp":1700000000,"platform":"php","message":"m"}';
$bin = "\x00\x01\n\x00";
$events = [  // name => [input, expect delivered?]
    'invalid UTF-8 value' => ['message' => "bad \xff"],
    'invalid UTF-8 key' => ["k\xc3" => 1],
    'invalid UTF-8 (JSON string)' => "{\"message\":\"\xc0\xaf\"}",
    'NUL raw in JSON string' => "{\"message\":\"a\0b\"}",
    'NUL before JSON' => "\0{\"message\":\"x\"}",
    'NUL after JSON' => "{\"message\":\"x\"}\0",
    'nested 514 deep' => ['d' => $deep],
    'JSON 513 deep' => str_repeat('{"a":', 513) . '1' . str_repeat('}', 513),
    'recursive array' => $recursive,
    'recursive object' => ['o' => $obj],
    'resource' => ['fp' => $fp],
    'jsonSerialize throws' => ['x' => new Boom()],
    'INF' => ['extra' => ['x' => INF]],
    '-INF' => ['extra' => ['x' => -INF]],
    'NAN' => ['extra' => ['x' => NAN]],
    'larger than the queue (array)' => ['message' => $huge],
    'larger than the queue (JSON)' => json_encode(['message' => $huge]),
    'empty array' => [],
    'list' => ['a', 'b'],
    'empty string' => '',
    'JSON list' => '[]',
    // accepted: valid data that merely looks odd
    'ok: NUL in a value (\u0000)' => ['message' => "nul\0inside", 'tags' => ["k\0" => 'v']],
    'ok: objects' => ['message' => 'objects', 'extra' => ['std' => (object)['a' => 1], 'ser' => new Ser(), 'props' => new Props(), 'list' => []]],
    'ok: 500 deep' => ['message' => 'deep', 'extra' => ['d' => array_reduce(range(1, 497), fn($c) => [$c], 'x')]],
];
$envelopes = [
    'empty' => '',
    'only \n' => "\n",
    'only \n\n' => "\n\n",
    'only NUL' => "\0",
    'missing header line' => "{\"type\":\"event\"}\n$ev\n",
    'header not JSON' => "event\n{\"type\":\"event\"}\n$ev\n",
    'header a list' => "[\"$id\"]\n{\"type\":\"event\"}\n$ev\n",
    'header with NUL' => "{\"x\":\"\0\"}\n{\"type\":\"event\"}\n$ev\n",
    'header event_id not hex' => "{\"event_id\":\"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\"}\n{\"type\":\"event\"}\n$ev\n",
    'header event_id too short' => "{\"event_id\":\"fc6d8c0c\"}\n{\"type\":\"event\"}\n$ev\n",
    'header event_id a number' => "{\"event_id\":1}\n{\"type\":\"event\"}\n$ev\n",
    'item header not JSON' => "$h\ntype=event\n$ev\n",
    'item without type' => "$h\n{\"length\":" . strlen($ev) . "}\n$ev\n",
    'length too long' => "$h\n{\"type\":\"event\",\"length\":" . (strlen($ev) + 2) . "}\n$ev\n",
    'length too short' => "$h\n{\"type\":\"event\",\"length\":" . (strlen($ev) - 1) . "}\n$ev\n",
    'length huge' => "$h\n{\"type\":\"event\",\"length\":18446744073709551616}\n$ev\n",
    'length negative' => "$h\n{\"type\":\"event\",\"length\":-1}\n$ev\n",
    'two events' => "$h\n{\"type\":\"event\"}\n$ev\n{\"type\":\"event\"}\n$ev\n",
    'event and transaction' => "$h\n{\"type\":\"event\"}\n$ev\n{\"type\":\"transaction\"}\n$ev\n",
    'event payload not JSON' => "$h\n{\"type\":\"event\"}\n{message: m}\n",
    'event payload a list' => "$h\n{\"type\":\"event\"}\n[1]\n",
    'event payload empty' => "$h\n{\"type\":\"event\",\"length\":0}\n\n",
    'event payload invalid UTF-8' => "$h\n{\"type\":\"event\"}\n{\"message\":\"\xff\"}\n",
    'event payload with NUL' => "$h\n{\"type\":\"event\"}\n{\"message\":\"a\0b\"}\n",
    'event payload 513 deep' => "$h\n{\"type\":\"event\"}\n" . str_repeat('{"a":', 513) . '1' . str_repeat('}', 513) . "\n",
    'payload event_id differs' => "$h\n{\"type\":\"event\"}\n{\"event_id\":\"" . str_repeat('0', 32) . "\",\"message\":\"m\"}\n",
    'event over 1 MiB' => "$h\n{\"type\":\"event\"}\n{\"m\":\"" . str_repeat('x', 1024 * 1024) . "\"}\n",
    'attachment larger than the queue' => "$h\n{\"type\":\"attachment\",\"length\":" . strlen($huge) . "}\n$huge\n",
    // accepted: a binary attachment with NUL bytes
    'ok: NUL in an attachment' => "{\"event_id\":\"" . str_repeat('e', 32) . "\"}\n{\"type\":\"attachment\",\"length\":" . strlen($bin) . ",\"filename\":\"b\"}\n$bin\n",
];
$batch = [
    'ok first' => ['message' => 'batch first', 'event_id' => str_repeat('b1', 16)],
    'recursive' => $recursive,
    'object' => new Ser(),
    'null' => null,
    'int' => 7,
    'INF' => ['x' => INF],
    'huge' => ['message' => $huge],
    'empty' => [],
    'bad JSON' => '{"message":',
    7 => ['message' => 'batch last', 'event_id' => str_repeat('b2', 16)],
];
$goods = [];      // event ids that must reach the receiver
$expect = [];     // accepted oddities: id => check
$n = 0;
$m = fn() => SentryTransport::getMetrics();
$status = function () {
    $s = SentryTransport::getStatus();
    return $s['active'] && $s['error'] === '' && !$s['queue']['closed'] ? '' : ' STATUS ' . json_encode($s);
};
$line = function (string $what, array $res) {
    $keys = array_keys($res) === ['success', 'event_id', 'error', 'rate_limit', 'sampled', 'dropped'] ? '' : ' KEYS ' . json_encode(array_keys($res));
    return $what . ': ' . ($res['success'] ? 'ok' : 'fail ' . $res['error']) . ($res['event_id'] !== '' && !$res['success'] ? ' [id]' : '') . $keys;
};
$good = function (string $after) use (&$goods, &$n, $m, $status) {
    $gid = sprintf('%032x', ++$n);
    $a = $m()['events_accepted'];
    $res = SentryTransport::sendEvent(['message' => "good after $after", 'event_id' => $gid]);
    $goods[] = $gid;
    return ($res['success'] && $res['event_id'] === $gid ? '' : ' GOOD EVENT FAILED: ' . json_encode($res))
         . ($m()['events_accepted'] - $a === 1 ? '' : ' GOOD EVENT NOT COUNTED') . $status();
};
json_decode('{');                               // the caller's own JSON error state
$out = [];
foreach (['sendEvent' => $events, 'sendEnvelope' => $envelopes] as $method => $cases) {
    foreach ($cases as $name => $input) {
        $before = $m();
        try {
            $res = SentryTransport::$method($input);
        } catch (Throwable $e) {
            $out[] = "$method $name: THREW " . get_class($e) . ': ' . $e->getMessage();
            continue;
        }
        $after = $m();
        $accepted = $after['events_accepted'] - $before['events_accepted'];
        $text = $line("$method $name", $res);
        if (str_starts_with($name, 'ok:')) {
            $expect[$res['event_id']] = $name;
            $text .= $accepted === 1 ? '' : " ACCEPTED $accepted";
        } else {
            $text .= $accepted === 0 && $after['queue_length'] <= $before['queue_length'] ? '' : " QUEUED SOMETHING ($accepted)";
        }
        $out[] = $text . $good("$method $name");
    }
}
$out[] = 'json_last_error still the caller\'s: ' . json_encode(json_last_error() === JSON_ERROR_SYNTAX);
json_decode('{');
$before = $m();
$res = SentryTransport::sendBatch($batch);
$jsonOk = json_last_error() === JSON_ERROR_SYNTAX;
$out[] = 'sendBatch keys: ' . json_encode(array_keys($res));
foreach ($res as $k => $one) {
    $out[] = $line("sendBatch [$k]", $one);
}
$goods[] = str_repeat('b1', 16);
$goods[] = str_repeat('b2', 16);
$out[] = 'sendBatch accepted: ' . ($m()['events_accepted'] - $before['events_accepted']) . $good('sendBatch');
$out[] = 'sendBatch([]): ' . json_encode(SentryTransport::sendBatch([]));
$out[] = 'json_last_error still the caller\'s after sendBatch: ' . json_encode($jsonOk);
$out[] = 'PHP errors raised: ' . json_encode($errors);
$flushed = SentryTransport::flush(30.0);
$mm = $m();
unset($recursive, $obj, $events, $batch);
gc_collect_cycles();
st_out(['out' => $out, 'goods' => $goods, 'expect' => $expect, 'flushed' => $flushed,
        'metrics' => ['queue_length' => $mm['queue_length'], 'events_sent' => $mm['events_sent'], 'events_accepted' => $mm['events_accepted'],
                      'events_failed' => $mm['events_failed'], 'corrupt_records' => $mm['corrupt_records']],
        'status_error' => SentryTransport::getStatus()['error']]);
PHP;
$run = st_run_json(['dsn' => $r['dsn'], 'queue.name' => $q, 'queue.memory' => '256K'] + st_default_ini(), $code);
$v = $run['value'];
echo implode("\n", $v['out']), "\n";
echo "startup warnings: ", count($run['warnings']), ", stderr: ", json_encode(trim($run['err'])), "\n";
echo "flushed: ", json_encode($v['flushed']), ", status error: ", json_encode($v['status_error']), "\n";
$total = count($v['goods']) + count($v['expect']);
$mt = $v['metrics'];
echo "metrics: accepted ", $mt['events_accepted'] === $total ? 'all' : $mt['events_accepted'] . " of $total",
     ", sent ", $mt['events_sent'] === $total ? 'all' : $mt['events_sent'] . " of $total",
     ", queue_length {$mt['queue_length']}, failed {$mt['events_failed']}, corrupt {$mt['corrupt_records']}\n";
$stats = receiver_wait_for(fn() => ($s = receiver_stats($r))['delivered_unique'] >= $total ? $s : false, 30.0) ?: receiver_stats($r);
echo "receiver: invalid={$stats['invalid']} delivered_unique=",
     $stats['delivered_unique'] === $total ? 'all' : "{$stats['delivered_unique']} of $total", "\n";
foreach ($stats['errors'] as $e) {
    echo "  invalid: ", json_encode($e), "\n";
}
$byId = [];
foreach (receiver_events($r) as $rec) {
    $byId[$rec['event_id'] ?? ''] = $rec;
}
$missing = array_filter($v['goods'], fn($id) => !isset($byId[$id]));
echo "good events missing at the receiver: ", json_encode(array_values($missing)), "\n";
foreach ($v['expect'] as $id => $name) {
    $rec = $byId[$id] ?? null;
    if (!$rec) {
        echo "$name: NOT DELIVERED\n";
        continue;
    }
    // client reports (the discards above) may ride along in any envelope: not this test's subject
    $types = array_values(array_filter($rec['item_types'], fn($t) => $t !== 'client_report'));
    $p = $rec['payloads'][array_search($types[0], $rec['item_types'], true)];
    if (isset($p['extra']['d'])) {
        for ($depth = 0, $d = $p['extra']['d']; is_array($d); $depth++, $d = $d[0]);
        $p['extra']['d'] = "<$depth nested lists>";
    }
    echo "$name: delivered ", implode(',', $types), ' ', isset($p['_length']) ? "binary {$p['_length']} bytes"
        : json_encode(array_intersect_key($p, ['message' => 1, 'tags' => 1, 'extra' => 1]), JSON_UNESCAPED_SLASHES), "\n";
}
receiver_stop($r);
st_shm_remove($q);
?>
--CLEAN--
<?php
require __DIR__ . '/st.inc';
st_shm_remove('035_bad_input');
?>
--EXPECT--
sendEvent invalid UTF-8 value: fail event could not be encoded: malformed UTF-8 characters
sendEvent invalid UTF-8 key: fail event could not be encoded: malformed UTF-8 characters
sendEvent invalid UTF-8 (JSON string): fail invalid UTF-8 in string
sendEvent NUL raw in JSON string: fail control character in string
sendEvent NUL before JSON: fail not a JSON object
sendEvent NUL after JSON: fail trailing data after JSON object
sendEvent nested 514 deep: fail event could not be encoded: nested deeper than 512 levels
sendEvent JSON 513 deep: fail nesting deeper than 512
sendEvent recursive array: fail event could not be encoded: recursive reference
sendEvent recursive object: fail event could not be encoded: recursive reference
sendEvent resource: fail event could not be encoded: a value of an unsupported type (resource?)
sendEvent jsonSerialize throws: fail event could not be encoded: an object's jsonSerialize() threw
sendEvent INF: fail event could not be encoded: INF or NAN cannot be encoded in JSON
sendEvent -INF: fail event could not be encoded: INF or NAN cannot be encoded in JSON
sendEvent NAN: fail event could not be encoded: INF or NAN cannot be encoded in JSON
sendEvent larger than the queue (array): fail envelope is larger than the queue can hold (queue.memory) [id]
sendEvent larger than the queue (JSON): fail envelope is larger than the queue can hold (queue.memory) [id]
sendEvent empty array: fail event is empty
sendEvent list: fail not a JSON object
sendEvent empty string: fail empty input
sendEvent JSON list: fail not a JSON object
sendEvent ok: NUL in a value (\u0000): ok
sendEvent ok: objects: ok
sendEvent ok: 500 deep: ok
sendEnvelope empty: fail empty envelope
sendEnvelope only \n: fail envelope header line is empty
sendEnvelope only \n\n: fail envelope header line is empty
sendEnvelope only NUL: fail envelope header is not a valid JSON object
sendEnvelope missing header line: fail envelope has no header line (its first line is an item header)
sendEnvelope header not JSON: fail envelope header is not a valid JSON object
sendEnvelope header a list: fail envelope header is not a valid JSON object
sendEnvelope header with NUL: fail envelope header is not a valid JSON object
sendEnvelope header event_id not hex: fail envelope header event_id is not a UUID (32 hex digits)
sendEnvelope header event_id too short: fail envelope header event_id is not a UUID (32 hex digits)
sendEnvelope header event_id a number: fail envelope header event_id is not a string
sendEnvelope item header not JSON: fail envelope item header is not a valid JSON object
sendEnvelope item without type: fail envelope item header has no type
sendEnvelope length too long: fail envelope item length exceeds the envelope
sendEnvelope length too short: fail envelope item length does not match its payload
sendEnvelope length huge: fail envelope item length exceeds the envelope
sendEnvelope length negative: fail envelope item length is not a non-negative integer
sendEnvelope two events: fail envelope carries more than one event
sendEnvelope event and transaction: fail envelope carries more than one event
sendEnvelope event payload not JSON: fail envelope event item is not valid JSON (expected a string key in object)
sendEnvelope event payload a list: fail envelope event item is not a JSON object
sendEnvelope event payload empty: fail envelope event item is empty
sendEnvelope event payload invalid UTF-8: fail envelope event item is not valid JSON (invalid UTF-8 in string)
sendEnvelope event payload with NUL: fail envelope event item is not valid JSON (control character in string)
sendEnvelope event payload 513 deep: fail envelope event item is not valid JSON (nesting deeper than 512)
sendEnvelope payload event_id differs: fail envelope event item event_id differs from the header event_id
sendEnvelope event over 1 MiB: fail event item exceeds 1 MiB
sendEnvelope attachment larger than the queue: fail envelope is larger than the queue can hold (queue.memory) [id]
sendEnvelope ok: NUL in an attachment: ok
json_last_error still the caller's: true
sendBatch keys: ["ok first","recursive","object","null","int","INF","huge","empty","bad JSON",7]
sendBatch [ok first]: ok
sendBatch [recursive]: fail event could not be encoded: recursive reference
sendBatch [object]: fail event must be an array or a JSON string
sendBatch [null]: fail event must be an array or a JSON string
sendBatch [int]: fail event must be an array or a JSON string
sendBatch [INF]: fail event could not be encoded: INF or NAN cannot be encoded in JSON
sendBatch [huge]: fail envelope is larger than the queue can hold (queue.memory) [id]
sendBatch [empty]: fail event is empty
sendBatch [bad JSON]: fail unexpected end of input (unterminated object or array)
sendBatch [7]: ok
sendBatch accepted: 2
sendBatch([]): []
json_last_error still the caller's after sendBatch: true
PHP errors raised: []
startup warnings: 0, stderr: ""
flushed: true, status error: ""
metrics: accepted all, sent all, queue_length 0, failed 0, corrupt 0
receiver: invalid=0 delivered_unique=all
good events missing at the receiver: []
ok: NUL in a value (\u0000): delivered event {"message":"nul\u0000inside","tags":{"k\u0000":"v"}}
ok: objects: delivered event {"message":"objects","extra":{"std":{"a":1},"ser":{"via":"jsonSerialize"},"props":{"pub":"shown"},"list":[]}}
ok: 500 deep: delivered event {"message":"deep","extra":{"d":"<497 nested lists>"}}
ok: NUL in an attachment: delivered attachment binary 4 bytes