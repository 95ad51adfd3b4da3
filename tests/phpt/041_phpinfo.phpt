--TEST--
phpinfo() / php --ri: versions, effective settings (secrets masked) and live state of the shared queue
--SKIPIF--
<?php $st_fresh = ['041_phpinfo']; require __DIR__ . '/skipif.inc'; ?>
--INI--
sentry_transport.dsn=https://pubkey041:infoSECRET@127.0.0.1:9/prefix/42
sentry_transport.environment=production
sentry_transport.release=shop@2.3.4
sentry_transport.server_name=web-7
sentry_transport.sample_rate=0.5
sentry_transport.transport.timeout=2500ms
sentry_transport.transport.connect_timeout=2s
sentry_transport.transport.compression=0
sentry_transport.transport.proxy=http://u:infoPROXY@127.0.0.1:9
sentry_transport.transport.proxy_auth=u:infoAUTH
sentry_transport.retry.max_attempts=7
sentry_transport.retry.initial_backoff=1h
sentry_transport.retry.max_backoff=2h
sentry_transport.retry.dead_letter_queue=0
sentry_transport.queue.buffer_size=20
sentry_transport.queue.workers=2
sentry_transport.queue.name=041_phpinfo
sentry_transport.queue.memory=1M
sentry_transport.shutdown_timeout=0
sentry_transport.logging.level=error
--FILE--
<?php
require __DIR__ . '/st.inc';
SentryTransport::sendEvent(['type' => 'transaction', 'transaction' => 'one']); // sample_rate=0.5 applies to errors only
SentryTransport::sendEvent(['type' => 'transaction', 'transaction' => 'two']);
$deadline = microtime(true) + 5;
while (SentryTransport::getStatus()['drainer']['pid'] === 0 && microtime(true) < $deadline) {
    usleep(10000);
}
$mask = function (string $text): string {
    $text = str_replace('/sentry_transport.v3.' . st_euid() . '.', '/sentry_transport.v3.<uid>.', $text);
    $text = preg_replace('~^(libcurl|zlib) \((compiled|runtime)\) => .*$~m', '$1 ($2) => <version>', $text);
    return str_replace((string)getmypid(), '<pid>', $text);
};
$info = st_phpinfo_text();
echo $mask($info), "\n";
echo preg_match('~infoSECRET|infoPROXY|infoAUTH~', $info) ? "SECRET SHOWN\n" : "no secret shown\n";
// --ri in another process maps the same queue and shows its live state
$ri = st_ri(['dsn' => 'https://pubkey041@127.0.0.1:9/prefix/42', 'queue.name' => '041_phpinfo',
             'queue.buffer_size' => '20', 'queue.memory' => '1M']);
foreach (['Transport', 'Queue', 'Queued events', 'Queue bytes', 'Drainer pid', 'Events sent'] as $k) {
    echo "--ri $k => ", $mask($ri['rows'][$k] ?? '(missing)'), "\n";
}
?>
--CLEAN--
<?php
require __DIR__ . '/st.inc';
st_shm_remove('041_phpinfo');
?>
--EXPECTF--
sentry_transport

sentry_transport support => enabled
Version => 0.1.0
SDK name => sentry.php.sentry_transport
libcurl (compiled) => <version>
libcurl (runtime) => <version>
zlib (compiled) => <version>
zlib (runtime) => <version>
gzip compressor => %s
zstd compressor => %s
Status => ok

Setting => Effective value
sentry_transport.enabled => On
sentry_transport.dsn => https://pubkey041@127.0.0.1:9/prefix/42
sentry_transport.environment => production
sentry_transport.release => shop@2.3.4
sentry_transport.server_name => web-7
sentry_transport.sample_rate => 0.5
sentry_transport.traces_sample_rate => 1
sentry_transport.ignore_exceptions => (not set)
sentry_transport.scrub_fields => password,passwd,secret,token,api_key,apikey,authorization,cookie,set-cookie,credit_card,card_number,cvv,ssn,bank_account
sentry_transport.send_default_pii => Off
sentry_transport.send_client_reports => On
sentry_transport.upstream.failure_threshold => 5
sentry_transport.transport.timeout => 2500ms
sentry_transport.transport.connect_timeout => 2s
sentry_transport.transport.compression => none
sentry_transport.transport.ssl_verify => On
sentry_transport.transport.proxy => http://****@127.0.0.1:9
sentry_transport.transport.proxy_auth => ****
sentry_transport.transport.ca_info => (libcurl default)
sentry_transport.transport.http_version => auto
sentry_transport.transport.max_in_flight => 2
sentry_transport.transport.max_connections => 4
sentry_transport.transport.max_connections_http1 => 64
sentry_transport.retry.max_attempts => 7
sentry_transport.retry.initial_backoff => 3600s
sentry_transport.retry.backoff_multiplier => 2
sentry_transport.retry.max_backoff => 7200s
sentry_transport.retry.dead_letter_queue => Off
sentry_transport.retry.dead_letter_path => (not set)
sentry_transport.retry.dead_letter_max_files => 1000
sentry_transport.retry.dead_letter_max_bytes => 100M
sentry_transport.queue.buffer_size => 20
sentry_transport.queue.workers => 2
sentry_transport.queue.batch_size => 10
sentry_transport.queue.batch_timeout => 5s
sentry_transport.queue.name => 041_phpinfo
sentry_transport.queue.path => (shared memory object)
sentry_transport.queue.memory => 1M
sentry_transport.queue.drainer_stale_after => 3s
sentry_transport.shutdown_timeout => 0ms
sentry_transport.logging.level => error
sentry_transport.logging.file => (stderr)
sentry_transport.max_breadcrumbs => 100
sentry_transport.in_app_exclude => /vendor/
sentry_transport.context_lines => 0
sentry_transport.capture_errors => Off
sentry_transport.error_breadcrumbs => Off

Live state =>  
Transport => active
Queue => /sentry_transport.v3.<uid>.041_phpinfo
Queued events => 2 / 20
Queue bytes => %d / %d
Drainer pid => <pid> (this process)
Events sent => 0
DSN 1 => https://pubkey041@127.0.0.1:9/prefix/42
DSN 1 upstream => closed; 0 sent, 0 failed, 0 rate limited

no secret shown
--ri Transport => active
--ri Queue => /sentry_transport.v3.<uid>.041_phpinfo
--ri Queued events => 2 / 20
--ri Queue bytes => %d / %d
--ri Drainer pid => <pid>
--ri Events sent => 0