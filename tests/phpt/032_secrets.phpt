--TEST--
Secrets (DSN secret key, proxy credentials, proxy_auth) never appear in getStatus, getMetrics, phpinfo, --ri or logs
--SKIPIF--
<?php $st_fresh = ['032_secrets']; require __DIR__ . '/skipif.inc'; ?>
--INI--
sentry_transport.dsn=http://pubkey032:dsnSECRET1@127.0.0.1:9/42
sentry_transport.transport.proxy=http://proxyuser:proxySECRET2@127.0.0.1:9
sentry_transport.transport.proxy_auth=authuser:authSECRET3
sentry_transport.queue.name=032_secrets
sentry_transport.retry.initial_backoff=1h
sentry_transport.retry.max_backoff=1h
sentry_transport.retry.dead_letter_queue=0
sentry_transport.shutdown_timeout=0
sentry_transport.logging.level=error
--FILE--
<?php
require __DIR__ . '/st.inc';
$secrets = ['dsnSECRET1', 'proxySECRET2', 'authSECRET3'];
$leaks = function (string $where, string $text) use ($secrets): void {
    $found = array_filter($secrets, fn($s) => str_contains($text, $s));
    echo $where, ': ', $found ? 'LEAKED ' . implode(', ', $found) : 'clean', "\n";
};
$res = SentryTransport::sendEvent(['message' => 'x']);
echo st_show($res) === 'ok ' . $res['event_id'] ? "sent\n" : "not sent\n";
$leaks('getStatus', var_export(SentryTransport::getStatus(), true));
$leaks('getMetrics', var_export(SentryTransport::getMetrics(), true));
$info = st_phpinfo_text();
$leaks('phpinfo', $info);
ob_start();
// not INFO_ENVIRONMENT / INFO_VARIABLES: run-tests puts this test's --INI-- into the
// environment (TEST_PHP_EXTRA_ARGS), which phpinfo() would rightly print
phpinfo(INFO_GENERAL | INFO_CONFIGURATION | INFO_MODULES);
$leaks('phpinfo() (all)', ob_get_clean());
$rows = st_info_rows($info);
echo "dsn: ", $rows['sentry_transport.dsn'], "\n";
echo "proxy: ", $rows['sentry_transport.transport.proxy'], "\n";
echo "proxy_auth: ", $rows['sentry_transport.transport.proxy_auth'], "\n";
echo "status dsn: ", SentryTransport::getStatus()['dsn'], "\n";
var_dump(SentryTransport::getStatus()['dsn_set']);

// a subprocess with debug logging, sending through the (closed) proxy: stdout, stderr and --ri
$ini = ['dsn' => 'http://pubkey032:dsnSECRET1@127.0.0.1:9/42', 'transport.proxy' => 'http://proxyuser:proxySECRET2@127.0.0.1:9',
        'transport.proxy_auth' => 'authuser:authSECRET3', 'queue.name' => '032_secrets_b', 'logging.level' => 'debug',
        'retry.initial_backoff' => '1ms', 'retry.max_backoff' => '1ms', 'retry.max_attempts' => '2', 'shutdown_timeout' => '1s'];
st_shm_remove('032_secrets_b');
$r = st_run($ini, '<?php var_dump(SentryTransport::sendEvent(["message" => "y"])["success"]); var_dump(SentryTransport::flush(3)); print_r(SentryTransport::getStatus());');
echo $r['out'] !== '' ? '' : "no output\n";
$leaks('subprocess stdout', $r['out']);
$leaks('subprocess log (stderr)', $r['err']);
echo str_contains($r['err'], '"level":"debug"') || str_contains($r['err'], '"level":"info"') ? "log written\n" : "NO LOG: {$r['err']}\n";
$ri = st_ri($ini);
$leaks('--ri', $ri['out'] . $ri['err']);
echo "--ri transport: ", $ri['rows']['Transport'], "\n";
// invalid values of secret keys are not echoed in warnings either
$bad = st_ri(['transport.proxy_auth' => "authuser:authSECRET3\x01", 'dsn' => 'ftp://k:dsnSECRET1@h/1', 'queue.name' => '032_secrets_b']);
$leaks('warnings', $bad['out'] . $bad['err']);
echo count(st_warnings($bad['out'])), " warnings\n";
st_shm_remove('032_secrets_b');
?>
--CLEAN--
<?php
require __DIR__ . '/st.inc';
st_shm_remove('032_secrets');
st_shm_remove('032_secrets_b');
?>
--EXPECT--
sent
getStatus: clean
getMetrics: clean
phpinfo: clean
phpinfo() (all): clean
dsn: http://pubkey032@127.0.0.1:9/42
proxy: http://****@127.0.0.1:9
proxy_auth: ****
status dsn: http://pubkey032@127.0.0.1:9/42
bool(true)
subprocess stdout: clean
subprocess log (stderr): clean
log written
--ri: clean
--ri transport: active
warnings: clean
2 warnings
