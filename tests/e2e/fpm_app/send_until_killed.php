<?php
/**
 * Served by php-fpm in tests/e2e/php_fpm_chaos.php: calls sendEvent in a loop until FPM's
 * request_terminate_timeout kills this child (or ?cap= seconds pass), after ?idle= seconds
 * of sleep (which keeps the event count bounded: the kill comes at the same time anyway).
 *
 * Each event carries a ?pad=-byte "password" in extra: the scrubber replaces it before the
 * event is queued, so sendEvent spends ~1 ms encoding and scanning it while the queue gets
 * ~0.5 KB. The loop is then almost all sendEvent, and the kill lands inside it.
 *
 * The record is the file $E2E_ACC_DIR/<req>.jsonl (each line one write(2): what was written
 * survives the kill): {"start":pid} once, {"b":i} right before sendEvent i, then
 * {"i":…,"m":marker,"ok":…,"id":…,"err":…} right after it returns; {"end":n} if it was not
 * killed. A file whose last line is {"b":i} was killed inside sendEvent i.
 */
$req = preg_replace('/[^A-Za-z0-9_.-]/', '', (string)($_GET['req'] ?? 'r'));
$idle = max(0.0, min(5.0, (float)($_GET['idle'] ?? 0)));
$pad = max(0, min(900000, (int)($_GET['pad'] ?? 600000)));
$cap = max(0.1, min(30.0, (float)($_GET['cap'] ?? 10)));
$dir = (string)getenv('E2E_ACC_DIR');
$pid = getmypid();
$fh = fopen("$dir/$req.jsonl", 'ab');
$rec = static function (array $row) use ($fh): void {
    fwrite($fh, json_encode($row, JSON_UNESCAPED_SLASHES) . "\n");
};
$rec(['start' => $pid, 't' => microtime(true)]);
usleep((int)($idle * 1e6));
$secret = str_repeat('s', $pad);
$t0 = microtime(true);
$i = 0;
while (microtime(true) - $t0 < $cap) {
    $marker = sprintf('chaos-%s-%d-p%d', $req, $i, $pid);
    $event = [
        'message' => "chaos event $marker",
        'tags' => ['marker' => $marker, 'runtime' => 'php-fpm'],
        'extra' => ['marker' => $marker, 'pid' => $pid, 'req' => $req, 'i' => $i, 'password' => $secret],
    ];
    $rec(['b' => $i]);
    $r = SentryTransport::sendEvent($event);
    $rec(['i' => $i, 'm' => $marker, 'ok' => $r['success'], 'id' => $r['event_id'], 'err' => $r['error']]);
    $i++;
}
$rec(['end' => $i]);
header('Content-Type: application/json');
echo json_encode(['pid' => $pid, 'survived' => true, 'events' => $i]), "\n";
