<?php
/**
 * Formats bench/memory.php results (one JSON file per queue.memory setting) as Markdown.
 *   php -n bench/memory_report.php FILE.json…
 */
$mb = fn($b) => sprintf('%.2f MB', $b / 1048576);
$rows = array_map(fn($f) => json_decode(file_get_contents($f), true), array_slice($argv, 1));
$first = $rows[0];
echo number_format($first['count']), " events of ", $first['event_bytes'], " bytes of JSON each, queued with the DSN pointing at a closed port (nothing drains). ",
    "`bytes_used` is getStatus()['queue']['bytes_used'] right after enqueueing; `du` is the /dev/shm object's allocated blocks (stat st_blocks × 512); ",
    "RSS is the mapping's resident pages in the enqueueing process (/proc/self/smaps). MB = 2^20 bytes.\n\n";
echo "| queue.memory | accepted | bytes_used | bytes_used per event | ring capacity | /dev/shm size | /dev/shm du | mapping RSS | target du ≤ 16 MB |\n";
echo "|---|---:|---:|---:|---:|---:|---:|---:|---|\n";
foreach ($rows as $r) {
    $errs = $r['errors'] ? ' (' . implode(', ', array_map(fn($k, $v) => "$v × $k", array_keys($r['errors']), $r['errors'])) . ')' : '';
    printf("| %s | %s / %s%s | %s | %s B | %s | %s | %s | %s | %s |\n",
        $r['memory_setting'], number_format($r['accepted']), number_format($r['count']), $errs,
        $mb($r['bytes_used']), number_format($r['accepted'] ? $r['bytes_used'] / $r['accepted'] : 0, 0),
        $mb($r['bytes_capacity']), $mb($r['shm_size']), $mb($r['shm_allocated']),
        $r['mapping_rss'] === null ? 'n/a' : $mb($r['mapping_rss']),
        $r['memory_setting'] !== '16M' ? 'n/a: shows that du follows queue.memory (posix_fallocate), not use'
            : (($r['shm_allocated'] <= 16 * 1048576 && $r['accepted'] == $r['count']) ? 'met (default queue.memory)' : '**missed**'));
}
