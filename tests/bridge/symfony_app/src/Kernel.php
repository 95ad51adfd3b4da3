<?php

declare(strict_types=1);

namespace App;

use Sentry\State\HubInterface;
use SentryTransport\Bridge\HttpClient;
use Symfony\Bundle\FrameworkBundle\FrameworkBundle;
use Symfony\Bundle\FrameworkBundle\Kernel\MicroKernelTrait;
use Symfony\Component\DependencyInjection\Loader\Configurator\ContainerConfigurator;
use Symfony\Component\HttpKernel\Kernel as BaseKernel;
use Symfony\Component\Routing\Loader\Configurator\RoutingConfigurator;

use function Symfony\Component\DependencyInjection\Loader\Configurator\service;

/**
 * A Symfony 7.4 kernel reporting through sentry/sentry with the bridge as a service: the
 * wiring sentry-symfony gets from `sentry: options: http_client: SentryTransport\Bridge\HttpClient`.
 * The cache goes to $SYMFONY_CACHE_DIR.
 */
final class Kernel extends BaseKernel
{
    use MicroKernelTrait;

    public function registerBundles(): iterable
    {
        yield new FrameworkBundle();
    }

    public function getCacheDir(): string
    {
        return ($_SERVER['SYMFONY_CACHE_DIR'] ?? sys_get_temp_dir() . '/bridge-symfony') . '/cache/' . $this->environment;
    }

    public function getLogDir(): string
    {
        return ($_SERVER['SYMFONY_CACHE_DIR'] ?? sys_get_temp_dir() . '/bridge-symfony') . '/log';
    }

    public function getProjectDir(): string
    {
        return \dirname(__DIR__);
    }

    protected function configureContainer(ContainerConfigurator $c): void
    {
        $c->extension('framework', ['secret' => 'bridge-test', 'http_method_override' => false,
            'handle_all_throwables' => true, 'php_errors' => ['log' => false], 'router' => ['utf8' => true]]);
        $s = $c->services();
        $s->set(HttpClient::class);
        $s->set(HubInterface::class)
            ->factory([SentryHub::class, 'create'])
            ->args(['%env(SENTRY_DSN)%', service(HttpClient::class)])
            ->public();
        $s->set(ExceptionListener::class)
            ->args([service(HubInterface::class)])
            ->tag('kernel.event_listener', ['event' => 'kernel.exception']);
    }

    protected function configureRoutes(RoutingConfigurator $routes): void
    {
        $routes->add('bridge_throw', '/bridge-throw')->controller('kernel::throwAction');
    }

    public function throwAction(): never
    {
        throw new \RuntimeException('symfony bridge ' . ($_GET['m'] ?? ''));
    }
}
