--TEST--
sendEnvelope: a valid envelope (event + binary attachment with length) arrives with the same event_id and items
--SKIPIF--
<?php $st_needs = ['receiver']; require __DIR__ . '/skipif.inc'; ?>
--INI--
sentry_transport.queue.name=025_send_envelope
--FILE--
<?php
require __DIR__ . '/st.inc';
require __DIR__ . '/../receiver/client.php';
$q = '025_send_envelope';
st_shm_remove($q);
$r = st_receiver_start();
$code = <<<'PHP'
$dsn = ini_get('sentry_transport.dsn');
$bin = "\x00\x01binary\nwith newlines\n\xff\xfe" . str_repeat("\n", 3);
$envelopes = [
    // as the official SDKs serialize it: header with sent_at, event with length, attachment with length
    'event+attachment' => '{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","dsn":"' . $dsn . '","sent_at":"2001-01-01T00:00:00Z","sdk":{"name":"sentry.php","version":"4.0.0"}}' . "\n"
        . '{"type":"event","length":' . strlen($e = '{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","timestamp":1700000000,"platform":"php","message":"env"}') . "}\n" . $e . "\n"
        . '{"type":"attachment","length":' . strlen($bin) . ',"filename":"data.bin","content_type":"application/octet-stream"}' . "\n" . $bin . "\n",
    // sent_at first in the header, items without length, no trailing newline
    'no lengths' => '{"sent_at":"2001-01-01T00:00:00Z","event_id":"0a0b0c0d0e0f40008000a0b0c0d0e0f0"}' . "\n"
        . '{"type":"event"}' . "\n" . '{"event_id":"0a0b0c0d0e0f40008000a0b0c0d0e0f0","timestamp":"2023-11-14T22:13:20Z","platform":"php"}',
    // a transaction
    'transaction' => '{"event_id":"1111111111114111a111111111111111"}' . "\n"
        . '{"type":"transaction"}' . "\n" . json_encode(['event_id' => '1111111111114111a111111111111111', 'type' => 'transaction',
            'transaction' => '/t', 'start_timestamp' => 1700000000.0, 'timestamp' => 1700000001.0, 'platform' => 'php',
            'contexts' => ['trace' => ['trace_id' => str_repeat('c', 32), 'span_id' => str_repeat('d', 16)]]]) . "\n",
    // no event at all: a session update and a client report
    'no event' => '{}' . "\n" . '{"type":"session"}' . "\n" . '{"sid":"7c7b6585-ef77-4c0b-8a5a-1a4e0b7e1e4f","init":true,"status":"ok","started":"2023-11-14T22:13:20Z","attrs":{"release":"r@1"}}' . "\n"
        . '{"type":"client_report"}' . "\n" . '{"timestamp":1700000000,"discarded_events":[{"reason":"queue_overflow","category":"error","quantity":2}]}' . "\n",
];
$res = [];
foreach ($envelopes as $k => $env) {
    $res[$k] = SentryTransport::sendEnvelope($env);
}
st_out(['res' => $res, 'flushed' => SentryTransport::flush(10.0), 'bin' => base64_encode($bin)]);
PHP;
$run = st_run_json(['dsn' => $r['dsn'], 'queue.name' => $q] + st_default_ini(), $code);
$v = $run['value'];
echo "warnings: ", count($run['warnings']), ", flushed: ", json_encode($v['flushed']), "\n";
$stats = receiver_wait_for(fn() => ($s = receiver_stats($r))['delivered'] >= 4 ? $s : false, 10.0) ?: receiver_stats($r);
echo "receiver: envelopes={$stats['envelopes']} valid={$stats['valid']} invalid={$stats['invalid']} delivered={$stats['delivered']}\n";
foreach ($stats['errors'] as $e) {
    echo "  invalid: ", json_encode($e), "\n";
}
$recs = receiver_events($r);
foreach ($v['res'] as $name => $res) {
    echo "== $name: ", $res['success'] ? 'ok' : 'fail ' . $res['error'], " event_id=", json_encode($res['event_id']), "\n";
    $found = null;
    foreach ($recs as $rec) {
        if (($rec['event_id'] ?? '') === $res['event_id'] && ($res['event_id'] !== '' || !in_array('event', $rec['item_types'], true))) {
            $found = $rec;
        }
    }
    if (!$found) {
        echo "   not received\n";
        continue;
    }
    $hdr = $found['envelope_header'];
    $sent = strtotime($hdr['sent_at']);
    echo "   items: ", implode(',', $found['item_types']), "; status ", $found['status'], "; sent_at ",
         abs($sent - time()) < 120 ? 'restamped' : $hdr['sent_at'], "\n";
    unset($hdr['sent_at'], $hdr['dsn']);
    echo "   header: ", json_encode($hdr, JSON_UNESCAPED_SLASHES), "\n";
    foreach ($found['item_headers'] as $i => $ih) {
        $p = $found['payloads'][$i];
        echo "   item $i: ", json_encode($ih, JSON_UNESCAPED_SLASHES), " ",
             isset($p['_length']) ? "binary {$p['_length']} bytes" : json_encode($p, JSON_UNESCAPED_SLASHES), "\n";
    }
}
receiver_stop($r);
st_shm_remove($q);
?>
--CLEAN--
<?php
require __DIR__ . '/st.inc';
st_shm_remove('025_send_envelope');
?>
--EXPECTF--
warnings: 0, flushed: true
receiver: envelopes=4 valid=4 invalid=0 delivered=4
== event+attachment: ok event_id="9ec79c33ec9942ab8353589fcb2e04dc"
   items: event,attachment; status 200; sent_at restamped
   header: {"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","sdk":{"name":"sentry.php","version":"4.0.0"}}
   item 0: {"type":"event","length":103} {"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","timestamp":1700000000,"platform":"php","message":"env"}
   item 1: {"type":"attachment","length":28,"filename":"data.bin","content_type":"application/octet-stream"} binary 28 bytes
== no lengths: ok event_id="0a0b0c0d0e0f40008000a0b0c0d0e0f0"
   items: event; status 200; sent_at restamped
   header: {"event_id":"0a0b0c0d0e0f40008000a0b0c0d0e0f0"}
   item 0: {"type":"event"} {"event_id":"0a0b0c0d0e0f40008000a0b0c0d0e0f0","timestamp":"2023-11-14T22:13:20Z","platform":"php"}
== transaction: ok event_id="1111111111114111a111111111111111"
   items: transaction; status 200; sent_at restamped
   header: {"event_id":"1111111111114111a111111111111111"}
   item 0: {"type":"transaction"} {"event_id":"1111111111114111a111111111111111","type":"transaction","transaction":"/t","start_timestamp":1700000000,"timestamp":1700000001,"platform":"php","contexts":{"trace":{"trace_id":"cccccccccccccccccccccccccccccccc","span_id":"dddddddddddddddd"}}}
== no event: ok event_id=""
   items: session,client_report; status 200; sent_at restamped
   header: []
   item 0: {"type":"session"} {"sid":"7c7b6585-ef77-4c0b-8a5a-1a4e0b7e1e4f","init":true,"status":"ok","started":"2023-11-14T22:13:20Z","attrs":{"release":"r@1"}}
   item 1: {"type":"client_report"} {"timestamp":1700000000,"discarded_events":[{"reason":"queue_overflow","category":"error","quantity":2}]}