<?php
// After the senders exit: wait for the queue to drain, then a few key figures of the
// transport (the whole arrays: SentryTransport::getStatus() / getMetrics()).
$drained = SentryTransport::flush(10.0);
$s = SentryTransport::getStatus();
$m = SentryTransport::getMetrics();
$drops = array_filter($m['drops'] ?? [], static fn($n) => $n > 0);
printf("queue %s: length %d, in flight %d; drainer %s; upstream %s\n",
    $drained ? 'drained' : 'NOT drained within 10 s', $s['queue']['queue_length'], $s['queue']['in_flight'],
    $s['drainer']['pid'] ? "pid " . $s['drainer']['pid'] : "none now (its process exited; the next sender takes over)", $s['upstream']['state']);
printf("events_sent %d (%d bytes), events_failed %d, total_retries %d, send latency p50 %s ms / p99 %s ms\n",
    $m['events_sent'], $m['bytes_sent'], $m['events_failed'], $m['total_retries'],
    $m['send_latency_p50_ms'], $m['send_latency_p99_ms']);
printf("rate limits %s, drops %s\n",
    $s['rate_limits'] ? json_encode($s['rate_limits']) : 'none', $drops ? json_encode($drops) : 'none');
exit($drained ? 0 : 1);
