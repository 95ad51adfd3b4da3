--TEST--
getMetrics() dead_letter_count/bytes: kept between calls while the directory is unchanged, recounted after any file is added or removed or the directory is replaced
--SKIPIF--
<?php $st_fresh = ['061_dead_letter_metrics']; require __DIR__ . '/skipif.inc'; ?>
--INI--
sentry_transport.queue.name=061_dead_letter_metrics
--FILE--
<?php
require __DIR__ . '/st.inc';

$base = sys_get_temp_dir() . '/st-phpt-061-' . getmypid();
@mkdir($base, 0700);
chmod($base, 0700);
$dir = "$base/dlq";
@mkdir($dir, 0700);
$letter = fn(string $c) => "1763817895100-send_error-a1-" . str_repeat($c, 32);
foreach (['a' => 100, 'b' => 20] as $c => $size) {
    file_put_contents("$dir/{$letter($c)}.envelope", str_repeat('x', $size));
    chmod("$dir/{$letter($c)}.envelope", 0600);
}

$ini = ['dsn' => 'http://k061@127.0.0.1:9/42', 'queue.name' => '061_dead_letter_metrics',
        'retry.dead_letter_queue' => '1', 'retry.dead_letter_path' => $dir,
        'retry.max_attempts' => '100', 'retry.initial_backoff' => '1h', 'retry.max_backoff' => '1h'] + st_default_ini();

// Each "settle" waits until the directory's times are over a second old, so that the
// count taken next is kept; the step after it changes the directory and must be seen.
$v = st_run_json($ini, <<<PHP
    \$dir = '$dir';
    \$a = '{$letter('a')}.envelope';
    \$m = function (string \$step) use (&\$out) {
        \$x = SentryTransport::getMetrics();
        \$out[] = "\$step: {\$x['dead_letter_count']} files, {\$x['dead_letter_bytes']} bytes";
    };
    \$settle = fn() => usleep(1200000);
    \$out = [];
    \$settle();
    \$m('start');
    \$m('again');
    // Not something the extension does (a dead letter is written under a temporary name,
    // then linked): rewritten in place, the directory is unchanged and the kept count stays.
    file_put_contents("\$dir/\$a", str_repeat('y', 50));
    \$m('file rewritten in place, directory unchanged');
    file_put_contents("\$dir/{$letter('c')}.envelope", str_repeat('z', 7));
    chmod("\$dir/{$letter('c')}.envelope", 0600);
    \$m('one added');
    \$settle();
    \$m('settled');
    unlink("\$dir/\$a");
    \$m('one removed');
    \$settle();
    \$m('settled');
    \$out[] = 'purged ' . SentryTransport::purgeDeadLetters();
    \$m('after purge');
    \$settle();
    \$m('settled');
    rename(\$dir, "\$dir.old");
    mkdir(\$dir, 0700);
    file_put_contents("\$dir/{$letter('d')}.envelope", str_repeat('w', 3));
    chmod("\$dir/{$letter('d')}.envelope", 0600);
    \$m('directory replaced');
    rename(\$dir, "\$dir.new");
    \$m('directory gone (made again, empty)');
    st_out(\$out);
    PHP)['value'];
echo implode("\n", $v), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/st.inc';
st_shm_remove('061_dead_letter_metrics');
// --CLEAN-- runs in another process: find this test's leftovers by prefix
foreach (glob(sys_get_temp_dir() . '/st-phpt-061-*') as $b) {
    exec('rm -rf ' . escapeshellarg($b));
}
?>
--EXPECT--
start: 2 files, 120 bytes
again: 2 files, 120 bytes
file rewritten in place, directory unchanged: 2 files, 120 bytes
one added: 3 files, 77 bytes
settled: 3 files, 77 bytes
one removed: 2 files, 27 bytes
settled: 2 files, 27 bytes
purged 2
after purge: 0 files, 0 bytes
settled: 0 files, 0 bytes
directory replaced: 1 files, 3 bytes
directory gone (made again, empty): 0 files, 0 bytes
