<?php

declare(strict_types=1);

namespace SentryTransport\Bridge\Laravel;

use Illuminate\Support\ServiceProvider;
use Sentry\ClientBuilder;
use SentryTransport\Bridge\HttpClient;

/**
 * Auto-discovered (composer.json extra.laravel.providers). When the sentry_transport extension
 * is loaded, sentry-laravel's ClientBuilder gets the bridge as its HTTP client, so the SDK's
 * envelopes are queued by the extension instead of sent during the request. The DSN stays in
 * SENTRY_LARAVEL_DSN. Opt out with SENTRY_TRANSPORT_BRIDGE=false (read through config, so it
 * survives `php artisan config:cache`). An http_client set in config/sentry.php is kept.
 */
final class SentryTransportServiceProvider extends ServiceProvider
{
    public function register(): void
    {
        $this->mergeConfigFrom(\dirname(__DIR__, 2) . '/config/sentry-transport-bridge.php', 'sentry-transport-bridge');

        if (!\extension_loaded('sentry_transport')) {
            return;
        }
        // sentry-laravel binds ClientBuilder (a new builder per resolution); extend() applies
        // to every one, whichever provider registers first.
        $this->app->extend(ClientBuilder::class, function (ClientBuilder $builder): ClientBuilder {
            if (!$this->app['config']->get('sentry-transport-bridge.enabled', true)) {
                return $builder;
            }
            if ($builder->getOptions()->getHttpClient() !== null) {
                return $builder;
            }
            $identifier = class_exists(\Sentry\Laravel\Version::class) ? \Sentry\Laravel\Version::SDK_IDENTIFIER : \Sentry\Client::SDK_IDENTIFIER;
            $version = class_exists(\Sentry\Laravel\Version::class) ? \Sentry\Laravel\Version::SDK_VERSION : \Sentry\Client::SDK_VERSION;

            return $builder->setHttpClient(new HttpClient(null, $identifier, $version));
        });
    }
}
