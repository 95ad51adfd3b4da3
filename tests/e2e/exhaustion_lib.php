<?php
/**
 * Helpers of the resource-exhaustion e2e tests (tests/e2e/exhaustion*.php, issue #4).
 *
 * A full /dev/shm, a full filesystem under queue.path, a read-only or full dead-letter
 * directory: each is made real inside a private mount namespace (`unshare -m`), where a
 * small tmpfs is mounted over the path, so nothing outside the test is touched. The PHP
 * child runs inside that namespace (`unshare … sh -ec '<setup>; exec php …'`: the pid we
 * get is PHP's own after the exec); the test changes the namespace from outside, as an
 * operator would, with `nsenter -t <pid> -m` (remove a file, fill the disk, remount).
 *
 * Needs root (CAP_SYS_ADMIN) and util-linux's unshare/nsenter. Without them the test
 * prints `SKIP <reason>` and exits 0: it has not run, it did not pass.
 *
 * The child protocol (out(), gate(), wait_until()) is delivery_lib.php's.
 */

declare(strict_types=1);

require_once __DIR__ . '/delivery_lib.php';

/** SKIP (exit 0) unless private mount namespaces with tmpfs mounts work here. */
function ex_require_namespaces(): void
{
    $why = null;
    if (e2e_euid() !== 0) {
        $why = 'not root: mounting a tmpfs in a private mount namespace needs CAP_SYS_ADMIN';
    } else {
        foreach (['/usr/bin/unshare', '/usr/bin/nsenter'] as $tool) {
            if (!is_executable($tool)) {
                $why = "$tool not found (util-linux)";
            }
        }
    }
    if ($why === null) {
        $probe = sys_get_temp_dir() . '/e2e-ex-probe-' . getmypid();
        @mkdir($probe, 0700);
        [$rc, $out] = ex_run(['/usr/bin/unshare', '-m', '--propagation', 'private', '/bin/sh', '-ec',
                              'mount -t tmpfs -o size=64k tmpfs "$1" && mount -o remount,ro "$1"', 'sh', $probe], 10.0);
        @rmdir($probe);
        if ($rc !== 0) {
            $why = 'unshare -m / mount -t tmpfs not permitted here: ' . trim($out);
        }
    }
    if ($why !== null) {
        fwrite(STDOUT, "SKIP $why\n");
        exit(0);
    }
}

/** Run a short command (no shell unless asked), bounded; returns [exit code, stdout+stderr]. */
function ex_run(array $cmd, float $timeout = 20.0): array
{
    $out = tempnam(sys_get_temp_dir(), 'e2e-ex-run-');
    $c = e2e_spawn('run ' . basename($cmd[0]), $cmd, $out, $out);
    $one = [&$c];
    if (!e2e_wait_exit($one, $timeout)) {
        e2e_stop($c, 9, 1.0);
        @unlink($out);
        e2e_fail('%s did not finish within %.0f s', implode(' ', $cmd), $timeout);
    }
    $text = (string)@file_get_contents($out);
    @unlink($out);
    return [$c['exit'], $text];
}

/** Run a shell command inside the mount namespace of $pid; fails the test unless it exits 0. */
function ex_ns(int $pid, string $script, string ...$args): string
{
    [$rc, $out] = ex_run(array_merge(['/usr/bin/nsenter', '-t', (string)$pid, '-m', '--', '/bin/sh', '-ec', $script, 'sh'],
                                     $args));
    e2e_assert($rc === 0, 'in the namespace of %d: `%s` exited %s: %s', $pid, $script, var_export($rc, true), trim($out));
    return $out;
}

/** Fill the filesystem holding $dir (inside $pid's namespace) to 100 % with $dir/$name. */
function ex_fill(int $pid, string $dir, string $name = 'filler'): void
{
    // dd stops at ENOSPC (exit 1): that is the point.
    ex_ns($pid, 'dd if=/dev/zero of="$1/$2" bs=4k 2>/dev/null || true; sync', $dir, $name);
    $avail = ex_avail($pid, $dir);
    e2e_assert($avail === 0, 'filesystem of %s not full after filling: %d bytes available', $dir, $avail);
}

/** Bytes available on the filesystem of $dir inside $pid's namespace. */
function ex_avail(int $pid, string $dir): int
{
    return (int)trim(ex_ns($pid, 'df -B1 --output=avail "$1" | tail -1', $dir));
}

/**
 * Start a delivery_lib child inside a fresh private mount namespace: $setup (sh, `set -e`)
 * runs there first (mounts), then PHP is exec'd in the same process.
 */
function ex_spawn(string $name, string $so, array $ini, string $tmp, string $setup, string $body, array $receiver,
                  array $ctx = []): array
{
    $file = "$tmp/$name.php";
    $prelude = str_replace('__CLIENT__', var_export(realpath(__DIR__ . '/../receiver/client.php'), true), DL_CHILD_PRELUDE);
    file_put_contents($file, $prelude . $body . "\n");
    $arg = json_encode(['tmp' => $tmp, 'receiver' => ['url' => $receiver['url']], 'ctx' => $ctx], JSON_UNESCAPED_SLASHES);
    $cmd = array_merge(['/usr/bin/unshare', '-m', '--propagation', 'private', '/bin/sh', '-ec', $setup . "\nexec \"\$@\"",
                        'sh', E2E_PHP, '-n'], e2e_ext_args($so, $ini), [$file, $arg]);
    e2e_log('spawn %s in a private mount namespace', $name);
    return e2e_spawn($name, $cmd, "$tmp/$name.out", "$tmp/$name.err");
}

/** Lines of the extension's JSON log whose message contains $needle. */
function ex_log_lines(string $tmp, string $needle): array
{
    $rows = [];
    foreach (file("$tmp/extension.log", FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) ?: [] as $line) {
        $j = json_decode($line, true);
        if (is_array($j) && str_contains((string)($j['message'] ?? ''), $needle)) {
            $rows[] = $j;
        }
    }
    return $rows;
}

/** Median, p99 and max of a list of numbers. */
function ex_percentiles(array $v): array
{
    sort($v);
    $n = count($v);
    if ($n === 0) {
        return ['n' => 0, 'median' => 0.0, 'p99' => 0.0, 'max' => 0.0];
    }
    return ['n' => $n, 'median' => $v[intdiv($n, 2)], 'p99' => $v[min($n - 1, (int)ceil(0.99 * $n) - 1)], 'max' => $v[$n - 1]];
}
