--TEST--
captureMessage: levels, every context key (tags, extra, user, contexts, fingerprint, transaction, breadcrumbs, level) and how it wins over the scope; invalid UTF-8; bad content never throws
--SKIPIF--
<?php $st_needs = ['receiver']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/capture.inc';
$code = <<<'PHP'
SentryTransport::configureScope([
    'tags' => ['scope_tag' => 's', 'shared' => 'from scope', 'num' => 5, 'flag' => true, 'arr' => [1]],
    'extra' => ['scope_extra' => 1, 'shared' => 'from scope'],
    'user' => ['id' => 'u1', 'username' => 'scope-user'],
    'contexts' => ['app' => ['app_version' => '1.0']],
    'fingerprint' => ['scope-fp'],
    'transaction' => 'scope-tx',
    'breadcrumbs' => [['category' => 'boot', 'message' => 'scope crumb', 'level' => 'debug', 'timestamp' => 1700000000.5]],
]);
$res = [];
$res['default level'] = SentryTransport::captureMessage('plain');
foreach (['debug', 'INFO', 'warn', 'warning', 'error', 'fatal', 'bogus'] as $l) {
    $res["level $l"] = SentryTransport::captureMessage("at $l", $l);
}
$res['context'] = SentryTransport::captureMessage('with context', 'error', [
    'tags' => ['shared' => 'from context', 'ctx' => 'c'],
    'extra' => ['shared' => 'from context', 'nested' => ['a' => [1, 2.5, null, false]], 'obj' => new ArrayObject([])],
    'user' => ['username' => 'ctx-user'],
    'contexts' => ['runtime' => ['name' => 'php']],
    'fingerprint' => ['{{ default }}', 'ctx-fp'],
    'transaction' => 'ctx-tx',
    'breadcrumbs' => [['category' => 'ctx', 'message' => 'context crumb', 'data' => ['k' => 'v']], 'not an array'],
    'level' => 'debug', // ignored: a message's level is its argument
    'unknown_key' => 'ignored',
]);
$res['invalid utf-8'] = SentryTransport::captureMessage("bad \xC3\x28 and \xFF end", 'info', ['tags' => ["k\xFF" => "v\xFE"]]);
$res['bad types'] = SentryTransport::captureMessage('bad types', 'info', ['tags' => 'x', 'extra' => 5, 'user' => null, 'fingerprint' => 'nope', 'transaction' => [], 'breadcrumbs' => 'no']);
st_out(['res' => $res, 'flushed' => SentryTransport::flush(10.0)]);
PHP;
[$v, $events, $stats] = cap_run('081_capture_message', $code, 11);
echo cap_stats($stats), "\n";
$byId = array_column($events, null, 'event_id');
foreach ($v['res'] as $name => $res) {
    $e = $byId[$res['event_id']] ?? null;
    echo "== $name: ", $res['success'] ? 'ok' : $res['error'], "\n";
    if (!$e) { echo "  not received\n"; continue; }
    foreach ($e['breadcrumbs']['values'] as &$b) {
        $b['timestamp'] = $b['timestamp'] == 1700000000.5 ? 'given' : (abs($b['timestamp'] - time()) < 60 ? 'now' : $b['timestamp']);
    }
    unset($b, $e['event_id'], $e['timestamp'], $e['platform'], $e['sdk'], $e['server_name']);
    echo "  ", json_encode($e, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE), "\n";
}
?>
--EXPECT--
receiver: valid=11 invalid=0
== default level: ok
  {"level":"info","message":{"formatted":"plain"},"tags":{"scope_tag":"s","shared":"from scope","num":"5","flag":"true"},"extra":{"scope_extra":1,"shared":"from scope"},"user":{"id":"u1","username":"scope-user"},"contexts":{"app":{"app_version":"1.0"}},"fingerprint":["scope-fp"],"transaction":"scope-tx","breadcrumbs":{"values":[{"timestamp":"given","category":"boot","message":"scope crumb","level":"debug"}]}}
== level debug: ok
  {"level":"debug","message":{"formatted":"at debug"},"tags":{"scope_tag":"s","shared":"from scope","num":"5","flag":"true"},"extra":{"scope_extra":1,"shared":"from scope"},"user":{"id":"u1","username":"scope-user"},"contexts":{"app":{"app_version":"1.0"}},"fingerprint":["scope-fp"],"transaction":"scope-tx","breadcrumbs":{"values":[{"timestamp":"given","category":"boot","message":"scope crumb","level":"debug"}]}}
== level INFO: ok
  {"level":"info","message":{"formatted":"at INFO"},"tags":{"scope_tag":"s","shared":"from scope","num":"5","flag":"true"},"extra":{"scope_extra":1,"shared":"from scope"},"user":{"id":"u1","username":"scope-user"},"contexts":{"app":{"app_version":"1.0"}},"fingerprint":["scope-fp"],"transaction":"scope-tx","breadcrumbs":{"values":[{"timestamp":"given","category":"boot","message":"scope crumb","level":"debug"}]}}
== level warn: ok
  {"level":"warning","message":{"formatted":"at warn"},"tags":{"scope_tag":"s","shared":"from scope","num":"5","flag":"true"},"extra":{"scope_extra":1,"shared":"from scope"},"user":{"id":"u1","username":"scope-user"},"contexts":{"app":{"app_version":"1.0"}},"fingerprint":["scope-fp"],"transaction":"scope-tx","breadcrumbs":{"values":[{"timestamp":"given","category":"boot","message":"scope crumb","level":"debug"}]}}
== level warning: ok
  {"level":"warning","message":{"formatted":"at warning"},"tags":{"scope_tag":"s","shared":"from scope","num":"5","flag":"true"},"extra":{"scope_extra":1,"shared":"from scope"},"user":{"id":"u1","username":"scope-user"},"contexts":{"app":{"app_version":"1.0"}},"fingerprint":["scope-fp"],"transaction":"scope-tx","breadcrumbs":{"values":[{"timestamp":"given","category":"boot","message":"scope crumb","level":"debug"}]}}
== level error: ok
  {"level":"error","message":{"formatted":"at error"},"tags":{"scope_tag":"s","shared":"from scope","num":"5","flag":"true"},"extra":{"scope_extra":1,"shared":"from scope"},"user":{"id":"u1","username":"scope-user"},"contexts":{"app":{"app_version":"1.0"}},"fingerprint":["scope-fp"],"transaction":"scope-tx","breadcrumbs":{"values":[{"timestamp":"given","category":"boot","message":"scope crumb","level":"debug"}]}}
== level fatal: ok
  {"level":"fatal","message":{"formatted":"at fatal"},"tags":{"scope_tag":"s","shared":"from scope","num":"5","flag":"true"},"extra":{"scope_extra":1,"shared":"from scope"},"user":{"id":"u1","username":"scope-user"},"contexts":{"app":{"app_version":"1.0"}},"fingerprint":["scope-fp"],"transaction":"scope-tx","breadcrumbs":{"values":[{"timestamp":"given","category":"boot","message":"scope crumb","level":"debug"}]}}
== level bogus: ok
  {"level":"info","message":{"formatted":"at bogus"},"tags":{"scope_tag":"s","shared":"from scope","num":"5","flag":"true"},"extra":{"scope_extra":1,"shared":"from scope"},"user":{"id":"u1","username":"scope-user"},"contexts":{"app":{"app_version":"1.0"}},"fingerprint":["scope-fp"],"transaction":"scope-tx","breadcrumbs":{"values":[{"timestamp":"given","category":"boot","message":"scope crumb","level":"debug"}]}}
== context: ok
  {"level":"error","message":{"formatted":"with context"},"tags":{"scope_tag":"s","num":"5","flag":"true","shared":"from context","ctx":"c"},"extra":{"scope_extra":1,"shared":"from context","nested":{"a":[1,2.5,null,false]},"obj":"Object ArrayObject"},"user":{"id":"u1","username":"ctx-user"},"contexts":{"app":{"app_version":"1.0"},"runtime":{"name":"php"}},"fingerprint":["{{ default }}","ctx-fp"],"transaction":"ctx-tx","breadcrumbs":{"values":[{"timestamp":"given","category":"boot","message":"scope crumb","level":"debug"},{"timestamp":"now","category":"ctx","message":"context crumb","level":"info","data":{"k":"v"}}]}}
== invalid utf-8: ok
  {"level":"info","message":{"formatted":"bad �( and � end"},"tags":{"scope_tag":"s","shared":"from scope","num":"5","flag":"true","k�":"v�"},"extra":{"scope_extra":1,"shared":"from scope"},"user":{"id":"u1","username":"scope-user"},"contexts":{"app":{"app_version":"1.0"}},"fingerprint":["scope-fp"],"transaction":"scope-tx","breadcrumbs":{"values":[{"timestamp":"given","category":"boot","message":"scope crumb","level":"debug"}]}}
== bad types: ok
  {"level":"info","message":{"formatted":"bad types"},"tags":{"scope_tag":"s","shared":"from scope","num":"5","flag":"true"},"extra":{"scope_extra":1,"shared":"from scope"},"user":{"id":"u1","username":"scope-user"},"contexts":{"app":{"app_version":"1.0"}},"fingerprint":["scope-fp"],"transaction":"scope-tx","breadcrumbs":{"values":[{"timestamp":"given","category":"boot","message":"scope crumb","level":"debug"}]}}
