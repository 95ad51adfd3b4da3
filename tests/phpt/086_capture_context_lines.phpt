--TEST--
context_lines=2: source lines around each frame (pre_context, context_line, post_context); a file edited between two captures of one process is read again; eval'd code has none
--SKIPIF--
<?php $st_needs = ['receiver']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/capture.inc';
$code = <<<'PHP'
$f = sys_get_temp_dir() . '/st-086-' . getmypid() . '.php';
file_put_contents($f, "<?php\n// one\nfunction thrower() {\n    throw new Exception('v1'); // line 4\n}\n// six\n");
require $f;
try { thrower(); } catch (Exception $e) { $r1 = SentryTransport::captureException($e); }
// the same file, edited: same size, another text (a deploy while the worker runs)
file_put_contents($f, "<?php\n// ONE\nfunction thrower() {\n    throw new Exception('v1'); // line 4\n}\n// SIX\n");
touch($f, time() + 5);
clearstatcache();
try { thrower(); } catch (Exception $e) { $r2 = SentryTransport::captureException($e); }
try { eval('throw new Exception("in eval");'); } catch (Exception $e) { $r3 = SentryTransport::captureException($e); }
unlink($f);
st_out(['res' => [$r1, $r2, $r3], 'flushed' => SentryTransport::flush(10.0)]);
PHP;
[$v, $events, $stats] = cap_run('086_capture_context_lines', $code, 3, ['context_lines' => '2']);
echo cap_stats($stats), "\n";
$byId = array_column($events, null, 'event_id');
foreach ($v['res'] as $i => $res) {
    $e = $byId[$res['event_id']];
    $frames = $e['exception']['values'][0]['stacktrace']['frames'];
    $last = end($frames);
    echo "== capture $i: ", $last['function'], "\n";
    foreach (['pre_context', 'context_line', 'post_context'] as $k) {
        echo "  $k: ", json_encode($last[$k] ?? '(none)', JSON_UNESCAPED_SLASHES), "\n";
    }
}
?>
--EXPECT--
receiver: valid=3 invalid=0
== capture 0: thrower
  pre_context: ["// one","function thrower() {"]
  context_line: "    throw new Exception('v1'); // line 4"
  post_context: ["}","// six"]
== capture 1: thrower
  pre_context: ["// ONE","function thrower() {"]
  context_line: "    throw new Exception('v1'); // line 4"
  post_context: ["}","// SIX"]
== capture 2: eval
  pre_context: "(none)"
  context_line: "(none)"
  post_context: "(none)"
