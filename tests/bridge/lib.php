<?php
/**
 * Shared helpers of the bridge tests (tests/bridge/*.php): a check runner printing one line per
 * check and a closing "N passed, N failed", the Composer setup of an app (setup.sh), and SDK
 * processes run with the system php.ini (the SDK needs curl, mbstring) plus chosen -d flags.
 * Process handling (children killed at exit, receivers stopped) comes from tests/e2e/lib.php.
 */

declare(strict_types=1);

require_once __DIR__ . '/../e2e/lib.php';

$GLOBALS['__bridge_results'] = ['passed' => 0, 'failed' => 0];

/**
 * php.ini's DSN for the tests: none (the DSN configured once, in the SDK: the extension sends
 * each envelope to the DSN the SDK names). BRIDGE_INI_DSN=1 also puts it into php.ini.
 */
function bridge_ini_dsn(string $dsn): array
{
    return getenv('BRIDGE_INI_DSN') === '1' ? ['dsn' => $dsn] : [];
}

function bridge_check(string $name, callable $fn): void
{
    $t0 = microtime(true);
    try {
        $details = $fn();
        $GLOBALS['__bridge_results']['passed']++;
        printf("ok    %-40s %5.1fs  %s\n", $name, microtime(true) - $t0, is_string($details) ? $details : '');
    } catch (Throwable $e) {
        $GLOBALS['__bridge_results']['failed']++;
        $where = $e instanceof E2eFailure ? '' : sprintf(' (%s at %s:%d)', get_class($e), basename($e->getFile()), $e->getLine());
        printf("FAIL  %-40s %5.1fs  %s%s\n", $name, microtime(true) - $t0, $e->getMessage(), $where);
    }
}

/** Prints the closing line and exits (1 if any check failed). */
function bridge_finish(): never
{
    e2e_cleanup();
    $r = $GLOBALS['__bridge_results'];
    printf("%d passed, %d failed\n", $r['passed'], $r['failed']);
    exit($r['failed'] === 0 ? 0 : 1);
}

/** Runs the checks in $body; an exception outside a check (setup) counts as one failure. */
function bridge_main(callable $body): never
{
    pcntl_async_signals(true);
    foreach ([SIGTERM, SIGINT] as $sig) {
        pcntl_signal($sig, static function (int $s): void {
            echo "FAIL  interrupted by signal $s (timeout?)\n";
            $GLOBALS['__bridge_results']['failed']++;
            bridge_finish();
        });
    }
    try {
        $body();
    } catch (Throwable $e) {
        $GLOBALS['__bridge_results']['failed']++;
        printf("FAIL  setup: %s (%s:%d)\n", $e->getMessage(), basename($e->getFile()), $e->getLine());
    }
    bridge_finish();
}

/** Composer-installs the app (tests/bridge/setup.sh) and returns its directory. */
function bridge_setup(string $app): string
{
    $log = sys_get_temp_dir() . '/bridge-setup-' . $app . '-' . getmypid() . '.log';
    $cmd = 'bash ' . escapeshellarg(__DIR__ . '/setup.sh') . ' ' . escapeshellarg($app) . ' 2>' . escapeshellarg($log);
    $out = [];
    exec($cmd, $out, $rc);
    $text = (string) @file_get_contents($log);
    @unlink($log);
    if ($rc !== 0 || $out === []) {
        e2e_fail("composer setup of %s failed (exit %d): %s", $app, $rc, substr($text, -1500));
    }
    return end($out);
}

/**
 * Runs `php [-d …] script args…` with the system php.ini, no stdin, at most $timeout s, and
 * returns [exit code, stdout, stderr].
 */
function bridge_php(array $dflags, string $script, array $args, float $timeout = 60.0, ?array $env = null): array
{
    $dir = e2e_tmpdir('php');
    $out = "$dir/out";
    $err = "$dir/err";
    $c = e2e_spawn(basename($script), array_merge([PHP_BINARY], $dflags, [$script], $args), $out, $err, $env);
    $one = [&$c];
    if (!e2e_wait_exit($one, $timeout)) {
        e2e_stop($c, 9);
        e2e_fail('%s did not end within %.0f s: %s', basename($script), $timeout, substr((string) file_get_contents($err), -800));
    }
    return [$c['exit'], (string) file_get_contents($out), (string) file_get_contents($err)];
}

/** Sum of discarded_events quantities per "reason/category" over the delivered client_report items. */
function bridge_client_report_totals(array $r): array
{
    $sum = [];
    foreach (receiver_events($r, 0, true) as $rec) {
        foreach ($rec['item_types'] as $i => $type) {
            if ($type !== 'client_report') {
                continue;
            }
            foreach ($rec['payloads'][$i]['discarded_events'] ?? [] as $d) {
                $k = $d['reason'] . '/' . $d['category'];
                $sum[$k] = ($sum[$k] ?? 0) + $d['quantity'];
            }
        }
    }
    ksort($sum);
    return $sum;
}
