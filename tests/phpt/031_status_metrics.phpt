--TEST--
getStatus()/getMetrics(): keys and types, the drainer (pid, is_self), the same queue seen by a second process
--SKIPIF--
<?php $st_fresh = ['031_status_metrics']; require __DIR__ . '/skipif.inc'; ?>
--INI--
sentry_transport.dsn=http://pubkey031@127.0.0.1:9/42
sentry_transport.queue.name=031_status_metrics
sentry_transport.queue.workers=3
sentry_transport.queue.buffer_size=50
sentry_transport.retry.initial_backoff=1h
sentry_transport.retry.max_backoff=1h
sentry_transport.retry.dead_letter_queue=0
sentry_transport.shutdown_timeout=0
sentry_transport.logging.level=off
--FILE--
<?php
require __DIR__ . '/st.inc';
function shape(array $a): array
{
    $o = [];
    foreach ($a as $k => $v) {
        $o[$k] = is_array($v) ? shape($v) : get_debug_type($v);
    }
    return $o;
}
SentryTransport::sendEvent(['message' => 'one']);
SentryTransport::sendEvent(['message' => 'two']);
// the drainer of this queue is elected within a moment: this process (the only one)
$deadline = microtime(true) + 5;
while (SentryTransport::getStatus()['drainer']['pid'] === 0 && microtime(true) < $deadline) {
    usleep(10000);
}
$s = SentryTransport::getStatus();
echo json_encode(shape($s), JSON_PRETTY_PRINT), "\n";
var_dump($s['enabled'], $s['dsn_set'], $s['active'], $s['error'], $s['dsn'], $s['pid'] === getmypid());
var_dump($s['queue']['queue_length'], $s['queue']['workers'], $s['queue']['closed'], $s['queue']['capacity'],
         $s['queue']['location'] === '/sentry_transport.v3.' . st_euid() . '.031_status_metrics',
         $s['queue']['bytes_used'] > 0, $s['queue']['bytes_capacity'] > 1024 * 1024);
var_dump($s['drainer']['pid'] === getmypid(), $s['drainer']['is_self'], $s['drainer']['thread_running'],
         (bool)preg_match('~^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$~', $s['drainer']['since']),
         $s['rate_limits']);

$m = SentryTransport::getMetrics();
echo json_encode(shape($m)), "\n";
var_dump($m['queue_length'], $m['events_accepted'], $m['events_sent'], $m['drainer_elections'] >= 1);

// a second process on the same queue: same length, sees this process as the drainer
$code = <<<'PHP'
$s = SentryTransport::getStatus();
$r = SentryTransport::sendEvent(['message' => 'three']);
st_out(['len' => $s['queue']['queue_length'], 'drainer' => $s['drainer'], 'pid' => getmypid(), 'sent' => $r['success'],
        'metrics_len' => SentryTransport::getMetrics()['queue_length'], 'accepted' => SentryTransport::getMetrics()['events_accepted']]);
PHP;
$o = st_run_json(['dsn' => 'http://pubkey031@127.0.0.1:9/42', 'queue.name' => '031_status_metrics', 'queue.buffer_size' => '50'] + st_default_ini(), $code)['value'];
var_dump($o['len'], $o['drainer']['pid'] === getmypid(), $o['drainer']['is_self'], $o['sent'], $o['metrics_len'], $o['accepted']);
// …and this process sees what the other one queued
var_dump(SentryTransport::getStatus()['queue']['queue_length'], SentryTransport::getMetrics()['events_accepted']);
?>
--CLEAN--
<?php
require __DIR__ . '/st.inc';
st_shm_remove('031_status_metrics');
?>
--EXPECT--
{
    "enabled": "bool",
    "dsn_set": "bool",
    "active": "bool",
    "error": "string",
    "dsn": "string",
    "pid": "int",
    "queue": {
        "queue_length": "int",
        "retry_queue_length": "int",
        "in_flight": "int",
        "workers": "int",
        "closed": "bool",
        "capacity": "int",
        "bytes_used": "int",
        "bytes_capacity": "int",
        "location": "string"
    },
    "drainer": {
        "pid": "int",
        "is_self": "bool",
        "thread_running": "bool",
        "since": "string",
        "heartbeat_at": "string",
        "epoch": "int"
    },
    "rate_limits": [],
    "dsns": [
        {
            "dsn": "string",
            "is_default": "bool",
            "rate_limits": [],
            "upstream": {
                "state": "string",
                "consecutive_failures": "int",
                "last_error": "string",
                "last_success_at": "null",
                "since": "null",
                "next_probe_at": "null"
            }
        }
    ],
    "upstream": {
        "state": "string",
        "consecutive_failures": "int",
        "last_error": "string",
        "last_success_at": "null",
        "since": "null",
        "next_probe_at": "null"
    },
    "dead_letters": {
        "state": "string",
        "error": "string",
        "since": "null",
        "last_error_at": "null"
    }
}
bool(true)
bool(true)
bool(true)
string(0) ""
string(31) "http://pubkey031@127.0.0.1:9/42"
bool(true)
int(2)
int(3)
bool(false)
int(50)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
array(0) {
}
{"events_sent":"int","events_failed":"int","events_rate_limit":"int","queue_length":"int","total_retries":"int","events_accepted":"int","events_rejected":"int","queue_overflow":"int","retry_queue_length":"int","bytes_sent":"int","responses_2xx":"int","responses_4xx":"int","responses_5xx":"int","network_errors":"int","corrupt_records":"int","lock_recoveries":"int","drainer_elections":"int","drainer_takeovers_dead":"int","drainer_takeovers_stale":"int","dead_letters_written":"int","dead_letters_pruned":"int","dead_letter_errors":"int","dead_letter_count":"int","dead_letter_bytes":"int","drops":{"queue_overflow":"int","ratelimit_backoff":"int","network_error":"int","send_error":"int","sample_rate":"int","before_send":"int","event_processor":"int","internal_sdk_error":"int","ignored":"int","invalid":"int","cache_overflow":"int","buffer_overflow":"int","insufficient_data":"int","backpressure":"int"},"client_reports_sent":"int","send_latency_p50_ms":"int","send_latency_p99_ms":"int","send_latency_buckets":["int","int","int","int","int","int","int","int","int","int","int","int","int","int","int","int","int","int","int","int","int","int","int","int"],"send_latency_sum_us":"int","dsns":[{"dsn":"string","events_accepted":"int","events_sent":"int","events_failed":"int","events_rate_limit":"int","total_retries":"int","bytes_sent":"int","upstream_state":"string"}]}
int(2)
int(2)
int(0)
bool(true)
int(2)
bool(true)
bool(false)
bool(true)
int(3)
int(3)
int(3)
int(3)
