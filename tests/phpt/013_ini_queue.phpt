--TEST--
php.ini: queue.*, shutdown_timeout, logging.*
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--INI--
sentry_transport.queue.name=013_ini_queue
--FILE--
<?php
require __DIR__ . '/st.inc';
$q = ['queue.name' => '013_ini_queue'];
$cases = [
    [[], 'queue.buffer_size'],
    [['queue.buffer_size' => '3'], 'queue.buffer_size'],
    [['queue.buffer_size' => '10000000'], 'queue.buffer_size'],
    [['queue.buffer_size' => '0'], 'queue.buffer_size'],
    [['queue.buffer_size' => '10000001'], 'queue.buffer_size'],
    [['queue.buffer_size' => '1k'], 'queue.buffer_size'],
    [[], 'queue.workers'],
    [['queue.workers' => '8'], 'queue.workers'],
    [['queue.workers' => '4096'], 'queue.workers'],
    [['queue.workers' => '4097'], 'queue.workers'],
    [['queue.workers' => '-1'], 'queue.workers'],
    [[], 'queue.batch_size'],
    [['queue.batch_size' => '50'], 'queue.batch_size'],
    [['queue.batch_size' => '0'], 'queue.batch_size'],
    [['queue.batch_size' => '1001'], 'queue.batch_size'],
    [[], 'queue.batch_timeout'],
    [['queue.batch_timeout' => '250ms'], 'queue.batch_timeout'],
    [['queue.batch_timeout' => '0'], 'queue.batch_timeout'],
    [['queue.batch_timeout' => 'later'], 'queue.batch_timeout'],
    [['queue.name' => 'my.queue-1_A'], 'queue.name'],
    [['queue.name' => 'bad/name'], 'queue.name'],
    [['queue.name' => 'has space'], 'queue.name'],
    [['queue.name' => str_repeat('q', 33)], 'queue.name'],
    [[], 'queue.path'],
    [['queue.path' => '/var/tmp/sentry-queue'], 'queue.path'],
    [['queue.path' => 'var/queue'], 'queue.path'],
    [[], 'queue.memory'],
    [['queue.memory' => '16M'], 'queue.memory'],
    [['queue.memory' => '512K'], 'queue.memory'],
    [['queue.memory' => '1G'], 'queue.memory'],
    [['queue.memory' => '64MiB'], 'queue.memory'],
    [['queue.memory' => '1048576'], 'queue.memory'],
    [['queue.memory' => '300000'], 'queue.memory'],
    [['queue.memory' => '256K'], 'queue.memory'],
    [['queue.memory' => '262143'], 'queue.memory'],
    [['queue.memory' => '1K'], 'queue.memory'],
    [['queue.memory' => '5G'], 'queue.memory'],
    [['queue.memory' => '1.5G'], 'queue.memory'],
    [['queue.memory' => 'lots'], 'queue.memory'],
    [[], 'shutdown_timeout'],
    [['shutdown_timeout' => '0'], 'shutdown_timeout'],
    [['shutdown_timeout' => '5s'], 'shutdown_timeout'],
    [['shutdown_timeout' => '750ms'], 'shutdown_timeout'],
    [['shutdown_timeout' => '-1'], 'shutdown_timeout'],
    [['shutdown_timeout' => 'forever'], 'shutdown_timeout'],
    [[], 'logging.level'],
    [['logging.level' => 'debug'], 'logging.level'],
    [['logging.level' => 'INFO'], 'logging.level'],
    [['logging.level' => 'warn'], 'logging.level'],
    [['logging.level' => 'error'], 'logging.level'],
    [['logging.level' => 'off'], 'logging.level'],  // php.ini reads off and none as ""
    [['logging.level' => 'none'], 'logging.level'],
    [['logging.level' => '"off"'], 'logging.level'],
    [['logging.level' => 'verbose'], 'logging.level'],
    [[], 'logging.file'],
    [['logging.file' => '/var/log/sentry-transport.log'], 'logging.file'],
    [['logging.file' => 'sentry.log'], 'logging.file'],
];
foreach ($cases as $c) {
    echo st_ini_case($c[0], $c[1], [], isset($c[0]['queue.name']) ? [] : $q), "\n";
}
?>
--EXPECT--
(queue.buffer_size not set) -> 10000
queue.buffer_size=3 -> 3
queue.buffer_size=10000000 -> 10000000
queue.buffer_size=0 -> 10000
    ! sentry_transport.queue.buffer_size: invalid value "0" (expected an integer from 1 to 10000000), using default 10000
queue.buffer_size=10000001 -> 10000
    ! sentry_transport.queue.buffer_size: invalid value "10000001" (expected an integer from 1 to 10000000), using default 10000
queue.buffer_size=1k -> 10000
    ! sentry_transport.queue.buffer_size: invalid value "1k" (expected an integer from 1 to 10000000), using default 10000
(queue.workers not set) -> 512
queue.workers=8 -> 8
queue.workers=4096 -> 4096
queue.workers=4097 -> 512
    ! sentry_transport.queue.workers: invalid value "4097" (expected an integer from 1 to 4096), using default 512
queue.workers=-1 -> 512
    ! sentry_transport.queue.workers: invalid value "-1" (expected an integer from 1 to 4096), using default 512
(queue.batch_size not set) -> 10
queue.batch_size=50 -> 50
queue.batch_size=0 -> 10
    ! sentry_transport.queue.batch_size: invalid value "0" (expected an integer from 1 to 1000), using default 10
queue.batch_size=1001 -> 10
    ! sentry_transport.queue.batch_size: invalid value "1001" (expected an integer from 1 to 1000), using default 10
(queue.batch_timeout not set) -> 5s
queue.batch_timeout=250ms -> 250ms
queue.batch_timeout=0 -> 5s
    ! sentry_transport.queue.batch_timeout: invalid value "0" (expected a duration like "30s" or "500ms", from 1ms to 24h), using default 5s
queue.batch_timeout=later -> 5s
    ! sentry_transport.queue.batch_timeout: invalid value "later" (expected a duration like "30s" or "500ms", from 1ms to 24h), using default 5s
queue.name=my.queue-1_A -> my.queue-1_A
queue.name=bad/name -> default
    ! sentry_transport.queue.name: invalid value "bad/name" (expected a name of 1 to 32 characters from [A-Za-z0-9_.-]), using default "default"
queue.name=has space -> default
    ! sentry_transport.queue.name: invalid value "has space" (expected a name of 1 to 32 characters from [A-Za-z0-9_.-]), using default "default"
queue.name=qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq -> default
    ! sentry_transport.queue.name: invalid value "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq" (expected a name of 1 to 32 characters from [A-Za-z0-9_.-]), using default "default"
(queue.path not set) -> (shared memory object)
queue.path=/var/tmp/sentry-queue -> /var/tmp/sentry-queue
queue.path=var/queue -> (shared memory object)
    ! sentry_transport.queue.path: invalid value "var/queue" (expected an absolute path, at most 1023 bytes), using default (none)
(queue.memory not set) -> 16M
queue.memory=16M -> 16M
queue.memory=512K -> 512K
queue.memory=1G -> 1G
queue.memory=64MiB -> 64M
queue.memory=1048576 -> 1M
queue.memory=300000 -> 300000
queue.memory=256K -> 256K
queue.memory=262143 -> 16M
    ! sentry_transport.queue.memory: invalid value "262143" (expected a size like "16M" or "512K", from 256K to 4G), using default 16M
queue.memory=1K -> 16M
    ! sentry_transport.queue.memory: invalid value "1K" (expected a size like "16M" or "512K", from 256K to 4G), using default 16M
queue.memory=5G -> 16M
    ! sentry_transport.queue.memory: invalid value "5G" (expected a size like "16M" or "512K", from 256K to 4G), using default 16M
queue.memory=1.5G -> 16M
    ! sentry_transport.queue.memory: invalid value "1.5G" (expected a size like "16M" or "512K", from 256K to 4G), using default 16M
queue.memory=lots -> 16M
    ! sentry_transport.queue.memory: invalid value "lots" (expected a size like "16M" or "512K", from 256K to 4G), using default 16M
(shutdown_timeout not set) -> 2s
shutdown_timeout=0 -> 0ms
shutdown_timeout=5s -> 5s
shutdown_timeout=750ms -> 750ms
shutdown_timeout=-1 -> 2s
    ! sentry_transport.shutdown_timeout: invalid value "-1" (expected a duration like "30s" or "500ms", from 0 to 24h), using default 2s
shutdown_timeout=forever -> 2s
    ! sentry_transport.shutdown_timeout: invalid value "forever" (expected a duration like "30s" or "500ms", from 0 to 24h), using default 2s
(logging.level not set) -> warning
logging.level=debug -> debug
logging.level=INFO -> info
logging.level=warn -> warning
logging.level=error -> error
logging.level=off -> off
logging.level=none -> off
logging.level="off" -> off
logging.level=verbose -> warning
    ! sentry_transport.logging.level: invalid value "verbose" (expected debug, info, warning, error or off), using default warning
(logging.file not set) -> (stderr)
logging.file=/var/log/sentry-transport.log -> /var/log/sentry-transport.log
logging.file=sentry.log -> (stderr)
    ! sentry_transport.logging.file: invalid value "sentry.log" (expected an absolute path, at most 1023 bytes), using default (none)