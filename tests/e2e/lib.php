<?php
/**
 * Shared helpers of the end-to-end tests (tests/e2e/*.php).
 *
 * Every test script is run as `php -n tests/e2e/<test>.php <path of sentry_transport.so> [args]`
 * by scripts/run-e2e.sh. It prints progress on stderr and exactly one verdict line on stdout,
 * `PASS <details>` or `FAIL <reason>`, and exits 0 (pass) or 1 (fail).
 *
 * Rules kept here so that no test can hang or leave litter behind:
 *  - every child process is started through e2e_spawn() and killed at exit (also on
 *    SIGTERM/SIGINT from the runner's timeout);
 *  - every wait is e2e_wait_until() with a deadline; nothing asserts on a fixed sleep;
 *  - every queue has a unique name and its /dev/shm object is removed before and after.
 *
 * Needs only what `php -n` has (standard, json, pcntl).
 */

declare(strict_types=1);

require_once __DIR__ . '/../receiver/client.php';

final class E2eFailure extends RuntimeException
{
}

const E2E_PHP = PHP_BINARY;

$GLOBALS['__e2e_children'] = [];   // pid => ['proc' => resource, 'name' => string]
$GLOBALS['__e2e_cleanups'] = [];   // callables run at exit, last registered first
$GLOBALS['__e2e_t0'] = microtime(true);

/** Progress line on stderr (the runner keeps it in the test's log). */
function e2e_log(string $fmt, ...$args): void
{
    $msg = $args ? vsprintf($fmt, $args) : $fmt;
    fwrite(STDERR, sprintf("[%7.3f] %s\n", microtime(true) - $GLOBALS['__e2e_t0'], $msg));
}

function e2e_fail(string $fmt, ...$args): never
{
    throw new E2eFailure($args ? vsprintf($fmt, $args) : $fmt);
}

function e2e_assert(bool $cond, string $fmt, ...$args): void
{
    if (!$cond) {
        e2e_fail($fmt, ...$args);
    }
}

/** The extension path given as first argument, checked. */
function e2e_so_path(array $argv): string
{
    $so = $argv[1] ?? '';
    if ($so === '' || !is_file($so)) {
        fwrite(STDOUT, "FAIL usage: php -n {$argv[0]} /path/to/sentry_transport.so (got '" . $so . "')\n");
        exit(1);
    }
    return realpath($so);
}

/** Effective uid, without ext/posix (php -n has none). */
function e2e_euid(): int
{
    foreach (file('/proc/self/status') as $line) {
        if (str_starts_with($line, 'Uid:')) {
            return (int)preg_split('/\s+/', trim($line))[2];
        }
    }
    return 0;
}

/** A unique queue name (≤ 32 of [A-Za-z0-9_.-]) and its /dev/shm object, removed now and at exit. */
function e2e_queue_name(string $prefix): string
{
    $name = substr($prefix, 0, 12) . '-' . getmypid() . '-' . bin2hex(random_bytes(3));
    $path = e2e_shm_path($name);
    @unlink($path);
    e2e_on_exit(static function () use ($path): void {
        @unlink($path);
    });
    return $name;
}

function e2e_shm_path(string $queueName): string
{
    return '/dev/shm/sentry_transport.v3.' . e2e_euid() . '.' . $queueName;
}

/** A private temp directory, removed at exit unless E2E_KEEP=1. */
function e2e_tmpdir(string $prefix): string
{
    $dir = sys_get_temp_dir() . '/e2e-' . $prefix . '-' . getmypid() . '-' . bin2hex(random_bytes(3));
    mkdir($dir, 0700, true);
    e2e_on_exit(static function () use ($dir): void {
        if (getenv('E2E_KEEP') === '1') {
            e2e_log('kept %s', $dir);
            return;
        }
        e2e_rmtree($dir);
    });
    return $dir;
}

function e2e_rmtree(string $dir): void
{
    if (!is_dir($dir) || is_link($dir)) {
        @unlink($dir);
        return;
    }
    foreach (scandir($dir) as $f) {
        if ($f !== '.' && $f !== '..') {
            e2e_rmtree("$dir/$f");
        }
    }
    @rmdir($dir);
}

function e2e_on_exit(callable $fn): void
{
    $GLOBALS['__e2e_cleanups'][] = $fn;
}

/** Run $fn at exit before the children are killed (e.g. to reach their own children). */
function e2e_before_kill(callable $fn): void
{
    $GLOBALS['__e2e_before_kill'][] = $fn;
}

/**
 * Start a child process (array form: no shell, so its pid is the program's own).
 * stdout/stderr go to files (never pipes: a chatty child would block on a full pipe).
 * Returns ['proc', 'pid', 'name', 'out', 'err'].
 */
function e2e_spawn(string $name, array $cmd, ?string $out = null, ?string $err = null, ?array $env = null,
                   ?string $cwd = null): array
{
    $out ??= '/dev/null';
    $err ??= '/dev/null';
    $proc = proc_open($cmd, [0 => ['file', '/dev/null', 'r'], 1 => ['file', $out, 'a'], 2 => ['file', $err, 'a']],
                      $pipes, $cwd, $env);
    if (!is_resource($proc)) {
        e2e_fail('cannot start %s', $name);
    }
    $pid = proc_get_status($proc)['pid'];
    $c = ['proc' => $proc, 'pid' => $pid, 'name' => $name, 'out' => $out, 'err' => $err, 'exit' => null];
    $GLOBALS['__e2e_children'][$pid] = $c;
    return $c;
}

/** Is the child still running? Records its exit code when it ended. */
function e2e_running(array &$c): bool
{
    if ($c['exit'] !== null) {
        return false;
    }
    $st = proc_get_status($c['proc']);
    if ($st['running']) {
        return true;
    }
    $c['exit'] = $st['signaled'] ? 128 + $st['termsig'] : $st['exitcode'];
    $GLOBALS['__e2e_children'][$c['pid']]['exit'] = $c['exit'];
    return false;
}

/** Wait (bounded) for children to exit; false if some are still running at the deadline. */
function e2e_wait_exit(array &$children, float $timeout): bool
{
    return (bool)e2e_wait_until(static function () use (&$children) {
        $any = false;
        foreach ($children as &$c) {
            $any = e2e_running($c) || $any;
        }
        return !$any;
    }, $timeout, 0.02);
}

/** Signal a child; after $grace seconds still alive → SIGKILL. Returns its exit code (or -1). */
function e2e_stop(array &$c, int $signal = 15, float $grace = 5.0): int
{
    if (e2e_running($c)) {
        proc_terminate($c['proc'], $signal);
        $one = [&$c];
        if (!e2e_wait_exit($one, $grace)) {
            e2e_log('%s (pid %d) still running %.1fs after signal %d: SIGKILL', $c['name'], $c['pid'], $grace, $signal);
            proc_terminate($c['proc'], 9);
            e2e_wait_exit($one, 2.0);
        }
    }
    return $c['exit'] ?? -1;
}

/** Poll $pred until truthy (its value is returned) or $timeout s pass (false, after a last try). */
function e2e_wait_until(callable $pred, float $timeout, float $interval = 0.05)
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
        usleep((int)($interval * 1e6));
    }
}

/** JSON lines of a file (non-JSON lines are returned under key 'raw'). */
function e2e_json_lines(string $file, int &$offset = 0): array
{
    $fh = @fopen($file, 'rb');
    if (!$fh) {
        return [];
    }
    fseek($fh, $offset);
    $rows = [];
    while (($line = fgets($fh)) !== false) {
        if (!str_ends_with($line, "\n")) {
            break; // incomplete: read it next time
        }
        $offset += strlen($line);
        $line = trim($line);
        if ($line === '') {
            continue;
        }
        $j = json_decode($line, true);
        $rows[] = is_array($j) ? $j : ['raw' => $line];
    }
    fclose($fh);
    return $rows;
}

/** Threads of a process (entries of /proc/<pid>/task), or -1 if it is gone. */
function e2e_thread_count(int $pid): int
{
    $t = @scandir("/proc/$pid/task");
    return $t === false ? -1 : count($t) - 2;
}

/** Direct children of a process, from /proc/<pid>/task/<tid>/children. */
function e2e_child_pids(int $pid): array
{
    $kids = [];
    foreach (@scandir("/proc/$pid/task") ?: [] as $tid) {
        if ($tid === '.' || $tid === '..') {
            continue;
        }
        $s = trim((string)@file_get_contents("/proc/$pid/task/$tid/children"));
        foreach ($s === '' ? [] : explode(' ', $s) as $k) {
            $kids[] = (int)$k;
        }
    }
    return $kids;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
function e2e_free_port(): int
{
    $s = stream_socket_server('tcp://127.0.0.1:0', $errno, $errstr);
    if (!$s) {
        e2e_fail('cannot find a free port: %s', $errstr);
    }
    $name = stream_socket_get_name($s, false);
    fclose($s);
    return (int)substr($name, strrpos($name, ':') + 1);
}

/** RFC 3339 with fraction (as the receiver writes received_at) → unix time float. */
function e2e_rfc3339_to_float(string $s): float
{
    if (!preg_match('~^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$~', $s, $m)) {
        return 0.0;
    }
    $base = (new DateTimeImmutable($m[1] . ($m[3] === 'Z' ? '+00:00' : $m[3])))->getTimestamp();
    return $base + (float)('0' . ($m[2] ?? ''));
}

/**
 * `-d` arguments loading the extension with settings: keys without a dot-prefixed section
 * of their own ("dsn", "queue.name", …) get "sentry_transport." in front; keys given as
 * "php:<key>" are plain php.ini keys (e.g. "php:error_log").
 */
function e2e_ext_args(string $so, array $ini): array
{
    $args = ['-d', 'extension=' . $so];
    foreach ($ini as $k => $v) {
        $key = str_starts_with($k, 'php:') ? substr($k, 4) : 'sentry_transport.' . $k;
        array_push($args, '-d', $key . '=' . $v);
    }
    return $args;
}

/** Kill every child still running, run cleanups. Idempotent. */
function e2e_cleanup(): void
{
    static $done = false;
    if ($done) {
        return;
    }
    $done = true;
    foreach (array_reverse($GLOBALS['__e2e_before_kill'] ?? []) as $fn) {
        $fn();
    }
    foreach ($GLOBALS['__e2e_children'] as $pid => $c) {
        if ($c['exit'] === null && proc_get_status($c['proc'])['running']) {
            proc_terminate($c['proc'], 9);
        }
    }
    foreach (array_reverse($GLOBALS['__e2e_cleanups']) as $fn) {
        try {
            $fn();
        } catch (Throwable $e) {
            e2e_log('cleanup: %s', $e->getMessage());
        }
    }
    foreach (_receiver_registry() as $left) {
        receiver_stop($left);
    }
}

/**
 * Run the test body. It returns the PASS details (a string); an E2eFailure (or any
 * Throwable) makes it FAIL. Children are killed and files removed whatever happens.
 */
function e2e_main(callable $body): never
{
    pcntl_async_signals(true);
    foreach ([SIGTERM, SIGINT, SIGHUP] as $sig) {
        pcntl_signal($sig, static function (int $s): void {
            e2e_log('got signal %d: cleaning up', $s);
            fwrite(STDOUT, "FAIL interrupted by signal $s (timeout?)\n");
            e2e_cleanup();
            exit(1);
        });
    }
    register_shutdown_function('e2e_cleanup');
    try {
        $details = $body();
        e2e_cleanup();
        fwrite(STDOUT, 'PASS ' . $details . "\n");
        exit(0);
    } catch (Throwable $e) {
        $where = $e instanceof E2eFailure ? '' : sprintf(' (%s at %s:%d)', get_class($e), basename($e->getFile()), $e->getLine());
        e2e_log('FAIL: %s%s', $e->getMessage(), $where);
        if (!$e instanceof E2eFailure) {
            e2e_log('%s', $e->getTraceAsString());
        }
        e2e_cleanup();
        fwrite(STDOUT, 'FAIL ' . str_replace("\n", ' | ', $e->getMessage()) . $where . "\n");
        exit(1);
    }
}

/** Delivered records of the receiver, indexed by event_id → list of records. */
function e2e_delivered_by_id(array $r): array
{
    $by = [];
    foreach (receiver_events($r, 0, true) as $rec) {
        if ($rec['event_id'] !== null) {
            $by[$rec['event_id']][] = $rec;
        }
    }
    return $by;
}

/** The event payload of a record (the event or transaction item), or null. */
function e2e_event_payload(array $rec): ?array
{
    foreach ($rec['item_types'] as $i => $t) {
        if ($t === 'event' || $t === 'transaction') {
            return is_array($rec['payloads'][$i] ?? null) ? $rec['payloads'][$i] : null;
        }
    }
    return null;
}

/**
 * Every accepted event ([event_id => the event as sent]) reached the receiver, and every copy
 * of it carries what was sent. Returns [receiver stats, deliveries by id].
 */
function e2e_assert_delivered_intact(array $r, array $accepted): array
{
    $stats = receiver_wait_delivered($r, count($accepted), 60.0);
    $byId = e2e_delivered_by_id($r);
    $missing = array_diff_key($accepted, $byId);
    e2e_assert(!$missing, '%d accepted events never delivered, e.g. %s', count($missing), (string)array_key_first($missing));
    foreach ($accepted as $id => $event) {
        foreach ($byId[$id] as $rec) {
            $p = e2e_event_payload($rec);
            $mm = $p === null ? 'no event payload' : e2e_subset_mismatch($event, $p);
            e2e_assert($mm === null, 'event %s: payload differs: %s', $id, (string)$mm);
        }
    }
    return [$stats, $byId];
}

/** Does $got contain every key of $want with an equal value (deep, recursive)? Returns the first mismatching path or null. */
function e2e_subset_mismatch(array $want, array $got, string $path = ''): ?string
{
    foreach ($want as $k => $v) {
        $p = $path === '' ? (string)$k : "$path.$k";
        if (!array_key_exists($k, $got)) {
            return "$p missing";
        }
        if (is_array($v)) {
            if (!is_array($got[$k])) {
                return "$p is not an array";
            }
            if (($m = e2e_subset_mismatch($v, $got[$k], $p)) !== null) {
                return $m;
            }
            if (array_is_list($v) && count($v) !== count($got[$k])) {
                return "$p has " . count($got[$k]) . ' elements, sent ' . count($v);
            }
        } elseif ($got[$k] !== $v && !(is_float($v) && is_numeric($got[$k]) && (float)$got[$k] === $v)) {
            return "$p = " . json_encode($got[$k]) . ', sent ' . json_encode($v);
        }
    }
    return null;
}

/**
 * getStatus() and getMetrics() as a fresh process of the host sees them: `$php -r …` ($php:
 * the interpreter and its -d arguments), output to $out, stderr to $err. Fails if it does
 * not exit 0 within $timeout s or prints no JSON. Returns ['status' => …, 'metrics' => …].
 */
function e2e_status_probe(array $php, string $out, string $err, float $timeout = 15.0): array
{
    $probe = e2e_spawn('probe', array_merge($php, ['-r',
        'echo json_encode(["status" => SentryTransport::getStatus(), "metrics" => SentryTransport::getMetrics()]), "\n";']),
        $out, $err);
    $one = [&$probe];
    e2e_assert(e2e_wait_exit($one, $timeout) && $probe['exit'] === 0, 'status probe failed (%s): %s', var_export($probe['exit'], true),
               @file_get_contents($err));
    $j = json_decode((string)file_get_contents($out), true);
    e2e_assert(is_array($j), 'status probe printed no JSON: %s', substr((string)file_get_contents($out), 0, 500));
    return $j;
}

/** Does an e2e_status_probe() result show nothing queued, in flight or waiting for a retry? */
function e2e_queue_empty(array $probe): bool
{
    $q = $probe['status']['queue'] ?? [];
    return ($q['queue_length'] ?? -1) === 0 && ($q['in_flight'] ?? -1) === 0 && ($q['retry_queue_length'] ?? -1) === 0;
}

/** The extension's log file: warnings (a retry) are reported, an error line fails the test. */
function e2e_assert_no_extension_errors(string $logFile): void
{
    $log = trim((string)@file_get_contents($logFile));
    if ($log !== '') {
        e2e_log('extension log (%d lines): %s', substr_count($log, "\n") + 1, substr($log, 0, 1200));
    }
    e2e_assert(!preg_match('/"level":"error"/', $log), 'the extension logged errors: %s', substr($log, 0, 1200));
}
