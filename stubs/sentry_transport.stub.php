<?php

/**
 * The PHP API of the sentry_transport extension: the single source of truth for
 * src/php/sentry_transport_arginfo.h (regenerate with scripts/gen-arginfo.sh) and the
 * file IDEs and static analysers read.
 *
 * @generate-class-entries
 */

/**
 * Hands Sentry events to a queue in shared memory and returns at once; a background thread
 * posts them to Sentry, honouring rate limits and retrying transient failures.
 *
 * Configuration is php.ini (sentry_transport.*). No method ever throws because of the
 * content of an event: a failure is reported in the result array, so calling it from an
 * exception handler is safe. Passing a wrong PHP type is a TypeError, as usual.
 *
 * @not-serializable
 */
final class SentryTransport
{
    /**
     * Queues one event for sending.
     *
     * Accepts a Sentry event as an array or as a JSON object string, or the RoadRunner
     * plugin's shape ['event_id' => string, 'type' => 'event'|'transaction'|…,
     * 'payload' => JSON string]. A missing event_id, timestamp or platform is filled in.
     *
     * 'success' is true only when the event was accepted into the queue; otherwise 'error'
     * says why (e.g. "queue full", "rate limited", "transport disabled") and 'rate_limit'
     * is true when a Sentry rate limit currently applies to the event's category.
     *
     * @param array|string $event the event array, its JSON encoding, or the plugin shape
     * @return array the outcome: success, event_id (32 lowercase hex), error, rate_limit
     * @phpstan-return array{success: bool, event_id: string, error: string, rate_limit: bool}
     * @psalm-return array{success: bool, event_id: string, error: string, rate_limit: bool}
     */
    public static function sendEvent(array|string $event): array {}

    /**
     * Queues several events; equivalent to calling sendEvent() for each, in order.
     *
     * @param array $events a list of events, each in any form sendEvent() accepts
     * @return array one sendEvent() result per input event, in the same order and with the same keys
     * @phpstan-return array<array-key, array{success: bool, event_id: string, error: string, rate_limit: bool}>
     * @psalm-return array<array-key, array{success: bool, event_id: string, error: string, rate_limit: bool}>
     */
    public static function sendBatch(array $events): array {}

    /**
     * Queues a ready-made Sentry envelope (header line, item headers and payloads, as
     * serialised by the official SDKs), e.g. from a sentry-php HTTP client adapter.
     *
     * The envelope goes to the DSN its header names ("dsn", as sentry-php writes it), else
     * to sentry_transport.dsn. When a Sentry rate limit refuses it, the result also has
     * 'rate_limits': the limits in force as an X-Sentry-Rate-Limits header value, for an
     * SDK's own rate limiter.
     *
     * @param string $envelope the envelope bytes
     * @param string|null $dsn where an envelope whose header names no dsn goes (sentry-php's
     *                         client reports carry none): the SDK's DSN; null: sentry_transport.dsn
     * @return array the outcome, with the same keys as sendEvent(); event_id is taken from the envelope header
     * @phpstan-return array{success: bool, event_id: string, error: string, rate_limit: bool}
     * @psalm-return array{success: bool, event_id: string, error: string, rate_limit: bool}
     */
    public static function sendEnvelope(string $envelope, ?string $dsn = null): array {}

    /**
     * Describes the transport: whether it is enabled, whether a DSN is set, the shared
     * queue (queue_length, retry_queue_length, workers, closed, …), the Sentry rate limits
     * in force (category => RFC 3339 UTC time they last until) and more.
     *
     * @return array<string, mixed> the status
     */
    public static function getStatus(): array {}

    /**
     * Counters of the transport: events_sent, events_failed, events_rate_limit,
     * queue_length, total_retries and more.
     *
     * @return array<string, mixed> the metrics
     */
    public static function getMetrics(): array {}

    /**
     * The same metrics in the Prometheus text exposition format (version 0.0.4), for a
     * /metrics endpoint: counters end in _total, drops carry a reason label, and the send
     * latency is a histogram in seconds.
     */
    public static function getPrometheusMetrics(): string {}

    /**
     * Waits, at most $timeout seconds, for the events queued so far to be sent (or
     * definitively dropped). Never waits longer than the timeout, even when Sentry is
     * unreachable.
     *
     * @param float $timeout the longest wait, in seconds
     * @return bool true when nothing was left waiting in time, false on timeout
     */
    public static function flush(float $timeout = 2.0): bool {}

    /**
     * Lists the dead letters: envelopes that ended in a permanent failure (attempts
     * exhausted, 413, another 4xx than 429, 500/501) while sentry_transport.retry.dead_letter_queue
     * was on, kept as files in sentry_transport.retry.dead_letter_path. Oldest first.
     *
     * Each entry: 'id' (pass it to replayDeadLetters()/purgeDeadLetters()), 'event_id'
     * (32 lowercase hex, '' if unknown), 'reason' (e.g. "send_error", "too_large",
     * "network_error", "server_error"), 'attempts', 'failed_at' (RFC 3339 UTC), 'size' (bytes).
     *
     * @param int $limit the most entries to return (at least 1)
     * @return array a list of dead letters, oldest first
     * @phpstan-return list<array{id: string, event_id: string, reason: string, attempts: int, failed_at: string, size: int}>
     * @psalm-return list<array{id: string, event_id: string, reason: string, attempts: int, failed_at: string, size: int}>
     * @throws \ValueError if $limit is less than 1
     * @throws \RuntimeException if the dead-letter directory is unsafe (a symbolic link, owned by
     *         another user, open to group/others) or cannot be read
     */
    public static function getDeadLetters(int $limit = 100): array {}

    /**
     * Puts dead letters back into the queue for another round of attempts; each one that
     * was queued is removed from the dead-letter directory, the others stay (e.g. when the
     * queue is full). Unknown ids are ignored.
     *
     * @param array|null $ids ids from getDeadLetters(); null replays every dead letter
     * @return int how many dead letters were queued again
     * @throws \TypeError if $ids holds something else than strings
     * @throws \RuntimeException if the transport is unavailable (no DSN, disabled, no queue)
     *         or the dead-letter directory is unsafe or cannot be read
     */
    public static function replayDeadLetters(?array $ids = null): int {}

    /**
     * Deletes dead letters. Unknown ids are ignored.
     *
     * @param array|null $ids ids from getDeadLetters(); null deletes every dead letter
     * @return int how many dead letters were deleted
     * @throws \TypeError if $ids holds something else than strings
     * @throws \RuntimeException if the dead-letter directory is unsafe or cannot be read
     */
    public static function purgeDeadLetters(?array $ids = null): int {}

    /**
     * Reports an exception without the Sentry SDK: the event (the whole getPrevious()
     * chain, oldest cause first, each with its stack trace, caller first; function
     * arguments are never sent) is built in C and queued like sendEvent(), under the same
     * defaults, sampling, ignore rules, scrubbing and rate limits. Never throws for bad
     * content.
     *
     * $context uses the scope's keys and wins over the scope (see configureScope()):
     * tags, extra, user, contexts (merged key by key), fingerprint, transaction (replaced),
     * breadcrumbs (appended), and level (default "error").
     *
     * @param \Throwable $exception the exception to report
     * @param array $context tags, extra, user, contexts, fingerprint, transaction, breadcrumbs, level
     * @return array the outcome, with the same keys as sendEvent()
     * @phpstan-return array{success: bool, event_id: string, error: string, rate_limit: bool}
     * @psalm-return array{success: bool, event_id: string, error: string, rate_limit: bool}
     */
    public static function captureException(\Throwable $exception, array $context = []): array {}

    /**
     * Reports a message without the Sentry SDK, with the scope and $context as for
     * captureException().
     *
     * @param string $message the message
     * @param string $level debug, info, warning, error or fatal (anything else: info)
     * @param array $context tags, extra, user, contexts, fingerprint, transaction, breadcrumbs
     * @return array the outcome, with the same keys as sendEvent()
     * @phpstan-return array{success: bool, event_id: string, error: string, rate_limit: bool}
     * @psalm-return array{success: bool, event_id: string, error: string, rate_limit: bool}
     */
    public static function captureMessage(string $message, string $level = 'info', array $context = []): array {}

    /**
     * Records a breadcrumb in the scope; the next captures carry it. At most
     * sentry_transport.max_breadcrumbs are kept, the oldest dropped.
     *
     * @param string $category e.g. "http", "db.query", "job"
     * @param string $message what happened
     * @param string $level debug, info, warning, error or fatal (anything else: info)
     * @param array $data details (scrubbed like extra)
     */
    public static function addBreadcrumb(string $category, string $message, string $level = 'info', array $data = []): void {}

    /**
     * Merges into the current scope: tags, extra, user, contexts (key by key),
     * fingerprint, transaction (replaced), breadcrumbs (appended). The scope lives until
     * the request ends; a long-running worker calls clearScope() per job.
     *
     * @param array $scope the keys to merge
     */
    public static function configureScope(array $scope): void {}

    /**
     * Empties the scope: tags, extra, user, contexts, fingerprint, transaction and
     * breadcrumbs.
     */
    public static function clearScope(): void {}
}
