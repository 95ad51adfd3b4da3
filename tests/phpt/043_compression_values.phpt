--TEST--
transport.compression: gzip (= 1, on), zstd, none (= 0, off), case-insensitive; phpinfo names the compressor libraries
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--INI--
sentry_transport.queue.name=043_compression_values
--FILE--
<?php
require __DIR__ . '/st.inc';
$r = st_ri([]);
$zstd = $r['rows']['zstd compressor'] ?? '(no row)';
echo 'gzip compressor: ', preg_match('~^(isa-l [0-9.]+ \(igzip\)|libdeflate [0-9.]+|zlib [0-9.]+)$~', $r['rows']['gzip compressor'] ?? '') ? 'named' : 'MISSING', "\n";
echo 'zstd compressor: ', $zstd === 'not built in' || preg_match('~^zstd [0-9.]+$~', $zstd) ? 'named' : 'MISSING', "\n";
foreach (['gzip', 'GZIP', ' zstd ', 'Zstd', 'none', '1', '0', 'on', 'off', 'yes', ''] as $v) {
    $r = st_ri(['transport.compression' => $v]);
    $eff = $r['rows']['sentry_transport.transport.compression'] ?? '(no row)';
    $w = st_warnings($r['out'] . $r['err']);
    if (stripos($v, 'zstd') !== false && $zstd === 'not built in') {
        // a build without libzstd says so and keeps gzip
        $ok = $eff === 'gzip' && count($w) === 1 && str_contains($w[0], 'zstd is not built into this sentry_transport');
        // (the same line as a build with zstd prints, when the fallback is right)
        printf("%-8s -> %s\n", "'$v'", $ok ? 'zstd' : "WRONG: $eff " . json_encode($w));
        continue;
    }
    printf("%-8s -> %s%s\n", "'$v'", $eff, $w ? ' ' . json_encode($w) : '');
}
?>
--EXPECTF--
gzip compressor: named
zstd compressor: named
'gzip'   -> gzip
'GZIP'   -> gzip
' zstd ' -> zstd
'Zstd'   -> zstd
'none'   -> none
'1'      -> gzip
'0'      -> none
'on'     -> gzip
'off'    -> none
'yes'    -> gzip
''       -> none
