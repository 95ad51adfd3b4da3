<?php
/**
 * What the slow sendEvent() calls wait for: the request path's p99 split by cause. Two
 * phases of CALLS timed sendEvent($jsonString) calls: (1) a fresh process, (2) after a
 * flush() (as bench/latency.php's steady-state rows run). Per phase: p50/p99/p99.9, the calls
 * slower than 10 µs, and what the kernel counted meanwhile: minor page faults of the process
 * (getrusage; the drainer thread's pre-faulting of the ring included), and the PHP thread's
 * own context switches (/proc/self/task/PID/status): voluntary = it blocked (e.g. on the
 * queue lock), involuntary = it was preempted by another runnable thread or process. The
 * drainer (same process) sends to the DSN meanwhile. Prints a Markdown table; reported,
 * never judged.
 *
 *   php -n -d extension=MODULE.so -d sentry_transport.dsn=http://k@127.0.0.1:PORT/42 \
 *       -d sentry_transport.queue.name=… -d sentry_transport.queue.memory=64M \
 *       -d sentry_transport.queue.buffer_size=1000000 bench/p99_diag.php [CALLS=20000]
 */
require __DIR__ . '/event.php';

$calls = (int)($argv[1] ?? 20000);
$json = bench_event_json();

/** The PHP thread's [voluntary, involuntary] context switches so far. */
function ctxsw(): array
{
    $st = (string)@file_get_contents('/proc/self/task/' . getmypid() . '/status');
    preg_match('/^voluntary_ctxt_switches:\s+(\d+)/m', $st, $v);
    preg_match('/^nonvoluntary_ctxt_switches:\s+(\d+)/m', $st, $n);
    return [(int)($v[1] ?? 0), (int)($n[1] ?? 0)];
}

function phase(string $json, int $calls): array
{
    for ($i = 0; $i < 200; $i++) {
        SentryTransport::sendEvent($json);
    }
    $r0 = getrusage();
    $c0 = ctxsw();
    $t = [];
    for ($i = 0; $i < $calls; $i++) {
        $a = hrtime(true);
        SentryTransport::sendEvent($json);
        $t[] = hrtime(true) - $a;
    }
    $r1 = getrusage();
    $c1 = ctxsw();
    sort($t);
    $slow = 0;
    foreach ($t as $ns) {
        $slow += $ns > 10000;
    }
    $p = fn(float $q) => $t[min($calls - 1, (int)($calls * $q))] / 1000;
    return [$p(0.5), $p(0.99), $p(0.999), $slow, $r1['ru_minflt'] - $r0['ru_minflt'],
        $c1[0] - $c0[0], $c1[1] - $c0[1]];
}

$rows = [];
$rows['(1) fresh process'] = phase($json, $calls);
SentryTransport::flush(60.0);
$rows['(2) after flush()'] = phase($json, $calls);
SentryTransport::flush(60.0);

echo "| phase ($calls calls each) | p50 µs | p99 µs | p99.9 µs | calls > 10 µs | minor page faults (process) | PHP thread: voluntary ctx switches | PHP thread: involuntary ctx switches |\n";
echo "|---|---:|---:|---:|---:|---:|---:|---:|\n";
foreach ($rows as $name => $r) {
    printf("| %s | %.2f | %.2f | %.2f | %d | %d | %d | %d |\n", $name, ...$r);
}
