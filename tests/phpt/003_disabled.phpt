--TEST--
enabled=0: sends fail with "transport disabled" even with a DSN; nothing is mapped
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--INI--
sentry_transport.enabled=0
sentry_transport.dsn=http://0123456789abcdef@127.0.0.1:9/42
sentry_transport.queue.name=003_disabled
sentry_transport.shutdown_timeout=0
--FILE--
<?php
require __DIR__ . '/st.inc';
echo st_show(SentryTransport::sendEvent(['message' => 'x'])), "\n";
echo st_show(SentryTransport::sendEvent('{"message":"x"}')), "\n";
echo st_show(SentryTransport::sendEnvelope("{}\n{\"type\":\"event\"}\n{}\n")), "\n";
echo st_show(SentryTransport::sendBatch([['message' => 'a']])[0]), "\n";
$s = SentryTransport::getStatus();
var_dump($s['enabled'], $s['dsn_set'], $s['active'], $s['error'], $s['queue']['closed'],
         $s['drainer']['thread_running']);
var_dump(array_sum(array_filter(SentryTransport::getMetrics(), 'is_int'))); // every counter is 0
var_dump(file_exists(st_shm_path('003_disabled')));
$rows = st_info_rows(st_phpinfo_text());
echo $rows['sentry_transport support'], ' | ', $rows['Status'], ' | ', $rows['sentry_transport.enabled'], "\n";
?>
--EXPECT--
fail transport disabled (sentry_transport.enabled=0)
fail transport disabled (sentry_transport.enabled=0)
fail transport disabled (sentry_transport.enabled=0)
fail transport disabled (sentry_transport.enabled=0)
bool(false)
bool(true)
bool(false)
string(47) "transport disabled (sentry_transport.enabled=0)"
bool(true)
bool(false)
int(0)
bool(false)
disabled | disabled by sentry_transport.enabled | Off
