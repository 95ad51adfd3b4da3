<?php
// Exercise client.php against a real receiver (run by test_receiver.py, or alone: php -n test_client.php).
require __DIR__ . '/client.php';

$fails = 0;
function ok(bool $c, string $what): void
{
    global $fails;
    echo ($c ? 'ok   ' : 'FAIL ') . "php client: $what\n";
    if (!$c) {
        $fails++;
    }
}

function envelope(string $id): string
{
    $ev = json_encode(['event_id' => $id, 'timestamp' => microtime(true), 'platform' => 'php',
                       'level' => 'error', 'message' => 'from client.php']);
    return json_encode(['event_id' => $id, 'sent_at' => gmdate('Y-m-d\TH:i:s\Z')]) . "\n"
        . json_encode(['type' => 'event', 'length' => strlen($ev)]) . "\n" . $ev . "\n";
}

function send(array $r, string $body): int
{
    $key = parse_url($r['dsn'], PHP_URL_USER);
    [$st] = receiver_http($r, 'POST', "/api/{$r['project']}/envelope/", $body, [
        'X-Sentry-Auth' => "Sentry sentry_version=7, sentry_client=test/1.0, sentry_key=$key",
        'Content-Type' => 'application/x-sentry-envelope',
    ]);
    return $st;
}

$t0 = microtime(true);
$r = receiver_start();
ok(preg_match('~^http://0123456789abcdef0123456789abcdef@127\.0\.0\.1:\d+/42$~', $r['dsn']) === 1,
   "dsn {$r['dsn']} (started in " . round(microtime(true) - $t0, 2) . ' s)');
ok(receiver_stats($r)['envelopes'] === 0, 'stats on a fresh receiver');

$id = bin2hex(random_bytes(16));
ok(send($r, envelope($id)) === 200, 'valid envelope answered 200');
$st = receiver_wait_delivered($r, 1, 2.0);
ok($st['delivered_unique'] === 1 && $st['invalid'] === 0, 'delivered_unique 1, invalid 0');
$evs = receiver_events($r);
ok(count($evs) === 1 && $evs[0]['event_id'] === $id && $evs[0]['payloads'][0]['platform'] === 'php',
   'events recorded');

receiver_faults($r, ['script' => [['status' => 503], ['status' => 429,
    'headers' => ['X-Sentry-Rate-Limits' => '60:error:key']]], 'then' => ['status' => 200]]);
$codes = [send($r, envelope($id)), send($r, envelope($id)), send($r, envelope($id))];
ok($codes === [503, 429, 200], 'fault script order ' . json_encode($codes));
ok(receiver_events($r, 3)[0]['status'] === 200 && count(receiver_events($r, 1)) === 3, 'events since');

$v = receiver_wait_for(fn() => false, 0.2);
ok($v === false, 'wait_for times out with false');
ok(receiver_wait_for(fn() => 42, 1.0) === 42, 'wait_for returns the truthy value');

receiver_reset($r);
$st = receiver_stats($r);
ok($st['envelopes'] === 0 && $st['faults_pending'] === 0, 'reset');
ok(send($r, "garbage\n") === 400 && receiver_stats($r)['invalid'] === 1, 'garbage counted invalid');

$rc = receiver_stop($r);
ok($rc === 0, "stop: exit code $rc");
ok(receiver_stop($r) === -1, 'second stop is a no-op');

// a forgotten receiver is stopped at shutdown
$r2 = receiver_start(['key' => 'otherkey', 'project' => 7]);
ok(str_ends_with($r2['dsn'], '/7') && str_contains($r2['dsn'], 'otherkey@'), "dsn {$r2['dsn']}");
file_put_contents(getenv('RECEIVER_PID_FILE') ?: '/dev/null', (string)$r2['pid']);

echo $fails ? "php client: $fails failed\n" : "php client: all ok\n";
exit($fails ? 1 : 0);
