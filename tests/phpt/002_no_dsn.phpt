--TEST--
No DSN: every send fails with "no DSN", status says why, nothing is mapped
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--ENV--
SENTRY_DSN=
--INI--
sentry_transport.queue.name=002_no_dsn
--FILE--
<?php
require __DIR__ . '/st.inc';
var_dump(SentryTransport::sendEvent(['message' => 'x']));
echo st_show(SentryTransport::sendEvent('{"message":"x"}')), "\n";
echo st_show(SentryTransport::sendEvent(['event_id' => 'abc', 'type' => 'event', 'payload' => '{}'])), "\n";
echo st_show(SentryTransport::sendEnvelope("{}\n{\"type\":\"event\"}\n{}\n")), "\n";
foreach (SentryTransport::sendBatch([['message' => 'a'], '{"message":"b"}']) as $k => $r) {
    echo "$k: ", st_show($r), "\n";
}
$s = SentryTransport::getStatus();
var_dump($s['enabled'], $s['dsn_set'], $s['active'], $s['error'], $s['dsn']);
var_dump($s['queue']['closed'], $s['queue']['queue_length'], $s['drainer']['pid'],
         $s['drainer']['is_self'], $s['drainer']['thread_running']);
$m = SentryTransport::getMetrics();
var_dump(array_sum($m));
var_dump(file_exists(st_shm_path('002_no_dsn')));
echo "info: ", st_info_rows(st_phpinfo_text())['Status'], "\n";
?>
--EXPECT--
array(6) {
  ["success"]=>
  bool(false)
  ["event_id"]=>
  string(0) ""
  ["error"]=>
  string(58) "no DSN configured (set sentry_transport.dsn or SENTRY_DSN)"
  ["rate_limit"]=>
  bool(false)
  ["sampled"]=>
  bool(true)
  ["dropped"]=>
  string(0) ""
}
fail no DSN configured (set sentry_transport.dsn or SENTRY_DSN)
fail no DSN configured (set sentry_transport.dsn or SENTRY_DSN)
fail no DSN configured (set sentry_transport.dsn or SENTRY_DSN)
0: fail no DSN configured (set sentry_transport.dsn or SENTRY_DSN)
1: fail no DSN configured (set sentry_transport.dsn or SENTRY_DSN)
bool(true)
bool(false)
bool(false)
string(58) "no DSN configured (set sentry_transport.dsn or SENTRY_DSN)"
string(0) ""
bool(true)
int(0)
int(0)
bool(false)
bool(false)
int(0)
bool(false)
info: no DSN configured (set sentry_transport.dsn or SENTRY_DSN)
