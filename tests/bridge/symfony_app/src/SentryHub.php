<?php

declare(strict_types=1);

namespace App;

use Sentry\ClientBuilder;
use Sentry\HttpClient\HttpClientInterface;
use Sentry\SentrySdk;
use Sentry\State\HubInterface;

final class SentryHub
{
    public static function create(string $dsn, HttpClientInterface $httpClient): HubInterface
    {
        $client = ClientBuilder::create(['dsn' => $dsn, 'http_client' => $httpClient])->getClient();
        SentrySdk::init()->bindClient($client);

        return SentrySdk::getCurrentHub();
    }
}
