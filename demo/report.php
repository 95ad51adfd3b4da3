<?php
// After the workers exit: wait for the queue to drain, then show status and metrics.
$drained = SentryTransport::flush(10.0);
echo $drained ? "queue drained\n" : "queue NOT drained within 10 s\n";
$status = SentryTransport::getStatus();
$metrics = SentryTransport::getMetrics();
echo "\n--- SentryTransport::getStatus() ---\n";
echo json_encode($status, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES), "\n";
echo "\n--- SentryTransport::getMetrics() ---\n";
echo json_encode($metrics, JSON_PRETTY_PRINT), "\n";
exit($drained ? 0 : 1);
