<?php
/**
 * security: who may see and touch the queue and the dead letters, and where secrets go.
 *
 *   php -n tests/e2e/security.php <so>
 *
 * Runs as root (DAC is bypassed for root, so "another user" is uid 65534 through
 * `setpriv --reuid=65534 --regid=65534 --clear-groups`, which also drops every capability;
 * "owned by another user" is a chown to 65534). Every extension call runs in an exec'd child.
 *
 * 1. Modes: under umask 0277, the default /dev/shm queue and a queue.path file are 0600 and
 *    owned by the euid; a dead-letter directory the extension creates is 0700, its files 0600.
 * 2. Refusals: a queue path that is a symlink (to a file, dangling, and in /dev/shm), owned by
 *    uid 65534, group/other-accessible, or a directory: sendEvent returns success=false with an
 *    error naming the path and the reason, getStatus()['error'] says the same, PHP goes on,
 *    and the object is left as it was (not followed, not "fixed"). A dead-letter directory
 *    that is a symlink, owned by 65534 or mode 0750: the permanent failure is dropped (nothing
 *    written through the link), the log says why, getDeadLetters() throws with the reason.
 * 3. Another uid: with events queued by root (DSN at a closed port, backoff 1 h), uid 65534
 *    can read neither the /dev/shm object nor the queue.path file (cat, PHP fopen: Permission
 *    denied), the extension as uid 65534 cannot open root's queue.path, and with the same
 *    queue.name it attaches its own /dev/shm/sentry_transport.v3.65534.<name> (length 0)
 *    while root's queue still holds its events.
 * 4. Secrets: DSN secret, proxy URL password and proxy_auth never appear in getStatus,
 *    getMetrics, getPrometheusMetrics, phpinfo() (all sections), --ri, getDeadLetters, the
 *    debug log (with 400, 503 and network failures logged), dead-letter names and contents,
 *    the bytes a proxy receives (the DSN secret; proxy_auth must reach the proxy), and
 *    startup warnings of invalid settings.
 */

declare(strict_types=1);

require __DIR__ . '/delivery_lib.php';

const SEC_DSN_SECRET = 'S3CRETxyz';
const SEC_PROXY_URL_SECRET = 'PXurlPw77';
const SEC_PROXY_AUTH_SECRET = 'PXsecret';
const SEC_SECRETS = [SEC_DSN_SECRET, SEC_PROXY_URL_SECRET, SEC_PROXY_AUTH_SECRET];
const SEC_OTHER_UID = 65534;

$so = e2e_so_path($argv);

/** Mode bits (0777) and owner of a path, without following a final symlink. */
function sec_stat(string $path): array
{
    clearstatcache();
    $st = @lstat($path);
    return $st === false ? ['exists' => false] : ['exists' => true, 'mode' => $st['mode'] & 0777, 'uid' => $st['uid'],
                                                  'link' => ($st['mode'] & 0170000) === 0120000, 'size' => $st['size']];
}

/** Run a command as uid/gid 65534 (no supplementary groups, no capabilities); bounded. */
function sec_as_other(string $name, array $cmd, string $tmp, string $cwd, float $timeout = 30.0): array
{
    $c = e2e_spawn($name, array_merge(['setpriv', '--reuid=' . SEC_OTHER_UID, '--regid=' . SEC_OTHER_UID, '--clear-groups'], $cmd),
                   "$tmp/$name.out", "$tmp/$name.err", ['PATH' => '/usr/bin:/bin', 'HOME' => '/nonexistent'], $cwd);
    $one = [&$c];
    if (!e2e_wait_exit($one, $timeout)) {
        e2e_stop($c, 9, 1.0);
        e2e_fail('%s (uid %d) still running after %.0f s', $name, SEC_OTHER_UID, $timeout);
    }
    return ['exit' => $c['exit'], 'out' => (string)file_get_contents("$tmp/$name.out"),
            'err' => (string)file_get_contents("$tmp/$name.err")];
}

/** dl_run() with the child started under `umask 0277` (which would make 0400 files and 0500
 *  directories): the extension opens the queue in RINIT, before any PHP code could set it. */
function sec_run_umask(string $name, string $so, array $ini, string $tmp, string $body, ?array $receiver = null,
                       array $ctx = []): array
{
    $file = "$tmp/$name.php";
    $prelude = str_replace('__CLIENT__', var_export(realpath(__DIR__ . '/../receiver/client.php'), true), DL_CHILD_PRELUDE);
    file_put_contents($file, $prelude . "out('umask', sprintf('%04o', umask()));\n" . $body . "\n");
    $arg = json_encode(['tmp' => $tmp, 'receiver' => $receiver ? ['url' => $receiver['url']] : null, 'ctx' => $ctx],
                       JSON_UNESCAPED_SLASHES);
    $cmd = array_merge(['/bin/sh', '-c', 'umask 0277 && exec "$@"', 'sh', E2E_PHP, '-n'], e2e_ext_args($so, $ini), [$file, $arg]);
    e2e_log('spawn %s (umask 0277)', $name);
    $c = e2e_spawn($name, $cmd, "$tmp/$name.out", "$tmp/$name.err");
    $o = dl_finish($c, 30.0);
    e2e_assert(($o['umask'] ?? '') === '0277', '%s ran with umask %s, expected 0277', $name, json_encode($o['umask'] ?? null));
    return $o;
}

/** Which secrets does $text contain? */
function sec_leaks(string $text): array
{
    return array_values(array_filter(SEC_SECRETS, static fn($s) => str_contains($text, $s)));
}

function sec_assert_clean(string $where, string $text): void
{
    $l = sec_leaks($text);
    e2e_assert(!$l, 'SECRET LEAK in %s: %s', $where, implode(', ', $l));
}

/** A test-process stand-in for an HTTP proxy: records each connection's bytes, answers nothing. */
const SEC_PROXY_RECORDER = <<<'PHP'
$srv = stream_socket_server('tcp://127.0.0.1:0', $errno, $errstr);
if (!$srv) { exit(2); }
file_put_contents($argv[1] . '.port', substr(strrchr(stream_socket_get_name($srv, false), ':'), 1));
for ($n = 0; ; $n++) {
    $c = @stream_socket_accept($srv, 60.0);
    if (!$c) { continue; }
    stream_set_timeout($c, 2);
    $buf = '';
    while (!str_contains($buf, "\r\n\r\n") && ($chunk = fread($c, 65536)) !== false && $chunk !== '') { $buf .= $chunk; }
    if (preg_match('~Content-Length:\s*(\d+)~i', $buf, $m)) {
        $want = strpos($buf, "\r\n\r\n") + 4 + (int)$m[1];
        while (strlen($buf) < $want && ($chunk = fread($c, 65536)) !== false && $chunk !== '') { $buf .= $chunk; }
    }
    file_put_contents($argv[1], $buf . "\n----\n", FILE_APPEND);
    fclose($c); // no answer: a network error for the sender
}
PHP;

// Acting as another uid (setpriv) and chowning files to it takes root: elsewhere the test
// has not run, and says so (the runner counts SKIP apart from PASS).
if (e2e_euid() !== 0) {
    fwrite(STDOUT, sprintf("SKIP needs root (it acts as uid %d with setpriv and chowns files); euid is %d\n",
                           SEC_OTHER_UID, e2e_euid()));
    exit(0);
}

e2e_main(static function () use ($so): string {
    $tmp = e2e_tmpdir('sec');
    $euid = e2e_euid();
    // A directory uid 65534 can enter and read: the .so and its scripts; and the queue.path
    // files, so that only their own modes stand between uid 65534 and their contents.
    $pub = sys_get_temp_dir() . '/e2e-sec-pub-' . getmypid() . '-' . bin2hex(random_bytes(3));
    mkdir($pub, 0755);
    chmod($pub, 0755);
    e2e_on_exit(static function () use ($pub): void {
        if (getenv('E2E_KEEP') !== '1') {
            e2e_rmtree($pub);
        }
    });
    $pubSo = "$pub/sentry_transport.so";
    copy($so, $pubSo);
    chmod($pubSo, 0644);
    $closedPort = e2e_free_port();
    $closedDsn = 'http://pub:' . SEC_DSN_SECRET . "@127.0.0.1:$closedPort/42";
    $hold = ['dsn' => $closedDsn, 'retry.initial_backoff' => '1h', 'retry.max_backoff' => '1h',
             'retry.dead_letter_queue' => '0', 'shutdown_timeout' => '0', 'logging.level' => 'warning',
             'logging.file' => "$tmp/extension.log"];
    $facts = [];

    // ------------------------------------------------------------ 1. modes
    $marker = 'secmarker-' . bin2hex(random_bytes(6));
    $qShm = e2e_queue_name('secmode');
    $shmPath = e2e_shm_path($qShm);
    $qFileName = e2e_queue_name('secfile'); // its /dev/shm object must not appear either
    $qFile = "$pub/queue-root.bin";
    $queueBody = <<<'PHP'
        out('send', SentryTransport::sendEvent(['message' => $CTX['marker'], 'level' => 'error']));
        out('status', SentryTransport::getStatus());
        PHP;
    foreach (['shm' => ['queue.name' => $qShm], 'file' => ['queue.name' => $qFileName, 'queue.path' => $qFile]] as $kind => $q) {
        $o = sec_run_umask("mode-$kind", $so, $q + $hold, $tmp, $queueBody, null, ['marker' => $marker]);
        e2e_assert($o['send']['success'] === true, '%s queue: sendEvent failed: %s', $kind, json_encode($o['send']));
        $path = $kind === 'shm' ? $shmPath : $qFile;
        $st = sec_stat($path);
        e2e_log('%s queue %s: %s; status queue %s', $kind, $path, json_encode($st), json_encode($o['status']['queue']));
        e2e_assert($st['exists'] && !$st['link'], '%s queue object %s missing', $kind, $path);
        e2e_assert($st['mode'] === 0600, '%s queue %s has mode %o under umask 0277, expected 600', $kind, $path, $st['mode']);
        e2e_assert($st['uid'] === $euid, '%s queue %s owned by uid %d, expected %d', $kind, $path, $st['uid'], $euid);
        e2e_assert(str_contains((string)file_get_contents($path), $marker),
                   '%s queue %s does not hold the queued event (marker not found): the read test below would prove nothing', $kind, $path);
        e2e_assert($o['status']['queue']['queue_length'] === 1, '%s queue: queue_length %s, expected 1 (event held: closed port, backoff 1 h)',
                   $kind, json_encode($o['status']['queue']['queue_length']));
    }
    e2e_assert(!file_exists(e2e_shm_path($qFileName)), 'queue.path set, yet a /dev/shm object was created too');
    $facts[] = 'queues 0600 (umask 0277)';

    // Dead letters: a directory the extension creates (two levels) under umask 0277.
    $r = receiver_start(['key' => 'pub', 'log' => "$tmp/receiver.log"]);
    $rcvDsn = 'http://pub:' . SEC_DSN_SECRET . '@127.0.0.1:' . $r['port'] . '/42';
    $dlBase = ['dsn' => $rcvDsn, 'retry.max_attempts' => '3', 'retry.initial_backoff' => '100ms', 'retry.max_backoff' => '500ms',
               'retry.dead_letter_queue' => '1', 'send_client_reports' => '0', 'shutdown_timeout' => '2s',
               'logging.level' => 'warning'];
    $deadBody = <<<'PHP'
        $res = SentryTransport::sendEvent(['message' => 'permanent failure', 'level' => 'error']);
        out('send', $res);
        out('failed', wait_until(static fn() => SentryTransport::getMetrics()['events_failed'] >= 1, 15.0));
        out('metrics', SentryTransport::getMetrics());
        out('status', SentryTransport::getStatus());
        try {
            out('list', SentryTransport::getDeadLetters());
        } catch (Throwable $e) {
            out('list_error', get_class($e) . ': ' . $e->getMessage());
        }
        PHP;
    $dlDir = "$tmp/dl-made/letters";
    receiver_faults($r, ['script' => [['status' => 400]]]);
    $o = sec_run_umask('dl-modes', $so, ['queue.name' => e2e_queue_name('secdl'), 'retry.dead_letter_path' => $dlDir,
                                         'logging.file' => "$tmp/ext-dl.log"] + $dlBase, $tmp, $deadBody, $r);
    e2e_assert($o['failed'] === true && ($o['metrics']['dead_letters_written'] ?? 0) === 1,
               'no dead letter written within 15 s: metrics %s; log %s', json_encode($o['metrics']), @file_get_contents("$tmp/ext-dl.log"));
    foreach (["$tmp/dl-made", $dlDir] as $d) {
        $st = sec_stat($d);
        e2e_assert($st['exists'] && $st['mode'] === 0700 && $st['uid'] === $euid, 'dead-letter directory %s: %s, expected mode 700 owner %d',
                   $d, json_encode($st), $euid);
    }
    $letters = array_values(array_diff(scandir($dlDir), ['.', '..']));
    e2e_assert(count($letters) === 1 && str_ends_with($letters[0], '.envelope'), 'dead-letter files: %s', json_encode($letters));
    $st = sec_stat("$dlDir/{$letters[0]}");
    e2e_assert($st['mode'] === 0600 && $st['uid'] === $euid && !$st['link'], 'dead letter %s: %s, expected a 0600 file of uid %d',
               $letters[0], json_encode($st), $euid);
    $facts[] = 'dead-letter dirs 0700, file 0600';

    // ------------------------------------------------------------ 2. refusals
    $refuseBody = <<<'PHP'
        $res = SentryTransport::sendEvent(['message' => 'must not be queued']);
        out('send', $res);
        out('status', SentryTransport::getStatus());
        out('alive', 'still running');
        PHP;
    $target = "$tmp/target.bin";
    file_put_contents($target, 'ORIGINAL CONTENT');
    chmod($target, 0600);
    $cases = [];
    $cases['file symlink'] = static function () use ($pub, $target): array {
        $p = "$pub/q-link.bin";
        symlink($target, $p);
        return [$p, 'is a symlink: refused'];
    };
    $cases['dangling symlink'] = static function () use ($pub, $tmp): array {
        $p = "$pub/q-dangling.bin";
        symlink("$tmp/not-there.bin", $p);
        return [$p, 'is a symlink: refused'];
    };
    $cases['file of uid 65534'] = static function () use ($pub): array {
        $p = "$pub/q-other.bin";
        touch($p);
        chmod($p, 0600);
        chown($p, SEC_OTHER_UID);
        return [$p, 'owned by uid ' . SEC_OTHER_UID . ', not 0: refused'];
    };
    $cases['file mode 0640'] = static function () use ($pub): array {
        $p = "$pub/q-0640.bin";
        touch($p);
        chmod($p, 0640);
        return [$p, 'has permissions 640, expected 0600: refused'];
    };
    $cases['file mode 0606'] = static function () use ($pub): array {
        $p = "$pub/q-0606.bin";
        touch($p);
        chmod($p, 0606);
        return [$p, 'has permissions 606, expected 0600: refused'];
    };
    $cases['directory'] = static function () use ($pub): array {
        $p = "$pub/q-dir";
        mkdir($p, 0700);
        return [$p, 'Is a directory'];
    };
    $shmCase = static function (string $what) use ($target): array {
        $name = e2e_queue_name('secshm');
        $p = e2e_shm_path($name);
        if ($what === 'link') {
            symlink($target, $p);
            return [$name, $p, 'is a symlink: refused'];
        }
        touch($p);
        chmod($p, $what === 'other' ? 0600 : 0644);
        if ($what === 'other') {
            chown($p, SEC_OTHER_UID);
            return [$name, $p, 'owned by uid ' . SEC_OTHER_UID . ', not 0: refused'];
        }
        return [$name, $p, 'has permissions 644, expected 0600: refused'];
    };
    foreach (['link', 'other', 'mode'] as $what) {
        $cases["shm $what"] = static fn() => $shmCase($what);
    }
    $refused = [];
    foreach ($cases as $label => $make) {
        $made = $make();
        if (count($made) === 3) {
            [$qname, $path, $why] = $made;
            $ini = ['queue.name' => $qname] + $hold;
            $shown = '/' . basename($path); // shm_open's name
        } else {
            [$path, $why] = $made;
            $ini = ['queue.name' => e2e_queue_name('secref'), 'queue.path' => $path] + $hold;
            $shown = $path;
        }
        $before = sec_stat($path);
        $tag = preg_replace('~\W+~', '-', $label);
        $o = dl_run("refuse-$tag", $so, ['logging.file' => "$tmp/ext-refuse-$tag.log"] + $ini, $tmp, $refuseBody, null, 30.0);
        $err = (string)($o['send']['error'] ?? '');
        e2e_log('%s: sendEvent error "%s"; status error "%s"', $label, $err, $o['status']['error']);
        e2e_assert($o['send']['success'] === false, '%s: sendEvent succeeded on an unsafe queue object: %s', $label, json_encode($o['send']));
        e2e_assert(str_contains($err, $why) && str_contains($err, $shown),
                   '%s: error "%s" does not say "%s" about %s', $label, $err, $why, $shown);
        e2e_assert($o['status']['error'] === $err && $o['status']['active'] === false && $o['status']['queue']['closed'] === true,
                   '%s: getStatus() error/active/closed = %s / %s / %s, expected "%s" / false / true', $label,
                   json_encode($o['status']['error']), json_encode($o['status']['active']), json_encode($o['status']['queue']['closed']), $err);
        e2e_assert(($o['alive'] ?? null) === 'still running', '%s: PHP did not go on after the refusal', $label);
        $log = (string)@file_get_contents("$tmp/ext-refuse-$tag.log");
        e2e_assert(str_contains($log, 'queue unavailable') && str_contains($log, $why), '%s: the log does not say why: %s', $label, $log);
        $after = sec_stat($path);
        e2e_assert($after === $before, '%s: %s was changed by the refusal: %s → %s', $label, $path, json_encode($before), json_encode($after));
        $refused[] = $label;
    }
    e2e_assert(file_get_contents($target) === 'ORIGINAL CONTENT' && sec_stat($target)['size'] === 16,
               'the symlink target was written through');
    e2e_assert(!file_exists("$tmp/not-there.bin"), 'the dangling symlink was followed: its target was created');
    $facts[] = count($refused) . ' unsafe queue objects refused';

    // Dead-letter directories that must be refused.
    mkdir("$tmp/dl-real", 0700);
    $dlCases = [
        'symlink' => static function () use ($tmp): array {
            symlink("$tmp/dl-real", "$tmp/dl-link");
            return ["$tmp/dl-link", 'it is a symbolic link'];
        },
        'uid 65534' => static function () use ($tmp): array {
            mkdir("$tmp/dl-other", 0700);
            chown("$tmp/dl-other", SEC_OTHER_UID);
            return ["$tmp/dl-other", 'owned by uid ' . SEC_OTHER_UID];
        },
        'mode 0750' => static function () use ($tmp): array {
            mkdir("$tmp/dl-0750", 0700);
            chmod("$tmp/dl-0750", 0750);
            return ["$tmp/dl-0750", 'mode 0750 gives group/other access'];
        },
    ];
    $dlStatus = null;
    foreach ($dlCases as $label => $make) {
        [$path, $why] = $make();
        $tag = preg_replace('~\W+~', '-', $label);
        receiver_faults($r, ['script' => [['status' => 400]]]);
        $before = sec_stat($path);
        $o = dl_run("dlrefuse-$tag", $so, ['queue.name' => e2e_queue_name('secdlr'), 'retry.dead_letter_path' => $path,
                                          'logging.file' => "$tmp/ext-dlrefuse-$tag.log"] + $dlBase, $tmp, $deadBody, $r, 30.0);
        $log = (string)@file_get_contents("$tmp/ext-dlrefuse-$tag.log");
        e2e_log('dead letters in %s (%s): list error %s; status error "%s"; log %s', $path, $label,
                json_encode($o['list_error'] ?? null), $o['status']['error'], trim($log));
        e2e_assert($o['failed'] === true, 'dead-letter %s: the 400 was not handled within 15 s: %s', $label, json_encode($o['metrics']));
        e2e_assert(($o['metrics']['dead_letters_written'] ?? -1) === 0, 'dead-letter %s: %d dead letters written into an unsafe directory',
                   $label, $o['metrics']['dead_letters_written'] ?? -1);
        e2e_assert(str_contains($o['list_error'] ?? '', 'RuntimeException: refusing dead-letter directory ' . $path)
                   && str_contains($o['list_error'], $why), 'dead-letter %s: getDeadLetters() gave %s, expected a RuntimeException saying "%s"',
                   $label, json_encode($o['list'] ?? $o['list_error'] ?? null), $why);
        e2e_assert(str_contains($log, '"level":"error"') && str_contains($log, 'refusing dead-letter directory') && str_contains($log, $why),
                   'dead-letter %s: the log does not say why dead letters are not kept: %s', $label, $log);
        // getStatus()['dead_letters'] / metrics dead_letter_errors, where the build has them
        if (isset($o['status']['dead_letters'])) {
            e2e_assert($o['status']['dead_letters']['state'] === 'failing' && str_contains($o['status']['dead_letters']['error'], $why),
                       'dead-letter %s: getStatus()[dead_letters] = %s', $label, json_encode($o['status']['dead_letters']));
        }
        if (isset($o['metrics']['dead_letter_errors'])) {
            e2e_assert($o['metrics']['dead_letter_errors'] >= 1, 'dead-letter %s: dead_letter_errors %d', $label,
                       $o['metrics']['dead_letter_errors']);
        }
        e2e_assert(sec_stat($path) === $before, 'dead-letter %s: %s was changed (%s → %s)', $label, $path, json_encode($before),
                   json_encode(sec_stat($path)));
        $dlStatus = $o['status'];
    }
    e2e_assert(array_diff(scandir("$tmp/dl-real"), ['.', '..']) === [], 'something was written through the dead-letter symlink');
    e2e_log('note: with an unsafe dead-letter directory getStatus() shows active=%s error="%s" dead_letters=%s',
            json_encode($dlStatus['active']), $dlStatus['error'], json_encode($dlStatus['dead_letters'] ?? '(no such key)'));
    $facts[] = '3 unsafe dead-letter dirs refused';

    // ------------------------------------------------------------ 3. another uid
    foreach (['shm' => $shmPath, 'file' => $qFile] as $kind => $path) {
        $c = sec_as_other("cat-$kind", ['cat', $path], $tmp, $pub);
        e2e_assert($c['exit'] !== 0 && str_contains($c['err'], 'Permission denied') && !str_contains($c['out'], $marker),
                   'uid %d ran cat %s: exit %s, stderr "%s", %d bytes read', SEC_OTHER_UID, $path, json_encode($c['exit']), trim($c['err']),
                   strlen($c['out']));
    }
    file_put_contents("$pub/read.php", '<?php $r = []; foreach (array_slice($argv, 1) as $p) { $f = @fopen($p, "rb"); '
        . '$r[$p] = $f ? "READ " . strlen((string)stream_get_contents($f)) . " bytes" : (error_get_last()["message"] ?? "?"); } '
        . 'echo json_encode($r, JSON_UNESCAPED_SLASHES), "\n";');
    chmod("$pub/read.php", 0644);
    $c = sec_as_other('php-read', [E2E_PHP, '-n', "$pub/read.php", $shmPath, $qFile], $tmp, $pub);
    $reads = json_decode(trim($c['out']), true);
    e2e_log('uid %d fopen: %s', SEC_OTHER_UID, trim($c['out']));
    e2e_assert(is_array($reads) && count($reads) === 2, 'php as uid %d: no answer (exit %s): %s %s', SEC_OTHER_UID,
               json_encode($c['exit']), $c['out'], $c['err']);
    foreach ($reads as $p => $what) {
        e2e_assert(str_contains($what, 'Permission denied'), 'php as uid %d opened %s: %s', SEC_OTHER_UID, $p, $what);
    }
    // The extension as uid 65534: its own queue by name, and root's queue.path refused.
    $otherShm = '/dev/shm/sentry_transport.v3.' . SEC_OTHER_UID . ".$qShm";
    @unlink($otherShm);
    e2e_on_exit(static function () use ($otherShm): void {
        @unlink($otherShm);
    });
    $otherBody = <<<'PHP'
        <?php
        $st = SentryTransport::getStatus();
        $m = SentryTransport::getMetrics();
        echo json_encode(['status' => $st, 'accepted' => $m['events_accepted']], JSON_UNESCAPED_SLASHES), "\n";
        PHP;
    file_put_contents("$pub/other.php", $otherBody);
    chmod("$pub/other.php", 0644);
    $otherIni = ['dsn' => $closedDsn, 'retry.dead_letter_queue' => '0', 'shutdown_timeout' => '0', 'logging.level' => 'off'];
    $c = sec_as_other('ext-other', array_merge([E2E_PHP, '-n'], e2e_ext_args($pubSo, ['queue.name' => $qShm] + $otherIni),
                                               ["$pub/other.php"]), $tmp, $pub);
    $v = json_decode(trim($c['out']), true);
    e2e_assert(is_array($v), 'extension as uid %d: exit %s, output %s %s', SEC_OTHER_UID, json_encode($c['exit']), $c['out'], $c['err']);
    e2e_log('uid %d, same queue.name: %s', SEC_OTHER_UID, json_encode($v['status']['queue']));
    e2e_assert($v['status']['active'] === true && $v['status']['queue']['location'] === '/sentry_transport.v3.' . SEC_OTHER_UID . ".$qShm",
               'uid %d with queue.name %s: active %s, location %s', SEC_OTHER_UID, $qShm, json_encode($v['status']['active']),
               json_encode($v['status']['queue']['location']));
    e2e_assert($v['status']['queue']['queue_length'] === 0 && $v['accepted'] === 0,
               'uid %d sees queue_length %d / events_accepted %d: it sees root\'s queue', SEC_OTHER_UID,
               $v['status']['queue']['queue_length'], $v['accepted']);
    $st = sec_stat($otherShm);
    e2e_assert($st['exists'] && $st['uid'] === SEC_OTHER_UID && $st['mode'] === 0600, '%s: %s, expected a 0600 object of uid %d',
               $otherShm, json_encode($st), SEC_OTHER_UID);
    $c = sec_as_other('ext-other-path', array_merge([E2E_PHP, '-n'],
        e2e_ext_args($pubSo, ['queue.name' => $qShm, 'queue.path' => $qFile] + $otherIni), ["$pub/other.php"]), $tmp, $pub);
    $v = json_decode(trim($c['out']), true);
    e2e_assert(is_array($v) && $v['status']['active'] === false
               && str_contains($v['status']['error'], "cannot open queue $qFile: Permission denied"),
               'uid %d with root\'s queue.path: %s %s', SEC_OTHER_UID, $c['out'], $c['err']);
    $o = dl_run('root-still', $so, ['queue.name' => $qShm] + $hold, $tmp, "out('status', SentryTransport::getStatus());", null, 30.0);
    e2e_assert($o['status']['queue']['queue_length'] === 1, 'root\'s queue %s now holds %d events, expected its 1', $qShm,
               $o['status']['queue']['queue_length']);
    $facts[] = 'uid 65534: EACCES on both queues, own queue (length 0)';

    // ------------------------------------------------------------ 4. secrets
    $collect = <<<'PHP'
        $all = [];
        $all['send'] = [SentryTransport::sendEvent(['message' => 'A', 'level' => 'error']),
                        SentryTransport::sendEvent(['message' => 'B', 'level' => 'error'])];
        $all['settled'] = wait_until(static function () use ($CTX) {
            $m = SentryTransport::getMetrics();
            return $m['events_failed'] + $m['events_sent'] >= 2 && ($CTX['dead'] === 0 || $m['dead_letters_written'] >= $CTX['dead']);
        }, 20.0);
        $all['status'] = SentryTransport::getStatus();
        $all['metrics'] = SentryTransport::getMetrics();
        $all['prometheus'] = SentryTransport::getPrometheusMetrics();
        $all['dead_letters'] = SentryTransport::getDeadLetters();
        ob_start();
        phpinfo();
        $all['phpinfo'] = ob_get_clean();
        $all['flush'] = SentryTransport::flush(0.1);
        out('all', $all);
        PHP;
    receiver_faults($r, ['script' => [['status' => 400], ['status' => 503]]]);
    $dlSecrets = "$tmp/dl-secrets";
    $iniS = ['queue.name' => e2e_queue_name('secsec'), 'retry.dead_letter_path' => $dlSecrets, 'logging.level' => 'debug',
             'logging.file' => "$tmp/ext-secrets.log"] + $dlBase;
    $o1 = dl_run('secrets-upstream', $so, $iniS, $tmp, $collect, $r, 40.0, ['dead' => 1]);
    // Through a proxy (a recorder that answers nothing): network errors, circuit, dead letter.
    $proxyLog = "$tmp/proxy.bytes";
    file_put_contents("$tmp/proxy.php", "<?php\n" . SEC_PROXY_RECORDER);
    $px = e2e_spawn('proxy', [E2E_PHP, '-n', "$tmp/proxy.php", $proxyLog], "$tmp/proxy.out", "$tmp/proxy.err");
    $pxPort = e2e_wait_until(static fn() => @file_get_contents("$proxyLog.port") ?: false, 10.0);
    e2e_assert($pxPort !== false, 'the proxy recorder did not start: %s', @file_get_contents("$tmp/proxy.err"));
    $dlProxy = "$tmp/dl-proxy";
    $iniP = ['queue.name' => e2e_queue_name('secpx'), 'retry.dead_letter_path' => $dlProxy, 'retry.max_attempts' => '2',
             'upstream.failure_threshold' => '2', 'logging.level' => 'debug', 'logging.file' => "$tmp/ext-proxy.log",
             'transport.proxy' => 'http://pxuser:' . SEC_PROXY_URL_SECRET . "@127.0.0.1:$pxPort",
             'transport.proxy_auth' => 'authuser:' . SEC_PROXY_AUTH_SECRET] + $dlBase;
    $o2 = dl_run('secrets-proxy', $so, $iniP, $tmp, $collect, $r, 40.0, ['dead' => 2]);
    $wireBoth = (string)@file_get_contents($proxyLog);
    // proxy_auth alone (a proxy URL without credentials): it must be what the proxy gets.
    $o3 = dl_run('secrets-proxy-auth', $so, ['queue.name' => e2e_queue_name('secpa'), 'retry.max_attempts' => '1',
                                             'retry.dead_letter_queue' => '0', 'logging.file' => "$tmp/ext-proxy-auth.log",
                                             'transport.proxy' => "http://127.0.0.1:$pxPort"] + $iniP, $tmp, <<<'PHP'
        out('send', SentryTransport::sendEvent(['message' => 'via proxy_auth']));
        out('failed', wait_until(static fn() => SentryTransport::getMetrics()['events_failed'] >= 1, 15.0));
        out('status', SentryTransport::getStatus());
        PHP, $r, 30.0);
    e2e_stop($px, 9, 1.0);
    e2e_assert($o3['failed'] === true, 'proxy_auth run: the event did not fail within 15 s');
    sec_assert_clean('proxy_auth run status', json_encode($o3['status']));
    sec_assert_clean('proxy_auth run log', (string)file_get_contents("$tmp/ext-proxy-auth.log"));
    foreach (['upstream' => $o1['all'], 'proxy' => $o2['all']] as $k => $all) {
        e2e_log('%s: settled %s, metrics sent %d failed %d dead %d network_errors %d, upstream %s', $k, json_encode($all['settled']),
                $all['metrics']['events_sent'], $all['metrics']['events_failed'], $all['metrics']['dead_letters_written'],
                $all['metrics']['network_errors'], json_encode($all['status']['upstream']));
        e2e_assert($all['settled'] === true, '%s: events not settled in 20 s: %s', $k, json_encode($all['metrics']));
        e2e_assert(str_contains($all['phpinfo'], 'sentry_transport.transport.proxy_auth') && str_contains($all['phpinfo'], 'Live state'),
                   '%s: phpinfo() has no sentry_transport section', $k);
        e2e_assert($all['status']['dsn'] === "http://pub@127.0.0.1:{$r['port']}/42", '%s: status dsn %s', $k, $all['status']['dsn']);
        foreach (['status', 'metrics', 'prometheus', 'dead_letters', 'phpinfo', 'send'] as $what) {
            sec_assert_clean("$k $what", is_string($all[$what]) ? $all[$what] : json_encode($all[$what], JSON_UNESCAPED_SLASHES));
        }
    }
    e2e_assert($o1['all']['metrics']['dead_letters_written'] === 1 && $o1['all']['metrics']['events_sent'] === 1,
               'upstream phase: expected 1 dead letter (400) and 1 sent (after 503): %s', json_encode($o1['all']['metrics']));
    e2e_assert($o2['all']['metrics']['dead_letters_written'] === 2 && $o2['all']['metrics']['network_errors'] >= 4
               && $o2['all']['status']['upstream']['last_error'] !== '',
               'proxy phase: expected 2 network_error dead letters after 4 failed sends: %s', json_encode($o2['all']['metrics']));
    e2e_assert(str_contains($o2['all']['phpinfo'], 'http://****@127.0.0.1:' . $pxPort) && str_contains($o2['all']['phpinfo'], 'proxy_auth => ****'),
               'phpinfo() does not show the proxy masked');
    foreach (['upstream' => "$tmp/ext-secrets.log", 'proxy' => "$tmp/ext-proxy.log"] as $k => $f) {
        $log = (string)file_get_contents($f);
        e2e_assert(substr_count($log, "\n") >= 5 && str_contains($log, 'dead letter')
                   && ($k === 'proxy' || str_contains($log, '"level":"debug"')),
                   '%s log too thin to prove anything: %s', $k, $log);
        sec_assert_clean("$k log", $log);
    }
    e2e_assert(str_contains((string)file_get_contents("$tmp/ext-secrets.log"), 'will retry'), 'upstream log has no retry line');
    e2e_assert(str_contains((string)file_get_contents("$tmp/ext-proxy.log"), 'upstream unhealthy'), 'proxy log has no circuit line');
    $nLetters = 0;
    foreach ([$dlSecrets, $dlProxy] as $d) {
        foreach (array_diff(scandir($d), ['.', '..']) as $f) {
            $nLetters++;
            sec_assert_clean("dead-letter name $f", $f);
            $body = (string)file_get_contents("$d/$f");
            sec_assert_clean("dead-letter file $f", $body);
            e2e_assert(str_contains($body, '"dsn":"http://pub@127.0.0.1:'), 'dead letter %s has no public dsn in its header: %s', $f,
                       substr($body, 0, 200));
        }
    }
    e2e_assert($nLetters === 3, '%d dead-letter files, expected 3', $nLetters);
    $wire = (string)@file_get_contents($proxyLog);
    $wireAuthOnly = substr($wire, strlen($wireBoth));
    $basic = static fn(string $cred): string => 'Proxy-Authorization: Basic ' . base64_encode($cred);
    e2e_assert(substr_count($wireBoth, "\n----\n") >= 4, 'the proxy saw %d requests, expected ≥ 4', substr_count($wireBoth, "\n----\n"));
    // Both set: libcurl lets the credentials in the proxy URL win over CURLOPT_PROXYUSERPWD.
    $urlWins = str_contains($wireBoth, $basic('pxuser:' . SEC_PROXY_URL_SECRET));
    e2e_assert($urlWins || str_contains($wireBoth, $basic('authuser:' . SEC_PROXY_AUTH_SECRET)),
               'no configured proxy credentials reached the proxy: %s', substr($wireBoth, 0, 600));
    e2e_log('proxy URL credentials and proxy_auth both set: the proxy got the %s', $urlWins ? 'URL\'s' : 'proxy_auth');
    e2e_assert(str_contains($wireAuthOnly, $basic('authuser:' . SEC_PROXY_AUTH_SECRET)),
               'proxy_auth (proxy URL without credentials) did not reach the proxy: %s', substr($wireAuthOnly, 0, 600));
    e2e_assert(!str_contains($wire, SEC_DSN_SECRET), 'the DSN secret went over the wire to the proxy');
    // child stdout/stderr as a whole (status, metrics… were printed there)
    foreach (['secrets-upstream', 'secrets-proxy'] as $n) {
        sec_assert_clean("$n stdout", (string)file_get_contents("$tmp/$n.out"));
        sec_assert_clean("$n stderr", (string)file_get_contents("$tmp/$n.err"));
    }
    // php --ri with every secret set, and startup warnings of invalid values.
    $riIni = ['dsn' => $rcvDsn, 'queue.name' => e2e_queue_name('secri'), 'transport.proxy' => $iniP['transport.proxy'],
              'transport.proxy_auth' => $iniP['transport.proxy_auth'], 'logging.level' => 'debug', 'retry.dead_letter_queue' => '0'];
    $bad = [
        'ri' => $riIni,
        'dsn scheme' => ['dsn' => 'ftp://pub:' . SEC_DSN_SECRET . '@127.0.0.1/42'] + $riIni,
        'dsn project' => ['dsn' => 'http://pub:' . SEC_DSN_SECRET . '@127.0.0.1/notaproject'] + $riIni,
        'dsn no key' => ['dsn' => 'http://:' . SEC_DSN_SECRET . '@127.0.0.1/42'] + $riIni,
        'proxy_auth ctl' => ['transport.proxy_auth' => 'authuser:' . SEC_PROXY_AUTH_SECRET . "\x01"] + $riIni,
        'proxy ctl' => ['transport.proxy' => 'http://pxuser:' . SEC_PROXY_URL_SECRET . "@127.0.0.1:1/\x01"] + $riIni,
    ];
    $warnings = 0;
    foreach ($bad as $label => $ini) {
        $tag = preg_replace('~\W+~', '-', $label);
        $c = e2e_spawn("ini-$tag", array_merge([E2E_PHP, '-n', '-d', 'display_startup_errors=1', '-d', 'display_errors=1',
                                                '-d', 'error_reporting=-1'], e2e_ext_args($so, $ini), ['--ri', 'sentry_transport']),
                       "$tmp/ini-$tag.out", "$tmp/ini-$tag.err");
        $one = [&$c];
        e2e_assert(e2e_wait_exit($one, 20.0), '--ri (%s) hangs', $label);
        $text = file_get_contents("$tmp/ini-$tag.out") . file_get_contents("$tmp/ini-$tag.err");
        $n = preg_match_all('~Warning~', $text);
        e2e_log('--ri %s: %d warnings%s', $label, $n, $n ? ': ' . trim(implode(' | ', preg_grep('~Warning~', explode("\n", $text)))) : '');
        e2e_assert(str_contains($text, 'sentry_transport.transport.proxy_auth =>'), '--ri (%s) printed no settings: %s', $label, $text);
        e2e_assert($label === 'ri' ? $n === 0 : $n >= 1, '--ri (%s): %d warnings', $label, $n);
        $warnings += $n;
        sec_assert_clean("--ri $label", $text);
    }
    receiver_stop($r);
    $facts[] = sprintf('no secret in status/metrics/prometheus/phpinfo/--ri/%d-line debug logs/%d dead letters/%d warnings; proxy got proxy_auth, not the DSN secret',
                       substr_count(file_get_contents("$tmp/ext-secrets.log") . file_get_contents("$tmp/ext-proxy.log"), "\n"),
                       $nLetters, $warnings);
    return implode('; ', $facts);
});
