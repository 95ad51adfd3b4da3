<?php
// An app that reports with the official Sentry SDK (sentry/sentry), sending through the
// extension via the bridge (bridge/): php -d extension=… demo/sdk.php vendor/autoload.php DSN
require $argv[1];

\Sentry\init([
    'dsn' => $argv[2],
    'environment' => 'demo',
    'http_client' => new \SentryTransport\Bridge\HttpClient(),
]);
\Sentry\configureScope(static function (\Sentry\State\Scope $scope): void {
    $scope->setTag('worker', 'sdk');
});
try {
    throw new LogicException('demo failure from an app using the Sentry SDK');
} catch (Throwable $e) {
    $t0 = hrtime(true);
    $id = \Sentry\captureException($e);
    $ms = (hrtime(true) - $t0) / 1e6;
}
printf("sdk app (pid %d): \\Sentry\\captureException() returned %s in %.2f ms (queued by the extension)\n",
    getmypid(), $id ?? 'null', $ms);
exit($id === null ? 1 : 0);
