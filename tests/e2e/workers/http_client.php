<?php
/**
 * A plain HTTP load client (php -n: no curl), one request at a time:
 *   php -n http_client.php <base url> <count> <client id> [query suffix]
 * Prints one JSON line per request: {"req":…,"status":…,"body":<decoded JSON or null>,"raw":…,"ms":…}.
 */
$base = $argv[1];
$count = (int)$argv[2];
$client = $argv[3];
$suffix = $argv[4] ?? '';
for ($k = 0; $k < $count; $k++) {
    $req = "c{$client}-{$k}";
    $url = $base . (str_contains($base, '?') ? '&' : '?') . 'req=' . $req . $suffix;
    $ctx = stream_context_create(['http' => ['timeout' => 15, 'ignore_errors' => true,
                                             'header' => "Connection: close\r\n"]]);
    $t = microtime(true);
    $body = @file_get_contents($url, false, $ctx);
    $status = 0;
    foreach ($http_response_header ?? [] as $h) {
        if (preg_match('~^HTTP/\S+\s+(\d{3})~', $h, $m)) {
            $status = (int)$m[1];
        }
    }
    $j = is_string($body) ? json_decode($body, true) : null;
    fwrite(STDOUT, json_encode(['req' => $req, 'status' => $status, 'body' => $j,
        'raw' => is_array($j) ? null : substr((string)$body, 0, 300) . (is_string($body) ? '' : ' ' . (error_get_last()['message'] ?? '')),
        'ms' => round((microtime(true) - $t) * 1000, 1)], JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE) . "\n");
}
