--TEST--
sendEnvelope: a header event_id that is not 32 lowercase hex is refused or normalized, never queued as is
--DESCRIPTION--
Invariant: when sendEnvelope() says success, the envelope that reaches Sentry is valid and carries
the event_id that was returned. A header event_id Sentry cannot read ("not-a-uuid") would make
Relay reject the whole envelope after the caller was told it was accepted.
--SKIPIF--
<?php $st_needs = ['receiver']; require __DIR__ . '/skipif.inc'; ?>
--INI--
sentry_transport.queue.name=027_envelope_event_id
--FILE--
<?php
require __DIR__ . '/st.inc';
require __DIR__ . '/../receiver/client.php';
$q = '027_envelope_event_id';
st_shm_remove($q);
$r = st_receiver_start();
$code = <<<'PHP'
$out = [];
foreach (['9EC79C33-EC99-42AB-8353-589FCB2E04DC', 'not-a-uuid'] as $id) {
    $out[$id] = SentryTransport::sendEnvelope('{"event_id":"' . $id . '"}' . "\n" . '{"type":"event"}' . "\n"
        . '{"event_id":"' . $id . '","timestamp":1700000000,"platform":"php","message":"m"}' . "\n");
}
st_out(['res' => $out, 'flushed' => SentryTransport::flush(10.0)]);
PHP;
$v = st_run_json(['dsn' => $r['dsn'], 'queue.name' => $q] + st_default_ini(), $code)['value'];
$n = count(array_filter($v['res'], fn($x) => $x['success']));
$stats = receiver_wait_for(fn() => ($s = receiver_stats($r))['envelopes'] >= $n ? $s : false, 10.0) ?: receiver_stats($r);
$recs = receiver_events($r);
foreach ($v['res'] as $id => $res) {
    if (!$res['success']) {
        echo "$id: refused (", $res['error'] !== '' ? 'with an error' : 'NO ERROR', ")\n";
        continue;
    }
    $got = array_values(array_filter($recs, fn($rec) => ($rec['event_id'] ?? null) === $res['event_id']
                                                     && $rec['valid'] && $rec['status'] === 200));
    echo "$id: accepted as {$res['event_id']}, ", $got ? 'delivered valid with that id' : 'NOT delivered with that id', "\n";
}
echo "invalid envelopes at the receiver: {$stats['invalid']}\n";
foreach ($stats['errors'] as $e) {
    echo "  ", $e['error'], "\n";
}
receiver_stop($r);
st_shm_remove($q);
?>
--CLEAN--
<?php
require __DIR__ . '/st.inc';
st_shm_remove('027_envelope_event_id');
?>
--EXPECTREGEX--
9EC79C33-EC99-42AB-8353-589FCB2E04DC: (refused \(with an error\)|accepted as 9ec79c33ec9942ab8353589fcb2e04dc, delivered valid with that id)
not-a-uuid: (refused \(with an error\)|accepted as [0-9a-f]{32}, delivered valid with that id)
invalid envelopes at the receiver: 0
