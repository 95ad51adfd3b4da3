--TEST--
captureException & co.: wrong argument types are TypeErrors (arginfo); without a DSN or with the transport disabled they answer like sendEvent and never throw; scope methods work without a DSN
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/st.inc';
$code = <<<'PHP'
$calls = [
    'captureException(string)' => fn() => SentryTransport::captureException('not a throwable'),
    'captureException(e, string)' => fn() => SentryTransport::captureException(new Exception('x'), 'ctx'),
    'captureMessage(array)' => fn() => SentryTransport::captureMessage([]),
    'captureMessage(m, array)' => fn() => SentryTransport::captureMessage('m', []),
    'addBreadcrumb(c)' => fn() => SentryTransport::addBreadcrumb('c'),
    'addBreadcrumb(c, m, l, string)' => fn() => SentryTransport::addBreadcrumb('c', 'm', 'info', 'data'),
    'configureScope(string)' => fn() => SentryTransport::configureScope('x'),
    'clearScope(1)' => fn() => SentryTransport::clearScope(1),
];
$out = [];
foreach ($calls as $name => $fn) {
    try { $fn(); $out[$name] = 'no error'; } catch (Throwable $t) { $out[$name] = get_class($t) . ': ' . $t->getMessage(); }
}
SentryTransport::configureScope(['tags' => ['a' => 'b']]);
SentryTransport::addBreadcrumb('c', 'm');
SentryTransport::clearScope();
$out['captureException'] = SentryTransport::captureException(new Exception('x'));
$out['captureMessage'] = SentryTransport::captureMessage('m');
st_out($out);
PHP;
foreach (['no DSN' => [], 'disabled' => ['enabled' => '0', 'dsn' => 'https://k@127.0.0.1:9/1']] as $label => $ini) {
    echo "== $label\n";
    $run = st_run_json($ini + st_default_ini(), $code);
    foreach ($run['value'] as $k => $v) {
        echo "$k: ", is_array($v) ? json_encode($v) : $v, "\n";
    }
}
?>
--EXPECT--
== no DSN
captureException(string): TypeError: SentryTransport::captureException(): Argument #1 ($exception) must be of type Throwable, string given
captureException(e, string): TypeError: SentryTransport::captureException(): Argument #2 ($context) must be of type array, string given
captureMessage(array): TypeError: SentryTransport::captureMessage(): Argument #1 ($message) must be of type string, array given
captureMessage(m, array): TypeError: SentryTransport::captureMessage(): Argument #2 ($level) must be of type string, array given
addBreadcrumb(c): ArgumentCountError: SentryTransport::addBreadcrumb() expects at least 2 arguments, 1 given
addBreadcrumb(c, m, l, string): TypeError: SentryTransport::addBreadcrumb(): Argument #4 ($data) must be of type array, string given
configureScope(string): TypeError: SentryTransport::configureScope(): Argument #1 ($scope) must be of type array, string given
clearScope(1): ArgumentCountError: SentryTransport::clearScope() expects exactly 0 arguments, 1 given
captureException: {"success":false,"event_id":"","error":"no DSN configured (set sentry_transport.dsn or SENTRY_DSN)","rate_limit":false,"sampled":true,"dropped":""}
captureMessage: {"success":false,"event_id":"","error":"no DSN configured (set sentry_transport.dsn or SENTRY_DSN)","rate_limit":false,"sampled":true,"dropped":""}
== disabled
captureException(string): TypeError: SentryTransport::captureException(): Argument #1 ($exception) must be of type Throwable, string given
captureException(e, string): TypeError: SentryTransport::captureException(): Argument #2 ($context) must be of type array, string given
captureMessage(array): TypeError: SentryTransport::captureMessage(): Argument #1 ($message) must be of type string, array given
captureMessage(m, array): TypeError: SentryTransport::captureMessage(): Argument #2 ($level) must be of type string, array given
addBreadcrumb(c): ArgumentCountError: SentryTransport::addBreadcrumb() expects at least 2 arguments, 1 given
addBreadcrumb(c, m, l, string): TypeError: SentryTransport::addBreadcrumb(): Argument #4 ($data) must be of type array, string given
configureScope(string): TypeError: SentryTransport::configureScope(): Argument #1 ($scope) must be of type array, string given
clearScope(1): ArgumentCountError: SentryTransport::clearScope() expects exactly 0 arguments, 1 given
captureException: {"success":false,"event_id":"","error":"transport disabled (sentry_transport.enabled=0)","rate_limit":false,"sampled":true,"dropped":""}
captureMessage: {"success":false,"event_id":"","error":"transport disabled (sentry_transport.enabled=0)","rate_limit":false,"sampled":true,"dropped":""}
