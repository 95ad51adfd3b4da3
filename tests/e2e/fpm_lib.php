<?php
/**
 * A real php-fpm (Debian's php8.2-fpm) behind a real nginx, for php_fpm.php and
 * php_fpm_chaos.php: each gets its configuration in the test's temp dir, the extension is
 * loaded by the FPM master on its command line, and HTTP load clients
 * (workers/http_client.php) call fpm_app/.
 */

declare(strict_types=1);

require_once __DIR__ . '/lib.php';

// The php-fpm of the PHP running the tests (8.2 on Debian 12, 8.4 in CI's Debian 13 root).
const FPM_BIN = '/usr/sbin/php-fpm' . PHP_MAJOR_VERSION . '.' . PHP_MINOR_VERSION;
const NGINX_BIN = '/usr/sbin/nginx';

function fpm_require_binaries(): void
{
    foreach ([FPM_BIN, NGINX_BIN] as $bin) {
        e2e_assert(is_executable($bin), '%s is not installed (apt-get install php' . PHP_MAJOR_VERSION . '.' . PHP_MINOR_VERSION . '-fpm nginx-light)', $bin);
    }
}

/** One static pool of php-fpm.conf listening on $sock; $extra: more pool lines (timeouts, env[…]). */
function fpm_pool(string $tmp, string $name, string $sock, int $children, int $maxRequests, string $extra = ''): string
{
    return <<<POOL
[$name]
; running as root needs -R on the command line and an explicit user
user = root
group = root
listen = $sock
listen.mode = 0666
listen.backlog = 256
pm = static
pm.max_children = $children
pm.max_requests = $maxRequests
{$extra}catch_workers_output = yes
decorate_workers_output = no
php_admin_value[error_log] = $tmp/php-errors.log
php_admin_flag[log_errors] = on
php_admin_flag[display_errors] = off

POOL;
}

/**
 * Write php-fpm.conf ([global] + $pools) and start the master in the foreground with the
 * extension and $ini on its command line (settings are read at MINIT, in the master, before
 * it forks). Waits until it has $children children and every socket of $socks exists.
 * Returns [the master's e2e_spawn handle, its children's pids].
 */
function fpm_start(string $tmp, string $so, array $ini, string $pools, int $children, array $socks): array
{
    file_put_contents("$tmp/php-fpm.conf", <<<CONF
[global]
pid = $tmp/fpm.pid
error_log = $tmp/fpm.log
log_level = notice
daemonize = no
process_control_timeout = 10s

CONF . $pools);
    // -n: no system php.ini; -R: allow root; -F: foreground (this pid is the master's).
    $cmd = array_merge([FPM_BIN, '-n', '-R', '-F', '-y', "$tmp/php-fpm.conf"], e2e_ext_args($so, $ini));
    $fpm = e2e_spawn('php-fpm', $cmd, "$tmp/fpm.stdout", "$tmp/fpm.stderr");
    $master = $fpm['pid'];
    // Killing the master at exit would orphan its children, which wait in accept() for ever
    // (the runner's process-group kill catches them; a direct `php tests/e2e/…` run would not).
    e2e_before_kill(static function () use (&$fpm, $master): void {
        $kids = e2e_running($fpm) ? e2e_child_pids($master) : [];
        if ($kids) {
            exec('kill -KILL ' . implode(' ', $kids) . ' 2>/dev/null');
        }
    });
    $kids = e2e_wait_until(static function () use (&$fpm, $master, $socks, $children) {
        if (!e2e_running($fpm)) {
            return false;
        }
        $k = e2e_child_pids($master);
        return (count($k) === $children && !array_filter($socks, static fn($s) => !file_exists($s))) ? $k : false;
    }, 15.0);
    if (!$kids) {
        e2e_fail('php-fpm did not come up with %d children in 15 s (exit %s): %s %s', $children,
                 var_export($fpm['exit'], true), @file_get_contents("$tmp/fpm.log"), @file_get_contents("$tmp/fpm.stderr"));
    }
    $pidFile = (int)trim((string)@file_get_contents("$tmp/fpm.pid"));
    e2e_assert($pidFile === $master, 'fpm.pid says %d, the process we started is %d', $pidFile, $master);
    return [$fpm, $kids];
}

/** An nginx location that passes the matching PHP scripts to the FPM pool at $sock. */
function fpm_nginx_location(string $match, string $sock, string $readTimeout): string
{
    return <<<LOC
        location $match {
            include /etc/nginx/fastcgi_params;
            fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
            fastcgi_pass unix:$sock;
            fastcgi_read_timeout $readTimeout;
        }

LOC;
}

/**
 * Write nginx.conf (document root $app, `location = /ping` and $locations, see
 * fpm_nginx_location()) on a free port and start nginx; waits until /ping answers.
 * Returns [its e2e_spawn handle, the base URL].
 */
function fpm_start_nginx(string $tmp, string $app, string $locations): array
{
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
$locations    }
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
    return [$nginx, $base];
}

/**
 * Start $n HTTP load clients (workers/http_client.php), $perClient requests each to
 * $url . "?req=c<prefix><i>-<k>" . $suffix; returns their e2e_spawn handles.
 */
function fpm_http_clients(string $tmp, string $url, int $n, int $perClient, string $prefix, string $suffix): array
{
    $cl = [];
    for ($c = 0; $c < $n; $c++) {
        $cl[$c] = e2e_spawn("$prefix$c", [E2E_PHP, '-n', __DIR__ . '/workers/http_client.php', $url, (string)$perClient,
                                          "$prefix$c", $suffix], "$tmp/$prefix$c.out", "$tmp/$prefix$c.err");
    }
    return $cl;
}

/** What FPM's and nginx's logs say about one request (for a failure message). */
function fpm_logs_about(string $tmp, string $req): string
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

/**
 * Responses of finished clients of fpm_app/send.php: every client exited 0, every request
 * answered 200 from a child of $master, every sendEvent succeeded with an event_id not in
 * $sent yet. Adds event_id → event sent to $sent; returns the response rows.
 */
function fpm_collect_sent(string $tmp, array $clients, int $master, array &$sent): array
{
    $rows = [];
    foreach ($clients as $cl) {
        e2e_assert($cl['exit'] === 0, '%s exited with %s: %s', $cl['name'], var_export($cl['exit'], true), @file_get_contents($cl['err']));
        foreach (e2e_json_lines($cl['out']) as $row) {
            e2e_assert($row['status'] === 200 && is_array($row['body']), 'request %s: HTTP %d after %.0f ms (%s); %s',
                       $row['req'] ?? '?', $row['status'] ?? 0, $row['ms'] ?? 0,
                       substr(preg_replace('/\s+/', ' ', strip_tags((string)($row['raw'] ?? ''))), 0, 200),
                       fpm_logs_about($tmp, (string)($row['req'] ?? '?')));
            $b = $row['body'];
            e2e_assert($b['sapi'] === 'fpm-fcgi', 'request %s served by sapi %s', $row['req'], $b['sapi']);
            e2e_assert($b['pid'] !== $master && $b['ppid'] === $master, 'request %s served by pid %d (parent %d), not a child of the master %d',
                       $row['req'], $b['pid'], $b['ppid'], $master);
            foreach ($b['events'] as $ev) {
                e2e_assert($ev['ok'] === true, 'request %s: sendEvent failed: %s', $row['req'], $ev['err']);
                e2e_assert(!isset($sent[$ev['id']]), 'event_id %s returned twice', $ev['id']);
                $sent[$ev['id']] = $ev['event'];
            }
            $rows[] = $row;
        }
    }
    return $rows;
}

/**
 * Graceful stop: SIGQUIT to the FPM master (exit 0 within $grace s), then nginx. FPM's log
 * must show no crash or error, php-errors.log and fpm.stderr must be empty. Returns
 * [seconds FPM took to stop, FPM's log].
 */
function fpm_stop(string $tmp, array &$fpm, array &$nginx, float $grace): array
{
    $ts = microtime(true);
    $code = e2e_stop($fpm, 3 /* SIGQUIT: graceful */, $grace);
    $stopSecs = microtime(true) - $ts;
    e2e_assert($code === 0, 'php-fpm exited with %d after SIGQUIT (%.2fs)', $code, $stopSecs);
    e2e_stop($nginx, 3, 5.0);
    $fpmLog = (string)@file_get_contents("$tmp/fpm.log");
    e2e_assert(!preg_match('/SIGSEGV|SIGABRT|SIGBUS|core dumped|ERROR:/', $fpmLog), 'php-fpm log reports trouble: %s',
               substr($fpmLog, 0, 1500));
    foreach (['php-errors.log', 'fpm.stderr'] as $f) {
        $s = trim((string)@file_get_contents("$tmp/$f"));
        e2e_assert($s === '', '%s is not empty: %s', $f, substr($s, 0, 800));
    }
    return [$stopSecs, $fpmLog];
}
