<?php
/**
 * php_fpm_chaos: a real php-fpm behind a real nginx (as php_fpm.php) with children recycled
 * constantly (pm.max_requests = 2) and request_terminate_timeout = 1s, so FPM's master
 * kills children (SIGTERM) while they are inside sendEvent; the test SIGKILLs a few more.
 *
 *   php -n tests/e2e/php_fpm_chaos.php <so> [--chaos=8] [--sigkill=3] [--requests=240] [--clients=3]
 *       [--children=3] [--max-requests=2] [--terminate=1] [--idle-ms=600] [--pad=600000]
 *
 * One FPM master (the extension loaded by it, one queue) with two static pools, both with
 * pm.max_requests: "chaos" (request_terminate_timeout) and "web" (30 s: only a bound on a
 * hang; a normal request starved of CPU for 1 s on a busy machine is not what this tests).
 * Normal requests (fpm_app/send.php, 3 events each, `--children` children) run alongside
 * chaos requests (fpm_app/send_until_killed.php), which sleep idle-ms, then call sendEvent
 * in a tight loop until they are killed. Their events carry a pad-byte "password" that the
 * scrubber removes, so almost all of the loop is spent inside sendEvent while the queue gets
 * small records. Each chaos request writes a line right before each sendEvent and the
 * accepted event_id right after it returns, to a file of its own: the last line tells where
 * the kill landed. `--sigkill` of them sleep less and are SIGKILLed by the test once they
 * sent 20 events.
 *
 * Asserts: the terminate timeout really fired (> 0 "execution timed out" in FPM's log) and
 * > 0 of its kills landed inside sendEvent; every dead child is explained (a timeout or the
 * test's SIGKILL); every normal request answered 200 with its events accepted; every event
 * whose sendEvent returned success=true (normal or chaos) is delivered, at least once
 * (duplicates reported), with its marker and the pad scrubbed; the only other delivered
 * events are, per killed request, the one whose sendEvent the kill interrupted;
 * invalid == 0; the FPM master has 1 thread throughout; after the kills FPM still serves (a
 * final round of requests answers 200 within 30 s); graceful stop (SIGQUIT) exits 0; a fresh
 * `php` sees the queue empty (queue_length, in_flight, retries); the extension logs no
 * error. Reports kills, spawned children, slowest normal request, events accepted/delivered/
 * duplicates, lock recoveries.
 */

declare(strict_types=1);

require __DIR__ . '/lib.php';

$so = e2e_so_path($argv);
$opt = ['chaos' => 8, 'sigkill' => 3, 'requests' => 240, 'clients' => 3, 'children' => 3, 'max-requests' => 2,
        'terminate' => 1, 'idle-ms' => 600, 'pad' => 600000];
foreach (array_slice($argv, 2) as $a) {
    if (preg_match('/^--(chaos|sigkill|requests|clients|children|max-requests|terminate|idle-ms|pad)=(\d+)$/', $a, $m)) {
        $opt[$m[1]] = (int)$m[2];
    }
}

const FPM_BIN = '/usr/sbin/php-fpm8.2';
const NGINX_BIN = '/usr/sbin/nginx';
const CHAOS_CLIENTS = 2;

/** Start HTTP load clients (workers/http_client.php); returns their e2e_spawn handles. */
function chaos_clients(string $tmp, string $url, int $n, int $perClient, string $prefix, string $suffix): array
{
    $cl = [];
    for ($c = 0; $c < $n; $c++) {
        $cl[$c] = e2e_spawn("$prefix$c", [E2E_PHP, '-n', __DIR__ . '/workers/http_client.php', $url, (string)$perClient,
                                          "$prefix$c", $suffix], "$tmp/$prefix$c.out", "$tmp/$prefix$c.err");
    }
    return $cl;
}

/** What FPM's and nginx's logs say about one request (for a failure message). */
function chaos_logs_about(string $tmp, string $req): string
{
    $lines = [];
    foreach (['fpm.log', 'nginx-error.log'] as $f) {
        foreach (@file("$tmp/$f") ?: [] as $l) {
            if (str_contains($l, "req=$req&")) {
                $lines[] = trim($l);
            }
        }
    }
    return $lines ? implode(' | ', $lines) : 'nothing in the FPM and nginx logs';
}

/** Responses of finished normal clients: every one 200 with all events accepted. Adds to $sent. */
function chaos_collect_normal(string $tmp, array $clients, int $master, array &$sent, array &$servedBy, float &$maxMs): int
{
    $nreq = 0;
    foreach ($clients as $c => $cl) {
        e2e_assert($cl['exit'] === 0, '%s exited with %s: %s', $cl['name'], var_export($cl['exit'], true), @file_get_contents($cl['err']));
        foreach (e2e_json_lines($cl['out']) as $row) {
            $nreq++;
            e2e_assert($row['status'] === 200 && is_array($row['body']), 'normal request %s: HTTP %d after %.0f ms (%s); %s',
                       $row['req'] ?? '?', $row['status'] ?? 0, $row['ms'] ?? 0,
                       substr(preg_replace('/\s+/', ' ', strip_tags((string)($row['raw'] ?? ''))), 0, 200),
                       chaos_logs_about($tmp, (string)($row['req'] ?? '?')));
            $maxMs = max($maxMs, (float)$row['ms']);
            $b = $row['body'];
            e2e_assert($b['ppid'] === $master, 'request %s served by pid %d, not a child of the master %d', $row['req'], $b['pid'], $master);
            $servedBy[$b['pid']] = true;
            foreach ($b['events'] as $ev) {
                e2e_assert($ev['ok'] === true, 'request %s: sendEvent failed: %s', $row['req'], $ev['err']);
                e2e_assert(!isset($sent[$ev['id']]), 'event_id %s returned twice', $ev['id']);
                $sent[$ev['id']] = $ev['event']['extra']['marker'];
            }
        }
    }
    return $nreq;
}

e2e_main(static function () use ($so, $opt): string {
    foreach ([FPM_BIN, NGINX_BIN] as $bin) {
        e2e_assert(is_executable($bin), '%s is not installed (apt-get install php8.2-fpm nginx-light)', $bin);
    }
    $tmp = e2e_tmpdir('fpmchaos');
    $queue = e2e_queue_name('fpmchaos');
    $r = receiver_start(['log' => "$tmp/receiver.log"]);
    e2e_log('receiver %s, queue %s', $r['url'], $queue);
    $acc = "$tmp/acc";
    mkdir($acc, 0777);
    chmod($acc, 0777); // FPM's children may run as another user than this test

    // ---------------------------------------------------------------- php-fpm
    // Two pools of one master (one extension, one queue): "chaos" with the terminate
    // timeout, "web" for the normal requests, whose 30 s limit only bounds a hang (on a
    // busy 2-core machine a starved normal request could otherwise outlive 1 s).
    $app = realpath(__DIR__ . '/fpm_app');
    $sockWeb = "$tmp/fpm-web.sock";
    $sockChaos = "$tmp/fpm-chaos.sock";
    $children = $opt['children'];
    $chaosChildren = CHAOS_CLIENTS + ($opt['sigkill'] ? 1 : 0);
    $pool = static fn(string $name, string $sock, int $n, string $timeout) => <<<POOL
[$name]
user = root
group = root
listen = $sock
listen.mode = 0666
listen.backlog = 256
pm = static
pm.max_children = $n
pm.max_requests = {$opt['max-requests']}
request_terminate_timeout = $timeout
catch_workers_output = yes
decorate_workers_output = no
env[E2E_ACC_DIR] = $acc
php_admin_value[error_log] = $tmp/php-errors.log
php_admin_flag[log_errors] = on
php_admin_flag[display_errors] = off

POOL;
    file_put_contents("$tmp/php-fpm.conf", <<<CONF
[global]
pid = $tmp/fpm.pid
error_log = $tmp/fpm.log
log_level = notice
daemonize = no
process_control_timeout = 10s

CONF . $pool('web', $sockWeb, $children, '30s') . $pool('chaos', $sockChaos, $chaosChildren, $opt['terminate'] . 's'));
    $ini = [
        'dsn' => $r['dsn'],
        'queue.name' => $queue,
        'queue.buffer_size' => '100000',
        'queue.memory' => '64M',
        'shutdown_timeout' => '2s',
        'logging.level' => getenv('E2E_ST_LOG_LEVEL') ?: 'warning', // info: elections, for a post-mortem with E2E_KEEP=1
        'logging.file' => "$tmp/extension.log",
    ];
    $cmd = array_merge([FPM_BIN, '-n', '-R', '-F', '-y', "$tmp/php-fpm.conf"], e2e_ext_args($so, $ini));
    $fpm = e2e_spawn('php-fpm', $cmd, "$tmp/fpm.stdout", "$tmp/fpm.stderr");
    $master = $fpm['pid'];
    $up = e2e_wait_until(static function () use (&$fpm, $master, $sockWeb, $sockChaos, $children, $chaosChildren) {
        return e2e_running($fpm) && count(e2e_child_pids($master)) === $children + $chaosChildren && file_exists($sockWeb)
            && file_exists($sockChaos);
    }, 15.0);
    if (!$up) {
        e2e_fail('php-fpm did not come up with %d children in 15 s (exit %s): %s %s', $children + $chaosChildren,
                 var_export($fpm['exit'], true), @file_get_contents("$tmp/fpm.log"), @file_get_contents("$tmp/fpm.stderr"));
    }
    e2e_assert(e2e_thread_count($master) === 1, 'FPM master has %d threads before serving', e2e_thread_count($master));

    // ---------------------------------------------------------------- nginx
    $port = e2e_free_port();
    @mkdir("$tmp/nginx-tmp", 0700);
    file_put_contents("$tmp/nginx.conf", <<<CONF
worker_processes 2;
user root root;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log warn;
events { worker_connections 512; }
http {
    access_log off;
    client_body_temp_path $tmp/nginx-tmp/body;
    fastcgi_temp_path $tmp/nginx-tmp/fastcgi;
    proxy_temp_path $tmp/nginx-tmp/proxy;
    uwsgi_temp_path $tmp/nginx-tmp/uwsgi;
    scgi_temp_path $tmp/nginx-tmp/scgi;
    server {
        listen 127.0.0.1:$port;
        root $app;
        location = /ping { return 200 "pong\\n"; }
        location = /send_until_killed.php {
            include /etc/nginx/fastcgi_params;
            fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
            fastcgi_pass unix:$sockChaos;
            fastcgi_read_timeout 30s;
        }
        location ~ \.php$ {
            include /etc/nginx/fastcgi_params;
            fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
            fastcgi_pass unix:$sockWeb;
            fastcgi_read_timeout 40s;
        }
    }
}

CONF);
    $nginx = e2e_spawn('nginx', [NGINX_BIN, '-e', "$tmp/nginx-error.log", '-p', "$tmp/", '-c', "$tmp/nginx.conf"],
                       "$tmp/nginx.stdout", "$tmp/nginx.stderr");
    $base = "http://127.0.0.1:$port";
    $ok = e2e_wait_until(static function () use (&$nginx, $base) {
        $ctx = stream_context_create(['http' => ['timeout' => 1, 'ignore_errors' => true]]);
        return e2e_running($nginx) && @file_get_contents("$base/ping", false, $ctx) === "pong\n";
    }, 10.0);
    e2e_assert((bool)$ok, 'nginx did not answer on %s within 10 s: %s', $base, @file_get_contents("$tmp/nginx-error.log"));
    e2e_log('php-fpm master %d, nginx %d on %s', $master, $nginx['pid'], $base);

    // ---------------------------------------------------------------- load: normal + chaos
    $perNormal = intdiv($opt['requests'] + $opt['clients'] - 1, $opt['clients']);
    $perChaos = intdiv($opt['chaos'] + CHAOS_CLIENTS - 1, CHAOS_CLIENTS);
    $t0 = microtime(true);
    $normal = chaos_clients($tmp, "$base/send.php", $opt['clients'], $perNormal, 'n', '&n=3');
    $chaos = chaos_clients($tmp, "$base/send_until_killed.php", CHAOS_CLIENTS, $perChaos, 'x',
                           sprintf('&idle=%.3f&pad=%d&cap=10', $opt['idle-ms'] / 1000, $opt['pad']));
    // These the test SIGKILLs itself once they have sent 20 events (they sleep less, so
    // that comes well before the terminate timeout).
    $chaos = array_merge($chaos, $opt['sigkill'] ? chaos_clients($tmp, "$base/send_until_killed.php", 1, $opt['sigkill'], 'k',
                                                                 sprintf('&idle=0.2&pad=%d&cap=10', $opt['pad'])) : []);
    $all = array_merge($normal, $chaos);
    $masterThreadsMax = 0;
    $sigkilled = [];  // req → pid
    $normalSecs = null;
    $done = e2e_wait_until(static function () use (&$all, $master, &$masterThreadsMax, &$sigkilled, $acc, &$normalSecs, $t0,
                                                   $normal) {
        $masterThreadsMax = max($masterThreadsMax, e2e_thread_count($master));
        foreach (glob("$acc/ck*.jsonl") as $f) {
            $req = basename($f, '.jsonl');
            $rows = isset($sigkilled[$req]) ? [] : e2e_json_lines($f);
            if (count(array_filter($rows, static fn($r) => isset($r['m']))) < 20 || isset(end($rows)['end'])) {
                continue;
            }
            $pid = (int)$rows[0]['start'];
            $stat = (string)@file_get_contents("/proc/$pid/stat");
            if ((int)(explode(' ', substr($stat, strrpos($stat, ')') + 2))[1] ?? 0) === $master) { // still FPM's child
                exec('kill -KILL ' . $pid);
                $sigkilled[$req] = $pid;
            }
        }
        $any = false;
        foreach ($all as $i => &$c) {
            $any = e2e_running($c) || $any;
            if ($i === count($normal) - 1 && !$any) {
                $normalSecs ??= microtime(true) - $t0;
            }
        }
        return !$any;
    }, 150.0, 0.05);
    e2e_assert((bool)$done, 'HTTP clients still running after 150 s (FPM deadlocked?)');
    $loadSecs = microtime(true) - $t0;
    $normal = array_slice($all, 0, count($normal));
    $chaos = array_slice($all, count($normal));
    e2e_assert($masterThreadsMax === 1, 'FPM master had %d threads during the load (expected 1)', $masterThreadsMax);

    $sent = [];       // event_id → marker
    $servedBy = [];
    $maxMs = 0.0;     // slowest normal request, as its client saw it
    $nreq = chaos_collect_normal($tmp, $normal, $master, $sent, $servedBy, $maxMs);
    e2e_assert($nreq === $opt['clients'] * $perNormal, '%d normal responses, expected %d', $nreq, $opt['clients'] * $perNormal);
    $normalEvents = count($sent);

    // Chaos requests: the HTTP side (502 when killed) and each request's record file.
    $chaosStatus = [];
    foreach ($chaos as $cl) {
        e2e_assert($cl['exit'] === 0, '%s exited with %s', $cl['name'], var_export($cl['exit'], true));
        foreach (e2e_json_lines($cl['out']) as $row) {
            $chaosStatus[$row['req']] = $row['status'];
        }
    }
    $nChaos = CHAOS_CLIENTS * $perChaos + $opt['sigkill'];
    e2e_assert(count($chaosStatus) === $nChaos, '%d chaos responses, expected %d', count($chaosStatus), $nChaos);
    // Who killed each request: FPM's log names the request of every timeout.
    $fpmLog = (string)@file_get_contents("$tmp/fpm.log");
    preg_match_all('/\?req=([A-Za-z0-9_.-]+)[^"]*"\) execution timed out/', $fpmLog, $tm);
    $timedOutReqs = array_flip($tm[1]);
    $killedIn = ['timeout' => ['send' => 0, 'between' => 0, 'before' => 0],
                 'sigkill' => ['send' => 0, 'between' => 0, 'before' => 0]];
    $survived = 0;
    $inFlight = [];   // marker of the event each killed request was sending → req
    $chaosAccepted = 0;
    $refused = [];
    foreach ($chaosStatus as $req => $status) {
        $rows = e2e_json_lines("$acc/$req.jsonl");
        e2e_assert($rows && isset($rows[0]['start']), 'chaos request %s (HTTP %d) left no record', $req, $status);
        $last = end($rows);
        $pid = $rows[0]['start'];
        foreach ($rows as $row) {
            if (isset($row['m'])) {
                if ($row['ok'] !== true) {
                    $refused[] = $row['err'];
                    continue;
                }
                e2e_assert(!isset($sent[$row['id']]), 'event_id %s returned twice', $row['id']);
                $sent[$row['id']] = $row['m'];
                $chaosAccepted++;
            }
        }
        if (isset($last['end'])) {
            $survived++;
            e2e_assert($status === 200, 'chaos request %s finished its loop but answered HTTP %d', $req, $status);
            continue;
        }
        e2e_assert($status !== 200, 'chaos request %s answered 200 but its record stops early: %s', $req, json_encode($last));
        if (isset($sigkilled[$req])) {
            e2e_assert($sigkilled[$req] === $pid, 'request %s: SIGKILLed pid %d, its record says pid %d', $req, $sigkilled[$req], $pid);
            $killer = 'sigkill';
        } else {
            e2e_assert(isset($timedOutReqs[$req]), 'chaos request %s (pid %d, HTTP %d) died, but neither FPM\'s timeout nor the test ' .
                       'killed it; last record %s', $req, $pid, $status, json_encode($last));
            $killer = 'timeout';
        }
        if (isset($last['b'])) {
            $killedIn[$killer]['send']++;
            $inFlight[sprintf('chaos-%s-%d-p%d', $req, $last['b'], $pid)] = $req;
        } elseif (isset($last['m'])) {
            $killedIn[$killer]['between']++;
            $inFlight[sprintf('chaos-%s-%d-p%d', $req, $last['i'] + 1, $pid)] = $req; // its {"b"} line may have been cut
        } else {
            $killedIn[$killer]['before']++;
        }
    }
    e2e_assert(!$refused, '%d chaos sendEvent calls failed, e.g. "%s"', count($refused), $refused[0] ?? '');

    $timedOut = preg_match_all('/execution timed out/', $fpmLog);
    preg_match_all('/exited on signal (\d+)/', $fpmLog, $sigs);
    $bySignal = array_count_values($sigs[1]);
    $spawned = preg_match_all('/child \d+ started/', $fpmLog);
    e2e_log('load %.1fs (normal clients done after %.1fs, slowest request %.0f ms): %d normal requests (%d events) served by %d children; %d chaos ' .
            'requests, %d survived; killed by the timeout %s, by the test\'s SIGKILL %s; %d chaos events accepted', $loadSecs,
            $normalSecs ?? -1, $maxMs, $nreq, $normalEvents, count($servedBy), count($chaosStatus), $survived,
            json_encode($killedIn['timeout']), json_encode($killedIn['sigkill']), $chaosAccepted);
    e2e_log('FPM log: %d "execution timed out", exits by signal %s, %d children started', $timedOut, json_encode($bySignal),
            $spawned);
    e2e_assert($timedOut > 0, 'request_terminate_timeout never fired (no "execution timed out" in the FPM log)');
    e2e_assert($killedIn['timeout']['send'] > 0, 'no timeout kill landed inside sendEvent (%s)', json_encode($killedIn['timeout']));
    e2e_assert(!$opt['sigkill'] || $sigkilled, 'the test SIGKILLed no chaos request');
    // A request the test SIGKILLed just as its timeout fired is in both sets: one death.
    $killedReqs = count($timedOutReqs + $sigkilled);
    e2e_assert(array_sum($bySignal) === $killedReqs, '%d children exited on a signal (%s), expected %d (%d timeouts, %d SIGKILLs)',
               array_sum($bySignal), json_encode($bySignal), $killedReqs, $timedOut, count($sigkilled));

    // ---------------------------------------------------------------- FPM still serves
    $t1 = microtime(true);
    $final = chaos_clients($tmp, "$base/send.php", 3, 4, 'f', '&n=3');
    e2e_assert(e2e_wait_exit($final, 30.0), 'the final round of requests did not finish within 30 s after the kills');
    $finalReq = chaos_collect_normal($tmp, $final, $master, $sent, $servedBy, $maxMs);
    e2e_assert($finalReq === 12, '%d final responses, expected 12', $finalReq);
    $finalSecs = microtime(true) - $t1;
    e2e_assert(e2e_thread_count($master) === 1, 'FPM master has %d threads after the load', e2e_thread_count($master));

    // ---------------------------------------------------------------- delivery
    $n = count($sent);
    // By id, not by count: the receiver also has the events a kill interrupted.
    $stats = receiver_wait_delivered($r, $n, 60.0);
    $byId = [];
    e2e_wait_until(static function () use ($r, $sent, &$byId) {
        $byId = e2e_delivered_by_id($r);
        return !array_diff_key($sent, $byId);
    }, 30.0, 0.5);
    $missing = array_diff_key($sent, $byId);
    if ($missing) { // where are they? A fresh process's view of the queue, before its own thread acts
        $p = e2e_spawn('probe', array_merge([E2E_PHP, '-n'], e2e_ext_args($so, $ini), ['-r',
            'echo json_encode(SentryTransport::getStatus()["queue"] + ["drainer" => SentryTransport::getStatus()["drainer"],
                 "metrics" => array_diff_key(SentryTransport::getMetrics(), ["send_latency_buckets" => 1])]);']),
            "$tmp/missing-probe.out", '/dev/null');
        $one = [&$p];
        e2e_wait_exit($one, 15.0);
        // Stranded (still queued: the fresh process's drainer sends them now) or lost?
        $later = e2e_wait_until(static function () use ($r, $missing) {
            return !array_diff_key($missing, e2e_delivered_by_id($r));
        }, 10.0, 0.2);
        $seen = array_values(array_filter(receiver_events($r), static fn($e) => isset($missing[$e['event_id'] ?? ''])));
        $seen = ['delivered_after_a_fresh_process_ran' => (bool)$later, 'records' => $seen];
        e2e_fail('%d of %d accepted events never delivered, e.g. %s (marker %s); receiver %s, saw them %s; queue seen by a fresh ' .
                 'process: %s; extension log: %s', count($missing), $n, (string)array_key_first($missing), (string)reset($missing),
                 json_encode(array_intersect_key($stats, array_flip(['delivered', 'delivered_unique', 'duplicates', 'invalid']))),
                 substr(json_encode($seen), 0, 2000), @file_get_contents("$tmp/missing-probe.out"), substr(trim((string)@file_get_contents("$tmp/extension.log")), 0, 1000));
    }
    $dupIds = 0;
    foreach ($sent as $id => $marker) {
        $dupIds += count($byId[$id]) > 1 ? 1 : 0;
        foreach ($byId[$id] as $rec) {
            $p = e2e_event_payload($rec);
            e2e_assert(($p['extra']['marker'] ?? null) === $marker, 'event %s delivered with marker %s, sent %s', $id,
                       json_encode($p['extra']['marker'] ?? null), $marker);
            if (str_starts_with($marker, 'chaos-')) {
                e2e_assert(($p['extra']['password'] ?? null) === '[Filtered]', 'chaos event %s: password not scrubbed', $id);
            }
        }
    }
    // Beyond the accepted ones: only the event a kill interrupted, at most one per killed request.
    $interrupted = [];
    foreach (array_diff_key($byId, $sent) as $id => $recs) {
        $marker = e2e_event_payload($recs[0])['extra']['marker'] ?? '?';
        e2e_assert(isset($inFlight[$marker]) && !isset($interrupted[$inFlight[$marker]]),
                   'delivered event %s (marker %s) was never accepted, and is not the one a kill interrupted', $id, $marker);
        $interrupted[$inFlight[$marker]] = true;
    }
    $stats = receiver_stats($r);
    e2e_assert($stats['invalid'] === 0, 'receiver found %d invalid envelopes: %s', $stats['invalid'], json_encode($stats['errors']));

    // ---------------------------------------------------------------- graceful stop
    $ts = microtime(true);
    $code = e2e_stop($fpm, 3 /* SIGQUIT */, 20.0);
    $stopSecs = microtime(true) - $ts;
    e2e_assert($code === 0, 'php-fpm exited with %d after SIGQUIT (%.2fs)', $code, $stopSecs);
    e2e_stop($nginx, 3, 5.0);
    $fpmLog = (string)@file_get_contents("$tmp/fpm.log");
    e2e_assert(!preg_match('/SIGSEGV|SIGABRT|SIGBUS|core dumped|ERROR:/', $fpmLog), 'php-fpm log reports trouble: %s',
               substr($fpmLog, 0, 1500));
    preg_match_all('/exited on signal (\d+)/', $fpmLog, $sigs);
    $bySignal = array_count_values($sigs[1]);
    $timedOut = preg_match_all('/execution timed out/', $fpmLog);
    $spawned = preg_match_all('/child \d+ started/', $fpmLog);
    e2e_assert(array_sum($bySignal) === $killedReqs, 'after the stop: %d children exited on a signal (%s), expected %d',
               array_sum($bySignal), json_encode($bySignal), $killedReqs);
    foreach (['php-errors.log', 'fpm.stderr'] as $f) {
        $s = trim((string)@file_get_contents("$tmp/$f"));
        e2e_assert($s === '', '%s is not empty: %s', $f, substr($s, 0, 800));
    }

    // ---------------------------------------------------------------- the queue drains to empty
    $probes = 0;
    $pr = e2e_wait_until(static function () use ($so, $ini, $tmp, &$probes) {
        $probes++;
        $p = e2e_spawn('probe', array_merge([E2E_PHP, '-n'], e2e_ext_args($so, $ini), ['-r',
            'echo json_encode(["status" => SentryTransport::getStatus(), "metrics" => SentryTransport::getMetrics()]), "\n";']),
            "$tmp/probe$probes.out", "$tmp/probe.err");
        $one = [&$p];
        e2e_assert(e2e_wait_exit($one, 15.0) && $p['exit'] === 0, 'status probe failed (%s): %s', var_export($p['exit'], true),
                   @file_get_contents("$tmp/probe.err"));
        $j = json_decode((string)file_get_contents("$tmp/probe$probes.out"), true);
        $q = $j['status']['queue'] ?? [];
        return (($q['queue_length'] ?? -1) === 0 && ($q['in_flight'] ?? -1) === 0 && ($q['retry_queue_length'] ?? -1) === 0)
            ? $j : false;
    }, 30.0, 0.5);
    e2e_assert((bool)$pr, 'the queue is not empty 30 s after FPM stopped (%d fresh processes looked)', $probes);
    $m = $pr['metrics'];
    e2e_log('final metrics: %s', json_encode(array_intersect_key($m, array_flip(['events_sent', 'events_accepted', 'lock_recoveries',
        'corrupt_records', 'drainer_elections', 'total_retries', 'network_errors', 'responses_4xx', 'responses_5xx']))));
    $log = trim((string)@file_get_contents("$tmp/extension.log"));
    if ($log !== '') { // warnings (a retry) are reported; an error line fails
        e2e_log('extension log (%d lines): %s', substr_count($log, "\n") + 1, substr($log, 0, 1200));
    }
    e2e_assert(!preg_match('/"level":"error"/', $log), 'the extension logged errors: %s', substr($log, 0, 1200));
    $stats = receiver_stats($r);
    receiver_stop($r);
    return sprintf('%d normal (slowest %.0f ms) + %d chaos requests in %.1fs; %d children killed by request_terminate_timeout (%d inside ' .
                   'sendEvent, %d between calls, %d before the loop), %d SIGKILLed by the test (%d inside sendEvent); exits by ' .
                   'signal %s; %d children started (recycled), master 1 thread; %d events accepted (%d chaos), all delivered ' .
                   '(%d ids more than once, %d deliveries), %d interrupted events delivered too, invalid 0; final round %.2fs; ' .
                   'FPM stopped in %.2fs; queue empty (probe %d); lock_recoveries %d, corrupt_records %d, elections %d',
                   $nreq, $maxMs, count($chaosStatus), $loadSecs, $timedOut, $killedIn['timeout']['send'], $killedIn['timeout']['between'],
                   $killedIn['timeout']['before'], count($sigkilled), $killedIn['sigkill']['send'], json_encode($bySignal), $spawned,
                   $n, $chaosAccepted, $dupIds, $stats['delivered'], count($interrupted), $finalSecs, $stopSecs, $probes,
                   $m['lock_recoveries'] ?? -1, $m['corrupt_records'] ?? -1, $m['drainer_elections'] ?? -1);
});
