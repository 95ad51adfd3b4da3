--TEST--
sendEvent (array, JSON string, seed shape event/transaction) reaches the receiver intact, with filled fields
--SKIPIF--
<?php $st_needs = ['receiver']; require __DIR__ . '/skipif.inc'; ?>
--INI--
sentry_transport.queue.name=020_send_event
--FILE--
<?php
require __DIR__ . '/st.inc';
require __DIR__ . '/../receiver/client.php';
$q = '020_send_event';
st_shm_remove($q);
$r = st_receiver_start();
// a DSN with the deprecated secret: it must never reach the wire
$dsn = str_replace('@', ':s3cretvalue@', $r['dsn']);
$code = <<<'PHP'
$tx = ['type' => 'transaction', 'transaction' => 'GET /checkout', 'start_timestamp' => 1700000000.25,
       'timestamp' => 1700000001.5, 'spans' => [],
       'contexts' => ['trace' => ['trace_id' => str_repeat('a1', 16), 'span_id' => str_repeat('b2', 8), 'op' => 'http.server']]];
$res = [
    'array' => SentryTransport::sendEvent(['message' => 'from array', 'level' => 'warning',
        'tags' => ['k' => 'v'], 'extra' => ['float' => 1.0, 'utf8' => "h\u{e9}llo \u{2713}", 'slash' => 'a/b']]),
    'json' => SentryTransport::sendEvent(' {"message":"from json","timestamp":1700000000.5,"platform":"other",'
        . '"environment":"custom-env","release":"custom@2","server_name":"custom-host","level":"info",'
        . '"sdk":{"name":"custom.sdk","version":"9.9"},"extra":{"nested":{"a":[1,2,{"b":null}]}}} '),
    'seed_event' => SentryTransport::sendEvent(['event_id' => 'ABCDEF0123456789ABCDEF0123456789', 'type' => 'event',
        'payload' => '{"message":"seed event","event_id":"ffffffffffffffffffffffffffffffff"}']),
    'seed_tx' => SentryTransport::sendEvent(['event_id' => '5C3D7A2E-1F2B-4C5D-8E9F-0A1B2C3D4E5F', 'type' => 'transaction',
        'payload' => json_encode($tx)]),
    'json_tx' => SentryTransport::sendEvent(json_encode($tx)),
    'array_tx' => SentryTransport::sendEvent($tx),
    'empty_object' => SentryTransport::sendEvent('{}'),
];
st_out(['res' => $res, 'flushed' => SentryTransport::flush(10.0), 'metrics' => SentryTransport::getMetrics()]);
PHP;
$run = st_run_json(['dsn' => $dsn, 'queue.name' => $q, 'environment' => 'phpt-env',
                    'release' => 'phpt@1.0.0', 'server_name' => 'phpt-host'] + st_default_ini(), $code);
$v = $run['value'];
echo "warnings: ", count($run['warnings']), "\n";
echo "flushed: ", json_encode($v['flushed']), "\n";
echo "accepted: ", $v['metrics']['events_accepted'], ", sent: ", $v['metrics']['events_sent'],
     ", queue_length: ", $v['metrics']['queue_length'], "\n";
$stats = receiver_wait_delivered($r, count($v['res']), 10.0);
echo "receiver: envelopes={$stats['envelopes']} valid={$stats['valid']} invalid={$stats['invalid']} ",
     "delivered_unique={$stats['delivered_unique']} duplicates={$stats['duplicates']}\n";
foreach ($stats['errors'] as $e) {
    echo "  invalid: ", json_encode($e), "\n";
}
$byId = [];
$all = receiver_events($r);
foreach ($all as $rec) {
    $byId[$rec['event_id']] = $rec;
}
$leak = str_contains(json_encode($all), 's3cretvalue');
echo "secret on the wire: ", json_encode($leak), "\n";
$now = time();
$ts = function ($t) use ($now) {
    $t = is_string($t) ? strtotime($t) : $t;
    return is_numeric($t) && abs($t - $now) < 120 ? 'now' : json_encode($t);
};
foreach ($v['res'] as $name => $res) {
    echo "== $name: ", st_show($res), "\n";
    $rec = $byId[$res['event_id']] ?? null;
    if (!$rec) {
        echo "   not received\n";
        continue;
    }
    $p = $rec['payloads'][0];
    $h = $rec['envelope_header'];
    echo "   items: ", implode(',', $rec['item_types']), "; status ", $rec['status'], "\n";
    echo "   header: event_id ", $h['event_id'] === $res['event_id'] ? 'same' : $h['event_id'],
         ", dsn ", $h['dsn'] ?? '-', ", sdk ", json_encode($h['sdk'] ?? null), ", sent_at ", $ts($h['sent_at'] ?? null), "\n";
    echo "   auth: ", json_encode($rec['headers']['x_sentry_auth']), "\n";
    echo "   payload: event_id ", $p['event_id'] === $res['event_id'] ? 'same' : $p['event_id'],
         ", timestamp ", $ts($p['timestamp']), ", platform ", $p['platform'], ", level ", $p['level'] ?? '(none)',
         ", environment ", $p['environment'], ", release ", $p['release'], ", server_name ", $p['server_name'], "\n";
    echo "   sdk ", json_encode($p['sdk']), "\n";
    unset($p['event_id'], $p['timestamp'], $p['platform'], $p['level'], $p['environment'], $p['release'],
          $p['server_name'], $p['sdk']);
    echo "   rest ", json_encode($p, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_PRESERVE_ZERO_FRACTION), "\n";
}
receiver_stop($r);
st_shm_remove($q);
?>
--CLEAN--
<?php
require __DIR__ . '/st.inc';
st_shm_remove('020_send_event');
?>
--EXPECTF--
warnings: 0
flushed: true
accepted: 7, sent: 7, queue_length: 0
receiver: envelopes=7 valid=7 invalid=0 delivered_unique=7 duplicates=0
secret on the wire: false
== array: ok %x
   items: event; status 200
   header: event_id same, dsn http://0123456789abcdef0123456789abcdef@127.0.0.1:%d/42, sdk {"name":"sentry.php.sentry_transport","version":"0.1.0"}, sent_at now
   auth: {"sentry_version":"7","sentry_client":"sentry.php.sentry_transport\/0.1.0","sentry_key":"0123456789abcdef0123456789abcdef"}
   payload: event_id same, timestamp now, platform php, level warning, environment phpt-env, release phpt@1.0.0, server_name phpt-host
   sdk {"name":"sentry.php.sentry_transport","version":"0.1.0"}
   rest {"message":"from array","tags":{"k":"v"},"extra":{"float":1.0,"utf8":"héllo ✓","slash":"a/b"}}
== json: ok %x
   items: event; status 200
   header: event_id same, dsn http://0123456789abcdef0123456789abcdef@127.0.0.1:%d/42, sdk {"name":"sentry.php.sentry_transport","version":"0.1.0"}, sent_at now
   auth: {"sentry_version":"7","sentry_client":"sentry.php.sentry_transport\/0.1.0","sentry_key":"0123456789abcdef0123456789abcdef"}
   payload: event_id same, timestamp 1700000000.5, platform other, level info, environment custom-env, release custom@2, server_name custom-host
   sdk {"name":"custom.sdk","version":"9.9"}
   rest {"message":"from json","extra":{"nested":{"a":[1,2,{"b":null}]}}}
== seed_event: ok abcdef0123456789abcdef0123456789
   items: event; status 200
   header: event_id same, dsn http://0123456789abcdef0123456789abcdef@127.0.0.1:%d/42, sdk {"name":"sentry.php.sentry_transport","version":"0.1.0"}, sent_at now
   auth: {"sentry_version":"7","sentry_client":"sentry.php.sentry_transport\/0.1.0","sentry_key":"0123456789abcdef0123456789abcdef"}
   payload: event_id same, timestamp now, platform php, level error, environment phpt-env, release phpt@1.0.0, server_name phpt-host
   sdk {"name":"sentry.php.sentry_transport","version":"0.1.0"}
   rest {"message":"seed event"}
== seed_tx: ok 5c3d7a2e1f2b4c5d8e9f0a1b2c3d4e5f
   items: transaction; status 200
   header: event_id same, dsn http://0123456789abcdef0123456789abcdef@127.0.0.1:%d/42, sdk {"name":"sentry.php.sentry_transport","version":"0.1.0"}, sent_at now
   auth: {"sentry_version":"7","sentry_client":"sentry.php.sentry_transport\/0.1.0","sentry_key":"0123456789abcdef0123456789abcdef"}
   payload: event_id same, timestamp 1700000001.5, platform php, level (none), environment phpt-env, release phpt@1.0.0, server_name phpt-host
   sdk {"name":"sentry.php.sentry_transport","version":"0.1.0"}
   rest {"type":"transaction","transaction":"GET /checkout","start_timestamp":1700000000.25,"spans":[],"contexts":{"trace":{"trace_id":"a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1","span_id":"b2b2b2b2b2b2b2b2","op":"http.server"}}}
== json_tx: ok %x
   items: transaction; status 200
   header: event_id same, dsn http://0123456789abcdef0123456789abcdef@127.0.0.1:%d/42, sdk {"name":"sentry.php.sentry_transport","version":"0.1.0"}, sent_at now
   auth: {"sentry_version":"7","sentry_client":"sentry.php.sentry_transport\/0.1.0","sentry_key":"0123456789abcdef0123456789abcdef"}
   payload: event_id same, timestamp 1700000001.5, platform php, level (none), environment phpt-env, release phpt@1.0.0, server_name phpt-host
   sdk {"name":"sentry.php.sentry_transport","version":"0.1.0"}
   rest {"type":"transaction","transaction":"GET /checkout","start_timestamp":1700000000.25,"spans":[],"contexts":{"trace":{"trace_id":"a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1","span_id":"b2b2b2b2b2b2b2b2","op":"http.server"}}}
== array_tx: ok %x
   items: transaction; status 200
   header: event_id same, dsn http://0123456789abcdef0123456789abcdef@127.0.0.1:%d/42, sdk {"name":"sentry.php.sentry_transport","version":"0.1.0"}, sent_at now
   auth: {"sentry_version":"7","sentry_client":"sentry.php.sentry_transport\/0.1.0","sentry_key":"0123456789abcdef0123456789abcdef"}
   payload: event_id same, timestamp 1700000001.5, platform php, level (none), environment phpt-env, release phpt@1.0.0, server_name phpt-host
   sdk {"name":"sentry.php.sentry_transport","version":"0.1.0"}
   rest {"type":"transaction","transaction":"GET /checkout","start_timestamp":1700000000.25,"spans":[],"contexts":{"trace":{"trace_id":"a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1","span_id":"b2b2b2b2b2b2b2b2","op":"http.server"}}}
== empty_object: ok %x
   items: event; status 200
   header: event_id same, dsn http://0123456789abcdef0123456789abcdef@127.0.0.1:%d/42, sdk {"name":"sentry.php.sentry_transport","version":"0.1.0"}, sent_at now
   auth: {"sentry_version":"7","sentry_client":"sentry.php.sentry_transport\/0.1.0","sentry_key":"0123456789abcdef0123456789abcdef"}
   payload: event_id same, timestamp now, platform php, level error, environment phpt-env, release phpt@1.0.0, server_name phpt-host
   sdk {"name":"sentry.php.sentry_transport","version":"0.1.0"}
   rest []