<?php
// One demo worker: sends a few events the way an exception handler would, prints a line.
$worker = (int)($argv[1] ?? 0);
$count = (int)($argv[2] ?? 25);
$ok = 0;
$ids = [];
for ($i = 0; $i < $count; $i++) {
    try {
        throw new RuntimeException("demo failure #$i from worker $worker");
    } catch (Throwable $e) {
        $r = SentryTransport::sendEvent([
            'message' => $e->getMessage(),
            'level' => 'error',
            'exception' => ['values' => [[
                'type' => get_class($e),
                'value' => $e->getMessage(),
                'stacktrace' => ['frames' => [['filename' => __FILE__, 'lineno' => __LINE__, 'function' => 'demo']]],
            ]]],
            'tags' => ['worker' => (string)$worker],
        ]);
        $ok += $r['success'] ? 1 : 0;
        if (!$r['success']) {
            fwrite(STDERR, "worker $worker: sendEvent failed: {$r['error']}\n");
        }
        $ids[] = $r['event_id'];
    }
}
printf("worker %d (pid %d): %d/%d events queued, first id %s\n", $worker, getmypid(), $ok, $count, $ids[0] ?? '-');
