--TEST--
sample_rate: 0 queues no error event (success=true, sampled=false, dropped=sample_rate, counted); 0.5 queues about half
--SKIPIF--
<?php $st_fresh = ['033_sample_rate']; require __DIR__ . '/skipif.inc'; ?>
--INI--
sentry_transport.dsn=http://pubkey033@127.0.0.1:9/42
sentry_transport.sample_rate=0
sentry_transport.queue.name=033_sample_rate
sentry_transport.retry.initial_backoff=1h
sentry_transport.retry.max_backoff=1h
sentry_transport.retry.dead_letter_queue=0
sentry_transport.shutdown_timeout=0
sentry_transport.logging.level=off
--FILE--
<?php
require __DIR__ . '/st.inc';
$ok = 0;
$shapes = [];
for ($i = 0; $i < 20; $i++) {
    $r = SentryTransport::sendEvent(['message' => "sampled $i"]);
    $ok += $r['success'] ? 1 : 0;
    $shapes[json_encode([$r['sampled'], $r['dropped'], $r['error'], strlen($r['event_id'])])] = true;
}
echo "success results: $ok\n";
echo "shapes: ", implode(' ', array_keys($shapes)), "\n";
$m = SentryTransport::getMetrics();
echo "queue_length: {$m['queue_length']}, events_accepted: {$m['events_accepted']}, dropped sample_rate: {$m['drops']['sample_rate']}\n";

$code = <<<'PHP'
$n = 0;
for ($i = 0; $i < 400; $i++) {
    $n += SentryTransport::sendEvent(['message' => "half $i"])['sampled'] ? 1 : 0;
}
st_out([$n, SentryTransport::getMetrics()['queue_length']]);
PHP;
st_shm_remove('033_sample_rate_b');
[$n, $len] = st_run_json(['dsn' => 'http://pubkey033@127.0.0.1:9/42', 'sample_rate' => '0.5',
                          'queue.name' => '033_sample_rate_b'] + st_default_ini(), $code)['value'];
echo $n > 100 && $n < 300 ? "about half accepted\n" : "accepted $n of 400\n";
echo $len === $n ? "queue_length matches\n" : "queue_length $len for $n accepted\n";
st_shm_remove('033_sample_rate_b');
?>
--CLEAN--
<?php
require __DIR__ . '/st.inc';
st_shm_remove('033_sample_rate');
st_shm_remove('033_sample_rate_b');
?>
--EXPECT--
success results: 20
shapes: [false,"sample_rate","",32]
queue_length: 0, events_accepted: 0, dropped sample_rate: 20
about half accepted
queue_length matches
