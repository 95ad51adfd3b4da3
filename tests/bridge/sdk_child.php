<?php
/**
 * One SDK process of tests/bridge/sdk.php: the real sentry/sentry with the bridge as its HTTP
 * client (through a decorator that records every request and answer), a PSR-3 logger that keeps
 * what the SDK logs, and a before_send counter. Prints one JSON object on stdout at the end.
 *
 *   php [-d extension=sentry_transport.so …] sdk_child.php <scenario> <dsn> <vendor/autoload.php>
 *
 * Scenarios: all | ratelimit | queuefull | fallback | large
 */

declare(strict_types=1);

[, $scenario, $dsn, $autoload] = $argv;
require $autoload;

use Sentry\CheckInStatus;
use Sentry\ClientReport\ClientReportAggregator;
use Sentry\HttpClient\HttpClientInterface;
use Sentry\HttpClient\Request;
use Sentry\HttpClient\Response;
use Sentry\Options;
use Sentry\State\Scope;
use Sentry\Tracing\SpanContext;
use Sentry\Tracing\TransactionContext;

final class RecordingClient implements HttpClientInterface
{
    /** @var list<array{status: int, error: string, rate_limits: string}> */
    public array $calls = [];

    public function __construct(private HttpClientInterface $inner)
    {
    }

    public function sendRequest(Request $request, Options $options): Response
    {
        $response = $this->inner->sendRequest($request, $options);
        $this->calls[] = ['status' => $response->getStatusCode(), 'error' => $response->getError(),
                          'rate_limits' => $response->getHeaderLine('X-Sentry-Rate-Limits')];
        return $response;
    }
}

final class KeepingLogger extends \Psr\Log\AbstractLogger
{
    /** @var list<string> */
    public array $lines = [];

    public function log($level, $message, array $context = []): void
    {
        $this->lines[] = $level . ': ' . $message;
    }
}

$client = new RecordingClient(new SentryTransport\Bridge\HttpClient());
$logger = new KeepingLogger();
$beforeSend = 0;
\Sentry\init([
    'dsn' => $dsn,
    'http_client' => $client,
    'logger' => $logger,
    'traces_sample_rate' => 1.0,
    'enable_logs' => true,
    'send_client_reports' => true,
    'before_send' => static function (\Sentry\Event $e) use (&$beforeSend) {
        $beforeSend++;
        return $e;
    },
]);

$out = ['ids' => []];
$flushExt = static function (): void {
    if (class_exists(SentryTransport::class, false)) {
        SentryTransport::flush(10.0);
    }
};
$sdkReports = static function (): array {
    $r = new ReflectionProperty(ClientReportAggregator::class, 'reports');
    $r->setAccessible(true);
    return $r->getValue(ClientReportAggregator::getInstance());
};

switch ($scenario) {
    case 'all':
    case 'fallback':
        $out['ids']['exception'] = (string) \Sentry\captureException(new RuntimeException('bridge exception ' . $dsn));
        $out['ids']['message'] = (string) \Sentry\captureMessage('bridge message');
        $tx = \Sentry\startTransaction(TransactionContext::make()->setName('bridge-tx')->setOp('test'));
        \Sentry\SentrySdk::getCurrentHub()->setSpan($tx);
        foreach (['db.query', 'http.client'] as $op) {
            $span = $tx->startChild(SpanContext::make()->setOp($op)->setDescription('bridge ' . $op));
            $span->finish();
        }
        $out['ids']['transaction'] = (string) $tx->finish();
        \Sentry\SentrySdk::getCurrentHub()->setSpan(null);
        $out['check_in_id'] = \Sentry\captureCheckIn('bridge-monitor', CheckInStatus::ok());
        \Sentry\withScope(static function (Scope $scope) use (&$out): void {
            $scope->addAttachment(\Sentry\Attachment\Attachment::fromBytes('bridge.txt', "attached bytes\n"));
            $out['ids']['attachment'] = (string) \Sentry\captureMessage('bridge message with attachment');
        });
        \Sentry\logger()->info('bridge log line %s', ['one']);
        \Sentry\logger()->flush();
        $flushExt();
        break;

    case 'ratelimit':
        // 1: queued, and the receiver answers it 429 (X-Sentry-Rate-Limits: 60:error:key).
        $out['ids'][] = (string) \Sentry\captureException(new RuntimeException('rl first'));
        $flushExt();
        // 2: the extension refuses it (a limit in force): the bridge answers 429 + the header.
        $out['ids'][] = (string) \Sentry\captureException(new RuntimeException('rl second'));
        $callsAfterSecond = count($client->calls);
        // 3, 4: the SDK's own RateLimiter stops them before serializing: no request at all.
        $out['ids'][] = (string) \Sentry\captureException(new RuntimeException('rl third'));
        $out['ids'][] = (string) \Sentry\captureMessage('rl fourth');
        $out['calls_after_second'] = $callsAfterSecond;
        $out['calls_after_fourth'] = count($client->calls);
        // Another category still goes through.
        $tx = \Sentry\startTransaction(TransactionContext::make()->setName('rl-tx')->setOp('test'));
        $out['tx_id'] = (string) $tx->finish();
        $out['sdk_reports'] = $sdkReports();
        $out['ext_drops'] = SentryTransport::getMetrics()['drops'] ?? null;
        // The SDK's own client report goes out through the bridge too.
        ClientReportAggregator::getInstance()->flush();
        $flushExt();
        break;

    case 'queuefull':
        for ($i = 0; $i < 6; $i++) {
            $out['ids'][] = (string) \Sentry\captureException(new RuntimeException('qf ' . $i));
        }
        $out['sdk_reports'] = $sdkReports();
        $out['ext_drops'] = SentryTransport::getMetrics()['drops'] ?? null;
        break;

    case 'large':
        \Sentry\withScope(static function (Scope $scope) use (&$out): void {
            $scope->addAttachment(\Sentry\Attachment\Attachment::fromBytes('big.bin', random_bytes(600 * 1024)));
            $out['ids'][] = (string) \Sentry\captureMessage('too large for the queue');
        });
        $out['sdk_reports'] = $sdkReports();
        break;

    default:
        fwrite(STDERR, "unknown scenario $scenario\n");
        exit(2);
}

$out['calls'] = $client->calls;
$out['before_send'] = $beforeSend;
$out['log'] = $logger->lines;
echo json_encode($out, JSON_UNESCAPED_SLASHES), "\n";
