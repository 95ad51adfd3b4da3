--TEST--
php.ini: transport.* (durations, booleans, proxy and proxy_auth masked, ca_info)
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--INI--
sentry_transport.queue.name=011_ini_transport
--FILE--
<?php
require __DIR__ . '/st.inc';
$q = ['queue.name' => '011_ini_transport'];
$cases = [
    [[], 'transport.timeout'],
    [['transport.timeout' => '30s'], 'transport.timeout'],
    [['transport.timeout' => '500ms'], 'transport.timeout'],
    [['transport.timeout' => '2m'], 'transport.timeout'],
    [['transport.timeout' => '5'], 'transport.timeout'],
    [['transport.timeout' => '1.5'], 'transport.timeout'],
    [['transport.timeout' => ' 45s '], 'transport.timeout'],
    [['transport.timeout' => '1h'], 'transport.timeout'],
    [['transport.timeout' => '0'], 'transport.timeout'],
    [['transport.timeout' => '-1s'], 'transport.timeout'],
    [['transport.timeout' => '10x'], 'transport.timeout'],
    [['transport.timeout' => '25h'], 'transport.timeout'],
    [['transport.connect_timeout' => '250ms'], 'transport.connect_timeout'],
    [['transport.connect_timeout' => 'soon'], 'transport.connect_timeout'],
    [['transport.compression' => '0'], 'transport.compression'],
    [['transport.compression' => 'yes'], 'transport.compression'],
    [['transport.compression' => 'gzip'], 'transport.compression'],
    [['transport.ssl_verify' => 'false'], 'transport.ssl_verify'],
    [['transport.ssl_verify' => '2'], 'transport.ssl_verify'],
    [[], 'transport.proxy'],
    [['transport.proxy' => 'http://proxy.local:3128'], 'transport.proxy'],
    [['transport.proxy' => 'http://puser:pxsecret1@proxy.local:3128/'], 'transport.proxy'],
    [['transport.proxy' => "http://puser:pxsecret2@proxy\x01.local"], 'transport.proxy'],
    [[], 'transport.proxy_auth'],
    [['transport.proxy_auth' => 'puser:authsecret3'], 'transport.proxy_auth'],
    [['transport.proxy_auth' => "puser:auth\tsecret4"], 'transport.proxy_auth'],
    [[], 'transport.ca_info'],
    [['transport.ca_info' => '/etc/ssl/certs/ca-certificates.crt'], 'transport.ca_info'],
    [['transport.ca_info' => 'certs/ca.pem'], 'transport.ca_info'],
];
foreach ($cases as $c) {
    $line = st_ini_case($c[0], $c[1], [], $q);
    // Secrets are shown in the case description (the input) only: hide them there, so any
    // secret left in the output below is one the extension printed.
    $line = preg_replace('~^(.*?) -> ~', '', $line, 1, $n);
    $desc = '';
    foreach ($c[0] as $k => $v) {
        $desc .= "$k=" . (preg_match('~secret~', $v) ? '<secret>' : addcslashes($v, "\0..\37")) . ' ';
    }
    echo ($desc === '' ? "({$c[1]} not set) " : $desc), '-> ', $line, "\n";
    if (preg_match('~(px|auth)secret~', $line)) {
        echo "    SECRET LEAKED\n";
    }
}
?>
--EXPECT--
(transport.timeout not set) -> 30s
transport.timeout=30s -> 30s
transport.timeout=500ms -> 500ms
transport.timeout=2m -> 120s
transport.timeout=5 -> 5s
transport.timeout=1.5 -> 1500ms
transport.timeout= 45s  -> 45s
transport.timeout=1h -> 3600s
transport.timeout=0 -> 30s
    ! sentry_transport.transport.timeout: invalid value "0" (expected a duration like "30s" or "500ms", from 1ms to 24h), using default 30s
transport.timeout=-1s -> 30s
    ! sentry_transport.transport.timeout: invalid value "-1s" (expected a duration like "30s" or "500ms", from 1ms to 24h), using default 30s
transport.timeout=10x -> 30s
    ! sentry_transport.transport.timeout: invalid value "10x" (expected a duration like "30s" or "500ms", from 1ms to 24h), using default 30s
transport.timeout=25h -> 30s
    ! sentry_transport.transport.timeout: invalid value "25h" (expected a duration like "30s" or "500ms", from 1ms to 24h), using default 30s
transport.connect_timeout=250ms -> 250ms
transport.connect_timeout=soon -> 10s
    ! sentry_transport.transport.connect_timeout: invalid value "soon" (expected a duration like "30s" or "500ms", from 1ms to 24h), using default 10s
transport.compression=0 -> none
transport.compression=yes -> gzip
transport.compression=gzip -> gzip
transport.ssl_verify=false -> Off
transport.ssl_verify=2 -> On
    ! sentry_transport.transport.ssl_verify: invalid value "2" (expected on/off, 1/0, true/false or yes/no), using default on
(transport.proxy not set) -> (none)
transport.proxy=http://proxy.local:3128 -> http://proxy.local:3128
transport.proxy=<secret> -> http://****@proxy.local:3128/
transport.proxy=<secret> -> (none)
    ! sentry_transport.transport.proxy: invalid value (hidden) (expected printable text, at most 1023 bytes), using default (none)
(transport.proxy_auth not set) -> (not set)
transport.proxy_auth=<secret> -> ****
transport.proxy_auth=<secret> -> (not set)
    ! sentry_transport.transport.proxy_auth: invalid value (hidden) (expected printable text, at most 511 bytes), using default (none)
(transport.ca_info not set) -> (libcurl default)
transport.ca_info=/etc/ssl/certs/ca-certificates.crt -> /etc/ssl/certs/ca-certificates.crt
transport.ca_info=certs/ca.pem -> (libcurl default)
    ! sentry_transport.transport.ca_info: invalid value "certs/ca.pem" (expected an absolute path, at most 1023 bytes), using default (none)