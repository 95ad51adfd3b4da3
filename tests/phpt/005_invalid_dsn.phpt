--TEST--
Invalid DSN: one startup warning (secret hidden), status "invalid DSN: …", transport off, secret never printed
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--INI--
sentry_transport.queue.name=005_invalid_dsn
--FILE--
<?php
require __DIR__ . '/st.inc';
$code = <<<'PHP'
ob_start();
(new ReflectionExtension('sentry_transport'))->info();
$info = ob_get_clean();
st_out([
    'send' => SentryTransport::sendEvent(['message' => 'x']),
    'status' => SentryTransport::getStatus(),
    'metrics' => SentryTransport::getMetrics(),
    'info' => $info,
]);
PHP;
$dsns = [
    'https://pub:topsecret1@/42',
    'topsecret2 is not a url',
    'ftp://pub:topsecret3@sentry.example/42',
    'https://pub:topsecret4@sentry.example/project',
    'https://:topsecret5@sentry.example/42',
    'https://pub:topsecret6@sentry.example',
    'https://pub:topsecret7@sentry.example:70000/42',
];
foreach ($dsns as $i => $dsn) {
    $q = '005_invalid_dsn_' . $i;
    st_shm_remove($q);
    $r = st_run_json(['dsn' => $dsn, 'queue.name' => $q] + st_default_ini(), $code);
    $v = $r['value'];
    echo "#$i: ", count($r['warnings']), " warning(s)\n";
    foreach ($r['warnings'] as $w) {
        echo "  ! $w\n";
    }
    echo "  send: ", st_show($v['send']), "\n";
    echo "  status: dsn_set=", json_encode($v['status']['dsn_set']), " active=", json_encode($v['status']['active']),
         " dsn=", json_encode($v['status']['dsn']), " error=", $v['status']['error'], "\n";
    $rows = st_info_rows($v['info']);
    echo "  phpinfo: ", $rows['Status'], " | ", $rows['sentry_transport.dsn'], "\n";
    echo "  mapped: ", json_encode(file_exists(st_shm_path($q))), "\n";
    if (preg_match('~topsecret~', $r['out'] . $r['err'])) {
        echo "  SECRET PRINTED\n";
    }
    st_shm_remove($q);
}
?>
--EXPECTF--
#0: 1 warning(s)
  ! sentry_transport.dsn: invalid value (hidden) (expected a DSN like "https://<public_key>@<host>/<project_id>": DSN has no host), using default (the transport stays off)
  send: fail invalid DSN: DSN has no host
  status: dsn_set=true active=false dsn="" error=invalid DSN: DSN has no host
  phpinfo: invalid DSN: DSN has no host | (invalid: DSN has no host)
  mapped: false
#1: 1 warning(s)
  ! sentry_transport.dsn: invalid value (hidden) (expected a DSN like "https://<public_key>@<host>/<project_id>": DSN is not a URL (expected scheme://key@host/project_id)), using default (the transport stays off)
  send: fail invalid DSN: DSN is not a URL (expected scheme://key@host/project_id)
  status: dsn_set=true active=false dsn="" error=invalid DSN: DSN is not a URL (expected scheme://key@host/project_id)
  phpinfo: invalid DSN: DSN is not a URL (expected scheme://key@host/project_id) | (invalid: DSN is not a URL (expected scheme://key@host/project_id))
  mapped: false
#2: 1 warning(s)
  ! sentry_transport.dsn: invalid value (hidden) (expected a DSN like "https://<public_key>@<host>/<project_id>": DSN scheme 'ftp' is not supported (use http or https)), using default (the transport stays off)
  send: fail invalid DSN: DSN scheme 'ftp' is not supported (use http or https)
  status: dsn_set=true active=false dsn="" error=invalid DSN: DSN scheme 'ftp' is not supported (use http or https)
  phpinfo: invalid DSN: DSN scheme 'ftp' is not supported (use http or https) | (invalid: DSN scheme 'ftp' is not supported (use http or https))
  mapped: false
#3: 1 warning(s)
  ! sentry_transport.dsn: invalid value (hidden) (expected a DSN like "https://<public_key>@<host>/<project_id>": DSN project id is not a number), using default (the transport stays off)
  send: fail invalid DSN: DSN project id is not a number
  status: dsn_set=true active=false dsn="" error=invalid DSN: DSN project id is not a number
  phpinfo: invalid DSN: DSN project id is not a number | (invalid: DSN project id is not a number)
  mapped: false
#4: 1 warning(s)
  ! sentry_transport.dsn: invalid value (hidden) (expected a DSN like "https://<public_key>@<host>/<project_id>": DSN has no public key), using default (the transport stays off)
  send: fail invalid DSN: DSN has no public key
  status: dsn_set=true active=false dsn="" error=invalid DSN: DSN has no public key
  phpinfo: invalid DSN: DSN has no public key | (invalid: DSN has no public key)
  mapped: false
#5: 1 warning(s)
  ! sentry_transport.dsn: invalid value (hidden) (expected a DSN like "https://<public_key>@<host>/<project_id>": DSN has no project id), using default (the transport stays off)
  send: fail invalid DSN: DSN has no project id
  status: dsn_set=true active=false dsn="" error=invalid DSN: DSN has no project id
  phpinfo: invalid DSN: DSN has no project id | (invalid: DSN has no project id)
  mapped: false
#6: 1 warning(s)
  ! sentry_transport.dsn: invalid value (hidden) (expected a DSN like "https://<public_key>@<host>/<project_id>": DSN is not a valid URL (%s)), using default (the transport stays off)
  send: fail invalid DSN: DSN is not a valid URL (%s)
  status: dsn_set=true active=false dsn="" error=invalid DSN: DSN is not a valid URL (%s)
  phpinfo: invalid DSN: DSN is not a valid URL (%s) | (invalid: DSN is not a valid URL (%s))
  mapped: false