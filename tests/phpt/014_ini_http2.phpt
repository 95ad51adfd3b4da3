--TEST--
php.ini: transport.http_version, transport.max_in_flight (queue.workers: its alias), transport.max_connections, transport.max_connections_http1
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--INI--
sentry_transport.queue.name=080_ini_http2
--FILE--
<?php
require __DIR__ . '/st.inc';
$q = ['queue.name' => '080_ini_http2'];
$cases = [
    [[], 'transport.http_version'],
    [['transport.http_version' => '1.1'], 'transport.http_version'],
    [['transport.http_version' => '2'], 'transport.http_version'],
    [['transport.http_version' => '2-Prior-Knowledge'], 'transport.http_version'],
    [['transport.http_version' => ' AUTO '], 'transport.http_version'],
    [['transport.http_version' => '3'], 'transport.http_version'],
    [['transport.http_version' => 'h2'], 'transport.http_version'],
    [[], 'transport.max_in_flight'],
    [['transport.max_in_flight' => '1'], 'transport.max_in_flight'],
    [['transport.max_in_flight' => '4096'], 'transport.max_in_flight'],
    [['transport.max_in_flight' => '0'], 'transport.max_in_flight'],
    [['transport.max_in_flight' => '4097'], 'transport.max_in_flight'],
    [['transport.max_in_flight' => 'many'], 'transport.max_in_flight'],
    // queue.workers is the seed's name: it sets the window unless max_in_flight is set
    [['queue.workers' => '8'], 'transport.max_in_flight'],
    [['queue.workers' => '8'], 'queue.workers'],
    [['queue.workers' => '8', 'transport.max_in_flight' => '32'], 'transport.max_in_flight'],
    [['queue.workers' => '8', 'transport.max_in_flight' => '0'], 'transport.max_in_flight'],
    [['queue.workers' => '4097'], 'transport.max_in_flight'],
    [[], 'transport.max_connections'],
    [['transport.max_connections' => '1'], 'transport.max_connections'],
    [['transport.max_connections' => '1024'], 'transport.max_connections'],
    [['transport.max_connections' => '0'], 'transport.max_connections'],
    [['transport.max_connections' => '1025'], 'transport.max_connections'],
    [[], 'transport.max_connections_http1'],
    [['transport.max_connections_http1' => '16'], 'transport.max_connections_http1'],
    [['transport.max_connections_http1' => '-1'], 'transport.max_connections_http1'],
    [['transport.max_connections_http1' => '64k'], 'transport.max_connections_http1'],
];
foreach ($cases as $c) {
    echo st_ini_case($c[0], $c[1], [], $q), "\n";
}
?>
--EXPECT--
(transport.http_version not set) -> auto
transport.http_version=1.1 -> 1.1
transport.http_version=2 -> 2
transport.http_version=2-Prior-Knowledge -> 2-prior-knowledge
transport.http_version= AUTO  -> auto
transport.http_version=3 -> auto
    ! sentry_transport.transport.http_version: invalid value "3" (expected auto, 1.1, 2 or 2-prior-knowledge), using default auto
transport.http_version=h2 -> auto
    ! sentry_transport.transport.http_version: invalid value "h2" (expected auto, 1.1, 2 or 2-prior-knowledge), using default auto
(transport.max_in_flight not set) -> 512
transport.max_in_flight=1 -> 1
transport.max_in_flight=4096 -> 4096
transport.max_in_flight=0 -> 512
    ! sentry_transport.transport.max_in_flight: invalid value "0" (expected an integer from 1 to 4096), using default 512
transport.max_in_flight=4097 -> 512
    ! sentry_transport.transport.max_in_flight: invalid value "4097" (expected an integer from 1 to 4096), using default 512
transport.max_in_flight=many -> 512
    ! sentry_transport.transport.max_in_flight: invalid value "many" (expected an integer from 1 to 4096), using default 512
queue.workers=8 -> 8
queue.workers=8 -> 8
queue.workers=8 transport.max_in_flight=32 -> 32
queue.workers=8 transport.max_in_flight=0 -> 8
    ! sentry_transport.transport.max_in_flight: invalid value "0" (expected an integer from 1 to 4096), using default 8
queue.workers=4097 -> 512
    ! sentry_transport.queue.workers: invalid value "4097" (expected an integer from 1 to 4096), using default 512
(transport.max_connections not set) -> 4
transport.max_connections=1 -> 1
transport.max_connections=1024 -> 1024
transport.max_connections=0 -> 4
    ! sentry_transport.transport.max_connections: invalid value "0" (expected an integer from 1 to 1024), using default 4
transport.max_connections=1025 -> 4
    ! sentry_transport.transport.max_connections: invalid value "1025" (expected an integer from 1 to 1024), using default 4
(transport.max_connections_http1 not set) -> 64
transport.max_connections_http1=16 -> 16
transport.max_connections_http1=-1 -> 64
    ! sentry_transport.transport.max_connections_http1: invalid value "-1" (expected an integer from 1 to 1024), using default 64
transport.max_connections_http1=64k -> 64
    ! sentry_transport.transport.max_connections_http1: invalid value "64k" (expected an integer from 1 to 1024), using default 64
