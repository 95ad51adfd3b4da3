--TEST--
captureException: chains of 1 and 3 (oldest cause first), frames caller first with Class::method, {closure}, static methods, eval'd code, internal functions; in_app from in_app_exclude; no arguments
--SKIPIF--
<?php $st_needs = ['receiver']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/capture.inc';
$code = <<<'PHP'
class Repo {
    public function find($id, $password) { throw new InvalidArgumentException("no row $id"); }
    public static function load($id) { return (new Repo)->find($id, 'hunter2-arg'); }
}
function level1() { $f = function () { return Repo::load(7); }; return $f(); }
try { level1(); } catch (Throwable $e) { $one = SentryTransport::captureException($e); }
try {
    try {
        try { eval('throw new LogicException("root cause");'); }
        catch (Exception $a) { throw new RuntimeException("middle", 0, $a); }
    } catch (Exception $b) { throw new DomainException("outer", 0, $b); }
} catch (Exception $c) { $three = SentryTransport::captureException($c); }
$dir = sys_get_temp_dir() . '/st-cap-080-' . getmypid() . '/vendor/acme';
@mkdir($dir, 0700, true);
file_put_contents("$dir/lib.php", "<?php\nfunction acme_fail() {\n throw new Exception('from vendor');\n}\n");
require "$dir/lib.php";
try { array_map(fn($x) => acme_fail(), [1]); } catch (Exception $e) { $vendor = SentryTransport::captureException($e); }
unlink("$dir/lib.php"); rmdir($dir); rmdir(dirname($dir)); rmdir(dirname($dir, 2));
try { intdiv(1, 0); } catch (DivisionByZeroError $e) { $error = SentryTransport::captureException($e); }
st_out(['res' => [$one, $three, $vendor, $error], 'flushed' => SentryTransport::flush(10.0)]);
PHP;
[$v, $events, $stats] = cap_run('080_capture_exception', $code, 4);
echo cap_stats($stats), "\n";
echo "flushed: ", json_encode($v['flushed']), "\n";
$byId = array_column($events, null, 'event_id');
foreach ($v['res'] as $i => $res) {
    echo "== capture $i: ", st_show($res) === 'ok ' . $res['event_id'] ? 'ok' : st_show($res), "\n";
    $e = $byId[$res['event_id']];
    echo "  level {$e['level']}, platform {$e['platform']}\n";
    cap_show($e);
}
$wire = json_encode($events);
echo "arguments on the wire: ", json_encode(str_contains($wire, 'hunter2') || str_contains($wire, '"args"') || str_contains($wire, '"vars"')), "\n";
?>
--EXPECT--
receiver: valid=4 invalid=0
flushed: true
== capture 0: ok
  level error, platform php
  [0] InvalidArgumentException: "no row 7" mechanism {"type":"generic","handled":true}
      {main} @ <script>:9 app
      level1 @ <script>:8 app
      {closure} @ <script>:8 app
      Repo::load @ <script>:6 app
      Repo::find @ <script>:5 app
== capture 1: ok
  level error, platform php
  [0] LogicException: "root cause" mechanism {"type":"generic","handled":true}
      {main} @ <script>:12 app
      eval @ <script>(12) : eval()'d code:1 app
  [1] RuntimeException: "middle" mechanism {"type":"generic","handled":true}
      {main} @ <script>:13 app
  [2] DomainException: "outer" mechanism {"type":"generic","handled":true}
      {main} @ <script>:14 app
== capture 2: ok
  level error, platform php
  [0] Exception: "from vendor" mechanism {"type":"generic","handled":true}
      {main} @ <script>:20 app
      array_map @ [internal] lib
      {closure} @ <script>:20 app
      acme_fail @ lib.php:3 lib
== capture 3: ok
  level error, platform php
  [0] DivisionByZeroError: "Division by zero" mechanism {"type":"generic","handled":true}
      {main} @ <script>:22 app
      intdiv @ <script>:22 app
arguments on the wire: false
