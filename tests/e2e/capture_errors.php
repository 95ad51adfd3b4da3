<?php
/**
 * capture_errors: automatic capture from php.ini alone (issue #9), from the CLI and from a
 * real php-fpm child behind nginx. Each case's script sets a scope tag (case, via) and dies:
 *   uncaught  an uncaught exception thrown two calls deep
 *   oom       memory exhaustion (memory_limit 32M) inside a function
 *   timeout   max_execution_time (1 s) in a busy loop inside a function
 *   parse     a parse error in an included file
 * Then a long-running CLI worker loop (RoadRunner's shape): 6 jobs, clearScope() per job,
 * jobs 2 and 5 fail and are captured in the loop's catch.
 *
 *   php -n tests/e2e/capture_errors.php <so>
 *
 * Asserts, per case and per SAPI: exactly one event arrives, strict-parse clean (invalid 0),
 * with the case's tags from the scope (set before the process/request died), level (error
 * for an uncaught exception, fatal otherwise), mechanism handled=false, the exception type
 * (the class, E_ERROR, ParseError) and a stack that holds the function that was running;
 * the CLI exits 255 and prints PHP's own fatal message (the previous error callback ran);
 * FPM answers 500 and its pool keeps serving. Worker loop: the two events carry only their
 * own job's tag, transaction and breadcrumb.
 */

declare(strict_types=1);

require __DIR__ . '/fpm_lib.php';

$so = e2e_so_path($argv);

const CASES = [
    'uncaught' => [
        'code' => 'function inner() { throw new DomainException("uncaught-" . VIA); } function outer() { inner(); } outer();',
        'level' => 'error', 'type' => 'DomainException', 'function' => 'inner', 'php' => 'Uncaught DomainException'],
    'oom' => [
        'code' => 'function exhaust() { $a = []; for (;;) { $a[] = str_repeat("x", 1 << 20); } } exhaust();',
        'level' => 'fatal', 'type' => 'E_ERROR', 'function' => 'exhaust', 'php' => 'Allowed memory size'],
    'timeout' => [
        'code' => 'set_time_limit(1); function spin() { for ($i = 0;; $i++) { } } spin();',
        'level' => 'fatal', 'type' => 'E_ERROR', 'function' => 'spin', 'php' => 'Maximum execution time'],
    'parse' => [
        'code' => 'include __DIR__ . "/broken.inc";',
        'level' => 'fatal', 'type' => 'ParseError', 'function' => '{main}', 'php' => 'Parse error'],
];

/** One case's script for $via (cli|fpm). */
function case_script(string $case, string $via): string
{
    return "<?php\nconst VIA = '$via';\n"
        . "SentryTransport::configureScope(['tags' => ['case' => '$case', 'via' => VIA]]);\n"
        . "SentryTransport::addBreadcrumb('test', 'before $case');\n"
        . CASES[$case]['code'] . "\n";
}

/** The one event of $case/$via among the receiver's deliveries, checked. */
function check_event(array $r, string $case, string $via): array
{
    $found = e2e_wait_until(static function () use ($r, $case, $via) {
        $hits = [];
        foreach (receiver_events($r, 0, true) as $rec) {
            $p = e2e_event_payload($rec);
            if ($p && ($p['tags']['case'] ?? '') === $case && ($p['tags']['via'] ?? '') === $via) {
                $hits[] = $p;
            }
        }
        return $hits ?: false;
    }, 20.0);
    e2e_assert($found !== false, '%s/%s: no event arrived in 20 s', $via, $case);
    e2e_assert(count($found) === 1, '%s/%s: %d events, expected 1', $via, $case, count($found));
    $p = $found[0];
    $want = CASES[$case];
    e2e_assert($p['level'] === $want['level'], '%s/%s: level %s, expected %s', $via, $case, $p['level'], $want['level']);
    $values = $p['exception']['values'] ?? [];
    e2e_assert(count($values) >= 1, '%s/%s: no exception values: %s', $via, $case, json_encode($p));
    $last = end($values);
    e2e_assert($last['type'] === $want['type'], '%s/%s: type %s, expected %s', $via, $case, $last['type'], $want['type']);
    e2e_assert(($last['mechanism']['handled'] ?? null) === false, '%s/%s: mechanism %s', $via, $case, json_encode($last['mechanism'] ?? null));
    $functions = array_column($last['stacktrace']['frames'] ?? [], 'function');
    e2e_assert(in_array($want['function'], $functions, true), '%s/%s: no frame %s in %s', $via, $case, $want['function'], json_encode($functions));
    $crumbs = array_column($p['breadcrumbs']['values'] ?? [], 'message');
    e2e_assert(in_array("before $case", $crumbs, true), '%s/%s: breadcrumb missing: %s', $via, $case, json_encode($crumbs));
    return $p;
}

e2e_main(static function () use ($so): string {
    fpm_require_binaries();
    $tmp = e2e_tmpdir('capture');
    $queue = e2e_queue_name('capture');
    $r = receiver_start(['log' => "$tmp/receiver.log"]);
    $app = "$tmp/app";
    mkdir($app, 0755);
    file_put_contents("$app/broken.inc", "<?php\nfunction broken( {\n");
    foreach (['cli', 'fpm'] as $via) {
        foreach (array_keys(CASES) as $case) {
            file_put_contents("$app/{$case}_$via.php", case_script($case, $via));
        }
    }
    $ini = [
        'dsn' => $r['dsn'],
        'queue.name' => $queue,
        'capture_errors' => '1',
        'shutdown_timeout' => '5s',
        'logging.level' => 'warning',
        'logging.file' => "$tmp/extension.log",
        'php:memory_limit' => '32M',
    ];
    $summary = [];

    // ---------------------------------------------------------------- CLI
    foreach (array_keys(CASES) as $case) {
        $c = e2e_spawn("cli-$case", array_merge([E2E_PHP, '-n', '-d', 'display_errors=1'], e2e_ext_args($so, $ini),
                                                ["$app/{$case}_cli.php"]), "$tmp/cli-$case.out", "$tmp/cli-$case.err");
        $one = [&$c];
        e2e_assert(e2e_wait_exit($one, 30.0), 'cli %s still running after 30 s', $case);
        $out = file_get_contents("$tmp/cli-$case.out") . file_get_contents("$tmp/cli-$case.err");
        e2e_assert($c['exit'] === 255, 'cli %s: exit %s, expected 255: %s', $case, var_export($c['exit'], true), substr($out, 0, 500));
        e2e_assert(str_contains($out, CASES[$case]['php']), 'cli %s: PHP did not print its error (%s): %s', $case, CASES[$case]['php'], substr($out, 0, 500));
        check_event($r, $case, 'cli');
        $summary[] = "cli/$case";
    }

    // ---------------------------------------------------------------- php-fpm
    $sock = "$tmp/fpm.sock";
    [$fpm, $kids] = fpm_start($tmp, $so, $ini, fpm_pool($tmp, 'capture', $sock, 2, 100), 2, [$sock]);
    [$nginx, $base] = fpm_start_nginx($tmp, $app, fpm_nginx_location('~ \\.php$', $sock, '30s'));
    foreach (array_keys(CASES) as $case) {
        $ctx = stream_context_create(['http' => ['timeout' => 30, 'ignore_errors' => true]]);
        @file_get_contents("$base/{$case}_fpm.php", false, $ctx);
        $status = $http_response_header[0] ?? '(no response)';
        e2e_assert(str_contains($status, ' 500'), 'fpm %s: HTTP status %s, expected 500', $case, $status);
        check_event($r, $case, 'fpm');
        $summary[] = "fpm/$case";
    }
    $pong = @file_get_contents("$base/ping");
    e2e_assert($pong === "pong\n", 'nginx stopped answering');

    // ---------------------------------------------------------------- worker loop
    file_put_contents("$app/worker.php", <<<'PHP'
<?php
foreach (range(1, 6) as $job) {
    SentryTransport::clearScope();
    SentryTransport::configureScope(['tags' => ["job$job" => 'yes', 'case' => 'worker'], 'transaction' => "job-$job"]);
    SentryTransport::addBreadcrumb('job', "job $job started");
    try {
        if ($job === 2 || $job === 5) {
            throw new RuntimeException("job $job failed");
        }
    } catch (Throwable $e) {
        $res = SentryTransport::captureException($e);
        echo json_encode(['job' => $job, 'event_id' => $res['event_id'], 'success' => $res['success']]), "\n";
    }
}
PHP);
    $w = e2e_spawn('worker', array_merge([E2E_PHP, '-n'], e2e_ext_args($so, $ini), ["$app/worker.php"]), "$tmp/worker.out", "$tmp/worker.err");
    $one = [&$w];
    e2e_assert(e2e_wait_exit($one, 30.0) && $w['exit'] === 0, 'worker: exit %s: %s', var_export($w['exit'], true), @file_get_contents("$tmp/worker.err"));
    $jobs = e2e_json_lines("$tmp/worker.out");
    e2e_assert(count($jobs) === 2, 'worker: %d captures, expected 2', count($jobs));
    $byId = [];
    e2e_wait_until(static function () use ($r, $jobs, &$byId) {
        $byId = e2e_delivered_by_id($r);
        return !array_filter($jobs, static fn($j) => !isset($byId[$j['event_id']]));
    }, 20.0);
    foreach ($jobs as $j) {
        e2e_assert(isset($byId[$j['event_id']]), 'worker job %d: event not delivered', $j['job']);
        $p = e2e_event_payload($byId[$j['event_id']][0]);
        $n = $j['job'];
        e2e_assert($p['tags'] === ["job$n" => 'yes', 'case' => 'worker'], 'worker job %d: tags leak: %s', $n, json_encode($p['tags']));
        e2e_assert($p['transaction'] === "job-$n", 'worker job %d: transaction %s', $n, $p['transaction']);
        e2e_assert(array_column($p['breadcrumbs']['values'], 'message') === ["job $n started"], 'worker job %d: breadcrumbs leak: %s',
                   $n, json_encode($p['breadcrumbs']));
    }
    $summary[] = 'worker loop (2 jobs, no leak)';

    // PHP's own error callback ran after ours (chained): it logged every error. Moved aside,
    // so fpm_stop() still fails on anything else.
    $phpErrors = (string)@file_get_contents("$tmp/php-errors.log");
    foreach (CASES as $case => $want) {
        e2e_assert(str_contains($phpErrors, "PHP {$want['php']}") || str_contains($phpErrors, $want['php']),
                   'fpm %s: PHP did not log its error (%s): %s', $case, $want['php'], substr($phpErrors, 0, 800));
    }
    $phpErrors = preg_replace('~^\[[^\]]+\] PHP (Fatal error|Parse error): .*(\n(Stack trace:|#\d|  thrown).*)*\n?~m', '', $phpErrors);
    e2e_assert(trim($phpErrors) === '', 'php-errors.log has more than the 4 expected errors: %s', substr($phpErrors, 0, 800));
    rename("$tmp/php-errors.log", "$tmp/php-errors.expected.log");

    $stats = receiver_stats($r);
    e2e_assert($stats['invalid'] === 0, 'receiver found %d invalid envelopes: %s', $stats['invalid'], json_encode($stats['errors']));
    [$stopSecs, $fpmLog] = fpm_stop($tmp, $fpm, $nginx, 15.0);
    e2e_assert(!str_contains($fpmLog, 'exited on signal'), 'an FPM child died of a signal: %s', substr($fpmLog, 0, 1500));
    $extLog = trim((string)@file_get_contents("$tmp/extension.log"));
    e2e_assert($extLog === '', 'extension.log is not empty: %s', substr($extLog, 0, 800));
    receiver_stop($r);
    return sprintf('%s: one event each, strict-parse clean (valid %d, invalid 0)', implode(', ', $summary), $stats['valid']);
});
