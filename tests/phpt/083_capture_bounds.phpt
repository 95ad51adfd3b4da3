--TEST--
captureException bounds: a 10,000-deep recursion (frames capped with a note), a 1 MB message, a getPrevious() cycle, a chain of 20, huge context values: every event bounded and valid
--SKIPIF--
<?php $st_needs = ['receiver']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/capture.inc';
$code = <<<'PHP'
ini_set('zend.max_allowed_stack_size', '-1');
function down($n) { if ($n === 0) throw new RuntimeException('bottom'); return down($n - 1); }
$res = [];
try { down(10000); } catch (Exception $e) { $res['deep'] = SentryTransport::captureException($e); }
$res['huge message'] = SentryTransport::captureException(new Exception(str_repeat('m', 1 << 20)));
$a = new LogicException('a'); $b = new RuntimeException('b', 0, $a);
(new ReflectionProperty(Exception::class, 'previous'))->setValue($a, $b); // a -> b -> a
$res['cycle'] = SentryTransport::captureException($b);
(new ReflectionProperty(Exception::class, 'previous'))->setValue($a, null); // PHP itself would leak the cycle
$e = null;
for ($i = 0; $i < 20; $i++) { $e = new Exception("link $i", 0, $e); }
$res['chain of 20'] = SentryTransport::captureException($e);
$deep = []; $p = &$deep; for ($i = 0; $i < 50; $i++) { $p['d'] = []; $p = &$p['d']; } unset($p);
$res['huge context'] = SentryTransport::captureException(new Exception('ctx'), [
    'extra' => ['big' => str_repeat('x', 3 << 20), 'many' => range(1, 5000), 'deep' => $deep]]);
st_out(['res' => $res, 'flushed' => SentryTransport::flush(10.0)]);
PHP;
[$v, $events, $stats] = cap_run('083_capture_bounds', $code, 5);
echo cap_stats($stats), "\n";
$byId = array_column($events, null, 'event_id');
foreach ($v['res'] as $name => $res) {
    echo "== $name: ", $res['success'] ? 'ok' : $res['error'], "\n";
    $e = $byId[$res['event_id']] ?? null;
    if (!$e) { echo "  not received\n"; continue; }
    echo "  bytes < 1 MiB: ", json_encode(strlen(json_encode($e)) < (1 << 20)), "\n";
    foreach ($e['exception']['values'] as $x) {
        $frames = $x['stacktrace']['frames'] ?? [];
        $notes = array_values(array_filter($frames, fn($f) => $f['filename'] === '[omitted]'));
        echo "  ", $x['type'], " value ", strlen($x['value']), " bytes", str_ends_with($x['value'], '...') ? ' (cut)' : '',
             ", frames ", count($frames), $notes ? ", note " . $notes[0]['function'] : '', "\n";
    }
    if ($name === 'deep') {
        $f = $e['exception']['values'][0]['stacktrace']['frames'];
        echo "  first ", $f[0]['function'], ", last ", end($f)['function'], " line ", end($f)['lineno'], "\n";
    }
    if (isset($e['extra'])) {
        echo "  extra.big ", strlen($e['extra']['big']), " bytes, many ", count($e['extra']['many']), " items, deep ",
             substr_count(json_encode($e['extra']['deep']), '"d"'), " levels then ", json_encode(strstr(json_encode($e['extra']['deep']), '"[depth'), JSON_UNESCAPED_SLASHES), "\n";
    }
}
?>
--EXPECT--
receiver: valid=5 invalid=0
== deep: ok
  bytes < 1 MiB: true
  RuntimeException value 6 bytes, frames 101, note [9902 frames omitted]
  first {main}, last down line 5
== huge message: ok
  bytes < 1 MiB: true
  Exception value 8195 bytes (cut), frames 1
== cycle: ok
  bytes < 1 MiB: true
  LogicException value 1 bytes, frames 1
  RuntimeException value 1 bytes, frames 1
== chain of 20: ok
  bytes < 1 MiB: true
  Exception value 6 bytes, frames 1
  Exception value 6 bytes, frames 1
  Exception value 6 bytes, frames 1
  Exception value 6 bytes, frames 1
  Exception value 6 bytes, frames 1
  Exception value 6 bytes, frames 1
  Exception value 7 bytes, frames 1
  Exception value 7 bytes, frames 1
  Exception value 7 bytes, frames 1
  Exception value 7 bytes, frames 1
  Exception value 7 bytes, frames 1
  Exception value 7 bytes, frames 1
  Exception value 7 bytes, frames 1
  Exception value 7 bytes, frames 1
  Exception value 7 bytes, frames 1
  Exception value 7 bytes, frames 1
== huge context: ok
  bytes < 1 MiB: true
  Exception value 3 bytes, frames 1
  extra.big 16387 bytes, many 1000 items, deep 9 levels then "\"[depth limit]\"}}}}}}}}}"
