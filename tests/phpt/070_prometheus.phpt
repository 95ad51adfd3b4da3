--TEST--
getPrometheusMetrics(): valid text exposition of getMetrics(): counters, gauges, drops by reason, latency histogram
--SKIPIF--
<?php $st_fresh = ['070_prometheus']; require __DIR__ . '/skipif.inc'; ?>
--INI--
sentry_transport.dsn=http://pubkey070:SECRET070@127.0.0.1:9/42
sentry_transport.sample_rate=0
sentry_transport.queue.name=070_prometheus
sentry_transport.shutdown_timeout=0
sentry_transport.logging.level=off
--FILE--
<?php
for ($i = 0; $i < 3; $i++) {
    SentryTransport::sendEvent(['message' => "sampled out $i"]);
}
$text = SentryTransport::getPrometheusMetrics();
$bad = 0;
$types = [];
foreach (explode("\n", rtrim($text, "\n")) as $line) {
    if (preg_match('/^# TYPE (sentry_transport_[a-z0-9_]+) (counter|gauge|histogram)$/', $line, $m)) {
        $types[$m[1]] = $m[2];
    } elseif (!preg_match('/^# HELP sentry_transport_[a-z0-9_]+ .+$/', $line)
        && !preg_match('/^sentry_transport_[a-z0-9_]+(\{[a-z]+="[^"]*"\})? [0-9.e+-]+$/', $line)) {
        $bad++;
        echo "bad line: $line\n";
    }
}
echo "malformed lines: $bad\n";
echo "events_accepted: ", $types['sentry_transport_events_accepted_total'] ?? 'missing', "\n";
echo "queue_length: ", $types['sentry_transport_queue_length'] ?? 'missing', "\n";
echo "latency: ", $types['sentry_transport_send_latency_seconds'] ?? 'missing', "\n";
echo preg_match('/^sentry_transport_drops_total\{reason="sample_rate"\} 3$/m', $text) ? "drops by reason: ok\n" : "drops by reason: missing\n";
preg_match('/_bucket\{le="\+Inf"\} (\d+)/', $text, $inf);
preg_match('/_seconds_count (\d+)/', $text, $count);
echo ($inf[1] ?? 'x') === ($count[1] ?? 'y') ? "histogram +Inf equals count\n" : "histogram mismatch\n";
echo preg_match('/^sentry_transport_dsn_events_accepted_total\{dsn="http:\/\/pubkey070@127\.0\.0\.1:9\/42"\} 0$/m', $text) ? "per DSN: ok\n" : "per DSN: missing\n";
echo preg_match('/^sentry_transport_dsn_upstream_open\{dsn="[^"]+"\} 0$/m', $text) ? "per DSN circuit: ok\n" : "per DSN circuit: missing\n";
echo str_contains($text, 'send_latency_p50') ? "quantile shown as a counter\n" : "no quantile counters\n";
echo str_contains($text, 'SECRET070') ? "secret shown\n" : "no secret\n";
?>
--CLEAN--
<?php
require __DIR__ . '/st.inc';
st_shm_remove('070_prometheus');
?>
--EXPECT--
malformed lines: 0
events_accepted: counter
queue_length: gauge
latency: histogram
drops by reason: ok
histogram +Inf equals count
per DSN: ok
per DSN circuit: ok
no quantile counters
no secret
