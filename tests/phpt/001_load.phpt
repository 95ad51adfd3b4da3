--TEST--
Extension loads; final class SentryTransport with static methods and exact arginfo
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--INI--
sentry_transport.queue.name=001_load
--FILE--
<?php
var_dump(extension_loaded('sentry_transport'));
$ext = new ReflectionExtension('sentry_transport');
var_dump($ext->getVersion());
var_dump($ext->getClassNames());
var_dump(array_keys($ext->getFunctions()));

$c = new ReflectionClass('SentryTransport');
var_dump($c->isFinal(), $c->isInternal(), $c->isInstantiable(), $c->isAbstract(), $c->isInterface());
var_dump($c->getParentClass(), $c->getInterfaceNames(), $c->getConstants(), $c->getProperties());
// the six methods of the seed's API, exactly (other methods may follow; they are static too)
foreach (['sendEvent', 'sendBatch', 'sendEnvelope', 'getStatus', 'getMetrics', 'flush'] as $name) {
    $m = new ReflectionMethod('SentryTransport', $name);
    $params = [];
    foreach ($m->getParameters() as $p) {
        $params[] = $p->getType() . ' $' . $p->getName()
            . ($p->isOptional() ? ' = ' . var_export($p->getDefaultValue(), true) : '');
    }
    printf("%s%s%s::%s(%s): %s\n",
        $m->isPublic() ? 'public ' : 'non-public ', $m->isStatic() ? 'static ' : '',
        $m->getDeclaringClass()->getName(), $m->getName(), implode(', ', $params),
        $m->getReturnType());
}
foreach ($c->getMethods() as $m) {
    if (!$m->isPublic() || !$m->isStatic() || !$m->hasReturnType()) {
        echo "not public static with a return type: ", $m->getName(), "\n";
    }
}
$t = (new ReflectionMethod('SentryTransport', 'sendEvent'))->getParameters()[0]->getType();
var_dump(get_class($t), array_map('strval', $t->getTypes()), $t->allowsNull());
var_dump((new ReflectionMethod('SentryTransport', 'flush'))->getNumberOfRequiredParameters());

// @not-serializable
try {
    serialize(new SentryTransport());
    echo "serialized\n";
} catch (Throwable $e) {
    echo get_class($e), ': ', $e->getMessage(), "\n";
}
?>
--EXPECT--
bool(true)
string(5) "0.1.0"
array(1) {
  [0]=>
  string(15) "SentryTransport"
}
array(0) {
}
bool(true)
bool(true)
bool(true)
bool(false)
bool(false)
bool(false)
array(0) {
}
array(0) {
}
array(0) {
}
public static SentryTransport::sendEvent(array|string $event): array
public static SentryTransport::sendBatch(array $events): array
public static SentryTransport::sendEnvelope(string $envelope, ?string $dsn = NULL): array
public static SentryTransport::getStatus(): array
public static SentryTransport::getMetrics(): array
public static SentryTransport::flush(float $timeout = 2.0): bool
string(19) "ReflectionUnionType"
array(2) {
  [0]=>
  string(5) "array"
  [1]=>
  string(6) "string"
}
bool(false)
int(0)
Exception: Serialization of 'SentryTransport' is not allowed
