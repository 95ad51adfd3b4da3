<?php

declare(strict_types=1);

namespace SentryTransport\Bridge;

use Sentry\Client;
use Sentry\HttpClient\HttpClient as SdkHttpClient;
use Sentry\HttpClient\HttpClientInterface;
use Sentry\HttpClient\Request;
use Sentry\HttpClient\Response;
use Sentry\Options;

/**
 * The Sentry SDK's HTTP client, replaced: the serialized envelope goes to
 * SentryTransport::sendEnvelope(), which queues it in shared memory and returns at once; the
 * extension's background thread sends it. The answer tells the SDK what happened, so that its
 * rate limiter and its client reports stay right (see bridge/README.md, "What the SDK is told"):
 *
 * - queued: 200;
 * - refused because a Sentry rate limit is in force: 429 with X-Sentry-Rate-Limits, so the
 *   SDK stops serializing that category until the limit ends;
 * - queue full: status -1 with the error (the SDK logs it; the extension already counted the
 *   discard as queue_overflow, so none of the SDK's counting branches may fire);
 * - too large: 413, invalid envelope: 400 (the SDK logs and counts send_error; the extension
 *   did not count these);
 * - extension missing, transport off or its queue unavailable: the SDK's own client sends it,
 *   and the SDK's logger says so once per process and reason.
 */
final class HttpClient implements HttpClientInterface
{
    /** The status of a discard the extension already counted in its client reports. */
    public const STATUS_DISCARDED = -1;

    private const RATE_LIMITS_HEADER = 'X-Sentry-Rate-Limits';

    /** @var array<string, true> reasons already logged in this process */
    private static $announced = [];

    /** @var HttpClientInterface|null */
    private $fallback;

    /** @var string */
    private $sdkIdentifier;

    /** @var string */
    private $sdkVersion;

    /**
     * @param HttpClientInterface|null $fallback used when the extension cannot take the envelope;
     *                                           null: the SDK's own client, made when first needed
     */
    public function __construct(
        ?HttpClientInterface $fallback = null,
        string $sdkIdentifier = Client::SDK_IDENTIFIER,
        string $sdkVersion = Client::SDK_VERSION
    ) {
        $this->fallback = $fallback;
        $this->sdkIdentifier = $sdkIdentifier;
        $this->sdkVersion = $sdkVersion;
    }

    public function sendRequest(Request $request, Options $options): Response
    {
        if (!class_exists(\SentryTransport::class, false)) {
            return $this->fallBack($request, $options, 'the sentry_transport extension is not loaded');
        }
        $body = $request->getStringBody();
        if ($body === null || $body === '') {
            return new Response(400, [], 'sentry_transport: the request has no body');
        }

        // The SDK's DSN, for its envelopes whose header names none (client reports).
        $dsn = $options->getDsn();
        $result = \SentryTransport::sendEnvelope($body, $dsn === null ? null : (string) $dsn);
        if ($result['success'] === true) {
            return new Response(200, [], '');
        }
        $error = 'sentry_transport: ' . $result['error'];

        if ($result['rate_limit'] === true) {
            // Not an error: the SDK records the limits and answers rate_limit; the extension
            // already counted the discard (ratelimit_backoff), and the SDK never counts a 429.
            return new Response(429, [self::RATE_LIMITS_HEADER => [self::rateLimitsHeader($result)]], '');
        }
        if ($result['error'] === 'queue full') {
            return new Response(self::STATUS_DISCARDED, [], $error . ' (counted by the extension as queue_overflow)');
        }

        $status = \SentryTransport::getStatus();
        if (($status['active'] ?? false) !== true) {
            // Off (disabled, no or invalid DSN) or its queue cannot be mapped (e.g. /dev/shm
            // full): the SDK's own client still delivers.
            return $this->fallBack($request, $options, $result['error']);
        }
        if (str_contains($result['error'], 'larger than the queue')) {
            return new Response(413, [], $error);
        }

        return new Response(400, [], $error);
    }

    /**
     * The X-Sentry-Rate-Limits value for a refused envelope: the extension's own (the limits in
     * force for this DSN, as Sentry last sent them).
     *
     * @param array<string, mixed> $result
     */
    private static function rateLimitsHeader(array $result): string
    {
        $limits = $result['rate_limits'] ?? '';

        // A refusal with no limit left to name (it ended meanwhile): back off briefly, all categories.
        return \is_string($limits) && $limits !== '' ? $limits : '1::organization';
    }

    private function fallBack(Request $request, Options $options, string $reason): Response
    {
        if (!isset(self::$announced[$reason])) {
            self::$announced[$reason] = true;
            // getLoggerOrNullLogger(): sentry/sentry ≥ 4.x with the "logger" option; older: no log.
            if (method_exists($options, 'getLoggerOrNullLogger')) {
                $options->getLoggerOrNullLogger()->warning(
                    'sentry_transport bridge: sending through the SDK\'s own HTTP client, because ' . $reason . '.'
                );
            }
        }
        if ($this->fallback === null) {
            $this->fallback = new SdkHttpClient($this->sdkIdentifier, $this->sdkVersion);
        }

        return $this->fallback->sendRequest($request, $options);
    }
}
