<?php
/**
 * One worker of the chaos test (tests/e2e/chaos.php): an exec'd process that sends events
 * until told to stop, and may be SIGKILLed at any moment.
 *
 *   php -n -d extension=… -d sentry_transport.… chaos_worker.php <spawn> <tag> <ctl dir> <accepted file>
 *       [sample_ms=50] [backlog_cap=1500]
 *
 * Event n of spawn s has the marker "<tag>-s<s>-<n>" and event_id md5(marker), so every
 * delivered envelope can be checked against what was sent. After sendEvent returns
 * success=true, "<marker> <event_id>\n" is appended to <accepted file> in one write(2)
 * (O_APPEND): a SIGKILL can lose the line of an accepted event (the test then sees it as
 * delivered but never logged), never log an event that was not accepted.
 *
 * stdout gets JSON lines, each one write(2):
 *   {"start":1,"pid":…,"t":…}
 *   {"s":1,"t":…,"drainer":<pid>,"sent":<events_sent>,"len":…,"infl":…,"retry":…}  every sample_ms
 *       (getMetrics() before getStatus(): see drainer_sigkill.php for why the order matters)
 *   {"refused":"<marker>","err":"…"}   a sendEvent failure other than "queue full"
 *   {"end":1,"sent_ok":…,"queue_full":…,"t":…}
 * While the host queue holds more than backlog_cap events it pauses (the receiver is the
 * bottleneck); "queue full" answers are retried with the same event after a short sleep.
 * <ctl dir>/stop: stop sending, keep sampling. <ctl dir>/exit, or <ctl dir>/exit-<spawn> (a
 * recycle, like FPM's pm.max_requests): exit normally, the extension then stops its thread
 * within shutdown_timeout.
 */

declare(strict_types=1);

$spawn = (int)($argv[1] ?? 0);
$tag = (string)($argv[2] ?? 'chaos');
$ctl = (string)($argv[3] ?? '');
$accFile = (string)($argv[4] ?? '');
$sampleMs = (int)($argv[5] ?? 50);
$backlogCap = (int)($argv[6] ?? 1500);

$emit = static function (array $row): void {
    fwrite(STDOUT, json_encode($row, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE) . "\n");
};
if (!class_exists('SentryTransport') || $ctl === '' || $accFile === '') {
    $emit(['fatal' => 'usage or extension not loaded']);
    exit(2);
}
$acc = fopen($accFile, 'ab');
if (!$acc) {
    $emit(['fatal' => "cannot open $accFile"]);
    exit(2);
}
$pid = getmypid();
$emit(['start' => 1, 'pid' => $pid, 't' => microtime(true)]);

$flag = static function (string $name) use ($ctl): bool {
    clearstatcache(false, "$ctl/$name");
    return file_exists("$ctl/$name");
};
$recycled = false;
$halt = static function () use ($flag, $spawn, &$recycled): bool {
    $recycled = $recycled || $flag("exit-$spawn");
    return $recycled || $flag('stop');
};
$lastSample = 0.0;
$lastLen = 0;
$sample = static function (bool $force = false) use ($emit, $sampleMs, &$lastSample, &$lastLen): void {
    $now = microtime(true);
    if (!$force && ($now - $lastSample) * 1000 < $sampleMs) {
        return;
    }
    $m = SentryTransport::getMetrics();
    $s = SentryTransport::getStatus();
    $t = microtime(true);
    $lastSample = $t;
    $lastLen = $s['queue']['queue_length'];
    $emit(['s' => 1, 't' => $t, 'drainer' => $s['drainer']['pid'], 'sent' => $m['events_sent'],
           'len' => $lastLen, 'infl' => $s['queue']['in_flight'], 'retry' => $s['queue']['retry_queue_length']]);
};

$sentOk = 0;
$queueFull = 0;
$stop = false;
for ($i = 0; !$stop; $i++) {
    if ($i % 16 === 0 && $halt()) {
        break;
    }
    $sample();
    while ($lastLen > $backlogCap) { // the receiver is behind: wait for the drainer
        usleep(10000);
        if ($halt()) {
            $stop = true;
            break;
        }
        $sample(true);
    }
    $marker = sprintf('%s-s%d-%d', $tag, $spawn, $i);
    $event = [
        'event_id' => md5($marker),
        'message' => "chaos $marker",
        'level' => 'error',
        'logger' => 'e2e.chaos',
        'tags' => ['marker' => $marker, 'spawn' => "s$spawn"],
        'extra' => ['marker' => $marker, 'spawn' => $spawn, 'seq' => $i, 'pid' => $pid,
                    'text' => "héllo ✓ \"q\" \\ \n\t"],
    ];
    while (!$stop) {
        $r = SentryTransport::sendEvent($event);
        if ($r['success']) {
            fwrite($acc, $marker . ' ' . $r['event_id'] . "\n");
            $sentOk++;
            break;
        }
        if ($r['error'] !== 'queue full') {
            $emit(['refused' => $marker, 'err' => $r['error']]);
            break;
        }
        $queueFull++;
        usleep(random_int(2000, 8000));
        $sample();
        $stop = $halt();
    }
}
$emit(['stopped' => 1, 'sent_ok' => $sentOk, 'queue_full' => $queueFull, 't' => microtime(true)]);

// Idle, as a long-lived worker between requests: its thread keeps draining.
while (!$recycled && !$flag('exit') && !$flag("exit-$spawn")) {
    $sample();
    usleep(10000);
}
fclose($acc);
$emit(['end' => 1, 'recycled' => $recycled, 'sent_ok' => $sentOk, 'queue_full' => $queueFull, 't' => microtime(true)]);
