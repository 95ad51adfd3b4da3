<?php

// Merged by SentryTransport\Bridge\Laravel\SentryTransportServiceProvider under the
// "sentry-transport-bridge" key. Read through config(), so `php artisan config:cache` keeps it.
return [
    // false: sentry-laravel keeps its own HTTP client even when the extension is loaded.
    'enabled' => (bool) env('SENTRY_TRANSPORT_BRIDGE', true),
];
