<?php
/**
 * PHP helpers for the HTTP/2 TLS front of the test receiver (h2front.mjs).
 *
 *   require __DIR__ . '/../receiver/client.php';
 *   require __DIR__ . '/../receiver/h2front_client.php';
 *   $tls = h2front_make_cert($dir);                       // ca, cert, key (openssl, throwaway CA)
 *   $r = receiver_start();                                // strict checks and records
 *   $f = h2front_start(['backend' => $r, 'tls' => $tls, 'delay_ms' => 300]);
 *   // DSN: $f['dsn'] (https://…), transport.ca_info=$tls['ca'];
 *   // receiver_stats($f) etc. pass through to the receiver; h2front_stats($f) is the front's.
 *   receiver_stop($f); receiver_stop($r);
 *
 * $f has the keys of receiver_start()'s answer, so receiver_stop()/receiver_http() work on it
 * and it is stopped at shutdown like a receiver.
 */

/** openssl: a throwaway CA and a server certificate for 127.0.0.1/localhost signed by it. */
function h2front_make_cert(string $dir): array
{
    $run = static function (array $cmd) use ($dir): void {
        $p = proc_open($cmd, [0 => ['file', '/dev/null', 'r'], 1 => ['file', "$dir/openssl.log", 'a'],
                              2 => ['file', "$dir/openssl.log", 'a']], $pipes);
        if (!is_resource($p) || proc_close($p) !== 0) {
            throw new RuntimeException('openssl failed: ' . implode(' ', $cmd) . "\n" . @file_get_contents("$dir/openssl.log"));
        }
    };
    $ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    $run(array_merge(['openssl', 'req', '-x509'], $ec, ['-keyout', "$dir/ca.key", '-out', "$dir/ca.pem", '-days', '2',
        '-subj', '/CN=sentry_transport h2 test CA', '-addext', 'basicConstraints=critical,CA:TRUE',
        '-addext', 'keyUsage=critical,keyCertSign,cRLSign']));
    $run(array_merge(['openssl', 'req'], $ec, ['-keyout', "$dir/server.key", '-out', "$dir/server.csr", '-subj', '/CN=127.0.0.1']));
    file_put_contents("$dir/server.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
        . "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n");
    $run(['openssl', 'x509', '-req', '-in', "$dir/server.csr", '-CA', "$dir/ca.pem", '-CAkey', "$dir/ca.key",
        '-CAcreateserial', '-out', "$dir/server.pem", '-days', '2', '-extfile', "$dir/server.ext"]);
    return ['ca' => "$dir/ca.pem", 'cert' => "$dir/server.pem", 'key' => "$dir/server.key"];
}

/**
 * Start h2front.mjs on a free port. $opts: tls (from h2front_make_cert; or plain => true for
 * cleartext HTTP/2 with prior knowledge: the DSN is http://…, the control API is reached on a
 * separate HTTP/1.1 port, $f['url']), streams_per_connection (default 900), backend (a
 * receiver_start() answer) or sink => true, delay_ms, node (default 'node'), key/project (for
 * the DSN; default the backend's, else RECEIVER_DEFAULT_KEY/42), timeout (10 s).
 */
function h2front_start(array $opts): array
{
    $tls = $opts['tls'] ?? null;
    $plain = !empty($opts['plain']);
    $cmd = [$opts['node'] ?? 'node', __DIR__ . '/h2front.mjs', '--port', '0', '--delay-ms', (string)(int)($opts['delay_ms'] ?? 0),
            '--exit-with-parent'];
    if ($plain) {
        $cmd[] = '--plain';
    } else {
        array_push($cmd, '--cert', $tls['cert'], '--key', $tls['key']);
    }
    if (isset($opts['streams_per_connection'])) {
        array_push($cmd, '--streams-per-connection', (string)(int)$opts['streams_per_connection']);
    }
    if (!empty($opts['backend'])) {
        array_push($cmd, '--backend', $opts['backend']['url']);
    } else {
        $cmd[] = '--sink';
    }
    $key = $opts['key'] ?? ($opts['backend']['key'] ?? null) ?? RECEIVER_DEFAULT_KEY;
    $project = (string)($opts['project'] ?? ($opts['backend']['project'] ?? '42'));
    $log = $opts['log'] ?? tempnam(sys_get_temp_dir(), 'sentry-h2front-log-');
    $proc = proc_open($cmd, [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['file', $log, 'a']], $pipes);
    if (!is_resource($proc)) {
        throw new RuntimeException('h2front: proc_open failed');
    }
    stream_set_blocking($pipes[1], false);
    $line = '';
    $deadline = microtime(true) + (float)($opts['timeout'] ?? 10.0);
    while (!str_contains($line, "\n") && microtime(true) < $deadline) {
        $r = [$pipes[1]];
        $w = $e = null;
        if (@stream_select($r, $w, $e, 0, 200000) > 0) {
            $chunk = fread($pipes[1], 4096);
            if (($chunk === '' || $chunk === false) && feof($pipes[1])) {
                break;
            }
            $line .= (string)$chunk;
        }
    }
    if (!preg_match('~^h2front listening on (https?)://([^\s]+):(\d+)(?: control (http://\S+))?\s*$~m', $line, $m)) {
        proc_terminate($proc, 9);
        fclose($pipes[1]);
        proc_close($proc);
        throw new RuntimeException("h2front did not start (stdout " . json_encode($line) . "); stderr:\n" . @file_get_contents($log));
    }
    $f = [
        // url: where receiver_http() sends control requests (a separate HTTP/1.1 port for h2c)
        'url' => ($m[4] ?? '') !== '' ? $m[4] : "{$m[1]}://{$m[2]}:{$m[3]}", 'port' => (int)$m[3], 'proc' => $proc,
        'pid' => proc_get_status($proc)['pid'], 'stdout' => $pipes[1],
        'dsn' => "{$m[1]}://{$key}@{$m[2]}:{$m[3]}/{$project}", 'key' => $key, 'project' => $project,
        'log' => $log, 'record' => null, 'ca' => $tls['ca'] ?? null,
    ];
    if (!isset($GLOBALS['__sentry_test_receivers'])) {
        $GLOBALS['__sentry_test_receivers'] = [];
        register_shutdown_function(static function (): void {
            foreach (_receiver_registry() as $left) {
                receiver_stop($left);
            }
        });
    }
    $GLOBALS['__sentry_test_receivers'][$f['pid']] = $f;
    return $f;
}

/** The front's own counters: requests, by_protocol, connections, max_open_connections, … */
function h2front_stats(array $f): array
{
    return receiver_json($f, 'GET', '/_front/stats');
}

/** ['delay_ms' => N] (response delay of envelope POSTs), ['hold' => bool] (answers wait). */
function h2front_config(array $f, array $cfg): array
{
    return receiver_json($f, 'POST', '/_front/config', $cfg);
}

/** Zero the front's counters (open connections stay counted). */
function h2front_reset(array $f): void
{
    receiver_json($f, 'POST', '/_front/reset', new stdClass());
}
