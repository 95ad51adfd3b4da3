<?php
/**
 * Served by php-fpm in tests/e2e/php_fpm.php: sends ?n= events (default 5), each with a
 * unique marker, and answers JSON: the child's pid, its thread count, each sendEvent result.
 */
header('Content-Type: application/json');
$n = max(1, min(100, (int)($_GET['n'] ?? 5)));
$req = preg_replace('/[^A-Za-z0-9_.-]/', '', (string)($_GET['req'] ?? 'r'));
$pid = getmypid();
$events = [];
for ($i = 0; $i < $n; $i++) {
    $marker = sprintf('fpm-%s-%d-p%d-%s', $req, $i, $pid, bin2hex(random_bytes(4)));
    $event = [
        'message' => "fpm event $marker",
        'tags' => ['marker' => $marker, 'runtime' => 'php-fpm'],
        'extra' => ['marker' => $marker, 'pid' => $pid, 'req' => $req, 'i' => $i, 'sapi' => PHP_SAPI],
    ];
    $r = class_exists('SentryTransport') ? SentryTransport::sendEvent($event)
        : ['success' => false, 'event_id' => '', 'error' => 'extension not loaded'];
    $events[] = ['ok' => $r['success'], 'id' => $r['event_id'], 'err' => $r['error'], 'event' => $event];
}
$tasks = @scandir('/proc/self/task');
$stat = (string)file_get_contents('/proc/self/stat');               // "pid (comm) state ppid …"
$ppid = (int)explode(' ', substr($stat, strrpos($stat, ')') + 2))[1];
$status = class_exists('SentryTransport') ? SentryTransport::getStatus() : [];
echo json_encode([
    'pid' => $pid,
    'ppid' => $ppid,
    'sapi' => PHP_SAPI,
    'threads' => $tasks === false ? -1 : count($tasks) - 2,
    'drainer' => $status['drainer'] ?? null,
    'events' => $events,
], JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE), "\n";
