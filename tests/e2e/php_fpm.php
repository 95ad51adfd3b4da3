<?php
/**
 * php_fpm: a real php-fpm (Debian's php8.2-fpm) behind a real nginx, both with their own
 * configuration in a temp dir. The extension is loaded by the FPM master (`-d extension=…`
 * on its command line: settings are read at MINIT, in the master, before it forks).
 *
 *   php -n tests/e2e/php_fpm.php <so> [--requests=300] [--events=5] [--clients=6] [--children=4] [--max-requests=40]
 *
 * pm.max_requests (default 40) makes FPM recycle its children during the load, so children
 * forked later (and children exiting while they are the drainer) are covered too.
 *
 * Asserts: the master has exactly one thread once its children exist and before any request
 * (the background thread starts lazily, in children only) and still one after serving;
 * every request's events were accepted; events from >= 2 distinct children arrive; every
 * event_id is delivered exactly once with its payload intact; invalid == 0; FPM stops
 * gracefully (SIGQUIT) within a bound, with no child dying of a signal.
 */

declare(strict_types=1);

require __DIR__ . '/lib.php';

$so = e2e_so_path($argv);
$opt = ['requests' => 300, 'events' => 5, 'clients' => 6, 'children' => 4, 'max-requests' => 40];
foreach (array_slice($argv, 2) as $a) {
    if (preg_match('/^--(requests|events|clients|children|max-requests)=(\d+)$/', $a, $m)) {
        $opt[$m[1]] = (int)$m[2];
    }
}

const FPM_BIN = '/usr/sbin/php-fpm8.2';
const NGINX_BIN = '/usr/sbin/nginx';

e2e_main(static function () use ($so, $opt): string {
    foreach ([FPM_BIN, NGINX_BIN] as $bin) {
        e2e_assert(is_executable($bin), '%s is not installed (apt-get install php8.2-fpm nginx-light)', $bin);
    }
    $tmp = e2e_tmpdir('fpm');
    $queue = e2e_queue_name('fpm');
    $r = receiver_start(['log' => "$tmp/receiver.log"]);
    e2e_log('receiver %s, queue %s', $r['url'], $queue);

    // ---------------------------------------------------------------- php-fpm
    $app = realpath(__DIR__ . '/fpm_app');
    $sock = "$tmp/fpm.sock";
    $children = $opt['children'];
    $maxRequests = $opt['max-requests'];
    file_put_contents("$tmp/php-fpm.conf", <<<CONF
[global]
pid = $tmp/fpm.pid
error_log = $tmp/fpm.log
log_level = notice
daemonize = no
process_control_timeout = 10s

[e2e]
; running as root needs -R on the command line and an explicit user
user = root
group = root
listen = $sock
listen.mode = 0666
listen.backlog = 256
pm = static
pm.max_children = $children
pm.max_requests = $maxRequests
catch_workers_output = yes
decorate_workers_output = no
php_admin_value[error_log] = $tmp/php-errors.log
php_admin_flag[log_errors] = on
php_admin_flag[display_errors] = off

CONF);
    $ini = [
        'dsn' => $r['dsn'],
        'queue.name' => $queue,
        'queue.buffer_size' => '20000',
        'queue.memory' => '32M',
        'shutdown_timeout' => '3s',
        'logging.level' => 'warning',
        'logging.file' => "$tmp/extension.log",
    ];
    // -n: no system php.ini; -R: allow root; -F: foreground (this pid is the master's).
    $cmd = array_merge([FPM_BIN, '-n', '-R', '-F', '-y', "$tmp/php-fpm.conf"], e2e_ext_args($so, $ini));
    $fpm = e2e_spawn('php-fpm', $cmd, "$tmp/fpm.stdout", "$tmp/fpm.stderr");
    $master = $fpm['pid'];
    $kids = e2e_wait_until(static function () use (&$fpm, $master, $sock, $children) {
        if (!e2e_running($fpm)) {
            return false;
        }
        $k = e2e_child_pids($master);
        return (count($k) === $children && file_exists($sock)) ? $k : false;
    }, 15.0);
    if (!$kids) {
        e2e_fail('php-fpm did not come up with %d children in 15 s (exit %s): %s %s', $children,
                 var_export($fpm['exit'], true), @file_get_contents("$tmp/fpm.log"), @file_get_contents("$tmp/fpm.stderr"));
    }
    $pidFile = (int)trim((string)@file_get_contents("$tmp/fpm.pid"));
    e2e_assert($pidFile === $master, 'fpm.pid says %d, the process we started is %d', $pidFile, $master);
    $masterThreadsBefore = e2e_thread_count($master);
    $kidThreadsBefore = array_map('e2e_thread_count', $kids);
    e2e_log('php-fpm master %d (%d thread(s)), children %s (threads %s)', $master, $masterThreadsBefore,
            implode(',', $kids), implode(',', $kidThreadsBefore));
    e2e_assert($masterThreadsBefore === 1, 'FPM master has %d threads before serving (expected 1: no thread before fork)', $masterThreadsBefore);
    e2e_log('queue object before the first request: %s', file_exists(e2e_shm_path($queue)) ? 'exists' : 'absent');

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
        location ~ \.php$ {
            include /etc/nginx/fastcgi_params;
            fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
            fastcgi_pass unix:$sock;
            fastcgi_read_timeout 30s;
        }
    }
}

CONF);
    $nginx = e2e_spawn('nginx', [NGINX_BIN, '-e', "$tmp/nginx-error.log", '-p', "$tmp/", '-c', "$tmp/nginx.conf"],
                       "$tmp/nginx.stdout", "$tmp/nginx.stderr");
    $base = "http://127.0.0.1:$port";
    $up = e2e_wait_until(static function () use (&$nginx, $base) {
        if (!e2e_running($nginx)) {
            return false;
        }
        $ctx = stream_context_create(['http' => ['timeout' => 1, 'ignore_errors' => true]]);
        return @file_get_contents("$base/ping", false, $ctx) === "pong\n";
    }, 10.0, 0.05);
    if (!$up) {
        e2e_fail('nginx did not answer on %s within 10 s (exit %s): %s', $base, var_export($nginx['exit'], true),
                 @file_get_contents("$tmp/nginx-error.log") . @file_get_contents("$tmp/nginx.stderr"));
    }
    e2e_log('nginx %d on %s', $nginx['pid'], $base);
    e2e_assert(e2e_thread_count($master) === 1, 'FPM master has %d threads', e2e_thread_count($master));

    // ---------------------------------------------------------------- load
    $perClient = intdiv($opt['requests'] + $opt['clients'] - 1, $opt['clients']);
    $clients = [];
    $t0 = microtime(true);
    for ($c = 0; $c < $opt['clients']; $c++) {
        $clients[$c] = e2e_spawn("client$c", [E2E_PHP, '-n', __DIR__ . '/workers/http_client.php', "$base/send.php",
                                              (string)$perClient, (string)$c, '&n=' . $opt['events']],
                                 "$tmp/client$c.out", "$tmp/client$c.err");
    }
    if (!e2e_wait_exit($clients, 120.0)) {
        e2e_fail('HTTP clients still running after 120 s');
    }
    $loadSecs = microtime(true) - $t0;
    $sent = [];
    $servedBy = [];
    $threadsSeen = [];
    $nreq = 0;
    foreach ($clients as $c => $cl) {
        e2e_assert($cl['exit'] === 0, 'client %d exited with %s: %s', $c, var_export($cl['exit'], true), @file_get_contents($cl['err']));
        foreach (e2e_json_lines($cl['out']) as $row) {
            $nreq++;
            e2e_assert($row['status'] === 200 && is_array($row['body']), 'request %s: HTTP %d %s', $row['req'] ?? '?',
                       $row['status'] ?? 0, $row['raw'] ?? '');
            $b = $row['body'];
            e2e_assert($b['sapi'] === 'fpm-fcgi', 'request %s served by sapi %s', $row['req'], $b['sapi']);
            e2e_assert($b['pid'] !== $master && $b['ppid'] === $master, 'request %s served by pid %d (parent %d), not a child of the master %d',
                       $row['req'], $b['pid'], $b['ppid'], $master);
            $servedBy[$b['pid']] = ($servedBy[$b['pid']] ?? 0) + 1;
            $threadsSeen[$b['pid']] = $b['threads'];
            foreach ($b['events'] as $ev) {
                e2e_assert($ev['ok'] === true, 'request %s: sendEvent failed: %s', $row['req'], $ev['err']);
                e2e_assert(!isset($sent[$ev['id']]), 'event_id %s returned twice', $ev['id']);
                $sent[$ev['id']] = $ev['event'];
            }
        }
    }
    $total = $opt['clients'] * $perClient * $opt['events'];
    e2e_assert($nreq === $opt['clients'] * $perClient, '%d responses, expected %d', $nreq, $opt['clients'] * $perClient);
    e2e_assert(count($sent) === $total, '%d events accepted, expected %d', count($sent), $total);
    ksort($servedBy);
    e2e_log('%d requests in %.2fs served by %s; threads per child %s', $nreq, $loadSecs, json_encode($servedBy), json_encode($threadsSeen));
    e2e_assert(count($servedBy) >= 2, 'only %d FPM child served requests', count($servedBy));
    foreach ($threadsSeen as $pid => $n) {
        e2e_assert($n === 2, 'FPM child %d has %d threads while serving (expected 2: PHP + drainer)', $pid, $n);
    }

    // ---------------------------------------------------------------- delivery
    $stats = receiver_wait_delivered($r, $total, 60.0);
    e2e_log('receiver: %s', json_encode(array_intersect_key($stats, array_flip(
        ['envelopes', 'valid', 'invalid', 'rejected_auth', 'delivered', 'delivered_unique', 'duplicates', 'by_status']))));
    e2e_assert($stats['invalid'] === 0, 'receiver found %d invalid envelopes: %s', $stats['invalid'], json_encode($stats['errors']));
    e2e_assert($stats['delivered_unique'] === $total, 'delivered_unique %d after 60 s, expected %d', $stats['delivered_unique'], $total);
    e2e_assert($stats['duplicates'] === 0, '%d duplicate deliveries', $stats['duplicates']);
    $byId = e2e_delivered_by_id($r);
    $fromPids = [];
    foreach ($sent as $id => $event) {
        $recs = $byId[$id] ?? [];
        e2e_assert(count($recs) === 1, 'event %s (marker %s) delivered %d times', $id, $event['extra']['marker'], count($recs));
        $p = e2e_event_payload($recs[0]);
        e2e_assert($p !== null, 'event %s: no event payload', $id);
        $mm = e2e_subset_mismatch($event, $p);
        e2e_assert($mm === null, 'event %s (marker %s): payload differs: %s', $id, $event['extra']['marker'], (string)$mm);
        $fromPids[$p['extra']['pid']] = true;
    }
    e2e_assert(count($fromPids) >= 2, 'delivered events come from %d child(ren) only', count($fromPids));
    $extra = array_diff_key($byId, $sent);
    e2e_assert(!$extra, '%d delivered event_ids nobody sent', count($extra));

    $masterThreadsAfter = e2e_thread_count($master);
    e2e_assert($masterThreadsAfter === 1, 'FPM master has %d threads after serving (expected 1)', $masterThreadsAfter);

    // ---------------------------------------------------------------- graceful stop
    $ts = microtime(true);
    $code = e2e_stop($fpm, 3 /* SIGQUIT: graceful */, 15.0);
    $stopSecs = microtime(true) - $ts;
    e2e_assert($code === 0, 'php-fpm exited with %d after SIGQUIT (%.2fs)', $code, $stopSecs);
    e2e_stop($nginx, 3, 5.0);
    $fpmLog = (string)@file_get_contents("$tmp/fpm.log");
    e2e_assert(!preg_match('/exited on signal|SIGSEGV|core dumped|ERROR:/', $fpmLog), 'php-fpm log reports trouble: %s',
               substr($fpmLog, 0, 1500));
    foreach (['php-errors.log', 'extension.log', 'fpm.stderr'] as $f) {
        $s = trim((string)@file_get_contents("$tmp/$f"));
        e2e_assert($s === '', '%s is not empty: %s', $f, substr($s, 0, 800));
    }
    receiver_stop($r);
    return sprintf('%d requests (%d clients) -> %d children %s, %d events delivered exactly once from %d children, ' .
                   'invalid 0; master threads %d before / %d after serving; FPM stopped in %.2fs',
                   $nreq, $opt['clients'], count($servedBy), json_encode(array_values($servedBy)), $total, count($fromPids),
                   $masterThreadsBefore, $masterThreadsAfter, $stopSecs);
});
