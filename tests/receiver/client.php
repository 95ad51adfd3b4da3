<?php
/**
 * PHP helpers for phpt and e2e tests: start/stop the test receiver and talk to its control API.
 *
 *   require __DIR__ . '/../receiver/client.php';
 *   $r = receiver_start();                 // ['url','port','proc','dsn','key','project','log',…]
 *   ini_set / putenv SENTRY_DSN=$r['dsn'] …
 *   receiver_wait_for(fn() => receiver_stats($r)['delivered'] >= 1, 5.0);
 *   receiver_stop($r);
 *
 * Needs only what `php -n` has (standard, json): file_get_contents + stream contexts, proc_open.
 * The receiver's stderr goes to $r['log'] (a file, never a pipe nobody drains).
 */

const RECEIVER_DEFAULT_KEY = '0123456789abcdef0123456789abcdef';

/** @internal receivers started by this process, stopped at shutdown if the test forgot. */
function _receiver_registry(): array
{
    return $GLOBALS['__sentry_test_receivers'] ?? [];
}

/**
 * Start tests/receiver/receiver.py on a free port.
 *
 * $opts: key (string|null: null = accept any key), project (default '42'), record (path of a
 * JSONL file), host ('127.0.0.1'), tls_cert + tls_key, python ('/usr/bin/python3'),
 * verbose (bool: log requests into $r['log']), args (extra CLI arguments), timeout (10.0 s),
 * exit_with_parent (default true: the receiver exits if this PHP process dies, even by a crash).
 */
function receiver_start(array $opts = []): array
{
    $python = $opts['python'] ?? (getenv('RECEIVER_PYTHON') ?: '/usr/bin/python3');
    $key = array_key_exists('key', $opts) ? $opts['key'] : RECEIVER_DEFAULT_KEY;
    $project = (string)($opts['project'] ?? '42');
    $host = $opts['host'] ?? '127.0.0.1';
    $timeout = (float)($opts['timeout'] ?? 10.0);

    $cmd = [$python, __DIR__ . '/receiver.py', '--port', (string)($opts['port'] ?? 0),
            '--host', $host, '--project', $project];
    if ($opts['exit_with_parent'] ?? true) {
        $cmd[] = '--exit-with-parent'; // no orphan receiver if this PHP process crashes
    }
    if ($key !== null) {
        array_push($cmd, '--key', $key);
    }
    if (!empty($opts['record'])) {
        array_push($cmd, '--record', $opts['record']);
    }
    if (!empty($opts['tls_cert'])) {
        array_push($cmd, '--tls-cert', $opts['tls_cert'], '--tls-key', $opts['tls_key']);
    }
    if (!empty($opts['verbose'])) {
        $cmd[] = '--verbose';
    }
    foreach ($opts['args'] ?? [] as $a) {
        $cmd[] = (string)$a;
    }

    $log = $opts['log'] ?? tempnam(sys_get_temp_dir(), 'sentry-receiver-log-');
    $pipes = [];
    // Array form: no shell in between, so proc_terminate() signals python itself.
    $proc = proc_open($cmd, [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['file', $log, 'a']],
                      $pipes);
    if (!is_resource($proc)) {
        throw new RuntimeException('receiver: proc_open failed');
    }
    stream_set_blocking($pipes[1], false);
    $line = '';
    $deadline = microtime(true) + $timeout;
    while (!str_contains($line, "\n")) {
        $left = $deadline - microtime(true);
        if ($left <= 0) {
            break;
        }
        $r = [$pipes[1]];
        $w = $e = null;
        if (@stream_select($r, $w, $e, 0, (int)min(200000, $left * 1e6)) > 0) {
            $chunk = fread($pipes[1], 4096);
            if ($chunk === '' || $chunk === false) {
                if (feof($pipes[1])) {
                    break;
                }
                continue;
            }
            $line .= $chunk;
        }
    }
    if (!preg_match('~^receiver listening on (https?)://([^\s]+):(\d+)\s*$~m', $line, $m)) {
        $st = proc_get_status($proc);
        if ($st['running']) {
            proc_terminate($proc, 9);
        }
        fclose($pipes[1]);
        proc_close($proc);
        throw new RuntimeException(sprintf("receiver did not start within %.1f s (stdout %s); its stderr:\n%s",
            $timeout, json_encode($line), @file_get_contents($log)));
    }
    $url = "{$m[1]}://{$m[2]}:{$m[3]}";
    $port = (int)$m[3];
    $dsnKey = $key ?? RECEIVER_DEFAULT_KEY;
    $r = [
        'url' => $url,
        'port' => $port,
        'proc' => $proc,
        'pid' => proc_get_status($proc)['pid'],
        'stdout' => $pipes[1],
        'dsn' => "{$m[1]}://{$dsnKey}@{$m[2]}:{$port}/{$project}",
        'key' => $key,
        'project' => $project,
        'log' => $log,
        'record' => $opts['record'] ?? null,
    ];
    if (!isset($GLOBALS['__sentry_test_receivers'])) {
        $GLOBALS['__sentry_test_receivers'] = [];
        register_shutdown_function(static function (): void {
            foreach (_receiver_registry() as $left) {
                receiver_stop($left);
            }
        });
    }
    $GLOBALS['__sentry_test_receivers'][$r['pid']] = $r;
    return $r;
}

/** Stop the receiver (SIGTERM, then SIGKILL after 5 s). Returns its exit code (0 = clean). */
function receiver_stop(array $r): int
{
    if (!isset($GLOBALS['__sentry_test_receivers'][$r['pid']])) {
        return -1; // already stopped
    }
    unset($GLOBALS['__sentry_test_receivers'][$r['pid']]);
    $proc = $r['proc'];
    $code = -1;
    $st = proc_get_status($proc);
    if ($st['running']) {
        proc_terminate($proc, 15);
        $deadline = microtime(true) + 5.0;
        while (($st = proc_get_status($proc))['running'] && microtime(true) < $deadline) {
            usleep(10000);
        }
        if ($st['running']) {
            proc_terminate($proc, 9);
            usleep(50000);
            $st = proc_get_status($proc);
        }
    }
    if (!$st['running']) {
        $code = $st['signaled'] ? 128 + $st['termsig'] : $st['exitcode'];
    }
    if (is_resource($r['stdout'])) {
        fclose($r['stdout']);
    }
    $closed = proc_close($proc); // exit code is only reported once; keep the one we saw
    return $code >= 0 ? $code : $closed;
}

/**
 * One HTTP request to the receiver. Returns [status, body, headers].
 * @internal
 */
function receiver_http(array $r, string $method, string $path, ?string $body = null,
                       array $headers = [], float $timeout = 10.0): array
{
    $h = [];
    foreach ($headers as $k => $v) {
        $h[] = "$k: $v";
    }
    $http = ['method' => $method, 'ignore_errors' => true, 'timeout' => $timeout,
             'protocol_version' => 1.1, 'header' => array_merge($h, ['Connection: close'])];
    if ($body !== null) {
        $http['content'] = $body;
    }
    $ctx = stream_context_create(['http' => $http,
        'ssl' => ['verify_peer' => false, 'verify_peer_name' => false]]);
    $resp = @file_get_contents($r['url'] . $path, false, $ctx);
    $hdrs = $http_response_header ?? [];
    if ($resp === false || !$hdrs) {
        throw new RuntimeException("receiver: $method $path failed: " . (error_get_last()['message'] ?? '?'));
    }
    $status = 0;
    // with redirects/100s several status lines may appear: take the last
    foreach ($hdrs as $line) {
        if (preg_match('~^HTTP/\S+\s+(\d{3})~', $line, $m)) {
            $status = (int)$m[1];
        }
    }
    return [$status, $resp, $hdrs];
}

/** @internal */
function receiver_json(array $r, string $method, string $path, $payload = null)
{
    [$status, $body] = receiver_http($r, $method, $path,
        $payload === null ? null : json_encode($payload, JSON_UNESCAPED_SLASHES),
        $payload === null ? [] : ['Content-Type' => 'application/json']);
    if ($status !== 200) {
        throw new RuntimeException("receiver: $method $path answered $status: $body");
    }
    return json_decode($body, true, 512, JSON_THROW_ON_ERROR);
}

/**
 * Counters: envelopes, valid, invalid, rejected_auth, event_ids_unique, duplicates,
 * received_duplicates, delivered, delivered_unique, by_item_type, delivered_by_item_type,
 * by_status, errors (last 20 invalid reasons), faults_pending.
 */
function receiver_stats(array $r): array
{
    return receiver_json($r, 'GET', '/_stats');
}

/** Recorded envelopes from index $since on (each has 'seq'); $deliveredOnly keeps 2xx ones. */
function receiver_events(array $r, int $since = 0, bool $deliveredOnly = false): array
{
    return receiver_json($r, 'GET', '/_events?since=' . $since . ($deliveredOnly ? '&delivered=1' : ''));
}

/**
 * Fault injection for the following envelope POSTs, e.g.
 *   ['script' => [['status' => 503], ['status' => 429, 'headers' => ['X-Sentry-Rate-Limits' => '60::key']],
 *                 ['delay_ms' => 3000], ['reset' => true]], 'then' => ['status' => 200]]
 * [] clears all faults.
 */
function receiver_faults(array $r, array $spec): array
{
    return receiver_json($r, 'POST', '/_faults', (object)$spec);
}

/** Forget every recorded envelope and all faults. */
function receiver_reset(array $r): void
{
    receiver_json($r, 'POST', '/_reset', new stdClass());
}

/**
 * Poll $pred every 20 ms until it returns something truthy (returned) or $timeout seconds
 * pass (returns false, after one last try).
 */
function receiver_wait_for(callable $pred, float $timeout = 5.0)
{
    $deadline = microtime(true) + $timeout;
    for (;;) {
        $v = $pred();
        if ($v) {
            return $v;
        }
        if (microtime(true) >= $deadline) {
            return $pred() ?: false;
        }
        usleep(20000);
    }
}

/** Wait until at least $n distinct event_ids have been delivered (2xx). Returns the stats. */
function receiver_wait_delivered(array $r, int $n, float $timeout = 5.0): array
{
    $last = [];
    receiver_wait_for(static function () use ($r, $n, &$last) {
        $last = receiver_stats($r);
        return $last['delivered_unique'] >= $n;
    }, $timeout);
    return $last;
}
