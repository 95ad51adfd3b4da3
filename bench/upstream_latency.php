<?php
/**
 * Benchmark 4: delivered events/s against a far upstream (issue #10).
 *
 *   php -n bench/upstream_latency.php SO [REPS=3] [DELAYS=0,20,100,300] [SCALE=1]
 *   (bash bench/upstream_latency.sh builds SO and calls this)
 *
 * The upstream is tests/receiver/h2front.mjs in --sink mode: TLS with a throwaway CA made by
 * openssl, ALPN h2 and http/1.1, every envelope answered DELAY ms after it came (the sink
 * decodes each envelope and counts event_ids, so losses and duplicates show). For every
 * delay, interleaved per round, REPS rounds:
 *   h2     ours, default settings (http_version=auto → HTTP/2, max_in_flight 512,
 *          max_connections 4)
 *   http1  ours, transport.http_version=1.1, otherwise defaults (max_connections_http1 64)
 *   seed   ours as the seed plugin ran: transport.max_in_flight=4 (its queue.workers=4),
 *          one event per request
 *   sdk    sentry-php's model: one blocking request per event (ext/curl, one reused
 *          handle, gzip of every body), no extension
 * "ours" rows: one PHP process (queue.buffer_size and queue.memory raised so N fit; the
 * default buffer_size, 1000, would refuse most of the bigger runs) is the drainer; it
 * enqueues N ~1 KB events at once and times from the first enqueue to the last event sent.
 * Drainer CPU: user+system ticks of the process's threads other than the main one (the
 * drainer thread; /proc/self/task/<tid>/stat, 10 ms ticks: "n/a" when a run used < 50 ms)
 * over that window, per event. TLS resumed: connections that resumed an earlier TLS session
 * (the sender's curl share). Connections:
 * what the sink counted (TLS connections that carried envelopes; most at once).
 * Prints a Markdown section on stdout; timings are reported, never judged.
 */

declare(strict_types=1);

require __DIR__ . '/event.php';

if (($argv[1] ?? '') === '--child') {
    exit(child(array_slice($argv, 2)));
}

/** CPU seconds of this process's threads except the main one (clock ticks, 100/s). */
function other_threads_cpu(): float
{
    $pid = getmypid();
    $t = 0;
    foreach (glob("/proc/self/task/*/stat") as $f) {
        if ((int)basename(dirname($f)) === $pid) {
            continue;
        }
        $s = @file_get_contents($f);
        if ($s === false) {
            continue;
        }
        $p = explode(' ', substr(strrchr($s, ')'), 2));
        $t += (int)$p[11] + (int)$p[12];
    }
    return $t / 100.0;
}

function process_cpu(): float
{
    $r = getrusage();
    return $r['ru_utime.tv_sec'] + $r['ru_utime.tv_usec'] / 1e6 + $r['ru_stime.tv_sec'] + $r['ru_stime.tv_usec'] / 1e6;
}

/** --child ext N | --child sdk N DSN CA */
function child(array $a): int
{
    $mode = $a[0];
    $n = (int)$a[1];
    $json = bench_event_json();
    $ids = [];
    for ($i = 0; $i < $n; $i++) {
        $ids[] = bin2hex(random_bytes(16));
    }
    if ($mode === 'ext') {
        $deadline = microtime(true) + 10;
        while (!SentryTransport::getStatus()['drainer']['is_self'] && microtime(true) < $deadline) {
            usleep(2000);
        }
        $m0 = SentryTransport::getMetrics();
        $base = $m0['events_sent'] + $m0['events_failed'];
        $cpu0 = other_threads_cpu();
        $t0 = hrtime(true);
        $rejected = 0;
        foreach ($ids as $id) {
            $res = SentryTransport::sendEvent(str_replace('fc6d8c0c43fc4630ad850ee518f1b9d0', $id, $json));
            if (!$res['success']) {
                $rejected++;
            }
        }
        $tFill = hrtime(true);
        $limit = microtime(true) + 300;
        do {
            usleep(1000);
            $m = SentryTransport::getMetrics();
            $out = $m['events_sent'] + $m['events_failed'] - $base;
        } while ($out < $n - $rejected && microtime(true) < $limit);
        $secs = (hrtime(true) - $t0) / 1e9;
        $cpu = other_threads_cpu() - $cpu0;
        echo json_encode(['n' => $n, 'rejected' => $rejected, 'sent' => $m['events_sent'] - $m0['events_sent'],
                          'failed' => $m['events_failed'] - $m0['events_failed'],
                          'network_errors' => $m['network_errors'] - $m0['network_errors'], 'seconds' => $secs,
                          'fill_seconds' => ($tFill - $t0) / 1e9, 'rate' => ($n - $rejected) / $secs,
                          'cpu_s' => $cpu, 'cpu_us' => $cpu * 1e6 / max(1, $n - $rejected)]), "\n";
        return 0;
    }
    // sdk: one blocking request per event over one reused handle (its keep-alive connection).
    [$dsn, $ca] = [$a[2], $a[3]];
    [$url, $auth] = bench_dsn_parts($dsn);
    $h = curl_init($url);
    curl_setopt_array($h, [CURLOPT_POST => true, CURLOPT_RETURNTRANSFER => true, CURLOPT_CAINFO => $ca,
        CURLOPT_HTTPHEADER => ['Content-Type: application/x-sentry-envelope', "X-Sentry-Auth: $auth", 'Content-Encoding: gzip'],
        CURLOPT_TIMEOUT => 30]);
    $cpu0 = process_cpu();
    $t0 = hrtime(true);
    $ok = $failed = 0;
    foreach ($ids as $id) {
        $payload = str_replace('fc6d8c0c43fc4630ad850ee518f1b9d0', $id, $json);
        $env = json_encode(['event_id' => $id, 'sent_at' => gmdate('Y-m-d\TH:i:s') . '.000Z'], BENCH_JSON_FLAGS) . "\n"
            . json_encode(['type' => 'event', 'length' => strlen($payload)]) . "\n" . $payload;
        curl_setopt($h, CURLOPT_POSTFIELDS, gzencode($env, 1));
        curl_exec($h);
        if (curl_getinfo($h, CURLINFO_RESPONSE_CODE) === 200) {
            $ok++;
        } else {
            $failed++;
        }
    }
    $secs = (hrtime(true) - $t0) / 1e9;
    echo json_encode(['n' => $n, 'rejected' => 0, 'sent' => $ok, 'failed' => $failed, 'network_errors' => $failed,
                      'seconds' => $secs, 'fill_seconds' => 0, 'rate' => $ok / $secs, 'cpu_s' => process_cpu() - $cpu0,
                      'cpu_us' => (process_cpu() - $cpu0) * 1e6 / max(1, $n)]), "\n";
    return 0;
}

// ---- orchestrator -------------------------------------------------------------------

require __DIR__ . '/../tests/receiver/client.php';
require __DIR__ . '/../tests/receiver/h2front_client.php';

$so = $argv[1] ?? '';
if (!is_file($so)) {
    fwrite(STDERR, "usage: php -n bench/upstream_latency.php SO [REPS] [DELAYS] [SCALE]\n");
    exit(2);
}
$reps = (int)($argv[2] ?? 3);
$delays = array_map('intval', explode(',', $argv[3] ?? '0,20,100,300'));
$scale = (float)($argv[4] ?? 1);
$tmp = sys_get_temp_dir() . '/st-bench-ul.' . getmypid();
@mkdir($tmp, 0700);
register_shutdown_function(static function () use ($tmp): void {
    foreach (glob("$tmp/*") as $f) {
        @unlink($f);
    }
    @rmdir($tmp);
});
$load = sys_getloadavg();
$tls = h2front_make_cert($tmp);
$front = h2front_start(['tls' => $tls, 'key' => 'benchkey', 'log' => "$tmp/front.log"]);

// Events per run, by mode and delay (ms): a few seconds each at the rate expected from the
// window (h2 256 streams, http1 64 connections, seed 4, sdk 1) divided by the delay.
$nFor = static function (string $mode, int $delay) use ($scale): int {
    $table = ['h2' => [0 => 10000, 20 => 10000, 100 => 10000, 300 => 5000],
              'http1' => [0 => 5000, 20 => 5000, 100 => 2000, 300 => 700],
              'seed' => [0 => 3000, 20 => 600, 100 => 120, 300 => 40],
              'sdk' => [0 => 1000, 20 => 150, 100 => 30, 300 => 10]];
    $window = ['h2' => 512, 'http1' => 64, 'seed' => 4, 'sdk' => 1][$mode];
    $n = $table[$mode][$delay] ?? (int)min(10000, 3 * $window * 1000 / max(1, $delay));
    return max(10, (int)($n * $scale));
};
$modes = array_values(array_intersect(['h2', 'http1', 'seed', 'sdk'],
                                     explode(',', getenv('BENCH_UL_MODES') ?: 'h2,http1,seed,sdk')));
$labels = [
    'h2' => 'ours, defaults (HTTP/2: up to 512 streams, ≤ 4 connections)',
    'http1' => 'ours, defaults + transport.http_version=1.1 (64 connections)',
    'seed' => "seed plugin's model: 4 transfers in flight, one event each (max_in_flight=4)",
    'sdk' => "sentry-php's model: one blocking request per event (ext/curl, reused handle)",
];
$results = [];
$qn = 0;
for ($rep = 1; $rep <= $reps; $rep++) {
    foreach ($delays as $delay) {
        h2front_config($front, ['delay_ms' => $delay]);
        foreach ($modes as $mode) {
            $n = $nFor($mode, $delay);
            h2front_reset($front);
            $queue = 'bench_ul_' . getmypid() . '_' . (++$qn);
            $shm = '/dev/shm/sentry_transport.v*.' . trim((string)shell_exec('id -u')) . '.' . $queue;
            if ($mode === 'sdk') {
                $cmd = [PHP_BINARY, '-n', '-d', 'extension=curl', __FILE__, '--child', 'sdk', (string)$n, $front['dsn'], $tls['ca']];
            } else {
                $ini = ['dsn' => $front['dsn'], 'transport.ca_info' => $tls['ca'], 'queue.name' => $queue,
                        'queue.buffer_size' => (string)($n + 1000), 'queue.memory' => '256M', 'send_client_reports' => '0',
                        'retry.dead_letter_queue' => '0', 'logging.file' => "$tmp/ext.log", 'shutdown_timeout' => '0'];
                if ($mode === 'http1') {
                    $ini['transport.http_version'] = '1.1';
                } elseif ($mode === 'seed') {
                    $ini['transport.max_in_flight'] = '4';
                }
                $cmd = [PHP_BINARY, '-n', '-d', "extension=$so"];
                foreach ($ini as $k => $v) {
                    array_push($cmd, '-d', "sentry_transport.$k=$v");
                }
                array_push($cmd, __FILE__, '--child', 'ext', (string)$n);
            }
            $p = proc_open($cmd, [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['file', "$tmp/child.err", 'a']], $pipes);
            $line = stream_get_contents($pipes[1]);
            fclose($pipes[1]);
            proc_close($p);
            array_map('unlink', glob($shm) ?: []); // any layout version
            $r = json_decode(trim($line), true);
            if (!is_array($r)) {
                fwrite(STDERR, "upstream_latency: $mode @ $delay ms: no result: $line\n" . @file_get_contents("$tmp/child.err") . "\n");
                exit(1);
            }
            $fs = h2front_stats($front);
            $r += ['delay' => $delay, 'mode' => $mode, 'rep' => $rep, 'connections' => $fs['envelope_connections'],
                   'resumed' => $fs['envelope_tls_resumed'],
                   'max_open' => $fs['max_open_envelope_connections'], 'max_in_flight' => $fs['max_in_flight'],
                   'protocols' => $fs['by_protocol'], 'unique' => $fs['unique_event_ids'], 'duplicates' => $fs['duplicates'],
                   'invalid' => $fs['invalid']];
            $results[] = $r;
            fwrite(STDERR, sprintf("  round %d, %3d ms, %-5s: %6d events, %8.1f events/s, %6.1f µs CPU/event, %d conn (%d at once), in flight ≤ %d, %s, unique %d dup %d, network errors %d\n",
                $rep, $delay, $mode, $n, $r['rate'], $r['cpu_us'], $r['connections'], $r['max_open'], $r['max_in_flight'],
                json_encode($r['protocols']), $r['unique'], $r['duplicates'], $r['network_errors']));
        }
    }
}
receiver_stop($front);

$median = static function (array $v): float {
    sort($v);
    $c = count($v);
    return $c % 2 ? $v[intdiv($c, 2)] : ($v[$c / 2 - 1] + $v[$c / 2]) / 2;
};
$fmt = static fn(float $x): string => $x >= 100 ? number_format($x) : number_format($x, 1);
echo <<<'MD'
Issue #10: Sentry is tens to hundreds of milliseconds away and speaks HTTP/2 over TLS. The upstream here is `tests/receiver/h2front.mjs --sink` (Node's `http2` module, TLS with a throwaway CA made by openssl, ALPN `h2` and `http/1.1`), which answers every envelope after the given delay; it decodes each envelope and counts event_ids, so losses and duplicates show. The same ~1 KB event as the other benchmarks, gzip on. Per delay and round, interleaved: ours with **default settings** (HTTP/2: `transport.max_in_flight=512` streams, `transport.max_connections=4`); ours with `transport.http_version=1.1` and otherwise defaults (`transport.max_connections_http1=64`); the seed plugin's model (`transport.max_in_flight=4`, its `queue.workers=4`: 4 transfers, one event each); sentry-php's model (one blocking request per event, PHP ext/curl with one reused handle: its best case). Ours: one PHP process is the drainer, enqueues N events at once (`queue.buffer_size` raised to N + 1000: the default 1,000 would refuse most of a run) and is timed from the first enqueue to the last event sent. Drainer CPU: user+system time of the process's threads other than the main one (the drainer thread), per event (10 ms ticks). Connections: TLS connections that carried envelopes, total and most open at once; the front closes an HTTP/2 connection gracefully after 900 streams (as nginx does after `keepalive_requests`, 1,000), so the total grows with N while at most 4 are open. The sink runs on the same 2 vCPUs: at 0–20 ms both are CPU-bound and compete.

MD;
echo "\n| upstream delay | sender | events/run | median events/s | runs (events/s) | vs sdk model (median) | connections (most at once; TLS sessions resumed) | streams in flight (max) | drainer CPU µs/event (median) | protocol | lost / duplicates | network errors (retried) |\n";
echo "|---:|---|---:|---:|---|---:|---|---:|---:|---|---|---:|\n";
$med = [];
foreach ($delays as $delay) {
    foreach ($modes as $mode) {
        $rs = array_values(array_filter($results, static fn($r) => $r['delay'] === $delay && $r['mode'] === $mode));
        $med[$delay][$mode] = $median(array_column($rs, 'rate'));
    }
    $med[$delay]['sdk'] ??= 0.0;
    foreach ($modes as $mode) {
        $rs = array_values(array_filter($results, static fn($r) => $r['delay'] === $delay && $r['mode'] === $mode));
        $conns = implode(' / ', array_map(static fn($r) => "{$r['connections']} ({$r['max_open']}; {$r['resumed']} TLS resumed)", $rs));
        $protos = [];
        foreach ($rs as $r) {
            foreach ($r['protocols'] as $k => $v) {
                $protos[$k] = ($protos[$k] ?? 0) + $v;
            }
        }
        $lost = array_sum(array_map(static fn($r) => $r['n'] - $r['rejected'] - $r['unique'], $rs));
        $dups = array_sum(array_column($rs, 'duplicates'));
        $rej = array_sum(array_column($rs, 'rejected'));
        printf("| %d ms | %s | %s | **%s** | %s | %s%s | %s | %d | %s | %s | %d / %d%s | %d |\n", $delay, $labels[$mode],
               number_format($rs[0]['n']), $fmt($med[$delay][$mode]),
               implode(' / ', array_map(static fn($r) => $fmt($r['rate']), $rs)),
               $med[$delay]['sdk'] > 0 ? $fmt($med[$delay][$mode] / $med[$delay]['sdk']) : '–', $med[$delay]['sdk'] > 0 ? '×' : '', $conns, max(array_column($rs, 'max_in_flight')),
               min(array_column($rs, 'cpu_s')) < 0.05 ? 'n/a (< 50 ms of CPU in a run)' : $fmt($median(array_column($rs, 'cpu_us'))), implode(', ', array_map(static fn($k) => "HTTP/$k", array_keys($protos))),
               $lost, $dups, $rej ? ", $rej refused" : '', array_sum(array_column($rs, 'network_errors')));
    }
}
echo "\n";
$t100 = $med[100] ?? null;
if ($t100 && isset($t100['h2'], $t100['http1'])) {
    $h2rs = array_values(array_filter($results, static fn($r) => $r['delay'] === 100 && $r['mode'] === 'h2'));
    printf("| target at 100 ms, TLS, defaults (reported, not asserted) | result |\n|---|---|\n");
    printf("| HTTP/2 ≥ 2,000 events/s on ≤ 4 connections | %s events/s, at most %d connections at once: **%s** |\n",
           $fmt($t100['h2']), max(array_column($h2rs, 'max_open')),
           $t100['h2'] >= 2000 && max(array_column($h2rs, 'max_open')) <= 4 ? 'met' : 'missed');
    printf("| HTTP/1.1 ≥ 300 events/s | %s events/s: **%s** |\n\n", $fmt($t100['http1']), $t100['http1'] >= 300 ? 'met' : 'missed');
}
printf("Load average at the start: %.2f %.2f %.2f; at the end: %.2f %.2f %.2f (%d CPUs: above ~1, other work competed).\n\n",
       $load[0], $load[1], $load[2], ...array_merge(sys_getloadavg(), [(int)shell_exec('nproc')]));
echo <<<'MD'
Notes:
- Ceiling of a window of W transfers at delay d: W / d. HTTP/2 at 100 ms: 512 / 0.1 s = 5,120 events/s; HTTP/1.1: 64 / 0.1 s = 640; the seed's model 40; sentry-php's 10. The measured rows sit close to those ceilings from 100 ms on; below, CPU (drainer, TLS, and the sink on the same 2 vCPUs) is the limit.
- Why 512 in flight by default: 256 has a ceiling of 2,560 events/s at 100 ms, and measured 1,500–2,200 on this shared machine while developing it: too close to the 2,000 target. 512 is 4 connections × 128 streams (nginx's default stream limit).
- libcurl 7.88 ends almost every HTTP/2 stream with RST_STREAM(STREAM_CLOSED) (seen with NODE_DEBUG_NATIVE=http2session: 199 RST_STREAM frames for 200 streams). nghttp2-based servers count those against their rapid-reset guard (1,000, then 33/s) and answer GOAWAY(INTERNAL_ERROR) (`recveived GOAWAY, error=2, last_stream≈2,500` in curl's verbose log); libcurl then reopens a connection and resends what was not answered. Node 20 cannot tune that guard, so the test front closes each connection gracefully after 900 streams instead; a server that trips it may see a few duplicates (Sentry drops them by event_id), no loss.
- `queue.buffer_size` defaults to 10,000 (the seed had 1,000: at 4,000 events/s a quarter of a second of backlog, so a storm of 2,000 errors overflowed it although the sender kept up). 10,000 records of ~1.3 KB take ≈ 13 MB of the default 16M `queue.memory`. The runs above raise it to N + 1,000 only so that one process can enqueue a whole run at once.

MD;
