--TEST--
Scope: addBreadcrumb (every argument), max_breadcrumbs drops the oldest, configureScope merges, clearScope empties; a worker loop's jobs do not leak scope; the event policy (scrubbing, ignore_exceptions, sample_rate) applies
--SKIPIF--
<?php $st_needs = ['receiver']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/capture.inc';
$code = <<<'PHP'
$res = [];
SentryTransport::addBreadcrumb('http', 'GET /a');
SentryTransport::addBreadcrumb('db', 'SELECT 1', 'warning', ['rows' => 1, 'password' => 'crumb-secret']);
SentryTransport::addBreadcrumb('q', 'third', 'nonsense', []);
SentryTransport::addBreadcrumb('q', 'fourth', 'error');
$res['max 3 crumbs'] = SentryTransport::captureMessage('crumbs');
SentryTransport::configureScope(['tags' => ['a' => '1']]);
SentryTransport::configureScope(['tags' => ['b' => '2'], 'extra' => ['x' => 1]]);
SentryTransport::configureScope(['tags' => ['a' => 'replaced']]);
$res['merged'] = SentryTransport::captureMessage('merged');
SentryTransport::clearScope();
$res['cleared'] = SentryTransport::captureMessage('cleared');
// a worker loop: clearScope per job, capture in the catch
foreach ([1, 2, 3] as $job) {
    SentryTransport::clearScope();
    SentryTransport::configureScope(['tags' => ["job$job" => 'yes'], 'transaction' => "job-$job"]);
    SentryTransport::addBreadcrumb('job', "job $job started");
    try {
        if ($job !== 2) throw new RuntimeException("job $job failed");
    } catch (Throwable $e) {
        $res["job $job"] = SentryTransport::captureException($e, ['level' => 'warning']);
    }
}
SentryTransport::clearScope();
$res['ignored'] = SentryTransport::captureException(new LengthException('drop me'));
st_out(['res' => $res, 'flushed' => SentryTransport::flush(10.0)]);
PHP;
[$v, $events, $stats] = cap_run('082_capture_scope', $code, 5, ['max_breadcrumbs' => '3', 'ignore_exceptions' => 'LengthException']);
echo cap_stats($stats), ", events: ", count($events), "\n";
$byId = array_column($events, null, 'event_id');
foreach ($v['res'] as $name => $res) {
    echo "== $name: ", $res['success'] ? 'ok' : $res['error'], $res['dropped'] ? " (dropped: {$res['dropped']})" : '', "\n";
    $e = $byId[$res['event_id']] ?? null;
    if (!$e) { echo "  not received\n"; continue; }
    foreach ($e['breadcrumbs']['values'] ?? [] as $i => $b) {
        $e['breadcrumbs']['values'][$i]['timestamp'] = abs($b['timestamp'] - time()) < 60 ? 'now' : $b['timestamp'];
    }
    unset($e['event_id'], $e['timestamp'], $e['platform'], $e['sdk'], $e['server_name']);
    if (isset($e['exception'])) {
        $e['exception'] = array_map(fn($x) => $x['type'] . ': ' . $x['value'], $e['exception']['values']);
    }
    echo "  ", json_encode($e, JSON_UNESCAPED_SLASHES), "\n";
}
// sample_rate 0: captured, counted, not sent
[$v2, $events2] = cap_run('082_capture_scope', 'st_out(SentryTransport::captureException(new Exception("x")));', 0, ['sample_rate' => '0']);
echo "sample_rate 0: success ", json_encode($v2['success']), ", dropped ", $v2['dropped'], ", received ", count($events2), "\n";
?>
--EXPECT--
receiver: valid=5 invalid=0, events: 5
== max 3 crumbs: ok
  {"level":"info","message":{"formatted":"crumbs"},"breadcrumbs":{"values":[{"timestamp":"now","category":"db","message":"SELECT 1","level":"warning","data":{"rows":1,"password":"[Filtered]"}},{"timestamp":"now","category":"q","message":"third","level":"info"},{"timestamp":"now","category":"q","message":"fourth","level":"error"}]}}
== merged: ok
  {"level":"info","message":{"formatted":"merged"},"tags":{"a":"replaced","b":"2"},"extra":{"x":1},"breadcrumbs":{"values":[{"timestamp":"now","category":"db","message":"SELECT 1","level":"warning","data":{"rows":1,"password":"[Filtered]"}},{"timestamp":"now","category":"q","message":"third","level":"info"},{"timestamp":"now","category":"q","message":"fourth","level":"error"}]}}
== cleared: ok
  {"level":"info","message":{"formatted":"cleared"}}
== job 1: ok
  {"level":"warning","exception":["RuntimeException: job 1 failed"],"tags":{"job1":"yes"},"transaction":"job-1","breadcrumbs":{"values":[{"timestamp":"now","category":"job","message":"job 1 started","level":"info"}]}}
== job 3: ok
  {"level":"warning","exception":["RuntimeException: job 3 failed"],"tags":{"job3":"yes"},"transaction":"job-3","breadcrumbs":{"values":[{"timestamp":"now","category":"job","message":"job 3 started","level":"info"}]}}
== ignored: ok (dropped: ignored)
  not received
sample_rate 0: success true, dropped sample_rate, received 0
