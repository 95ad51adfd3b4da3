--TEST--
DSNs that are almost right: a clear reason in the warning, getStatus() and sendEvent(), the secret never shown; near-misses that are valid work
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--INI--
sentry_transport.queue.name=038_dsn_almost_right
--FILE--
<?php
require __DIR__ . '/st.inc';
$code = <<<'PHP'
$s = SentryTransport::getStatus();
st_out(['status' => ['active' => $s['active'], 'dsn_set' => $s['dsn_set'], 'dsn' => $s['dsn'], 'error' => $s['error']],
        'send' => $s['active'] ? null : SentryTransport::sendEvent(['message' => 'x']),
        'ini' => ini_get('sentry_transport.dsn') !== false]);
PHP;
// Every DSN carries the secret "dsnsecret" where it has a password, so any leak is visible.
$cases = [
    'missing public key' => 'https://127.0.0.1/42',
    'empty public key' => 'https://@127.0.0.1/42',
    'secret only' => 'https://:dsnsecret@127.0.0.1/42',
    'no project id' => 'https://pub:dsnsecret@127.0.0.1',
    'no project id, slash' => 'https://pub:dsnsecret@127.0.0.1/',
    'project id not a number' => 'https://pub:dsnsecret@127.0.0.1/project',
    'project id with letters' => 'https://pub:dsnsecret@127.0.0.1/42a',
    'project id negative' => 'https://pub:dsnsecret@127.0.0.1/-42',
    'project id percent-encoded' => 'https://pub:dsnsecret@127.0.0.1/%34%32',
    'project id over u64' => 'https://pub:dsnsecret@127.0.0.1/18446744073709551616',
    'ftp scheme' => 'ftp://pub:dsnsecret@127.0.0.1/42',
    'no scheme' => 'pub:dsnsecret@127.0.0.1/42',
    'one slash' => 'https:/pub:dsnsecret@127.0.0.1/42',
    'missing host' => 'https://pub:dsnsecret@/42',
    'port 0' => 'https://pub:dsnsecret@127.0.0.1:0/42',
    'port 65536' => 'https://pub:dsnsecret@127.0.0.1:65536/42',
    'port not a number' => 'https://pub:dsnsecret@127.0.0.1:http/42',
    'space in host' => 'https://pub:dsnsecret@127.0. 0.1/42',
    'space in key' => 'https://p ub:dsnsecret@127.0.0.1/42',
    'space in project id' => 'https://pub:dsnsecret@127.0.0.1/4 2',
    'IPv6 without brackets' => 'http://pub:dsnsecret@::1/42',
    'IPv6 unclosed bracket' => 'http://pub:dsnsecret@[::1/42',
    'two @' => 'https://pub:dsnsecret@evil@127.0.0.1/42',
    'key with %-escape' => 'https://p%40b:dsnsecret@127.0.0.1/42',
    // near-misses that are valid DSNs
    'trailing slash' => 'http://pub:dsnsecret@127.0.0.1:9/42/',
    'path prefix' => 'http://pub@127.0.0.1:9/prefix/sub/42',
    'surrounding spaces' => ' http://pub@127.0.0.1:9/42 ',
    'uppercase scheme' => 'HTTP://pub@127.0.0.1:9/42',
    'query string (quoted in php.ini)' => '"http://pub@127.0.0.1:9/42?timeout=3&x=y"',
    'fragment' => 'http://pub@127.0.0.1:9/42#frag',
    'IPv6 host' => 'http://pub:dsnsecret@[::1]:9/42',
    'unicode host' => "http://pub@h\u{f4}st.invalid/42",
    'empty secret' => 'http://pub:@127.0.0.1:9/42',
    'dot segments' => 'http://pub@127.0.0.1:9/a/../42',
    'largest project id' => 'http://pub@127.0.0.1:9/18446744073709551615',
];
$i = 0;
foreach ($cases as $name => $dsn) {
    $q = '038_dsn_almost_right_' . $i++;
    st_shm_remove($q);
    $r = st_run_json(['dsn' => $dsn, 'queue.name' => $q] + st_default_ini(), $code);
    $v = $r['value'];
    $st = $v['status'];
    echo "$name: ", $st['active'] ? "active, dsn {$st['dsn']}" : "off: {$st['error']}", "\n";
    foreach ($r['warnings'] as $w) {
        echo "    ! ", preg_replace('~^sentry_transport\.dsn: invalid value \(hidden\) \(expected a DSN like "https://<public_key>@<host>/<project_id>": (.*)\), using default \(the transport stays off\)$~', 'warning: $1', $w), "\n";
    }
    if (!$st['active']) {
        $s = $v['send'];
        if ($s['success'] || $s['error'] !== $st['error'] || !$st['dsn_set'] || $st['dsn'] !== '') {
            echo "    UNEXPECTED: send ", json_encode($s), " status ", json_encode($st), "\n";
        }
        if (count($r['warnings']) !== 1) {
            echo "    EXPECTED ONE WARNING\n";
        }
    } elseif ($r['warnings']) {
        echo "    A VALID DSN WARNED\n";
    }
    if (str_contains($r['out'] . $r['err'], 'dsnsecret')) {
        echo "    SECRET PRINTED\n";
    }
    st_shm_remove($q);
}
?>
--CLEAN--
<?php
require __DIR__ . '/st.inc';
for ($i = 0; $i < 40; $i++) {
    st_shm_remove('038_dsn_almost_right_' . $i);
}
?>
--EXPECTF--
missing public key: off: invalid DSN: DSN has no public key
    ! warning: DSN has no public key
empty public key: off: invalid DSN: DSN has no public key
    ! warning: DSN has no public key
secret only: off: invalid DSN: DSN has no public key
    ! warning: DSN has no public key
no project id: off: invalid DSN: DSN has no project id
    ! warning: DSN has no project id
no project id, slash: off: invalid DSN: DSN has no project id
    ! warning: DSN has no project id
project id not a number: off: invalid DSN: DSN project id is not a number
    ! warning: DSN project id is not a number
project id with letters: off: invalid DSN: DSN project id is not a number
    ! warning: DSN project id is not a number
project id negative: off: invalid DSN: DSN project id is not a number
    ! warning: DSN project id is not a number
project id percent-encoded: off: invalid DSN: DSN project id is not a number
    ! warning: DSN project id is not a number
project id over u64: off: invalid DSN: DSN project id is too large
    ! warning: DSN project id is too large
ftp scheme: off: invalid DSN: DSN scheme 'ftp' is not supported (use http or https)
    ! warning: DSN scheme 'ftp' is not supported (use http or https)
no scheme: off: invalid DSN: DSN is not a URL (expected scheme://key@host/project_id)
    ! warning: DSN is not a URL (expected scheme://key@host/project_id)
one slash: off: invalid DSN: DSN is not a URL (expected scheme://key@host/project_id)
    ! warning: DSN is not a URL (expected scheme://key@host/project_id)
missing host: off: invalid DSN: DSN has no host
    ! warning: DSN has no host
port 0: off: invalid DSN: DSN port 0 is out of range
    ! warning: DSN port 0 is out of range
port 65536: off: invalid DSN: DSN is not a valid URL (%s)
    ! warning: DSN is not a valid URL (%s)
port not a number: off: invalid DSN: DSN is not a valid URL (%s)
    ! warning: DSN is not a valid URL (%s)
space in host: off: invalid DSN: DSN is not a valid URL (%s)
    ! warning: DSN is not a valid URL (%s)
space in key: off: invalid DSN: DSN is not a valid URL (%s)
    ! warning: DSN is not a valid URL (%s)
space in project id: off: invalid DSN: DSN is not a valid URL (%s)
    ! warning: DSN is not a valid URL (%s)
IPv6 without brackets: off: invalid DSN: DSN host looks like an IPv6 address without brackets (write [::1])
    ! warning: DSN host looks like an IPv6 address without brackets (write [::1])
IPv6 unclosed bracket: off: invalid DSN: DSN is not a valid URL (%s)
    ! warning: DSN is not a valid URL (%s)
two @: off: invalid DSN: DSN is not a valid URL (%s)
    ! warning: DSN is not a valid URL (%s)
key with %-escape: off: invalid DSN: DSN public key is malformed
    ! warning: DSN public key is malformed
trailing slash: active, dsn http://pub@127.0.0.1:9/42
path prefix: active, dsn http://pub@127.0.0.1:9/prefix/sub/42
surrounding spaces: active, dsn http://pub@127.0.0.1:9/42
uppercase scheme: active, dsn http://pub@127.0.0.1:9/42
query string (quoted in php.ini): active, dsn http://pub@127.0.0.1:9/42
fragment: active, dsn http://pub@127.0.0.1:9/42
IPv6 host: active, dsn http://pub@[::1]:9/42
unicode host: active, dsn http://pub@hôst.invalid/42
empty secret: active, dsn http://pub@127.0.0.1:9/42
dot segments: active, dsn http://pub@127.0.0.1:9/42
largest project id: active, dsn http://pub@127.0.0.1:9/18446744073709551615