<?php
/**
 * Benchmark 3: shared memory used by COUNT queued ~1 KB events.
 *
 *   php -n -d extension=MODULE.so -d sentry_transport.dsn=http://k@127.0.0.1:9/42 \
 *       -d sentry_transport.queue.name=… -d sentry_transport.queue.memory=16M … bench/memory.php [COUNT]
 *
 * The DSN points at a closed port, so nothing leaves the queue (failed sends are rescheduled
 * far in the future by the retry.* settings bench/run.sh passes). Reads, right after
 * enqueueing: getStatus()['queue'] bytes_used / bytes_capacity, and the /dev/shm object's
 * size and allocated blocks (what `du` reports: the memory the host really holds for it).
 * Prints one JSON line.
 */
require __DIR__ . '/event.php';
$count = (int)($argv[1] ?? 10000);
$json = bench_event_json();
$ok = 0;
$errors = [];
for ($i = 0; $i < $count; $i++) {
    $r = SentryTransport::sendEvent($json);
    if ($r['success']) {
        $ok++;
    } else {
        $errors[$r['error']] = ($errors[$r['error']] ?? 0) + 1;
    }
}
$q = SentryTransport::getStatus()['queue'];
$path = '/dev/shm' . $q['location'];
clearstatcache();
$st = stat($path);
// Resident pages of the mapping in this process (it wrote every record, so it touched them).
$rss = null;
foreach (explode("\n", (string)file_get_contents('/proc/self/smaps')) as $line) {
    if ($rss === null && str_contains($line, $q['location'])) {
        $rss = 0;
        continue;
    }
    if ($rss === 0 && preg_match('/^Rss:\s+(\d+) kB/', $line, $m)) {
        $rss = (int)$m[1] * 1024;
        break;
    }
}
echo json_encode([
    'count' => $count,
    'accepted' => $ok,
    'errors' => $errors,
    'event_bytes' => strlen($json),
    'queue_length' => $q['queue_length'],
    'bytes_used' => $q['bytes_used'],
    'bytes_capacity' => $q['bytes_capacity'],
    'memory_setting' => ini_get('sentry_transport.queue.memory'),
    'shm_path' => $path,
    'shm_size' => $st['size'],
    'shm_allocated' => $st['blocks'] * 512,
    'mapping_rss' => $rss,
]), "\n";
