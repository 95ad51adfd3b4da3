--TEST--
capture_errors=1 (CLI): uncaught exceptions (handled=false), E_USER_ERROR at level fatal with its stack; the app's exception and error handlers still run and win; error_breadcrumbs=1: warnings and notices become breadcrumbs unless handled or silenced; off by default
--SKIPIF--
<?php $st_needs = ['receiver']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/capture.inc';
$q = '084_capture_errors';
$on = ['capture_errors' => '1', 'error_breadcrumbs' => '1'];
$cases = [
    'uncaught, capture_errors off' => [0, [], 'function f() { throw new DomainException("off"); } f();'],
    'uncaught chain' => [1, $on, 'class Job { function run() { try { throw new LogicException("cause"); } catch (Exception $e) { throw new RuntimeException("job failed", 0, $e); } } }
(new Job)->run();'],
    'app exception handler' => [0, $on, 'set_exception_handler(function ($e) { echo "app handler: ", $e->getMessage(), "\n"; });
throw new Exception("to the app");'],
    'E_USER_ERROR' => [1, $on, 'function fail() { trigger_error("custom fatal", E_USER_ERROR); } fail();'],
    'breadcrumbs' => [1, $on, 'echo @$silenced;
echo $undefined1;
set_error_handler(fn() => true); echo $handled; restore_error_handler();
trigger_error("a notice", E_USER_NOTICE);
SentryTransport::captureMessage("after warnings");'],
    'breadcrumbs only' => [1, ['error_breadcrumbs' => '1'], 'echo $undefined2; SentryTransport::captureMessage("m"); throw new Exception("not reported");'],
];
foreach ($cases as $name => [$n, $ini, $code]) {
    // the process has exited (and flushed at exit): what it queued has been sent
    [$run, $events, $stats] = cap_run_raw($q, $code, $n, $ini, [], $name === 'E_USER_ERROR' ? cap_fatal_env() : []);
    echo "== $name: rc {$run['rc']}, ", cap_stats($stats), ", events ", count($events), "\n";
    if (str_contains($run['out'], 'app handler')) echo "  app handler ran\n";
    foreach ($events as $e) {
        echo "  level {$e['level']}", isset($e['message']) ? ", message " . $e['message']['formatted'] : '', "\n";
        cap_show($e);
        foreach ($e['breadcrumbs']['values'] ?? [] as $b) {
            if (str_contains($b['message'], 'Passing E_USER_ERROR to trigger_error() is deprecated')) {
                continue; // PHP >= 8.4 deprecates E_USER_ERROR itself: a real breadcrumb, not one 8.2 has
            }
            echo "  crumb {$b['category']} {$b['level']}: {$b['message']} (line {$b['data']['line']})\n";
        }
    }
}
?>
--EXPECT--
== uncaught, capture_errors off: rc 255, receiver: valid=0 invalid=0, events 0
== uncaught chain: rc 255, receiver: valid=1 invalid=0, events 1
  level error
  [0] LogicException: "cause" mechanism {"type":"php.uncaught_exception","handled":false}
      {main} @ <script>:3 app
      Job::run @ <script>:2 app
  [1] RuntimeException: "job failed" mechanism {"type":"php.uncaught_exception","handled":false}
      {main} @ <script>:3 app
      Job::run @ <script>:2 app
== app exception handler: rc 0, receiver: valid=0 invalid=0, events 0
  app handler ran
== E_USER_ERROR: rc 255, receiver: valid=1 invalid=0, events 1
  level fatal
  [0] E_USER_ERROR: "custom fatal" mechanism {"type":"php.fatal_error","handled":false}
      {main} @ <script>:2 app
      fail @ <script>:2 app
      trigger_error @ [internal] lib
== breadcrumbs: rc 0, receiver: valid=1 invalid=0, events 1
  level info, message after warnings
  crumb php.error warning: Undefined variable $undefined1 (line 3)
  crumb php.error info: a notice (line 5)
== breadcrumbs only: rc 255, receiver: valid=1 invalid=0, events 1
  level info, message m
  crumb php.error warning: Undefined variable $undefined2 (line 2)
