<?php
/**
 * tls: certificate verification against a local HTTPS receiver with a throwaway CA.
 *
 *   php -n tests/e2e/tls.php <so>
 *
 * At test time, openssl makes a CA and a server certificate for 127.0.0.1 / localhost
 * (subjectAltName) signed by it; the receiver serves HTTPS with them (--tls-cert/--tls-key).
 * (a) Default settings (ssl_verify=1, libcurl's CA bundle): the handshake fails, nothing
 *     reaches the receiver; upstream.last_error names the TLS failure; the event is retried
 *     (seen waiting in retry_queue_length) and after retry.max_attempts kept as a
 *     network_error dead letter; the log says why; no ssl_verify warning.
 * (b) transport.ca_info=<ca.pem>, ssl_verify=1: a new event is delivered, valid; the dead
 *     letter of (a) is replayed and delivered too (not lost); no ssl_verify warning.
 * (c) transport.ssl_verify=0, no CA: 5 events, each sent on its own, all delivered; the log
 *     has exactly one warning naming sentry_transport.transport.ssl_verify (no "repeated"
 *     summary). A second process on the same queue and log adds exactly one more, its own.
 */

declare(strict_types=1);

require __DIR__ . '/delivery_lib.php';

const TLS_WARNING_KEY = 'sentry_transport.transport.ssl_verify';

$so = e2e_so_path($argv);

/** Run a command to completion (bounded); fail with its output unless it exits 0. */
function tls_cmd(string $name, array $cmd, string $tmp): string
{
    $c = e2e_spawn($name, $cmd, "$tmp/$name.out", "$tmp/$name.err");
    $one = [&$c];
    e2e_assert(e2e_wait_exit($one, 30.0), '%s did not finish in 30 s', $name);
    $out = (string)file_get_contents("$tmp/$name.out");
    e2e_assert($c['exit'] === 0, '%s exited with %s: %s %s', $name, json_encode($c['exit']), $out,
               (string)file_get_contents("$tmp/$name.err"));
    return $out;
}

/** A CA and a server certificate for 127.0.0.1 and localhost signed by it. */
function tls_make_certs(string $dir): array
{
    $ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    tls_cmd('openssl-ca', array_merge(['openssl', 'req', '-x509'], $ec, ['-keyout', "$dir/ca.key", '-out', "$dir/ca.pem",
        '-days', '2', '-subj', '/CN=sentry_transport e2e test CA', '-addext', 'basicConstraints=critical,CA:TRUE',
        '-addext', 'keyUsage=critical,keyCertSign,cRLSign']), $dir);
    tls_cmd('openssl-csr', array_merge(['openssl', 'req'], $ec, ['-keyout', "$dir/server.key", '-out', "$dir/server.csr",
        '-subj', '/CN=127.0.0.1']), $dir);
    file_put_contents("$dir/server.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
        . "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n");
    tls_cmd('openssl-sign', ['openssl', 'x509', '-req', '-in', "$dir/server.csr", '-CA', "$dir/ca.pem", '-CAkey', "$dir/ca.key",
        '-CAcreateserial', '-out', "$dir/server.pem", '-days', '2', '-extfile', "$dir/server.ext"], $dir);
    // The pair is right (so a failure below is the extension's): the CA verifies the server cert.
    $v = tls_cmd('openssl-verify', ['openssl', 'verify', '-CAfile', "$dir/ca.pem", '-verify_ip', '127.0.0.1', "$dir/server.pem"], $dir);
    e2e_assert(str_contains($v, 'OK'), 'openssl verify: %s', $v);
    return ['ca' => "$dir/ca.pem", 'cert' => "$dir/server.pem", 'key' => "$dir/server.key"];
}

/** Lines of a JSON-lines log that mention the ssl_verify warning. */
function tls_warnings(string $file): array
{
    $off = 0;
    return array_values(array_filter(e2e_json_lines($file, $off),
        static fn(array $l) => str_contains(json_encode($l, JSON_UNESCAPED_SLASHES), 'ssl_verify')));
}

e2e_main(static function () use ($so): string {
    $tmp = e2e_tmpdir('tls');
    $certs = tls_make_certs($tmp);
    $r = receiver_start(['key' => 'pub', 'log' => "$tmp/receiver.log", 'tls_cert' => $certs['cert'], 'tls_key' => $certs['key']]);
    e2e_assert(str_starts_with($r['url'], 'https://'), 'receiver is not serving HTTPS: %s', $r['url']);
    $dsn = 'https://pub@127.0.0.1:' . $r['port'] . '/42';
    $dlDir = "$tmp/dead-letters";
    $base = ['dsn' => $dsn, 'retry.max_attempts' => '3', 'retry.initial_backoff' => '200ms', 'retry.max_backoff' => '500ms',
             'retry.dead_letter_queue' => '1', 'retry.dead_letter_path' => $dlDir, 'upstream.failure_threshold' => '100',
             'send_client_reports' => '0', 'transport.timeout' => '5s', 'transport.connect_timeout' => '2s',
             'shutdown_timeout' => '2s', 'logging.level' => 'warning'];
    e2e_log('receiver %s', $r['url']);

    // (a) default settings: verification against libcurl's bundle fails.
    $logA = "$tmp/ext-a.log";
    $o = dl_run('default', $so, ['queue.name' => e2e_queue_name('tlsa'), 'logging.file' => $logA] + $base, $tmp, <<<'PHP'
        $res = SentryTransport::sendEvent(['message' => 'sent with default TLS settings', 'level' => 'error']);
        out('send', $res);
        $seen = ['last_error' => '', 'retry_waiting' => 0];
        $t0 = microtime(true);
        out('dead', wait_until(static function () use (&$seen) {
            $st = SentryTransport::getStatus();
            if ($st['upstream']['last_error'] !== '' && $seen['last_error'] === '') {
                $seen['last_error'] = $st['upstream']['last_error'];
            }
            $seen['retry_waiting'] = max($seen['retry_waiting'], $st['queue']['retry_queue_length']);
            return SentryTransport::getMetrics()['dead_letters_written'] >= 1;
        }, 20.0, 0.01));
        out('secs', microtime(true) - $t0);
        out('seen', $seen);
        out('status', SentryTransport::getStatus());
        out('metrics', SentryTransport::getMetrics());
        out('list', SentryTransport::getDeadLetters());
        PHP, $r, 40.0);
    $m = $o['metrics'];
    e2e_log('(a) %.1f s to dead letter; seen %s; metrics sent %d failed %d network_errors %d retries %d dead %d; upstream %s; list %s',
            $o['secs'], json_encode($o['seen']), $m['events_sent'], $m['events_failed'], $m['network_errors'], $m['total_retries'],
            $m['dead_letters_written'], json_encode($o['status']['upstream']), json_encode($o['list']));
    e2e_assert($o['send']['success'] === true, '(a) sendEvent: %s', json_encode($o['send']));
    $stats = receiver_stats($r);
    e2e_assert($stats['envelopes'] === 0, '(a) the receiver got %d envelopes without a trusted certificate', $stats['envelopes']);
    e2e_assert($o['dead'] === true, '(a) no dead letter within 20 s: metrics %s; log %s', json_encode($m), @file_get_contents($logA));
    $tlsError = '~SSL|certificate|TLS~i';
    e2e_assert((bool)preg_match($tlsError, $o['seen']['last_error']) && (bool)preg_match($tlsError, $o['status']['upstream']['last_error']),
               '(a) upstream.last_error does not name the TLS failure: %s / %s', json_encode($o['seen']['last_error']),
               json_encode($o['status']['upstream']['last_error']));
    e2e_assert($o['seen']['retry_waiting'] >= 1, '(a) the event was never seen waiting for a retry');
    e2e_assert($m['events_sent'] === 0 && $m['events_failed'] === 1 && $m['network_errors'] === 3 && $m['total_retries'] === 2,
               '(a) expected 3 failed attempts (2 retries), 1 failed event: %s', json_encode($m));
    e2e_assert(count($o['list']) === 1 && $o['list'][0]['event_id'] === $o['send']['event_id']
               && $o['list'][0]['reason'] === 'network_error' && $o['list'][0]['attempts'] === 3,
               '(a) dead letters: %s', json_encode($o['list']));
    $log = (string)file_get_contents($logA);
    e2e_assert(preg_match('~"send failed, will retry".*"error":"[^"]*(SSL|certificate)~i', $log) === 1
               && str_contains($log, 'event kept as a dead letter'), '(a) the log does not show the TLS failure: %s', $log);
    e2e_assert(tls_warnings($logA) === [], '(a) ssl_verify warning with ssl_verify=1: %s', json_encode(tls_warnings($logA)));
    $lostId = $o['send']['event_id'];
    $aError = $o['status']['upstream']['last_error'];

    // (b) ca_info: delivered; the dead letter of (a) is replayed and delivered as well.
    $logB = "$tmp/ext-b.log";
    $o = dl_run('ca_info', $so, ['queue.name' => e2e_queue_name('tlsb'), 'logging.file' => $logB, 'transport.ssl_verify' => '1',
                                 'transport.ca_info' => $certs['ca']] + $base, $tmp, <<<'PHP'
        $res = SentryTransport::sendEvent(['message' => 'sent with ca_info', 'level' => 'error']);
        out('send', $res);
        out('sent', wait_until(static fn() => SentryTransport::getMetrics()['events_sent'] >= 1, 15.0));
        out('replayed', SentryTransport::replayDeadLetters());
        out('flushed', SentryTransport::flush(15.0));
        out('status', SentryTransport::getStatus());
        out('metrics', SentryTransport::getMetrics());
        PHP, $r, 40.0);
    e2e_log('(b) sent %s, replayed %s, metrics sent %d failed %d, upstream %s', json_encode($o['sent']), json_encode($o['replayed']),
            $o['metrics']['events_sent'], $o['metrics']['events_failed'], json_encode($o['status']['upstream']));
    e2e_assert($o['sent'] === true, '(b) not delivered with ca_info within 15 s: %s; log %s', json_encode($o['metrics']),
               @file_get_contents($logB));
    e2e_assert($o['replayed'] === 1 && $o['flushed'] === true, '(b) replay %s, flush %s', json_encode($o['replayed']),
               json_encode($o['flushed']));
    $by = e2e_delivered_by_id($r);
    foreach (['(b) event' => $o['send']['event_id'], '(a) event, replayed' => $lostId] as $what => $id) {
        e2e_assert(count($by[$id] ?? []) === 1, '%s %s delivered %d times', $what, $id, count($by[$id] ?? []));
    }
    $stats = receiver_stats($r);
    e2e_assert($stats['invalid'] === 0 && $stats['delivered'] === 2, '(b) receiver: %s', dl_stats_brief($stats));
    e2e_assert($o['metrics']['events_failed'] === 0 && $o['status']['upstream']['consecutive_failures'] === 0,
               '(b) failures with ca_info: %s', json_encode($o['status']['upstream']));
    e2e_assert(tls_warnings($logB) === [], '(b) ssl_verify warning with ssl_verify=1: %s', json_encode(tls_warnings($logB)));
    $lines = array_filter(explode("\n", trim((string)@file_get_contents($logB))));
    e2e_assert(!$lines, '(b) the log has lines at warning level: %s', implode(' | ', $lines));

    // (c) ssl_verify=0: delivered without the CA; one warning per process, not per event.
    $logC = "$tmp/ext-c.log";
    $qc = e2e_queue_name('tlsc');
    $iniC = ['queue.name' => $qc, 'logging.file' => $logC, 'transport.ssl_verify' => '0'] + $base;
    $bodyC = <<<'PHP'
        $ids = [];
        $sent0 = SentryTransport::getMetrics()['events_sent']; // host-wide: counts the earlier process too
        for ($i = 1; $i <= $CTX['n']; $i++) {
            $res = SentryTransport::sendEvent(['message' => "unverified $i", 'level' => 'error']);
            $ids[] = $res['event_id'];
            if (!$res['success'] || !wait_until(static fn() => SentryTransport::getMetrics()['events_sent'] >= $sent0 + $i, 15.0)) {
                out('stuck', [$i, $res, SentryTransport::getMetrics(), SentryTransport::getStatus()['upstream']]);
                break;
            }
        }
        out('ids', $ids);
        out('drainer', SentryTransport::getStatus()['drainer']);
        PHP;
    $seqBefore = count(receiver_events($r));
    $c1 = dl_run('unverified-1', $so, $iniC, $tmp, $bodyC, $r, 60.0, ['n' => 5]);
    e2e_assert(!isset($c1['stuck']), '(c) event not delivered with ssl_verify=0: %s; log %s', json_encode($c1['stuck'] ?? null),
               @file_get_contents($logC));
    $w1 = tls_warnings($logC);
    e2e_log('(c) process 1 (drainer %s): warnings %s', json_encode($c1['drainer']), json_encode($w1));
    e2e_assert(count($w1) === 1, '(c) %d ssl_verify warnings for 5 events in one process, expected 1: %s', count($w1),
               (string)file_get_contents($logC));
    $w = $w1[0];
    e2e_assert(($w['level'] ?? '') === 'warning' && str_contains($w['message'] ?? '', TLS_WARNING_KEY . '=0') && !isset($w['repeated']),
               '(c) the warning does not name %s=0 at level warning: %s', TLS_WARNING_KEY, json_encode($w));
    e2e_assert(($w['pid'] ?? null) === $c1['pid'] && $c1['drainer']['is_self'] === true,
               '(c) warning from pid %s, the process was %d (drainer %s)', json_encode($w['pid'] ?? null), $c1['pid'],
               json_encode($c1['drainer']));
    $c2 = dl_run('unverified-2', $so, $iniC, $tmp, $bodyC, $r, 60.0, ['n' => 3]);
    e2e_assert(!isset($c2['stuck']), '(c) second process: event not delivered: %s', json_encode($c2['stuck'] ?? null));
    $w2 = tls_warnings($logC);
    e2e_log('(c) after process 2: warnings %s', json_encode(array_map(static fn($l) => [$l['pid'], $l['message']], $w2)));
    e2e_assert(count($w2) === 2 && ($w2[1]['pid'] ?? null) === $c2['pid'],
               '(c) after a second process: %d warnings (pids %s), expected 2, the second from pid %d', count($w2),
               json_encode(array_column($w2, 'pid')), $c2['pid']);
    $by = e2e_delivered_by_id($r);
    foreach (array_merge($c1['ids'], $c2['ids']) as $id) {
        e2e_assert(count($by[$id] ?? []) === 1, '(c) event %s delivered %d times', $id, count($by[$id] ?? []));
    }
    $stats = receiver_stats($r);
    e2e_assert($stats['invalid'] === 0 && count(receiver_events($r)) - $seqBefore === 8, '(c) receiver: %s', dl_stats_brief($stats));
    receiver_stop($r);
    return sprintf('(a) default: nothing delivered, 3 attempts, last_error "%s", kept as network_error dead letter; '
                   . '(b) ca_info: delivered + dead letter replayed and delivered; (c) ssl_verify=0: 8 delivered, '
                   . '1 warning per process (2 processes)', $aError);
});
