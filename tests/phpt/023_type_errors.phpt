--TEST--
Wrong PHP types are TypeErrors (strict and coercive mode); flush() timeout range is a ValueError
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--ENV--
SENTRY_DSN=
--INI--
sentry_transport.queue.name=023_type_errors
--FILE--
<?php
declare(strict_types=1);
function t(callable $f): void
{
    try {
        $r = $f();
        echo 'returned ', is_array($r) ? 'array' : var_export($r, true), "\n";
    } catch (Throwable $e) {
        echo get_class($e), ': ', $e->getMessage(), "\n";
    }
}
t(fn() => SentryTransport::sendEvent(42));
t(fn() => SentryTransport::sendEvent(null));
t(fn() => SentryTransport::sendEvent(new stdClass()));
t(fn() => SentryTransport::sendEvent());
t(fn() => SentryTransport::sendEvent([], []));
t(fn() => SentryTransport::sendBatch('x'));
t(fn() => SentryTransport::sendBatch(null));
t(fn() => SentryTransport::sendEnvelope([]));
t(fn() => SentryTransport::sendEnvelope(1));
t(fn() => SentryTransport::getStatus(1));
t(fn() => SentryTransport::getMetrics(true));
t(fn() => SentryTransport::flush('1'));
t(fn() => is_bool(SentryTransport::flush(1))); // int → float is allowed even in strict mode
t(fn() => SentryTransport::flush(-1));
t(fn() => SentryTransport::flush(-0.001));
t(fn() => SentryTransport::flush(NAN));
t(fn() => SentryTransport::flush(INF));
t(fn() => SentryTransport::flush(86400.5));
echo "-- coercive mode\n";
require __DIR__ . '/023_type_errors.inc';
?>
--EXPECTF--
TypeError: SentryTransport::sendEvent(): Argument #1 ($event) must be of type array|string, int given
TypeError: SentryTransport::sendEvent(): Argument #1 ($event) must be of type array|string, null given
TypeError: SentryTransport::sendEvent(): Argument #1 ($event) must be of type array|string, stdClass given
ArgumentCountError: SentryTransport::sendEvent() expects exactly 1 argument, 0 given
ArgumentCountError: SentryTransport::sendEvent() expects exactly 1 argument, 2 given
TypeError: SentryTransport::sendBatch(): Argument #1 ($events) must be of type array, string given
TypeError: SentryTransport::sendBatch(): Argument #1 ($events) must be of type array, null given
TypeError: SentryTransport::sendEnvelope(): Argument #1 ($envelope) must be of type string, array given
TypeError: SentryTransport::sendEnvelope(): Argument #1 ($envelope) must be of type string, int given
ArgumentCountError: SentryTransport::getStatus() expects exactly 0 arguments, 1 given
ArgumentCountError: SentryTransport::getMetrics() expects exactly 0 arguments, 1 given
TypeError: SentryTransport::flush(): Argument #1 ($timeout) must be of type float, string given
returned true
ValueError: SentryTransport::flush(): Argument #1 ($timeout) must be between 0 and 86400 seconds
ValueError: SentryTransport::flush(): Argument #1 ($timeout) must be between 0 and 86400 seconds
ValueError: SentryTransport::flush(): Argument #1 ($timeout) must be between 0 and 86400 seconds
ValueError: SentryTransport::flush(): Argument #1 ($timeout) must be between 0 and 86400 seconds
ValueError: SentryTransport::flush(): Argument #1 ($timeout) must be between 0 and 86400 seconds
-- coercive mode
TypeError: SentryTransport::sendEvent(): Argument #1 ($event) must be of type array|string, stdClass given
TypeError: SentryTransport::sendBatch(): Argument #1 ($events) must be of type array, string given
TypeError: SentryTransport::flush(): Argument #1 ($timeout) must be of type float, string given
returned array
returned array

Deprecated: SentryTransport::sendEvent(): Passing null to parameter #1 ($event) of type array|string is deprecated in %s on line %d
returned array
