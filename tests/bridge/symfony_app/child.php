<?php
// One request through the Symfony kernel: php [-d extension=…] child.php <vendor/autoload.php> <marker>
declare(strict_types=1);

require $argv[1];

use Symfony\Component\HttpFoundation\Request;

$_GET['m'] = $argv[2];
$kernel = new App\Kernel('prod', false);
$request = Request::create('/bridge-throw', 'GET', ['m' => $argv[2]]);
$t0 = microtime(true);
$response = $kernel->handle($request);
$ms = (microtime(true) - $t0) * 1000;
$kernel->terminate($request, $response);
if (class_exists(SentryTransport::class, false)) {
    SentryTransport::flush(10.0);
}
echo json_encode(['status' => $response->getStatusCode(), 'ms' => $ms]), "\n";
