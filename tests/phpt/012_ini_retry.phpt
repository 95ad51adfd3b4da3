--TEST--
php.ini: retry.* (attempts, backoff durations and multiplier, max < initial, dead letters)
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--INI--
sentry_transport.queue.name=012_ini_retry
--FILE--
<?php
require __DIR__ . '/st.inc';
$q = ['queue.name' => '012_ini_retry'];
$cases = [
    [[], 'retry.max_attempts'],
    [['retry.max_attempts' => '5'], 'retry.max_attempts'],
    [['retry.max_attempts' => '100'], 'retry.max_attempts'],
    [['retry.max_attempts' => '0'], 'retry.max_attempts'],
    [['retry.max_attempts' => '101'], 'retry.max_attempts'],
    [['retry.max_attempts' => '3.5'], 'retry.max_attempts'],
    [['retry.max_attempts' => 'three'], 'retry.max_attempts'],
    [[], 'retry.initial_backoff'],
    [['retry.initial_backoff' => '500ms'], 'retry.initial_backoff'],
    [['retry.initial_backoff' => '2'], 'retry.initial_backoff'],
    [['retry.initial_backoff' => 'fast'], 'retry.initial_backoff'],
    [[], 'retry.backoff_multiplier'],
    [['retry.backoff_multiplier' => '1.5'], 'retry.backoff_multiplier'],
    [['retry.backoff_multiplier' => '1'], 'retry.backoff_multiplier'],
    [['retry.backoff_multiplier' => '0.5'], 'retry.backoff_multiplier'],
    [['retry.backoff_multiplier' => '101'], 'retry.backoff_multiplier'],
    [['retry.backoff_multiplier' => 'x2'], 'retry.backoff_multiplier'],
    [[], 'retry.max_backoff'],
    [['retry.max_backoff' => '2m'], 'retry.max_backoff'],
    [['retry.max_backoff' => '30 s'], 'retry.max_backoff'],
    [['retry.max_backoff' => '-5'], 'retry.max_backoff'],
    [['retry.initial_backoff' => '5s', 'retry.max_backoff' => '1s'], 'retry.max_backoff'],
    [['retry.dead_letter_queue' => 'off'], 'retry.dead_letter_queue'],
    [['retry.dead_letter_queue' => 'sometimes'], 'retry.dead_letter_queue'],
    [[], 'retry.dead_letter_path'],
    [['retry.dead_letter_path' => '/var/spool/sentry-dlq'], 'retry.dead_letter_path'],
    [['retry.dead_letter_path' => 'dlq'], 'retry.dead_letter_path'],
];
foreach ($cases as $c) {
    echo st_ini_case($c[0], $c[1], [], $q), "\n";
}
?>
--EXPECT--
(retry.max_attempts not set) -> 3
retry.max_attempts=5 -> 5
retry.max_attempts=100 -> 100
retry.max_attempts=0 -> 3
    ! sentry_transport.retry.max_attempts: invalid value "0" (expected an integer from 1 to 100), using default 3
retry.max_attempts=101 -> 3
    ! sentry_transport.retry.max_attempts: invalid value "101" (expected an integer from 1 to 100), using default 3
retry.max_attempts=3.5 -> 3
    ! sentry_transport.retry.max_attempts: invalid value "3.5" (expected an integer from 1 to 100), using default 3
retry.max_attempts=three -> 3
    ! sentry_transport.retry.max_attempts: invalid value "three" (expected an integer from 1 to 100), using default 3
(retry.initial_backoff not set) -> 1s
retry.initial_backoff=500ms -> 500ms
retry.initial_backoff=2 -> 2s
retry.initial_backoff=fast -> 1s
    ! sentry_transport.retry.initial_backoff: invalid value "fast" (expected a duration like "30s" or "500ms", from 1ms to 24h), using default 1s
(retry.backoff_multiplier not set) -> 2
retry.backoff_multiplier=1.5 -> 1.5
retry.backoff_multiplier=1 -> 1
retry.backoff_multiplier=0.5 -> 2
    ! sentry_transport.retry.backoff_multiplier: invalid value "0.5" (expected a number from 1 to 100), using default 2
retry.backoff_multiplier=101 -> 2
    ! sentry_transport.retry.backoff_multiplier: invalid value "101" (expected a number from 1 to 100), using default 2
retry.backoff_multiplier=x2 -> 2
    ! sentry_transport.retry.backoff_multiplier: invalid value "x2" (expected a number from 1 to 100), using default 2
(retry.max_backoff not set) -> 300s
retry.max_backoff=2m -> 120s
retry.max_backoff=30 s -> 30s
retry.max_backoff=-5 -> 300s
    ! sentry_transport.retry.max_backoff: invalid value "-5" (expected a duration like "30s" or "500ms", from 1ms to 24h), using default 300s
retry.initial_backoff=5s retry.max_backoff=1s -> 5s
    ! sentry_transport.retry.max_backoff (1s) is shorter than sentry_transport.retry.initial_backoff (5s), using 5s for both
retry.dead_letter_queue=off -> Off
retry.dead_letter_queue=sometimes -> On
    ! sentry_transport.retry.dead_letter_queue: invalid value "sometimes" (expected on/off, 1/0, true/false or yes/no), using default on
(retry.dead_letter_path not set) -> (not set)
retry.dead_letter_path=/var/spool/sentry-dlq -> /var/spool/sentry-dlq
retry.dead_letter_path=dlq -> (not set)
    ! sentry_transport.retry.dead_letter_path: invalid value "dlq" (expected an absolute path, at most 1023 bytes), using default (none)