--TEST--
SENTRY_DSN fills an empty sentry_transport.dsn; php.ini wins over it; the queue is mapped
--SKIPIF--
<?php $st_fresh = ['004_dsn_env']; require __DIR__ . '/skipif.inc'; ?>
--ENV--
SENTRY_DSN=http://pubkey004@127.0.0.1:9/42
--INI--
sentry_transport.queue.name=004_dsn_env
sentry_transport.shutdown_timeout=0
sentry_transport.retry.dead_letter_queue=0
--FILE--
<?php
require __DIR__ . '/st.inc';
$s = SentryTransport::getStatus();
var_dump($s['enabled'], $s['dsn_set'], $s['active'], $s['error'], $s['dsn']);
var_dump($s['queue']['closed'], $s['queue']['location'] === '/sentry_transport.v3.' . st_euid() . '.004_dsn_env');
var_dump(file_exists(st_shm_path('004_dsn_env')));
printf("%o\n", fileperms(st_shm_path('004_dsn_env')) & 0777);
echo st_info_rows(st_phpinfo_text())['sentry_transport.dsn'], "\n";

// In a subprocess: php.ini's DSN wins over SENTRY_DSN; an invalid SENTRY_DSN is named as such.
st_shm_remove('004_dsn_env_b');
$r = st_run_json(['dsn' => 'http://fromini@127.0.0.1:9/7', 'queue.name' => '004_dsn_env_b'] + st_default_ini(),
                 'st_out(SentryTransport::getStatus()["dsn"]);',
                 ['SENTRY_DSN' => 'http://fromenv@127.0.0.1:9/8']);
var_dump($r['value'], $r['warnings']);
st_shm_remove('004_dsn_env_b');
$r = st_run_json(['queue.name' => '004_dsn_env_b'] + st_default_ini(),
                 'st_out(SentryTransport::getStatus()["dsn_set"]);',
                 ['SENTRY_DSN' => 'http://:envsecret@127.0.0.1:9/8']);
var_dump($r['value'], $r['warnings'], str_contains($r['out'] . $r['err'], 'envsecret'));
st_shm_remove('004_dsn_env_b');
?>
--CLEAN--
<?php
require __DIR__ . '/st.inc';
st_shm_remove('004_dsn_env');
st_shm_remove('004_dsn_env_b');
?>
--EXPECT--
bool(true)
bool(true)
bool(true)
string(0) ""
string(31) "http://pubkey004@127.0.0.1:9/42"
bool(false)
bool(true)
bool(true)
600
http://pubkey004@127.0.0.1:9/42
string(28) "http://fromini@127.0.0.1:9/7"
array(0) {
}
bool(true)
array(1) {
  [0]=>
  string(163) "SENTRY_DSN: invalid value (hidden) (expected a DSN like "https://<public_key>@<host>/<project_id>": DSN has no public key), using default (the transport stays off)"
}
bool(false)
