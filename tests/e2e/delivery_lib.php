<?php
/**
 * Helpers shared by the delivery-policy e2e tests (tests/e2e/delivery_*.php): rate limits,
 * retries, dead letters, client reports, scrubbing, the upstream circuit breaker.
 *
 * The test script itself runs under `php -n` WITHOUT the extension (it owns the receiver and
 * asserts). Every call into the extension happens in a separately exec'd child:
 *
 *   $c = dl_spawn('name', $so, $ini, $tmp, $body);   // $body: PHP code (no "<?php")
 *   $out = dl_finish($c, 30.0);                      // bounded wait, exit 0 checked
 *   $out['some_key']                                 // what the child reported with out()
 *
 * Inside $body:
 *   out(string $key, mixed $value)      one JSON line on stdout, written at once
 *   wait_until(callable, float $timeout, float $interval = 0.02)   bounded poll
 *   gate(string $name, float $timeout)  wait (bounded) until the test called dl_open_gate()
 *   $RCV                                the receiver (['url' => …]) for receiver_stats($RCV) …
 *   $CTX                                the extra context array given to dl_spawn()
 */

declare(strict_types=1);

require_once __DIR__ . '/lib.php';

const DL_CHILD_PRELUDE = <<<'PHP'
<?php
declare(strict_types=1);
require_once __CLIENT__;
$__dl = json_decode($argv[1], true, 512, JSON_THROW_ON_ERROR);
$RCV = $__dl['receiver'];
$CTX = $__dl['ctx'];
function out(string $k, $v): void
{
    fwrite(STDOUT, json_encode(['k' => $k, 'v' => $v], JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE
        | JSON_INVALID_UTF8_SUBSTITUTE | JSON_PRESERVE_ZERO_FRACTION) . "\n");
}
function wait_until(callable $f, float $timeout, float $interval = 0.02)
{
    $deadline = microtime(true) + $timeout;
    for (;;) {
        $v = $f();
        if ($v) {
            return $v;
        }
        if (microtime(true) >= $deadline) {
            return $f() ?: false;
        }
        usleep((int)($interval * 1e6));
    }
}
function gate(string $name, float $timeout): bool
{
    global $__dl;
    $f = $__dl['tmp'] . '/gate.' . $name;
    return (bool)wait_until(static fn() => file_exists($f), $timeout, 0.01);
}
if (!class_exists('SentryTransport')) {
    out('fatal', 'extension not loaded');
    exit(2);
}
out('pid', getmypid());

PHP;

/** Start a child `php -n` with the extension and $ini running $body. */
function dl_spawn(string $name, string $so, array $ini, string $tmp, string $body, ?array $receiver = null,
                  array $ctx = []): array
{
    $file = "$tmp/$name.php";
    $prelude = str_replace('__CLIENT__', var_export(realpath(__DIR__ . '/../receiver/client.php'), true), DL_CHILD_PRELUDE);
    file_put_contents($file, $prelude . $body . "\n");
    $arg = json_encode(['tmp' => $tmp, 'receiver' => $receiver ? ['url' => $receiver['url']] : null, 'ctx' => $ctx],
                       JSON_UNESCAPED_SLASHES);
    $cmd = array_merge([E2E_PHP, '-n'], e2e_ext_args($so, $ini), [$file, $arg]);
    e2e_log('spawn %s', $name);
    return e2e_spawn($name, $cmd, "$tmp/$name.out", "$tmp/$name.err");
}

/** What a child reported so far: key => last value (and '_lines' => every line in order). */
function dl_output(array $c): array
{
    $off = 0;
    $map = ['_lines' => []];
    foreach (e2e_json_lines($c['out'], $off) as $row) {
        $map['_lines'][] = $row;
        if (isset($row['k'])) {
            $map[$row['k']] = $row['v'];
        }
    }
    return $map;
}

/** Wait (bounded) until the child reported $key; its value, or fail. */
function dl_wait_key(array &$c, string $key, float $timeout)
{
    $v = e2e_wait_until(static function () use (&$c, $key) {
        $o = dl_output($c);
        if (array_key_exists($key, $o)) {
            return ['v' => $o[$key]];
        }
        if (!e2e_running($c)) {
            return ['dead' => true];
        }
        return false;
    }, $timeout, 0.02);
    if ($v === false || isset($v['dead'])) {
        e2e_fail('%s did not report "%s" within %.0f s (%s); stderr: %s; stdout tail: %s', $c['name'], $key, $timeout,
                 $v === false ? 'still running' : 'exited with ' . var_export($c['exit'], true),
                 dl_tail($c['err']), dl_tail($c['out']));
    }
    return $v['v'];
}

/** Wait (bounded) for the child to exit; it must exit 0 with an empty stderr. Returns its output map. */
function dl_finish(array &$c, float $timeout): array
{
    $one = [&$c];
    if (!e2e_wait_exit($one, $timeout)) {
        e2e_stop($c, 9, 1.0);
        e2e_fail('%s still running after %.0f s; stdout tail: %s; stderr: %s', $c['name'], $timeout,
                 dl_tail($c['out']), dl_tail($c['err']));
    }
    $err = trim((string)@file_get_contents($c['err']));
    e2e_assert($c['exit'] === 0, '%s exited with %s; stderr: %s; stdout tail: %s', $c['name'], var_export($c['exit'], true),
               substr($err, 0, 600), dl_tail($c['out']));
    e2e_assert($err === '', '%s wrote to stderr: %s', $c['name'], substr($err, 0, 600));
    return dl_output($c);
}

function dl_run(string $name, string $so, array $ini, string $tmp, string $body, ?array $receiver = null,
                float $timeout = 30.0, array $ctx = []): array
{
    $c = dl_spawn($name, $so, $ini, $tmp, $body, $receiver, $ctx);
    return dl_finish($c, $timeout);
}

function dl_open_gate(string $tmp, string $name): void
{
    touch("$tmp/gate.$name");
}

function dl_tail(string $file, int $bytes = 600): string
{
    $s = (string)@file_get_contents($file);
    return strlen($s) > $bytes ? '…' . substr($s, -$bytes) : $s;
}

/** Settings every delivery test starts from. */
function dl_base_ini(string $dsn, string $queue, string $tmp): array
{
    return [
        'dsn' => $dsn,
        'queue.name' => $queue,
        'retry.initial_backoff' => '100ms',
        'retry.max_backoff' => '500ms',
        'retry.dead_letter_path' => "$tmp/dead-letters",
        'transport.timeout' => '5s',
        'transport.connect_timeout' => '2s',
        'shutdown_timeout' => '2s',
        'logging.level' => 'warning',
        'logging.file' => "$tmp/extension.log",
    ];
}

/** The extension log, shortened, for failure messages. */
function dl_ext_log(string $tmp): string
{
    $s = trim((string)@file_get_contents("$tmp/extension.log"));
    return $s === '' ? '(empty)' : substr($s, -800);
}

/** Summary of receiver stats for logs. */
function dl_stats_brief(array $s): string
{
    return json_encode(array_intersect_key($s, array_flip(['envelopes', 'valid', 'invalid', 'rejected_auth', 'delivered',
        'delivered_unique', 'duplicates', 'by_item_type', 'delivered_by_item_type', 'by_status', 'errors'])),
        JSON_UNESCAPED_SLASHES);
}

/** Records (all, or delivered only) whose event_id is $id. */
function dl_records_for(array $r, string $id, bool $deliveredOnly = true): array
{
    return array_values(array_filter(receiver_events($r, 0, $deliveredOnly),
        static fn(array $rec) => ($rec['event_id'] ?? null) === $id));
}

/** A fresh 32-hex id. */
function dl_hex32(): string
{
    return bin2hex(random_bytes(16));
}

/** Is $s RFC 3339 (what the extension prints for times)? */
function dl_is_rfc3339(string $s): bool
{
    return (bool)preg_match('~^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$~', $s);
}
