<?php
/**
 * The CLI parent of tests/e2e/pcntl_fork.php: sends events (so its drainer thread runs and
 * leads), then pcntl_fork()s children in a tight loop while it keeps sending.
 *
 *   php -n -d extension=<so> -d extension=posix -d sentry_transport.… fork_tree.php <dir> <forks> <per_child> <tag> [concurrency] [heirs]
 *
 * Every process writes its own file <dir>/<pid>.jsonl (each line one write(2), written only
 * after sendEvent returned, so a SIGKILL after the last send loses nothing):
 *   {"who":…,"m":<marker>,"ok":bool,"id":<event_id>,"err":…}          one per sendEvent
 *   {"start":<pid>,"ppid":…,"mode":…}  {"end":<pid>,"status":{…}}     life of a child
 *   {"fork":<pid>,"mode":…,"i":…} / {"reaped":<pid>,"code":…,"sig":…,"secs":…} / {"hang":<pid>,…}
 * The parent writes {"done":…,"flushed":bool,…} once its children are reaped and the queue
 * is empty, then daemonizes <heirs> times in a chain: send a burst, fork an heir
 * ({"heir_forked":<pid>,"gen":…}), exit at once; the heir waits for its parent to be gone,
 * sends, flushes and writes {"heir":<pid>,"gen":…,"flushed":…,"status":…}, and goes on.
 *
 * Children modes (i % 5): 0 "exit" sends then exit(0); 1 "sigkill" sends then SIGKILLs
 * itself; 2 "tree" sends, forks two grandchildren (one exits, one SIGKILLs itself), reaps
 * them, sends again, exits; 3 "bare" exits at once without touching the extension (it
 * still holds the parent's abandoned drainer pointer); 4 "burst" forks three grandchildren
 * back to back, each sends one event and exits at once.
 * A process that is not reaped within HANG_S of its fork is a hang: recorded, SIGKILLed.
 */

declare(strict_types=1);

const HANG_S = 20.0;
const MODES = ['exit', 'sigkill', 'tree', 'bare', 'burst'];

$dir = $argv[1];
$forks = (int)$argv[2];
$perChild = (int)$argv[3];
$tag = $argv[4];
$concurrency = (int)($argv[5] ?? 8);
$heirs = (int)($argv[6] ?? 10);

if (!class_exists('SentryTransport') || !function_exists('pcntl_fork') || !function_exists('posix_kill')) {
    fwrite(STDOUT, json_encode(['fatal' => 'needs sentry_transport, pcntl and posix']) . "\n");
    exit(2);
}

/** This process's record file; reopened after every fork (never share a handle). */
function rec(array $row): void
{
    static $fh = null, $pid = 0;
    if ($pid !== getmypid()) {
        $pid = getmypid();
        $fh = fopen($GLOBALS['dir'] . "/$pid.jsonl", 'ab');
    }
    fwrite($fh, json_encode($row, JSON_UNESCAPED_SLASHES) . "\n");
}

function send_some(string $who, int $n): void
{
    for ($i = 0; $i < $n; $i++) {
        $marker = sprintf('%s-%s-p%d-%d-%s', $GLOBALS['tag'], $who, getmypid(), $i, bin2hex(random_bytes(3)));
        $r = SentryTransport::sendEvent([
            'message' => "fork event $marker",
            'tags' => ['marker' => $marker],
            'extra' => ['marker' => $marker, 'pid' => getmypid(), 'who' => $who],
        ]);
        rec(['who' => $who, 'm' => $marker, 'ok' => $r['success'], 'id' => $r['event_id'], 'err' => $r['error']]);
    }
}

/** Reap what has ended; SIGKILL (and record) what outlived HANG_S; $block: until all are reaped. */
function reap(array &$alive, bool $block = false): void
{
    $until = microtime(true) + HANG_S + 5;
    while ($alive) {
        $pid = pcntl_waitpid(-1, $st, WNOHANG);
        if ($pid > 0 && isset($alive[$pid])) {
            rec(['reaped' => $pid, 'mode' => $alive[$pid]['mode'],
                 'code' => pcntl_wifexited($st) ? pcntl_wexitstatus($st) : null,
                 'sig' => pcntl_wifsignaled($st) ? pcntl_wtermsig($st) : null,
                 'secs' => round(microtime(true) - $alive[$pid]['t'], 4)]);
            unset($alive[$pid]);
            continue;
        }
        foreach ($alive as $p => $a) {
            if (empty($a['hung']) && microtime(true) - $a['t'] > HANG_S) {
                rec(['hang' => $p, 'mode' => $a['mode'], 'secs' => round(microtime(true) - $a['t'], 3),
                     'stack' => @file_get_contents("/proc/$p/stack") ?: '', 'wchan' => @file_get_contents("/proc/$p/wchan") ?: '',
                     'gdb' => is_executable('/usr/bin/gdb') ? substr((string)shell_exec(
                         "timeout 20 /usr/bin/gdb -p $p -batch -nx -ex 'thread apply all bt' 2>&1"), 0, 6000) : '']);
                posix_kill($p, SIGKILL);
                $alive[$p]['hung'] = true; // reaped later as signalled, not reported twice
            }
        }
        if (!$block || microtime(true) > $until) {
            return;
        }
        usleep(2000);
    }
}

function child(string $mode, int $i): never
{
    rec(['start' => getmypid(), 'ppid' => posix_getppid(), 'mode' => $mode, 'i' => $i]);
    $kids = [];
    switch ($mode) {
        case 'exit':
            send_some("c$i", $GLOBALS['perChild']);
            break;
        case 'sigkill':
            send_some("c$i", $GLOBALS['perChild']);
            posix_kill(getmypid(), SIGKILL);
            break;
        case 'tree':
            send_some("c$i", 2);
            foreach (['exit', 'sigkill'] as $k => $gmode) {
                $pid = pcntl_fork();
                if ($pid === 0) {
                    rec(['start' => getmypid(), 'ppid' => posix_getppid(), 'mode' => "g$gmode", 'i' => $i]);
                    send_some("g$i.$k", $GLOBALS['perChild']);
                    if ($gmode === 'sigkill') {
                        posix_kill(getmypid(), SIGKILL);
                    }
                    rec(['end' => getmypid(), 'status' => st_view()]);
                    exit(0);
                }
                $kids[$pid] = ['mode' => "g$gmode", 't' => microtime(true)];
            }
            reap($kids, true);
            send_some("c$i", 2);
            break;
        case 'bare':
            exit(0); // no 'end' line either: nothing of PHP runs before shutdown
        case 'burst':
            for ($k = 0; $k < 3; $k++) {
                $pid = pcntl_fork();
                if ($pid === 0) {
                    send_some("b$i.$k", 1);
                    exit(0);
                }
                $kids[$pid] = ['mode' => 'gburst', 't' => microtime(true)];
            }
            reap($kids, true);
            break;
    }
    rec(['end' => getmypid(), 'status' => st_view()]);
    exit(0);
}

/** What the process sees of its own transport: the drainer must be the parent's, not self. */
function st_view(): array
{
    $s = SentryTransport::getStatus();
    return ['drainer' => $s['drainer']['pid'], 'is_self' => $s['drainer']['is_self'],
            'thread' => $s['drainer']['thread_running'], 'active' => $s['active']];
}

// ---------------------------------------------------------------- the parent
$t0 = microtime(true);
send_some('parent', 20);
$led = false;
for ($w = 0; $w < 500 && !$led; $w++) { // it is the only process on a fresh queue: it leads
    $led = SentryTransport::getStatus()['drainer']['is_self'];
    usleep(10000);
}
rec(['leader' => $led, 'pid' => getmypid()]);

$alive = [];
for ($i = 0; $i < $forks; $i++) {
    send_some('parent', 1); // the drainer thread is busy while we fork
    while (count($alive) >= $concurrency) {
        reap($alive);
        usleep(200);
    }
    $mode = MODES[$i % count(MODES)];
    $pid = pcntl_fork();
    if ($pid === -1) {
        rec(['fork_failed' => $i, 'err' => pcntl_strerror(pcntl_get_last_error())]);
        continue;
    }
    if ($pid === 0) {
        child($mode, $i);
    }
    $alive[$pid] = ['mode' => $mode, 't' => microtime(true)];
    rec(['fork' => $pid, 'mode' => $mode, 'i' => $i]);
    reap($alive);
}
send_some('parent', 20);
reap($alive, true);
$flushed = SentryTransport::flush(60.0);
rec(['done' => getmypid(), 'flushed' => $flushed, 'secs' => round(microtime(true) - $t0, 3),
     'left' => array_keys($alive), 'status' => SentryTransport::getStatus()['queue'],
     'metrics' => array_intersect_key(SentryTransport::getMetrics(),
         array_flip(['events_sent', 'lock_recoveries', 'corrupt_records', 'drainer_elections', 'queue_length']))]);

// Daemonize, again and again: each generation sends a burst (its drainer thread is busy with
// it), forks an heir and exits at once. The heir outlives it, so it must take the lease and
// send with curl/TLS state made after a fork that may have caught the old thread mid-call.
function heir_chain(int $gen, int $heirs): never
{
    send_some("tail$gen", 30);
    $me = getmypid();
    $heir = pcntl_fork();
    if ($heir !== 0) {
        rec(['heir_forked' => $heir, 'gen' => $gen]);
        exit(0);
    }
    rec(['start' => getmypid(), 'ppid' => $me, 'mode' => 'heir', 'i' => $gen]);
    $t = microtime(true);
    while (posix_getppid() === $me && microtime(true) - $t < HANG_S) {
        usleep(2000);
    }
    $orphaned = posix_getppid() !== $me;
    send_some("heir$gen", 10);
    $flushed = SentryTransport::flush(30.0);
    rec(['heir' => getmypid(), 'gen' => $gen, 'orphaned' => $orphaned, 'flushed' => $flushed, 'status' => st_view(),
         'secs' => round(microtime(true) - $t, 3)]);
    if ($gen + 1 < $heirs) {
        heir_chain($gen + 1, $heirs);
    }
    exit(0);
}
heir_chain(0, $heirs);
