--TEST--
The DSN configured once: with no php.ini DSN, envelopes go to the DSN their header names (two receivers, two projects); a 429 makes the next refusal carry rate_limits; the DSN bound; bad dsn headers
--SKIPIF--
<?php $st_needs = ['receiver']; require __DIR__ . '/skipif.inc'; ?>
--INI--
sentry_transport.queue.name=090_envelope_dsn
--FILE--
<?php
require __DIR__ . '/st.inc';
require __DIR__ . '/../receiver/client.php';
$q = '090_envelope_dsn';
st_shm_remove($q);
$a = st_receiver_start();
$b = st_receiver_start();
// A answers the first envelope with a 429 and limits for errors and all categories.
receiver_faults($a, ['script' => [['status' => 429, 'headers' => ['X-Sentry-Rate-Limits' => '60:error:key, 30::key']]],
                     'then' => ['status' => 200]]);
$code = <<<'PHP'
$env = static function (string $dsn, string $id, string $msg, bool $escapeSlashes = false): string {
    $h = ['event_id' => $id, 'dsn' => $dsn, 'sent_at' => '2001-01-01T00:00:00Z', 'sdk' => ['name' => 'sentry.php', 'version' => '4.37.0']];
    $e = json_encode(['event_id' => $id, 'timestamp' => 1700000000, 'platform' => 'php', 'message' => $msg]);
    return json_encode($h, $escapeSlashes ? 0 : JSON_UNESCAPED_SLASHES) . "\n" . '{"type":"event","length":' . strlen($e) . "}\n" . $e . "\n";
};
[$dsnA, $dsnB] = $GLOBALS['argv_dsns'];
$out = [];
$out['a1'] = SentryTransport::sendEnvelope($env($dsnA, str_repeat('a', 32), 'to A, answered 429'));
SentryTransport::flush(10.0);
$out['a2'] = SentryTransport::sendEnvelope($env($dsnA, str_repeat('b', 32), 'to A, refused: limited'));
$out['b1'] = SentryTransport::sendEnvelope($env($dsnB, str_repeat('c', 32), 'to B, json_encode slashes', true));
$out['bad'] = SentryTransport::sendEnvelope($env('not a dsn', str_repeat('d', 32), 'x'));
// No dsn in the header (sentry-php's client reports): the DSN given beside it.
$noDsn = preg_replace('/,"dsn":"[^"]*"/', '', $env($dsnB, str_repeat('e', 32), 'to B by parameter'));
$out['param'] = SentryTransport::sendEnvelope($noDsn, $dsnB);
$out['param_none'] = SentryTransport::sendEnvelope($noDsn);
$out['nonstring'] = SentryTransport::sendEnvelope('{"dsn":42}' . "\n" . '{"type":"event"}' . "\n{}\n");
$out['flushed'] = SentryTransport::flush(10.0);
$s = SentryTransport::getStatus();
$out['dsns'] = $s['dsns'];
// Up to the bound (8 per queue): 6 more projects fill it, the 9th is refused.
for ($i = 3; $i <= 9; $i++) {
    $d = preg_replace('~/\d+$~', "/$i", $dsnB);
    $out['bound'][$i] = SentryTransport::sendEnvelope($env($d, sprintf('%032x', $i), "project $i"))['error'];
}
st_out($out);
PHP;
$code = '$GLOBALS["argv_dsns"] = ' . var_export([$a['dsn'], $b['dsn']], true) . ";\n" . $code;
$run = st_run_json(['queue.name' => $q, 'dsn' => ''] + st_default_ini(), $code, ['SENTRY_DSN' => '']);
$v = $run['value'];
echo "warnings: ", count($run['warnings']), "\n";
function st_sorted(array $a): array { sort($a); return $a; }
$show = static fn(array $r): string => ($r['success'] ? 'ok' : 'fail: ' . $r['error']) . (isset($r['rate_limits']) ? ' | rate_limits: ' . preg_replace('/\b\d+:/', 'N:', $r['rate_limits']) : '');
echo "a1: ", $show($v['a1']), "\n";
echo "a2: ", preg_replace('/until \S+/', 'until T', $show($v['a2'])), "\n";
echo "b1: ", $show($v['b1']), "\n";
echo "bad: ", $show($v['bad']), "\n";
echo "nonstring: ", $show($v['nonstring']), "\n";
echo "param: ", $show($v['param']), "\n";
echo "param_none: ", $show($v['param_none']), "\n";
echo "flushed: ", json_encode($v['flushed']), "\n";
foreach ($v['dsns'] as $d) {
    echo "dsn: ", preg_replace('~//\w+@127\.0\.0\.1:\d+/~', '//KEY@127.0.0.1:PORT/', $d['dsn']), " default=", json_encode($d['is_default']),
         " limits=", implode(',', array_keys($d['rate_limits'])), "\n";
}
foreach ($v['bound'] as $i => $err) {
    echo "project $i: ", $err === '' ? 'ok' : $err, "\n";
}
$got = static fn(array $r): string => implode(',', st_sorted(array_map(fn($e) => substr($e['event_id'], 0, 4) . '/' . $e['status'],
    array_values(array_filter(receiver_events($r), fn($e) => in_array('event', $e['item_types'], true))))));
echo "A got: ", $got($a), "\n";
echo "B got: ", $got($b), "\n";
receiver_stop($a);
receiver_stop($b);
st_shm_remove($q);
?>
--CLEAN--
<?php
require __DIR__ . '/st.inc';
st_shm_remove('090_envelope_dsn');
?>
--EXPECT--
warnings: 0
a1: ok
a2: fail: rate limited until T | rate_limits: N::organization, N:error:organization
b1: ok
bad: fail: envelope header dsn is invalid: DSN is not a URL (expected scheme://key@host/project_id)
nonstring: fail: envelope header dsn is not a string
param: ok
param_none: fail: no DSN configured: set sentry_transport.dsn (or SENTRY_DSN), or send envelopes whose header carries a dsn (the Sentry SDK through the bridge does)
flushed: true
dsn: http://KEY@127.0.0.1:PORT/42 default=false limits=all,error
dsn: http://KEY@127.0.0.1:PORT/42 default=false limits=
project 3: ok
project 4: ok
project 5: ok
project 6: ok
project 7: ok
project 8: ok
project 9: too many DSNs: queue '090_envelope_dsn' holds at most 8 (a new queue.name, or a restart with a fresh queue, makes room)
A got: aaaa/429
B got: cccc/200,eeee/200