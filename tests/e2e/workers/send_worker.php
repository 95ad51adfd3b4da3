<?php
/**
 * An independent worker process (RoadRunner's model: exec'd, no common PHP parent).
 *
 *   php -n -d extension=… -d sentry_transport.… send_worker.php <worker> <count> <tag> [sleep_us] [flush_s] [status_every]
 *
 * Sends <count> events, each with a unique marker, and prints one JSON line per event:
 *   {"w":…,"i":…,"ok":bool,"id":"<event_id>","err":…,"t":<microtime>,"event":<what was sent>}
 * Every <status_every> events (0: never) and while flushing, it also prints a sample
 *   {"status":1,"t":…,"drainer":<pid>,"sent":<events_sent>,"len":<queue_length>,"is_self":bool,
 *    "inflight":<in_flight>,"epoch":<drainer epoch>}
 * (getMetrics() is read before getStatus(), see drainer_sigkill.php). At the end it waits
 * (bounded by flush_s) until the host queue is empty, then prints
 *   {"done":1,"flushed":bool,"pid":…,"metrics":{…},"status":{…}}
 * Each line is one write(2): a SIGKILL loses at most the line being written.
 */

declare(strict_types=1);

$worker = (int)($argv[1] ?? 0);
$count = (int)($argv[2] ?? 1000);
$tag = (string)($argv[3] ?? 'e2e');
$sleepUs = (int)($argv[4] ?? 0);
$flushS = (float)($argv[5] ?? 60);
$statusEvery = (int)($argv[6] ?? 0);

if (!class_exists('SentryTransport')) {
    fwrite(STDOUT, json_encode(['fatal' => 'extension not loaded']) . "\n");
    exit(2);
}

$pid = getmypid();
$out = static function (array $row): void {
    fwrite(STDOUT, json_encode($row, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE) . "\n");
};
$sample = static function () use ($out): array {
    $m = SentryTransport::getMetrics(); // first: see drainer_sigkill.php for why the order matters
    $s = SentryTransport::getStatus();
    $row = ['status' => 1, 't' => microtime(true), 'drainer' => $s['drainer']['pid'],
            'is_self' => $s['drainer']['is_self'], 'sent' => $m['events_sent'], 'len' => $s['queue']['queue_length'],
            'inflight' => $s['queue']['in_flight'], 'epoch' => $s['drainer']['epoch'] ?? 0];
    $out($row);
    return $row;
};

for ($i = 0; $i < $count; $i++) {
    $marker = sprintf('%s-w%d-p%d-%05d-%s', $tag, $worker, $pid, $i, bin2hex(random_bytes(6)));
    $event = [
        'message' => "e2e event $marker",
        'level' => ($i % 3 === 0) ? 'warning' : 'error',
        'logger' => 'e2e.worker',
        'tags' => ['marker' => $marker, 'worker' => "w$worker"],
        'extra' => [
            'marker' => $marker,
            'worker' => $worker,
            'seq' => $i,
            'pid' => $pid,
            'text' => "héllo wörld ✓ 日本語 \"quoted\" \\ back\nslash\ttab",
            'nested' => ['list' => [1, 2, 3, $i], 'float' => 1.5, 'bool' => true, 'null' => null],
            'pad' => str_repeat(substr($marker, -12), 1 + $i % 7),
        ],
    ];
    $r = SentryTransport::sendEvent($event);
    $out(['w' => $worker, 'i' => $i, 'ok' => $r['success'], 'id' => $r['event_id'], 'err' => $r['error'],
          't' => microtime(true), 'event' => $event]);
    if ($statusEvery > 0 && $i % $statusEvery === 0) {
        $sample();
    }
    if ($sleepUs > 0) {
        usleep($sleepUs);
    }
}

// Stay alive (as a long-lived worker would) until the host queue is empty, bounded.
$deadline = microtime(true) + $flushS;
$flushed = false;
if ($statusEvery > 0) {
    while (microtime(true) < $deadline) {
        if ($sample()['len'] === 0) {
            $flushed = true;
            break;
        }
        usleep(10000);
    }
} else {
    $flushed = SentryTransport::flush($flushS);
}
$out(['done' => 1, 'flushed' => $flushed, 'pid' => $pid, 'metrics' => SentryTransport::getMetrics(),
      'status' => SentryTransport::getStatus()]);
