<?php
/**
 * bench/profile.sh helper: CALLS sendEvent() calls of the bench event, as a JSON string or
 * as an array. Run under callgrind with --toggle-collect=zim_SentryTransport_sendEvent.
 *   php … bench/profile_request.php string|array CALLS
 */
require __DIR__ . '/event.php';
$ev = ($argv[1] ?? 'string') === 'array' ? bench_event() : bench_event_json();
$n = (int)($argv[2] ?? 2000);
for ($i = 0; $i < $n; $i++) {
    SentryTransport::sendEvent($ev);
}
