<?php

declare(strict_types=1);

namespace App;

use Sentry\State\HubInterface;
use Symfony\Component\HttpKernel\Event\ExceptionEvent;

/** Reports every exception a request throws, as sentry-symfony's ErrorListener does. */
final class ExceptionListener
{
    public function __construct(private HubInterface $hub)
    {
    }

    public function __invoke(ExceptionEvent $event): void
    {
        $this->hub->captureException($event->getThrowable());
    }
}
