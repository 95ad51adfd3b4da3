<?php
/**
 * One side of bench/capture.sh: captureException of an exception thrown 10 calls deep,
 * timed call by call with hrtime(). Prints one JSON line {mode, context, n, samples_ns…}.
 *
 *   php … bench/capture.php st  <0|1 context> <n>              SentryTransport::captureException
 *   php … bench/capture.php sdk <0|1 context> <n> <autoload> <context_lines|null>
 *                                                             \Sentry\captureException, null transport
 *
 * "context": 5 breadcrumbs in the scope beforehand, then per call 3 tags, 3 extra values
 * (one nested) and a user, given the way each API takes them (context array / withScope).
 */

declare(strict_types=1);

[$_, $mode, $withContext, $n] = $argv + [null, 'st', '0', '2000'];
$withContext = $withContext === '1';
$n = (int)$n;

function level10(int $depth): void
{
    if ($depth === 0) {
        throw new RuntimeException('bench: failed at the bottom of a 10-deep stack');
    }
    level10($depth - 1);
}

final class Job
{
    public function run(): void
    {
        level10(8); // Job::run + 9 levels + {main} = a 10-deep stack at the throw
    }
}

try {
    (new Job())->run();
} catch (Throwable $e) {
    $exception = $e;
}
$tags = ['queue' => 'default', 'job' => 'SendInvoice', 'attempt' => '2'];
$extra = ['invoice_id' => 123456, 'amount' => 99.5, 'lines' => [['sku' => 'A-1', 'qty' => 2], ['sku' => 'B-7', 'qty' => 1]]];
$user = ['id' => '42', 'username' => 'jdoe'];

if ($mode === 'st') {
    if ($withContext) {
        for ($i = 0; $i < 5; $i++) {
            SentryTransport::addBreadcrumb('job', "step $i", 'info', ['i' => $i]);
        }
    }
    $context = $withContext ? ['tags' => $tags, 'extra' => $extra, 'user' => $user] : [];
    $capture = static function () use ($exception, $context): void {
        $r = SentryTransport::captureException($exception, $context);
        if (!$r['success']) {
            fwrite(STDERR, "captureException failed: {$r['error']}\n");
            exit(1);
        }
    };
} else {
    require $argv[4];
    $contextLines = ($argv[5] ?? 'null') === 'null' ? null : (int)$argv[5];
    $transport = new class implements \Sentry\Transport\TransportInterface {
        public function send(\Sentry\Event $event): \Sentry\Transport\Result
        {
            return new \Sentry\Transport\Result(\Sentry\Transport\ResultStatus::success(), $event);
        }

        public function close(?int $timeout = null): \Sentry\Transport\Result
        {
            return new \Sentry\Transport\Result(\Sentry\Transport\ResultStatus::success());
        }
    };
    \Sentry\init(['dsn' => 'http://public@127.0.0.1:9/1', 'transport' => $transport, 'context_lines' => $contextLines]);
    if ($withContext) {
        for ($i = 0; $i < 5; $i++) {
            \Sentry\addBreadcrumb('job', "step $i", ['i' => $i]);
        }
    }
    $capture = $withContext
        ? static function () use ($exception, $tags, $extra, $user): void {
            \Sentry\withScope(static function (\Sentry\State\Scope $scope) use ($exception, $tags, $extra, $user): void {
                $scope->setTags($tags);
                $scope->setExtras($extra);
                $scope->setUser($user);
                \Sentry\captureException($exception);
            });
        }
        : static function () use ($exception): void {
            \Sentry\captureException($exception);
        };
}

for ($i = 0; $i < 200; $i++) { // warm-up: autoloading, caches
    $capture();
}
$samples = [];
for ($i = 0; $i < $n; $i++) {
    $t = hrtime(true);
    $capture();
    $samples[] = hrtime(true) - $t;
}
echo json_encode(['mode' => $mode, 'context' => $withContext, 'samples' => $samples]), "\n";
