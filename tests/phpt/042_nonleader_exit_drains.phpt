--TEST--
A process that queued an event while nobody led, then exits, sends it itself (not left stranded until the next process)
--DESCRIPTION--
Found by tests/e2e/php_fpm_chaos.php (FPM, pm.max_requests=2): the leader stepped down with
an empty queue, then a child that was not the drainer queued events and was recycled
before its thread's next election poll (every 200 ms). Its thread exited at once, and the
events waited in the queue until some later request started a drainer. Here: A leads; B
starts (not the drainer), waits until A has stepped down, sends one event and exits at
once. The event must reach the receiver with no further process touching the queue.
--SKIPIF--
<?php $st_needs = ['receiver']; require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/st.inc';
require __DIR__ . '/../receiver/client.php';
$q = '042_nonleader_exit_' . getmypid(); // a suite run in parallel with another must not share it
st_shm_remove($q);
$r = st_receiver_start();
$dir = sys_get_temp_dir() . '/st-042-' . getmypid();
@mkdir($dir);
// Generous: B leaves as soon as its event is sent; a slow machine (ASan, valgrind, load)
// must not turn "sent at exit" into "still queued at the deadline".
$ini = ['dsn' => $r['dsn'], 'queue.name' => $q, 'shutdown_timeout' => '15s'] + st_default_ini();

/** Start `php -n` with the extension and $ini running $code, in the background. */
function start(array $ini, string $code, string $out)
{
    $cmd = [PHP_BINARY, '-n', '-d', 'extension=' . st_extension_path()];
    foreach ($ini as $k => $v) {
        array_push($cmd, '-d', "sentry_transport.$k=$v");
    }
    array_push($cmd, '-r', $code);
    return proc_open($cmd, [0 => ['file', '/dev/null', 'r'], 1 => ['file', $out, 'w'], 2 => ['file', $out, 'a']], $p);
}
function wait_file(string $f, float $s): bool
{
    for ($t = microtime(true); !file_exists($f) && microtime(true) - $t < $s;) {
        usleep(2000);
    }
    return file_exists($f);
}

// A: the drainer, until told to exit (its queue is empty then: it steps down at once).
$a = start($ini, sprintf('for ($i = 0; $i < 500 && !SentryTransport::getStatus()["drainer"]["is_self"]; $i++) usleep(10000);
    touch(%1$s . "/a-leads");
    for ($i = 0; $i < 1000 && !file_exists(%1$s . "/a-go"); $i++) usleep(10000);', var_export($dir, true)), "$dir/a.out");
echo 'A leads: ', json_encode(wait_file("$dir/a-leads", 10.0)), "\n";
// B: not the drainer; once nobody leads, one event, then exit at once.
$b = start($ini, sprintf('$s = SentryTransport::getStatus()["drainer"];
    file_put_contents(%1$s . "/b-ready.tmp", json_encode($s["pid"] !== 0 && !$s["is_self"]));
    rename(%1$s . "/b-ready.tmp", %1$s . "/b-ready"); // seen whole, never empty
    for ($i = 0; $i < 10000 && SentryTransport::getStatus()["drainer"]["pid"] !== 0; $i++) usleep(1000);
    echo json_encode(SentryTransport::sendEvent(["message" => "queued while nobody led"])["success"]);', var_export($dir, true)),
    "$dir/b.out");
echo 'B is not the drainer: ', wait_file("$dir/b-ready", 10.0) ? file_get_contents("$dir/b-ready") : 'timeout', "\n";
touch("$dir/a-go");
proc_close($a);
proc_close($b);
echo 'A: ', trim(file_get_contents("$dir/a.out")) ?: 'ok', ', B sent: ', trim(file_get_contents("$dir/b.out")), "\n";
// Nothing else touches the queue until the event has arrived (or 10 s passed).
$ok = receiver_wait_for(fn() => receiver_stats($r)['delivered'] >= 1, 10.0);
echo 'delivered with both processes gone: ', json_encode((bool)$ok), "\n";
$v = st_run_json(['dsn' => $r['dsn'], 'queue.name' => $q] + st_default_ini(),
                 'st_out(SentryTransport::getStatus()["queue"]["queue_length"]);')['value'];
echo "queue_length seen by a fresh process: $v\n";
receiver_stop($r);
st_shm_remove($q);
array_map('unlink', glob("$dir/*"));
rmdir($dir);
?>
--EXPECT--
A leads: true
B is not the drainer: true
A: ok, B sent: true
delivered with both processes gone: true
queue_length seen by a fresh process: 0
