--TEST--
No php.ini DSN: sendEvent/sendBatch and envelopes without a dsn header fail with "no DSN"; nothing is mapped before the first call
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--ENV--
SENTRY_DSN=
--INI--
sentry_transport.queue.name=002_no_dsn
--FILE--
<?php
require __DIR__ . '/st.inc';
var_dump(file_exists(st_shm_path('002_no_dsn'))); // RINIT mapped nothing
$r = SentryTransport::sendEvent(['message' => 'x']);
var_dump($r['success'], strlen($r['event_id']), $r['error']);
echo st_show(SentryTransport::sendEvent('{"message":"x"}')), "\n";
echo st_show(SentryTransport::sendEvent(['event_id' => 'abc', 'type' => 'event', 'payload' => '{}'])), "\n";
echo st_show(SentryTransport::sendEnvelope("{}\n{\"type\":\"event\"}\n{}\n")), "\n";
foreach (SentryTransport::sendBatch([['message' => 'a'], '{"message":"b"}']) as $k => $r) {
    echo "$k: ", st_show($r), "\n";
}
$s = SentryTransport::getStatus();
var_dump($s['enabled'], $s['dsn_set'], $s['active'], $s['error'], $s['dsn'], $s['dsns'], $s['rate_limits']);
var_dump($s['queue']['closed'], $s['queue']['queue_length']);
$m = SentryTransport::getMetrics();
var_dump($m['events_accepted'], $m['events_sent']);
var_dump(file_exists(st_shm_path('002_no_dsn'))); // mapped on first use
echo "info: ", st_info_rows(st_phpinfo_text())['Status'], "\n";
?>
--CLEAN--
<?php require __DIR__ . '/st.inc'; st_shm_remove('002_no_dsn'); ?>
--EXPECT--
bool(false)
bool(false)
int(32)
string(146) "no DSN configured: set sentry_transport.dsn (or SENTRY_DSN), or send envelopes whose header carries a dsn (the Sentry SDK through the bridge does)"
fail no DSN configured: set sentry_transport.dsn (or SENTRY_DSN), or send envelopes whose header carries a dsn (the Sentry SDK through the bridge does)
fail no DSN configured: set sentry_transport.dsn (or SENTRY_DSN), or send envelopes whose header carries a dsn (the Sentry SDK through the bridge does)
fail no DSN configured: set sentry_transport.dsn (or SENTRY_DSN), or send envelopes whose header carries a dsn (the Sentry SDK through the bridge does)
0: fail no DSN configured: set sentry_transport.dsn (or SENTRY_DSN), or send envelopes whose header carries a dsn (the Sentry SDK through the bridge does)
1: fail no DSN configured: set sentry_transport.dsn (or SENTRY_DSN), or send envelopes whose header carries a dsn (the Sentry SDK through the bridge does)
bool(true)
bool(false)
bool(true)
string(0) ""
string(0) ""
array(0) {
}
array(0) {
}
bool(false)
int(0)
int(0)
int(0)
bool(true)
info: ok
