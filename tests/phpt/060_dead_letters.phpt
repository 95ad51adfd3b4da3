--TEST--
Dead letters: getDeadLetters() lists oldest first with a limit, replayDeadLetters() re-queues and removes, purgeDeadLetters() deletes; unsafe directories are refused
--SKIPIF--
<?php $st_fresh = ['060_dead_letters']; require __DIR__ . '/skipif.inc'; ?>
--INI--
sentry_transport.queue.name=060_dead_letters
--FILE--
<?php
require __DIR__ . '/st.inc';

$base = sys_get_temp_dir() . '/st-phpt-060-' . getmypid();
@mkdir($base, 0700);
chmod($base, 0700);
$dir = "$base/dlq";
@mkdir($dir, 0700);

function envelope(string $id, string $message): string
{
    return "{\"event_id\":\"$id\",\"sent_at\":\"2025-11-22T13:24:55.000Z\"}\n{\"type\":\"event\"}\n"
         . "{\"event_id\":\"$id\",\"message\":\"$message\",\"platform\":\"php\"}\n";
}
/** A dead letter as the drainer writes it: <id>.envelope, 0600. */
function put(string $dir, string $id, string $bytes): void
{
    file_put_contents("$dir/$id.envelope", $bytes);
    chmod("$dir/$id.envelope", 0600);
}
function show(array $letters): void
{
    foreach ($letters as $l) {
        echo "  {$l['id']} | ", $l['event_id'] === '' ? "''" : $l['event_id'],
             " | {$l['reason']} | {$l['attempts']} | {$l['failed_at']} | {$l['size']}\n";
    }
}

$A = '1763817895100-send_error-a1-' . str_repeat('a', 32);
$B = '1763817895300-too_large-a1-' . str_repeat('b', 32);
$C = '1763817895200-network_error-a3-' . str_repeat('c', 32);
$D = '0000000000042-server_error-a2-none';
put($dir, $A, envelope(str_repeat('a', 32), 'first'));
put($dir, $B, envelope(str_repeat('b', 32), 'second'));
put($dir, $C, envelope(str_repeat('c', 32), 'third'));
put($dir, $D, "not an envelope\n");          // cannot be queued again: stays
// not dead letters: ignored
file_put_contents("$dir/README.txt", "x");
file_put_contents("$dir/.tmp-1-1", "x");
file_put_contents("$dir/1763817895400-send_error-a1-NONE.envelope", "x");
symlink("$dir/README.txt", "$dir/1763817895500-send_error-a1-none.envelope");

$ini = ['dsn' => 'http://k060@127.0.0.1:9/42', 'queue.name' => '060_dead_letters',
        'retry.dead_letter_queue' => '1', 'retry.dead_letter_path' => $dir,
        'retry.max_attempts' => '100', 'retry.initial_backoff' => '1h', 'retry.max_backoff' => '1h'] + st_default_ini();

echo "-- list\n";
$v = st_run_json($ini, <<<'PHP'
    $errors = [];
    foreach ([0, -1] as $bad) {
        try { SentryTransport::getDeadLetters($bad); } catch (ValueError $e) { $errors[] = get_class($e) . ': ' . $e->getMessage(); }
    }
    foreach ([fn() => SentryTransport::purgeDeadLetters([1]), fn() => SentryTransport::replayDeadLetters(['x', null])] as $f) {
        try { $f(); } catch (TypeError $e) { $errors[] = get_class($e) . ': ' . $e->getMessage(); }
    }
    st_out([SentryTransport::getDeadLetters(), SentryTransport::getDeadLetters(2), SentryTransport::getDeadLetters(1)[0]['id'], $errors]);
    PHP)['value'];
show($v[0]);
echo "limit 2:\n";
show($v[1]);
echo "limit 1: $v[2]\n";
echo implode("\n", $v[3]), "\n";

echo "-- replay\n";
$v = st_run_json($ini, <<<PHP
    \$q0 = SentryTransport::getMetrics()['queue_length'];
    \$n1 = SentryTransport::replayDeadLetters(['$A', 'unknown', '../x', "$A\\0", '$A']);
    \$q1 = SentryTransport::getMetrics()['queue_length'];
    \$left1 = array_column(SentryTransport::getDeadLetters(), 'id');
    \$n2 = SentryTransport::replayDeadLetters();
    \$q2 = SentryTransport::getMetrics()['queue_length'];
    \$left2 = array_column(SentryTransport::getDeadLetters(), 'id');
    st_out([\$q0, \$n1, \$q1, \$left1, \$n2, \$q2, \$left2]);
    PHP)['value'];
[$q0, $n1, $q1, $left1, $n2, $q2, $left2] = $v;
echo "queue before: $q0\n";
echo "replayed [A, unknown, ../x, A\\0, A]: $n1, queue: $q1, left: ", implode(' ', $left1), "\n";
echo "replayed all: $n2, queue: $q2, left: ", implode(' ', $left2), "\n";
clearstatcache();
var_dump(file_exists("$dir/$A.envelope"), file_exists("$dir/$D.envelope"), file_exists("$dir/README.txt"));

echo "-- purge\n";
put($dir, '1763817896000-send_error-a1-none', envelope(str_repeat('e', 32), 'x'));
put($dir, '1763817896001-send_error-a1-none', envelope(str_repeat('f', 32), 'y'));
$v = st_run_json($ini, <<<PHP
    \$n1 = SentryTransport::purgeDeadLetters(['unknown', '$D', '$D', 'a/b', '']);
    \$c1 = count(SentryTransport::getDeadLetters());
    \$n2 = SentryTransport::purgeDeadLetters([]);
    \$n3 = SentryTransport::purgeDeadLetters();
    \$n4 = SentryTransport::purgeDeadLetters();
    st_out([\$n1, \$c1, \$n2, \$n3, \$n4, SentryTransport::getDeadLetters(), SentryTransport::replayDeadLetters()]);
    PHP)['value'];
echo "purged [unknown, D, D, a/b, '']: $v[0], left: $v[1]\n";
echo "purged []: $v[2], purged all: $v[3], again: $v[4], list: ", json_encode($v[5]), ", replay all: $v[6]\n";
clearstatcache();
var_dump(file_exists("$dir/README.txt"), is_link("$dir/1763817895500-send_error-a1-none.envelope"), file_exists("$dir/.tmp-1-1"));

echo "-- unsafe directories\n";
$try = <<<'PHP'
    $out = [];
    foreach (['getDeadLetters', 'purgeDeadLetters', 'replayDeadLetters'] as $m) {
        try { SentryTransport::$m(); $out[] = "$m: no exception"; } catch (RuntimeException $e) { $out[] = "$m: " . get_class($e) . ': ' . $e->getMessage(); }
    }
    st_out($out);
    PHP;
symlink($dir, "$base/link");
mkdir("$base/open", 0700);
chmod("$base/open", 0755);
touch("$base/file");
foreach (["$base/link", "$base/open", "$base/file"] as $path) {
    $r = st_run_json(['retry.dead_letter_path' => $path] + $ini, $try);
    echo str_replace($base, '<base>', implode("\n", $r['value'])), "\n";
}

echo "-- no transport: listing works, replaying says why (never the DSN's secret)\n";
put($dir, '1763817897000-send_error-a1-none', envelope(str_repeat('1', 32), 'z'));
$r = st_run_json(['dsn' => 'http://k060:s3cr3t@/42'] + $ini, $try);
echo str_replace($base, '<base>', implode("\n", $r['value'])), "\n";
var_dump(str_contains($r['out'] . $r['err'], 's3cr3t'));

echo "-- default directory: \${TMPDIR:-/tmp}/sentry_transport-<euid>/dead-letters, 0700\n";
$tmp = "$base/tmp";
mkdir($tmp, 0700);
$noPath = $ini;
unset($noPath['retry.dead_letter_path']);
$code = 'st_out([SentryTransport::getDeadLetters(), SentryTransport::purgeDeadLetters()]);';
$v = st_run_json(['retry.dead_letter_queue' => '0'] + $noPath, $code, ['TMPDIR' => $tmp])['value'];
clearstatcache();
echo json_encode($v), ' created when off: ', json_encode(file_exists("$tmp/sentry_transport-" . st_euid())), "\n";
$v = st_run_json($noPath, $code, ['TMPDIR' => $tmp])['value'];
clearstatcache();
$def = "$tmp/sentry_transport-" . st_euid() . '/dead-letters';
echo json_encode($v), ' created: ', json_encode(is_dir($def)), ' modes: ',
     sprintf('%o %o', fileperms(dirname($def)) & 0777, fileperms($def) & 0777), "\n";

echo "-- php.ini bounds\n";
foreach ([['retry.dead_letter_max_files' => '0'], ['retry.dead_letter_max_files' => '1000001'],
          ['retry.dead_letter_max_bytes' => '512'], ['retry.dead_letter_max_bytes' => '1.5G'],
          ['retry.dead_letter_max_files' => '1000000', 'retry.dead_letter_max_bytes' => '1T']] as $set) {
    $r = st_run_json($set + $ini, 'st_out([ini_get("sentry_transport.retry.dead_letter_max_files"), ini_get("sentry_transport.retry.dead_letter_max_bytes")]);');
    echo json_encode($r['value']), $r['warnings'] ? "\n    ! " . implode("\n    ! ", $r['warnings']) : '', "\n";
}
?>
--CLEAN--
<?php
require __DIR__ . '/st.inc';
st_shm_remove('060_dead_letters');
// --CLEAN-- runs in another process: find this test's leftovers by prefix
foreach (glob(sys_get_temp_dir() . '/st-phpt-060-*') as $b) {
    exec('rm -rf ' . escapeshellarg($b));
}
?>
--EXPECT--
-- list
  0000000000042-server_error-a2-none | '' | server_error | 2 | 1970-01-01T00:00:00.042Z | 16
  1763817895100-send_error-a1-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | send_error | 1 | 2025-11-22T13:24:55.100Z | 185
  1763817895200-network_error-a3-cccccccccccccccccccccccccccccccc | cccccccccccccccccccccccccccccccc | network_error | 3 | 2025-11-22T13:24:55.200Z | 185
  1763817895300-too_large-a1-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb | bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb | too_large | 1 | 2025-11-22T13:24:55.300Z | 186
limit 2:
  0000000000042-server_error-a2-none | '' | server_error | 2 | 1970-01-01T00:00:00.042Z | 16
  1763817895100-send_error-a1-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | send_error | 1 | 2025-11-22T13:24:55.100Z | 185
limit 1: 0000000000042-server_error-a2-none
ValueError: SentryTransport::getDeadLetters(): Argument #1 ($limit) must be greater than or equal to 1
ValueError: SentryTransport::getDeadLetters(): Argument #1 ($limit) must be greater than or equal to 1
TypeError: SentryTransport::purgeDeadLetters(): Argument #1 ($ids) must contain only strings, int given
TypeError: SentryTransport::replayDeadLetters(): Argument #1 ($ids) must contain only strings, null given
-- replay
queue before: 0
replayed [A, unknown, ../x, A\0, A]: 1, queue: 1, left: 0000000000042-server_error-a2-none 1763817895200-network_error-a3-cccccccccccccccccccccccccccccccc 1763817895300-too_large-a1-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
replayed all: 2, queue: 3, left: 0000000000042-server_error-a2-none
bool(false)
bool(true)
bool(true)
-- purge
purged [unknown, D, D, a/b, '']: 1, left: 2
purged []: 0, purged all: 2, again: 0, list: [], replay all: 0
bool(true)
bool(true)
bool(true)
-- unsafe directories
getDeadLetters: RuntimeException: refusing dead-letter directory <base>/link: it is a symbolic link
purgeDeadLetters: RuntimeException: refusing dead-letter directory <base>/link: it is a symbolic link
replayDeadLetters: RuntimeException: refusing dead-letter directory <base>/link: it is a symbolic link
getDeadLetters: RuntimeException: refusing dead-letter directory <base>/open: mode 0755 gives group/other access (chmod 700 it)
purgeDeadLetters: RuntimeException: refusing dead-letter directory <base>/open: mode 0755 gives group/other access (chmod 700 it)
replayDeadLetters: RuntimeException: refusing dead-letter directory <base>/open: mode 0755 gives group/other access (chmod 700 it)
getDeadLetters: RuntimeException: refusing dead-letter directory <base>/file: not a directory
purgeDeadLetters: RuntimeException: refusing dead-letter directory <base>/file: not a directory
replayDeadLetters: RuntimeException: refusing dead-letter directory <base>/file: not a directory
-- no transport: listing works, replaying says why (never the DSN's secret)
getDeadLetters: no exception
purgeDeadLetters: no exception
replayDeadLetters: RuntimeException: cannot replay dead letters: invalid DSN: DSN has no host
bool(false)
-- default directory: ${TMPDIR:-/tmp}/sentry_transport-<euid>/dead-letters, 0700
[[],0] created when off: false
[[],0] created: true modes: 700 700
-- php.ini bounds
["0","100M"]
    ! sentry_transport.retry.dead_letter_max_files: invalid value "0" (expected an integer from 1 to 1000000), using default 1000
["1000001","100M"]
    ! sentry_transport.retry.dead_letter_max_files: invalid value "1000001" (expected an integer from 1 to 1000000), using default 1000
["1000","512"]
    ! sentry_transport.retry.dead_letter_max_bytes: invalid value "512" (expected a size like "16M" or "512K", from 1K to 1024G), using default 100M
["1000","1.5G"]
    ! sentry_transport.retry.dead_letter_max_bytes: invalid value "1.5G" (expected a size like "16M" or "512K", from 1K to 1024G), using default 100M
["1000000","1T"]
