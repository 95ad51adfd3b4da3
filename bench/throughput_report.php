<?php
/**
 * Formats bench/throughput.sh's results (JSON files in DIR) as Markdown.
 *   php -n bench/throughput_report.php DIR N REPS "4 8" RAW_BYTES GZIP_BYTES [GZIP_LIB] [ZSTD_LIB] [ALT_GZIP_LIB]
 */
[, $dir, $n, $reps, $workers, $raw, $gz] = $argv;
$gzipLib = $argv[7] ?? 'zlib';
$zstdLib = $argv[8] ?? '';
$altGzipLib = $argv[9] ?? '';
$workers = preg_split('/\s+/', trim($workers));
$load = fn(string $f) => json_decode(file_get_contents($f), true);
$median = function (array $v) {
    sort($v);
    $c = count($v);
    return $c % 2 ? $v[intdiv($c, 2)] : ($v[$c / 2 - 1] + $v[$c / 2]) / 2;
};
$rows = [];
$base = $basegz = [];
for ($r = 1; $r <= $reps; $r++) {
    $base[] = $load("$dir/base.$r.json");
    $basegz[] = $load("$dir/basegz.$r.json");
}
$ours = [];
foreach ($workers as $w) {
    for ($r = 1; $r <= $reps; $r++) {
        $ours[$w][] = $load("$dir/ours.$w.$r.json");
    }
}
$baseRate = $median(array_column($base, 'rate'));
$fmt = fn($x) => number_format((float)$x, 0, '.', ',');

echo "N = ", number_format((int)$n), " events per run, $reps runs of each, interleaved (baseline, ours per workers value, ours without gzip, gzip-per-request baseline); ",
    "envelope $raw bytes, $gz bytes gzipped. Rate = events/s; median over the runs (all runs listed). ",
    "Per-run ratio: a run divided by the baseline run just before it in the same round (less sensitive to other load on the machine). CPU µs/event: user+system time of the sending process (ours: the whole PHP process — drainer thread plus the 2 ms metrics poll — over the measured window; baseline: the whole run).\n\n";
echo "| sender | median events/s | runs (events/s) | % of baseline (medians) | % of baseline, median of per-run ratios | CPU µs/event (median) | errors |\n|---|---:|---|---:|---:|---:|---:|\n";
printf("| baseline: C curl multi, 4 keep-alive connections, pre-gzipped body | %s | %s | 100%% | 100%% | %.1f | %d |\n",
    $fmt($baseRate), implode(' / ', array_map($fmt, array_column($base, 'rate'))),
    $median(array_column($base, 'cpu_us_per_event')), array_sum(array_column($base, 'errors')));
// One row of ours: the runs' rates, their ratios to the baseline run of the same round,
// CPU and errors (failed, rejected, or never sent). Returns the median rate.
$oursRow = function (array $runs, string $label) use ($median, $fmt, $base, $baseRate): float {
    $rates = array_map(fn($x) => $x['rate'] ?? 0, $runs);
    $paired = [];
    foreach ($rates as $i => $r) {
        $paired[] = $r / $base[$i]['rate'];
    }
    $errors = 0;
    foreach ($runs as $x) {
        $errors += $x['failed'] + $x['rejected'] + ($x['total'] - $x['sent'] - $x['failed']);
    }
    $rate = $median($rates);
    printf("| ours: drainer, %s | %s | %s | %.0f%% | %.0f%% | %.1f | %d |\n", $label, $fmt($rate),
        implode(' / ', array_map($fmt, $rates)), 100 * $rate / $baseRate, 100 * $median($paired),
        $median(array_map(fn($x) => $x['cpu_us_per_event'] ?? 0, $runs)), $errors);
    return $rate;
};
$loadRuns = function (string $prefix) use ($load, $dir, $reps): array {
    $runs = [];
    for ($r = 1; $r <= $reps; $r++) {
        $runs[] = $load("$dir/$prefix.$r.json");
    }
    return $runs;
};
$summary = [];
foreach ($workers as $w) {
    $summary[$w] = $oursRow($ours[$w], "queue.workers=$w, gzip ($gzipLib)");
}
$oursRow($loadRuns('plain'), "queue.workers={$workers[0]}, compression off (sends the $raw-byte envelope uncompressed)");
$gzRate = $median(array_column($basegz, 'rate'));
$paired = [];
foreach ($basegz as $i => $x) {
    $paired[] = $x['rate'] / $base[$i]['rate'];
}
printf("| baseline + gzip of every request (zlib level 1, z_stream reused), 4 connections | %s | %s | %.0f%% | %.0f%% | %.1f | %d |\n",
    $fmt($gzRate), implode(' / ', array_map($fmt, array_column($basegz, 'rate'))), 100 * $gzRate / $baseRate, 100 * $median($paired),
    $median(array_column($basegz, 'cpu_us_per_event')), array_sum(array_column($basegz, 'errors')));
if ($altGzipLib !== '') { // the same drainer, a build with another gzip library
    $oursRow($loadRuns('alt'), "queue.workers={$workers[0]}, gzip ($altGzipLib: the same source built without ISA-L)");
}
if ($zstdLib !== '') {
    $oursRow($loadRuns('zstd'), "queue.workers={$workers[0]}, zstd ($zstdLib, transport.compression=zstd)");
}

echo "\n| target (reported, not asserted) | result |\n|---|---|\n";
// issue 10: compression that costs ~nothing (first workers value = the default 4)
$w0 = $workers[0];
$oursCpu = $median(array_map(fn($x) => $x['cpu_us_per_event'] ?? 0, $ours[$w0]));
$gzCpu = $median(array_column($basegz, 'cpu_us_per_event'));
$paired = [];
foreach ($ours[$w0] as $i => $x) {
    $paired[] = ($x['rate'] ?? 0) / $base[$i]['rate'];
}
printf("| workers=%s, gzip: ≥ 95%% of the pre-gzipped baseline | %.0f%% of medians, %.0f%% median of per-run ratios: %s |\n", $w0,
    100 * $summary[$w0] / $baseRate, 100 * $median($paired), $median($paired) >= 0.95 ? 'met' : '**missed**');
printf("| workers=%s, gzip: CPU µs/event ≤ the gzip-per-request baseline's | %.1f vs %.1f: %s |\n", $w0, $oursCpu, $gzCpu,
    $oursCpu <= $gzCpu ? 'met' : '**missed**');
foreach ($summary as $w => $rate) {
    printf("| workers=%s: ≥ 30,000 events/s | %s: %s (baseline itself: %s) |\n", $w, $fmt($rate), $rate >= 30000 ? 'met' : '**missed**', $fmt($baseRate));
    printf("| workers=%s: ≥ 70%% of baseline | %.0f%%: %s |\n", $w, 100 * $rate / $baseRate, $rate >= 0.7 * $baseRate ? 'met' : '**missed**');
}
echo "\nPer run (ours): events sent before the timer started (the queue filled while the drainer already ran), events timed, seconds, fill time, peak queue length:\n\n";
echo "| workers | run | sent before full | timed events | seconds | fill s | peak queue | 2xx |\n|---|---:|---:|---:|---:|---:|---:|---:|\n";
foreach ($ours as $w => $runs) {
    foreach ($runs as $i => $x) {
        printf("| %s | %d | %s | %s | %.3f | %.3f | %s | %s |\n", $w, $i + 1, $fmt($x['sent_before_full']),
            $fmt($x['measured_events']), $x['seconds'], $x['fill_seconds'], $fmt($x['max_queue_length']), $fmt($x['responses_2xx']));
    }
}
