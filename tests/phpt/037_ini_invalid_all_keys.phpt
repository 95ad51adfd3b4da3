--TEST--
php.ini: every sentry_transport.* key with invalid values: one warning per bad value, the default takes effect, no secret shown
--DESCRIPTION--
Data-driven: $invalid lists invalid values for every key. Round i sets the i-th invalid value
of every key at once (one `php --ri` per round) and prints, per key, the effective value and
the warnings naming that key. The last part fails when ini_get_all('sentry_transport') has a
key without an entry in $invalid, so a new key cannot be added without invalid-value cases.
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--INI--
sentry_transport.queue.name=037_ini_invalid_all_keys
--FILE--
<?php
require __DIR__ . '/st.inc';
// Invalid values per key (without the "sentry_transport." prefix): wrong type, out of range,
// negative, garbage suffix, control characters, too long. Secrets contain "inisecret".
$invalid = [
    'enabled' => ['maybe', '2', 'enable'],
    'dsn' => ['https://pub:inisecret1@sentry.example/x', 'inisecret2 not a url', 'https://pub:inisecret3@sentry.example'],
    'environment' => ['a/b', str_repeat('e', 65), "tab\there", '"None"'],
    'release' => ['a/b', '..', str_repeat('r', 201), "back\\slash"],
    'server_name' => ["a\tb", str_repeat('s', 256)],
    'sample_rate' => ['1.5', '-0.1', 'half', '0.5x'],
    'traces_sample_rate' => ['2', '-1', 'nan', '1e'],
    'send_default_pii' => ['maybe', '2', '-1'],
    'send_client_reports' => ['perhaps', '-1', 'enabled'],
    'scrub_fields' => ["pass\tword", str_repeat('f', 1024)],
    'ignore_exceptions' => ["x\x01y", str_repeat('i', 2048)],
    'upstream.failure_threshold' => ['0', '1001', '-5', '5x'],
    'transport.timeout' => ['0', '-1s', '10x', '25h'],
    'transport.connect_timeout' => ['soon', '0ms', '2 weeks', '1.5.2'],
    'transport.compression' => ['gzip', '2', '-1'],
    'transport.ssl_verify' => ['2', 'insecure', 'of'],
    'transport.proxy' => ["http://u:inisecret4@proxy\x01.local", 'http://u:inisecret5@' . str_repeat('p', 1024)],
    'transport.proxy_auth' => ["u:inisecret6\x7f", 'u:inisecret7' . str_repeat('a', 512)],
    'transport.ca_info' => ['certs/ca.pem', '~/ca.pem', "/etc/ca\t.pem"],
    'retry.max_attempts' => ['0', '101', '3.5', 'three'],
    'retry.initial_backoff' => ['fast', '0', '-1s', '25h'],
    'retry.backoff_multiplier' => ['0.5', '101', 'x2', 'inf'],
    'retry.max_backoff' => ['-5', '0', 'never', '48h'],
    'retry.dead_letter_queue' => ['sometimes', '-1', 'keep'],
    'retry.dead_letter_path' => ['dlq', './dlq', "/tmp/dl\nq"],
    'retry.dead_letter_max_files' => ['0', '1000001', '-1', '10k'],
    'retry.dead_letter_max_bytes' => ['512', '1.5G', '2T', '-1M'],
    'queue.buffer_size' => ['0', '10000001', '1k', '-3'],
    'queue.workers' => ['0', '65', '-1', 'four'],
    'queue.batch_size' => ['0', '1001', 'ten', '1e2'],
    'queue.batch_timeout' => ['0', 'later', '-1s', '25h'],
    'queue.name' => ['bad/name', 'has space', str_repeat('q', 33), "\u{fc}"],
    'queue.path' => ['var/queue', 'relative', "/tmp/q\x01"],
    'queue.memory' => ['1K', '5G', '1.5G', 'lots'],
    'queue.drainer_stale_after' => ['100ms', '2h', '-3s', 'soon'],
    'shutdown_timeout' => ['-1', 'forever', '25h', '5 years'],
    'logging.level' => ['verbose', 'trace', '3', 'warn1ng'],
    'logging.file' => ['sentry.log', 'logs/x.log', "/tmp/x\x01.log"],
    'max_breadcrumbs' => ['-1', '1001', 'many', '1e2'],
    'in_app_exclude' => ["/vendor/\x01", str_repeat('v', 1024)],
    'context_lines' => ['-1', '21', 'five', '3.5'],
    'capture_errors' => ['sometimes', '2', '-1'],
    'error_breadcrumbs' => ['maybe', '3', 'all'],
];
$show = fn(string $v): string => strlen($v) > 40 ? substr(addcslashes($v, "\0..\37\177"), 0, 12) . '...(' . strlen($v) . ' bytes)'
                                                 : addcslashes($v, "\0..\37\177");
$rounds = max(array_map('count', $invalid));
$leaks = 0;
for ($i = 0; $i < $rounds; $i++) {
    echo "== round ", $i + 1, "\n";
    $ini = [];
    foreach ($invalid as $k => $vals) {
        if (isset($vals[$i])) {
            $ini[$k] = $vals[$i];
        }
    }
    $r = st_ri($ini);
    $warnings = array_map(fn($w) => preg_replace('~^PHP Startup: ~', '', $w), st_warnings($r['out'] . $r['err']));
    $leaks += preg_match_all('~inisecret~', $r['out'] . $r['err']);
    foreach ($ini as $k => $v) {
        $mine = array_values(array_filter($warnings, fn($w) => str_starts_with($w, "sentry_transport.$k:")));
        $warnings = array_diff($warnings, $mine);
        echo str_contains($v, 'inisecret') ? "$k=<secret>" : "$k=" . $show($v), ' -> ',
             preg_replace('~^' . preg_quote(gethostname(), '~') . '$~', '<hostname>', $r['rows']["sentry_transport.$k"] ?? '(no row)'), "\n";
        if (count($mine) !== 1) {
            echo "    EXPECTED ONE WARNING, GOT ", count($mine), "\n";
        }
        foreach ($mine as $w) {
            echo "    ! ", $w, "\n";
        }
    }
    foreach ($warnings as $w) {
        echo "    other warning: $w\n";
    }
    if ($r['rc'] !== 0) {
        echo "    exit code {$r['rc']}\n";
    }
}
echo "secrets printed: $leaks\n";
// every key has invalid-value cases, and the table names no key that does not exist
$keys = array_map(fn($k) => substr($k, strlen('sentry_transport.')), array_keys(ini_get_all('sentry_transport', false)));
echo count($keys), " keys\n";
foreach (array_diff($keys, array_keys($invalid)) as $k) {
    echo "NO INVALID-VALUE CASE FOR sentry_transport.$k\n";
}
foreach (array_diff(array_keys($invalid), $keys) as $k) {
    echo "UNKNOWN KEY IN THE TABLE: $k\n";
}
?>
--EXPECT--
== round 1
enabled=maybe -> On
    ! sentry_transport.enabled: invalid value "maybe" (expected on/off, 1/0, true/false or yes/no), using default on
dsn=<secret> -> (invalid: DSN project id is not a number)
    ! sentry_transport.dsn: invalid value (hidden) (expected a DSN like "https://<public_key>@<host>/<project_id>": DSN project id is not a number), using default (the transport stays off)
environment=a/b -> (not set)
    ! sentry_transport.environment: invalid value "a/b" (expected a Sentry environment name (no spaces, slashes or newlines, not "None", at most 64 characters)), using default (none)
release=a/b -> (not set)
    ! sentry_transport.release: invalid value "a/b" (expected a Sentry release name (no slashes, backslashes, tabs or newlines, not "." or "..", at most 200 characters)), using default (none)
server_name=a\tb -> <hostname>
    ! sentry_transport.server_name: invalid value "a?b" (expected printable text, at most 255 bytes), using default (none)
sample_rate=1.5 -> 1
    ! sentry_transport.sample_rate: invalid value "1.5" (expected a number from 0 to 1), using default 1
traces_sample_rate=2 -> 1
    ! sentry_transport.traces_sample_rate: invalid value "2" (expected a number from 0 to 1), using default 1
send_default_pii=maybe -> Off
    ! sentry_transport.send_default_pii: invalid value "maybe" (expected on/off, 1/0, true/false or yes/no), using default off
send_client_reports=perhaps -> On
    ! sentry_transport.send_client_reports: invalid value "perhaps" (expected on/off, 1/0, true/false or yes/no), using default on
scrub_fields=pass\tword -> password,passwd,secret,token,api_key,apikey,authorization,cookie,set-cookie,credit_card,card_number,cvv,ssn,bank_account
    ! sentry_transport.scrub_fields: invalid value "pass?word" (expected printable text, at most 1023 bytes), using default "password,passwd,secret,token,api_key,apikey,authorization,cookie..."
ignore_exceptions=x\001y -> (not set)
    ! sentry_transport.ignore_exceptions: invalid value "x?y" (expected printable text, at most 2047 bytes), using default (none)
upstream.failure_threshold=0 -> 5
    ! sentry_transport.upstream.failure_threshold: invalid value "0" (expected an integer from 1 to 1000), using default 5
transport.timeout=0 -> 30s
    ! sentry_transport.transport.timeout: invalid value "0" (expected a duration like "30s" or "500ms", from 1ms to 24h), using default 30s
transport.connect_timeout=soon -> 10s
    ! sentry_transport.transport.connect_timeout: invalid value "soon" (expected a duration like "30s" or "500ms", from 1ms to 24h), using default 10s
transport.compression=gzip -> On
    ! sentry_transport.transport.compression: invalid value "gzip" (expected on/off, 1/0, true/false or yes/no), using default on
transport.ssl_verify=2 -> On
    ! sentry_transport.transport.ssl_verify: invalid value "2" (expected on/off, 1/0, true/false or yes/no), using default on
transport.proxy=<secret> -> (none)
    ! sentry_transport.transport.proxy: invalid value (hidden) (expected printable text, at most 1023 bytes), using default (none)
transport.proxy_auth=<secret> -> (not set)
    ! sentry_transport.transport.proxy_auth: invalid value (hidden) (expected printable text, at most 511 bytes), using default (none)
transport.ca_info=certs/ca.pem -> (libcurl default)
    ! sentry_transport.transport.ca_info: invalid value "certs/ca.pem" (expected an absolute path, at most 1023 bytes), using default (none)
retry.max_attempts=0 -> 3
    ! sentry_transport.retry.max_attempts: invalid value "0" (expected an integer from 1 to 100), using default 3
retry.initial_backoff=fast -> 1s
    ! sentry_transport.retry.initial_backoff: invalid value "fast" (expected a duration like "30s" or "500ms", from 1ms to 24h), using default 1s
retry.backoff_multiplier=0.5 -> 2
    ! sentry_transport.retry.backoff_multiplier: invalid value "0.5" (expected a number from 1 to 100), using default 2
retry.max_backoff=-5 -> 300s
    ! sentry_transport.retry.max_backoff: invalid value "-5" (expected a duration like "30s" or "500ms", from 1ms to 24h), using default 300s
retry.dead_letter_queue=sometimes -> On
    ! sentry_transport.retry.dead_letter_queue: invalid value "sometimes" (expected on/off, 1/0, true/false or yes/no), using default on
retry.dead_letter_path=dlq -> (not set)
    ! sentry_transport.retry.dead_letter_path: invalid value "dlq" (expected an absolute path, at most 1023 bytes), using default (none)
retry.dead_letter_max_files=0 -> 1000
    ! sentry_transport.retry.dead_letter_max_files: invalid value "0" (expected an integer from 1 to 1000000), using default 1000
retry.dead_letter_max_bytes=512 -> 100M
    ! sentry_transport.retry.dead_letter_max_bytes: invalid value "512" (expected a size like "16M" or "512K", from 1K to 1024G), using default 100M
queue.buffer_size=0 -> 1000
    ! sentry_transport.queue.buffer_size: invalid value "0" (expected an integer from 1 to 10000000), using default 1000
queue.workers=0 -> 4
    ! sentry_transport.queue.workers: invalid value "0" (expected an integer from 1 to 64), using default 4
queue.batch_size=0 -> 10
    ! sentry_transport.queue.batch_size: invalid value "0" (expected an integer from 1 to 1000), using default 10
queue.batch_timeout=0 -> 5s
    ! sentry_transport.queue.batch_timeout: invalid value "0" (expected a duration like "30s" or "500ms", from 1ms to 24h), using default 5s
queue.name=bad/name -> default
    ! sentry_transport.queue.name: invalid value "bad/name" (expected a name of 1 to 32 characters from [A-Za-z0-9_.-]), using default "default"
queue.path=var/queue -> (shared memory object)
    ! sentry_transport.queue.path: invalid value "var/queue" (expected an absolute path, at most 1023 bytes), using default (none)
queue.memory=1K -> 16M
    ! sentry_transport.queue.memory: invalid value "1K" (expected a size like "16M" or "512K", from 256K to 4G), using default 16M
queue.drainer_stale_after=100ms -> 3s
    ! sentry_transport.queue.drainer_stale_after: invalid value "100ms" (expected a duration like "3s" or "1500ms", from 500ms to 1h), using default 3s
shutdown_timeout=-1 -> 2s
    ! sentry_transport.shutdown_timeout: invalid value "-1" (expected a duration like "30s" or "500ms", from 0 to 24h), using default 2s
logging.level=verbose -> warning
    ! sentry_transport.logging.level: invalid value "verbose" (expected debug, info, warning, error or off), using default warning
logging.file=sentry.log -> (stderr)
    ! sentry_transport.logging.file: invalid value "sentry.log" (expected an absolute path, at most 1023 bytes), using default (none)
max_breadcrumbs=-1 -> 100
    ! sentry_transport.max_breadcrumbs: invalid value "-1" (expected an integer from 0 to 1000), using default 100
in_app_exclude=/vendor/\001 -> /vendor/
    ! sentry_transport.in_app_exclude: invalid value "/vendor/?" (expected printable text, at most 1023 bytes), using default "/vendor/"
context_lines=-1 -> 0
    ! sentry_transport.context_lines: invalid value "-1" (expected an integer from 0 to 20), using default 0
capture_errors=sometimes -> Off
    ! sentry_transport.capture_errors: invalid value "sometimes" (expected on/off, 1/0, true/false or yes/no), using default off
error_breadcrumbs=maybe -> Off
    ! sentry_transport.error_breadcrumbs: invalid value "maybe" (expected on/off, 1/0, true/false or yes/no), using default off
== round 2
enabled=2 -> On
    ! sentry_transport.enabled: invalid value "2" (expected on/off, 1/0, true/false or yes/no), using default on
dsn=<secret> -> (invalid: DSN is not a URL (expected scheme://key@host/project_id))
    ! sentry_transport.dsn: invalid value (hidden) (expected a DSN like "https://<public_key>@<host>/<project_id>": DSN is not a URL (expected scheme://key@host/project_id)), using default (the transport stays off)
environment=eeeeeeeeeeee...(65 bytes) -> (not set)
    ! sentry_transport.environment: invalid value "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee..." (expected a Sentry environment name (no spaces, slashes or newlines, not "None", at most 64 characters)), using default (none)
release=.. -> (not set)
    ! sentry_transport.release: invalid value ".." (expected a Sentry release name (no slashes, backslashes, tabs or newlines, not "." or "..", at most 200 characters)), using default (none)
server_name=ssssssssssss...(256 bytes) -> <hostname>
    ! sentry_transport.server_name: invalid value "ssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss..." (expected printable text, at most 255 bytes), using default (none)
sample_rate=-0.1 -> 1
    ! sentry_transport.sample_rate: invalid value "-0.1" (expected a number from 0 to 1), using default 1
traces_sample_rate=-1 -> 1
    ! sentry_transport.traces_sample_rate: invalid value "-1" (expected a number from 0 to 1), using default 1
send_default_pii=2 -> Off
    ! sentry_transport.send_default_pii: invalid value "2" (expected on/off, 1/0, true/false or yes/no), using default off
send_client_reports=-1 -> On
    ! sentry_transport.send_client_reports: invalid value "-1" (expected on/off, 1/0, true/false or yes/no), using default on
scrub_fields=ffffffffffff...(1024 bytes) -> password,passwd,secret,token,api_key,apikey,authorization,cookie,set-cookie,credit_card,card_number,cvv,ssn,bank_account
    ! sentry_transport.scrub_fields: invalid value "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff..." (expected printable text, at most 1023 bytes), using default "password,passwd,secret,token,api_key,apikey,authorization,cookie..."
ignore_exceptions=iiiiiiiiiiii...(2048 bytes) -> (not set)
    ! sentry_transport.ignore_exceptions: invalid value "iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii..." (expected printable text, at most 2047 bytes), using default (none)
upstream.failure_threshold=1001 -> 5
    ! sentry_transport.upstream.failure_threshold: invalid value "1001" (expected an integer from 1 to 1000), using default 5
transport.timeout=-1s -> 30s
    ! sentry_transport.transport.timeout: invalid value "-1s" (expected a duration like "30s" or "500ms", from 1ms to 24h), using default 30s
transport.connect_timeout=0ms -> 10s
    ! sentry_transport.transport.connect_timeout: invalid value "0ms" (expected a duration like "30s" or "500ms", from 1ms to 24h), using default 10s
transport.compression=2 -> On
    ! sentry_transport.transport.compression: invalid value "2" (expected on/off, 1/0, true/false or yes/no), using default on
transport.ssl_verify=insecure -> On
    ! sentry_transport.transport.ssl_verify: invalid value "insecure" (expected on/off, 1/0, true/false or yes/no), using default on
transport.proxy=<secret> -> (none)
    ! sentry_transport.transport.proxy: invalid value (hidden) (expected printable text, at most 1023 bytes), using default (none)
transport.proxy_auth=<secret> -> (not set)
    ! sentry_transport.transport.proxy_auth: invalid value (hidden) (expected printable text, at most 511 bytes), using default (none)
transport.ca_info=~/ca.pem -> (libcurl default)
    ! sentry_transport.transport.ca_info: invalid value "~/ca.pem" (expected an absolute path, at most 1023 bytes), using default (none)
retry.max_attempts=101 -> 3
    ! sentry_transport.retry.max_attempts: invalid value "101" (expected an integer from 1 to 100), using default 3
retry.initial_backoff=0 -> 1s
    ! sentry_transport.retry.initial_backoff: invalid value "0" (expected a duration like "30s" or "500ms", from 1ms to 24h), using default 1s
retry.backoff_multiplier=101 -> 2
    ! sentry_transport.retry.backoff_multiplier: invalid value "101" (expected a number from 1 to 100), using default 2
retry.max_backoff=0 -> 300s
    ! sentry_transport.retry.max_backoff: invalid value "0" (expected a duration like "30s" or "500ms", from 1ms to 24h), using default 300s
retry.dead_letter_queue=-1 -> On
    ! sentry_transport.retry.dead_letter_queue: invalid value "-1" (expected on/off, 1/0, true/false or yes/no), using default on
retry.dead_letter_path=./dlq -> (not set)
    ! sentry_transport.retry.dead_letter_path: invalid value "./dlq" (expected an absolute path, at most 1023 bytes), using default (none)
retry.dead_letter_max_files=1000001 -> 1000
    ! sentry_transport.retry.dead_letter_max_files: invalid value "1000001" (expected an integer from 1 to 1000000), using default 1000
retry.dead_letter_max_bytes=1.5G -> 100M
    ! sentry_transport.retry.dead_letter_max_bytes: invalid value "1.5G" (expected a size like "16M" or "512K", from 1K to 1024G), using default 100M
queue.buffer_size=10000001 -> 1000
    ! sentry_transport.queue.buffer_size: invalid value "10000001" (expected an integer from 1 to 10000000), using default 1000
queue.workers=65 -> 4
    ! sentry_transport.queue.workers: invalid value "65" (expected an integer from 1 to 64), using default 4
queue.batch_size=1001 -> 10
    ! sentry_transport.queue.batch_size: invalid value "1001" (expected an integer from 1 to 1000), using default 10
queue.batch_timeout=later -> 5s
    ! sentry_transport.queue.batch_timeout: invalid value "later" (expected a duration like "30s" or "500ms", from 1ms to 24h), using default 5s
queue.name=has space -> default
    ! sentry_transport.queue.name: invalid value "has space" (expected a name of 1 to 32 characters from [A-Za-z0-9_.-]), using default "default"
queue.path=relative -> (shared memory object)
    ! sentry_transport.queue.path: invalid value "relative" (expected an absolute path, at most 1023 bytes), using default (none)
queue.memory=5G -> 16M
    ! sentry_transport.queue.memory: invalid value "5G" (expected a size like "16M" or "512K", from 256K to 4G), using default 16M
queue.drainer_stale_after=2h -> 3s
    ! sentry_transport.queue.drainer_stale_after: invalid value "2h" (expected a duration like "3s" or "1500ms", from 500ms to 1h), using default 3s
shutdown_timeout=forever -> 2s
    ! sentry_transport.shutdown_timeout: invalid value "forever" (expected a duration like "30s" or "500ms", from 0 to 24h), using default 2s
logging.level=trace -> warning
    ! sentry_transport.logging.level: invalid value "trace" (expected debug, info, warning, error or off), using default warning
logging.file=logs/x.log -> (stderr)
    ! sentry_transport.logging.file: invalid value "logs/x.log" (expected an absolute path, at most 1023 bytes), using default (none)
max_breadcrumbs=1001 -> 100
    ! sentry_transport.max_breadcrumbs: invalid value "1001" (expected an integer from 0 to 1000), using default 100
in_app_exclude=vvvvvvvvvvvv...(1024 bytes) -> /vendor/
    ! sentry_transport.in_app_exclude: invalid value "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv..." (expected printable text, at most 1023 bytes), using default "/vendor/"
context_lines=21 -> 0
    ! sentry_transport.context_lines: invalid value "21" (expected an integer from 0 to 20), using default 0
capture_errors=2 -> Off
    ! sentry_transport.capture_errors: invalid value "2" (expected on/off, 1/0, true/false or yes/no), using default off
error_breadcrumbs=3 -> Off
    ! sentry_transport.error_breadcrumbs: invalid value "3" (expected on/off, 1/0, true/false or yes/no), using default off
== round 3
enabled=enable -> On
    ! sentry_transport.enabled: invalid value "enable" (expected on/off, 1/0, true/false or yes/no), using default on
dsn=<secret> -> (invalid: DSN has no project id)
    ! sentry_transport.dsn: invalid value (hidden) (expected a DSN like "https://<public_key>@<host>/<project_id>": DSN has no project id), using default (the transport stays off)
environment=tab\there -> (not set)
    ! sentry_transport.environment: invalid value "tab?here" (expected a Sentry environment name (no spaces, slashes or newlines, not "None", at most 64 characters)), using default (none)
release=rrrrrrrrrrrr...(201 bytes) -> (not set)
    ! sentry_transport.release: invalid value "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr..." (expected a Sentry release name (no slashes, backslashes, tabs or newlines, not "." or "..", at most 200 characters)), using default (none)
sample_rate=half -> 1
    ! sentry_transport.sample_rate: invalid value "half" (expected a number from 0 to 1), using default 1
traces_sample_rate=nan -> 1
    ! sentry_transport.traces_sample_rate: invalid value "nan" (expected a number from 0 to 1), using default 1
send_default_pii=-1 -> Off
    ! sentry_transport.send_default_pii: invalid value "-1" (expected on/off, 1/0, true/false or yes/no), using default off
send_client_reports=enabled -> On
    ! sentry_transport.send_client_reports: invalid value "enabled" (expected on/off, 1/0, true/false or yes/no), using default on
upstream.failure_threshold=-5 -> 5
    ! sentry_transport.upstream.failure_threshold: invalid value "-5" (expected an integer from 1 to 1000), using default 5
transport.timeout=10x -> 30s
    ! sentry_transport.transport.timeout: invalid value "10x" (expected a duration like "30s" or "500ms", from 1ms to 24h), using default 30s
transport.connect_timeout=2 weeks -> 10s
    ! sentry_transport.transport.connect_timeout: invalid value "2 weeks" (expected a duration like "30s" or "500ms", from 1ms to 24h), using default 10s
transport.compression=-1 -> On
    ! sentry_transport.transport.compression: invalid value "-1" (expected on/off, 1/0, true/false or yes/no), using default on
transport.ssl_verify=of -> On
    ! sentry_transport.transport.ssl_verify: invalid value "of" (expected on/off, 1/0, true/false or yes/no), using default on
transport.ca_info=/etc/ca\t.pem -> (libcurl default)
    ! sentry_transport.transport.ca_info: invalid value "/etc/ca?.pem" (expected an absolute path, at most 1023 bytes), using default (none)
retry.max_attempts=3.5 -> 3
    ! sentry_transport.retry.max_attempts: invalid value "3.5" (expected an integer from 1 to 100), using default 3
retry.initial_backoff=-1s -> 1s
    ! sentry_transport.retry.initial_backoff: invalid value "-1s" (expected a duration like "30s" or "500ms", from 1ms to 24h), using default 1s
retry.backoff_multiplier=x2 -> 2
    ! sentry_transport.retry.backoff_multiplier: invalid value "x2" (expected a number from 1 to 100), using default 2
retry.max_backoff=never -> 300s
    ! sentry_transport.retry.max_backoff: invalid value "never" (expected a duration like "30s" or "500ms", from 1ms to 24h), using default 300s
retry.dead_letter_queue=keep -> On
    ! sentry_transport.retry.dead_letter_queue: invalid value "keep" (expected on/off, 1/0, true/false or yes/no), using default on
retry.dead_letter_path=/tmp/dl\nq -> (not set)
    ! sentry_transport.retry.dead_letter_path: invalid value "/tmp/dl?q" (expected an absolute path, at most 1023 bytes), using default (none)
retry.dead_letter_max_files=-1 -> 1000
    ! sentry_transport.retry.dead_letter_max_files: invalid value "-1" (expected an integer from 1 to 1000000), using default 1000
retry.dead_letter_max_bytes=2T -> 100M
    ! sentry_transport.retry.dead_letter_max_bytes: invalid value "2T" (expected a size like "16M" or "512K", from 1K to 1024G), using default 100M
queue.buffer_size=1k -> 1000
    ! sentry_transport.queue.buffer_size: invalid value "1k" (expected an integer from 1 to 10000000), using default 1000
queue.workers=-1 -> 4
    ! sentry_transport.queue.workers: invalid value "-1" (expected an integer from 1 to 64), using default 4
queue.batch_size=ten -> 10
    ! sentry_transport.queue.batch_size: invalid value "ten" (expected an integer from 1 to 1000), using default 10
queue.batch_timeout=-1s -> 5s
    ! sentry_transport.queue.batch_timeout: invalid value "-1s" (expected a duration like "30s" or "500ms", from 1ms to 24h), using default 5s
queue.name=qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq -> default
    ! sentry_transport.queue.name: invalid value "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq" (expected a name of 1 to 32 characters from [A-Za-z0-9_.-]), using default "default"
queue.path=/tmp/q\001 -> (shared memory object)
    ! sentry_transport.queue.path: invalid value "/tmp/q?" (expected an absolute path, at most 1023 bytes), using default (none)
queue.memory=1.5G -> 16M
    ! sentry_transport.queue.memory: invalid value "1.5G" (expected a size like "16M" or "512K", from 256K to 4G), using default 16M
queue.drainer_stale_after=-3s -> 3s
    ! sentry_transport.queue.drainer_stale_after: invalid value "-3s" (expected a duration like "3s" or "1500ms", from 500ms to 1h), using default 3s
shutdown_timeout=25h -> 2s
    ! sentry_transport.shutdown_timeout: invalid value "25h" (expected a duration like "30s" or "500ms", from 0 to 24h), using default 2s
logging.level=3 -> warning
    ! sentry_transport.logging.level: invalid value "3" (expected debug, info, warning, error or off), using default warning
logging.file=/tmp/x\001.log -> (stderr)
    ! sentry_transport.logging.file: invalid value "/tmp/x?.log" (expected an absolute path, at most 1023 bytes), using default (none)
max_breadcrumbs=many -> 100
    ! sentry_transport.max_breadcrumbs: invalid value "many" (expected an integer from 0 to 1000), using default 100
context_lines=five -> 0
    ! sentry_transport.context_lines: invalid value "five" (expected an integer from 0 to 20), using default 0
capture_errors=-1 -> Off
    ! sentry_transport.capture_errors: invalid value "-1" (expected on/off, 1/0, true/false or yes/no), using default off
error_breadcrumbs=all -> Off
    ! sentry_transport.error_breadcrumbs: invalid value "all" (expected on/off, 1/0, true/false or yes/no), using default off
== round 4
environment="None" -> (not set)
    ! sentry_transport.environment: invalid value "None" (expected a Sentry environment name (no spaces, slashes or newlines, not "None", at most 64 characters)), using default (none)
release=back\slash -> (not set)
    ! sentry_transport.release: invalid value "back\slash" (expected a Sentry release name (no slashes, backslashes, tabs or newlines, not "." or "..", at most 200 characters)), using default (none)
sample_rate=0.5x -> 1
    ! sentry_transport.sample_rate: invalid value "0.5x" (expected a number from 0 to 1), using default 1
traces_sample_rate=1e -> 1
    ! sentry_transport.traces_sample_rate: invalid value "1e" (expected a number from 0 to 1), using default 1
upstream.failure_threshold=5x -> 5
    ! sentry_transport.upstream.failure_threshold: invalid value "5x" (expected an integer from 1 to 1000), using default 5
transport.timeout=25h -> 30s
    ! sentry_transport.transport.timeout: invalid value "25h" (expected a duration like "30s" or "500ms", from 1ms to 24h), using default 30s
transport.connect_timeout=1.5.2 -> 10s
    ! sentry_transport.transport.connect_timeout: invalid value "1.5.2" (expected a duration like "30s" or "500ms", from 1ms to 24h), using default 10s
retry.max_attempts=three -> 3
    ! sentry_transport.retry.max_attempts: invalid value "three" (expected an integer from 1 to 100), using default 3
retry.initial_backoff=25h -> 1s
    ! sentry_transport.retry.initial_backoff: invalid value "25h" (expected a duration like "30s" or "500ms", from 1ms to 24h), using default 1s
retry.backoff_multiplier=inf -> 2
    ! sentry_transport.retry.backoff_multiplier: invalid value "inf" (expected a number from 1 to 100), using default 2
retry.max_backoff=48h -> 300s
    ! sentry_transport.retry.max_backoff: invalid value "48h" (expected a duration like "30s" or "500ms", from 1ms to 24h), using default 300s
retry.dead_letter_max_files=10k -> 1000
    ! sentry_transport.retry.dead_letter_max_files: invalid value "10k" (expected an integer from 1 to 1000000), using default 1000
retry.dead_letter_max_bytes=-1M -> 100M
    ! sentry_transport.retry.dead_letter_max_bytes: invalid value "-1M" (expected a size like "16M" or "512K", from 1K to 1024G), using default 100M
queue.buffer_size=-3 -> 1000
    ! sentry_transport.queue.buffer_size: invalid value "-3" (expected an integer from 1 to 10000000), using default 1000
queue.workers=four -> 4
    ! sentry_transport.queue.workers: invalid value "four" (expected an integer from 1 to 64), using default 4
queue.batch_size=1e2 -> 10
    ! sentry_transport.queue.batch_size: invalid value "1e2" (expected an integer from 1 to 1000), using default 10
queue.batch_timeout=25h -> 5s
    ! sentry_transport.queue.batch_timeout: invalid value "25h" (expected a duration like "30s" or "500ms", from 1ms to 24h), using default 5s
queue.name=ü -> default
    ! sentry_transport.queue.name: invalid value "ü" (expected a name of 1 to 32 characters from [A-Za-z0-9_.-]), using default "default"
queue.memory=lots -> 16M
    ! sentry_transport.queue.memory: invalid value "lots" (expected a size like "16M" or "512K", from 256K to 4G), using default 16M
queue.drainer_stale_after=soon -> 3s
    ! sentry_transport.queue.drainer_stale_after: invalid value "soon" (expected a duration like "3s" or "1500ms", from 500ms to 1h), using default 3s
shutdown_timeout=5 years -> 2s
    ! sentry_transport.shutdown_timeout: invalid value "5 years" (expected a duration like "30s" or "500ms", from 0 to 24h), using default 2s
logging.level=warn1ng -> warning
    ! sentry_transport.logging.level: invalid value "warn1ng" (expected debug, info, warning, error or off), using default warning
max_breadcrumbs=1e2 -> 100
    ! sentry_transport.max_breadcrumbs: invalid value "1e2" (expected an integer from 0 to 1000), using default 100
context_lines=3.5 -> 0
    ! sentry_transport.context_lines: invalid value "3.5" (expected an integer from 0 to 20), using default 0
secrets printed: 0
43 keys
