--TEST--
queue.path: the queue lives in a 0600 file at that path, shared by every process that names it
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--INI--
sentry_transport.queue.name=034_queue_path
--FILE--
<?php
require __DIR__ . '/st.inc';
$dir = sys_get_temp_dir() . '/034_queue_path-' . st_euid();
@unlink("$dir/queue.bin");
@mkdir($dir, 0700);
$path = "$dir/queue.bin";
$ini = ['dsn' => 'http://pubkey034@127.0.0.1:9/42', 'queue.path' => $path, 'queue.name' => '034_queue_path',
        'queue.memory' => '256K', 'retry.initial_backoff' => '1h', 'retry.max_backoff' => '1h'] + st_default_ini();
$code = 'st_out([SentryTransport::sendEvent(["message" => "file queue"])["success"], SentryTransport::getStatus()["queue"]]);';
[$ok, $q] = st_run_json($ini, $code)['value'];
var_dump($ok, $q['location'] === $path, $q['queue_length']);
clearstatcache();
var_dump(is_file($path), sprintf('%o', fileperms($path) & 0777), filesize($path) >= 256 * 1024);
var_dump(file_exists(st_shm_path('034_queue_path')));    // no shared memory object by name
// the queue survives its process: the next one finds the event
[$ok, $q] = st_run_json($ini, $code)['value'];
var_dump($ok, $q['queue_length']);
// a path that cannot be created: the transport says why, sending fails cleanly
$bad = st_run_json(['queue.path' => "$dir/missing/dir/queue.bin"] + $ini,
                   'st_out([SentryTransport::sendEvent(["message" => "x"]), SentryTransport::getStatus()["error"]]);')['value'];
echo str_replace($dir, '<dir>', st_show($bad[0]) . "\n" . $bad[1]), "\n";
@unlink($path);
@rmdir($dir);
?>
--CLEAN--
<?php
require __DIR__ . '/st.inc';
$dir = sys_get_temp_dir() . '/034_queue_path-' . st_euid();
@unlink("$dir/queue.bin");
@rmdir($dir);
?>
--EXPECT--
bool(true)
bool(true)
int(1)
bool(true)
string(3) "600"
bool(true)
bool(false)
bool(true)
int(2)
fail queue unavailable: cannot open queue <dir>/missing/dir/queue.bin: No such file or directory
queue unavailable: cannot open queue <dir>/missing/dir/queue.bin: No such file or directory
