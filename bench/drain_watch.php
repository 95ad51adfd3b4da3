<?php
/**
 * Benchmark 2 helper: this process's background thread is the queue's drainer; its main
 * thread watches getMetrics() until TOTAL events have left the queue.
 *
 *   php … -d sentry_transport.queue.workers=W bench/drain_watch.php TOTAL READY_FILE
 *
 * Starts first (so it wins the drainer election), writes READY_FILE once it is the drainer,
 * then other processes (bench/fill.php) fill the queue. Timing: from the first poll at which
 * all TOTAL events were accepted into the queue ("queue full", fillers done) to the first
 * poll at which all of them were sent or failed; the rate is the events sent in between
 * divided by that time. Polls every 2 ms. Prints one JSON line.
 */
$total = (int)$argv[1];
$ready = $argv[2];

$deadline = microtime(true) + 10;
while (!SentryTransport::getStatus()['drainer']['is_self']) {
    if (microtime(true) > $deadline) {
        fwrite(STDERR, "drain_watch: not elected drainer: " . json_encode(SentryTransport::getStatus()) . "\n");
        exit(1);
    }
    usleep(5000);
}
touch($ready);

$now = fn() => hrtime(true) / 1e9;
/** CPU seconds (user + system) of this process, all threads: the drainer's work plus this
 *  watcher's polling. Clock ticks of /proc/self/stat, usually 10 ms. */
$cpu = function (): float {
    $f = explode(' ', substr(strrchr(file_get_contents('/proc/self/stat'), ')'), 2));
    return ((int)$f[11] + (int)$f[12]) / 100.0;
};
$t_first = $t_full = $t_end = null;
$out_full = 0;
$max_len = 0;
$limit = $now() + 120;
for (;;) {
    $m = SentryTransport::getMetrics();
    $t = $now();
    $out = $m['events_sent'] + $m['events_failed'];
    $max_len = max($max_len, $m['queue_length']);
    if ($t_first === null && $m['events_accepted'] > 0) {
        $t_first = $t;
    }
    if ($t_full === null && $m['events_accepted'] + $m['events_rejected'] >= $total) {
        $t_full = $t;
        $out_full = $out;
        $cpu_full = $cpu();
    }
    if ($t_full !== null && $out >= $m['events_accepted']) {
        $t_end = $t;
        $cpu_end = $cpu();
        break;
    }
    if ($t > $limit) {
        fwrite(STDERR, "drain_watch: timeout, metrics " . json_encode($m) . "\n");
        break;
    }
    usleep(2000);
}
$m = SentryTransport::getMetrics();
$measured = $m['events_sent'] - $out_full;
$secs = $t_end !== null ? $t_end - $t_full : null;
echo json_encode([
    'workers' => (int)ini_get('sentry_transport.queue.workers'),
    'total' => $total,
    'accepted' => $m['events_accepted'],
    'rejected' => $m['events_rejected'],
    'sent' => $m['events_sent'],
    'failed' => $m['events_failed'],
    'responses_2xx' => $m['responses_2xx'],
    'network_errors' => $m['network_errors'],
    'max_queue_length' => $max_len,
    'sent_before_full' => $out_full,
    'measured_events' => $measured,
    'seconds' => $secs,
    'rate' => $secs ? $measured / $secs : null,
    'cpu_us_per_event' => ($secs && $measured > 0) ? ($cpu_end - $cpu_full) * 1e6 / $measured : null,
    'fill_seconds' => $t_full !== null ? $t_full - $t_first : null,
    'overall_rate' => ($t_end !== null && $t_end > $t_first) ? $m['events_sent'] / ($t_end - $t_first) : null,
]), "\n";
