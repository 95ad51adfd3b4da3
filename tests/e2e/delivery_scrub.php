<?php
/**
 * delivery_scrub: sensitive fields are scrubbed and default PII removed before an event
 * leaves the host, checked on what the receiver actually got.
 *
 *   php -n tests/e2e/delivery_scrub.php <so>
 *
 * One event with request.headers.Authorization, request.cookies, user.email,
 * user.ip_address, extra.password, contexts.app.api_key, tags.session_token,
 * breadcrumbs.values[0].data.credit_card, and a top-level message containing "password".
 *  1. defaults (send_default_pii=0, built-in scrub list): email, ip_address, cookies and the
 *     Authorization header do not arrive (removed; a "[Filtered]" Authorization is tolerated),
 *     the scrubbed keys arrive as "[Filtered]", harmless neighbours and the message unchanged;
 *  2. send_default_pii=1: email and ip_address arrive as sent; cookies / Authorization are
 *     still scrubbed ("[Filtered]": their keys match the list);
 *  3. scrub_fields="my_field": extra.my_field is "[Filtered]", extra.password arrives as sent.
 * No secret value appears anywhere in the delivered bytes when it should be hidden.
 * The event's own event_id comes last, after every edited member, in uppercase UUID form:
 * the scrubbed copy's splice of the normalized id lands where the id moved to.
 */

declare(strict_types=1);

require __DIR__ . '/delivery_lib.php';

const SC_F = '[Filtered]';

$so = e2e_so_path($argv);

function sc_event(string $phase): array
{
    return [
        'message' => "login failed: wrong password for jane ($phase)",
        'level' => 'error',
        'request' => [
            'url' => 'https://shop.example/login', 'method' => 'POST',
            'headers' => ['Authorization' => 'Bearer AUTHZ-SECRET-1', 'Accept' => 'text/html', 'X-Api-Token' => 'HDRTOKEN-SECRET-2'],
            'cookies' => ['sessionid' => 'COOKIE-SECRET-3'],
        ],
        'user' => ['id' => '42', 'username' => 'jane', 'email' => 'jane@mail.example', 'ip_address' => '203.0.113.77'],
        'extra' => ['password' => 'PASSWORD-SECRET-4', 'my_field' => 'MYFIELD-VALUE-5', 'keep' => 'visible'],
        'contexts' => ['app' => ['api_key' => 'APIKEY-SECRET-6', 'app_name' => 'shop']],
        'tags' => ['session_token' => 'TAGTOKEN-SECRET-7', 'env' => 'e2e'],
        'breadcrumbs' => ['values' => [['category' => 'payment', 'message' => 'charged card', 'timestamp' => 1700000000,
                                         'data' => ['credit_card' => '4111111111111111', 'amount' => 10]]]],
        'event_id' => strtoupper(vsprintf('%s%s-%s-%s-%s-%s%s%s', str_split(bin2hex(random_bytes(16)), 4))),
    ];
}

/** Send one event from a process with $ini; return [sent event, delivered payload, raw delivered record]. */
function sc_roundtrip(string $name, string $so, array $ini, string $tmp, array $r): array
{
    $event = sc_event($name);
    $o = dl_run($name, $so, $ini, $tmp, <<<'PHP'
        out('res', SentryTransport::sendEvent($CTX['event']));
        out('flushed', SentryTransport::flush(10.0));
        PHP, $r, 30.0, ['event' => $event]);
    e2e_assert($o['res']['success'] === true, '%s: sendEvent failed: %s', $name, json_encode($o['res']));
    $id = $o['res']['event_id'];
    $want = strtolower(str_replace('-', '', $event['event_id']));
    e2e_assert($id === $want, '%s: sendEvent returned event_id %s for %s', $name, $id, $event['event_id']);
    $recs = receiver_wait_for(static fn() => dl_records_for($r, $id), 10.0);
    e2e_assert($recs !== false, '%s: event %s not delivered within 10 s: receiver %s; log %s', $name, $id,
               dl_stats_brief(receiver_stats($r)), dl_ext_log($tmp));
    $p = e2e_event_payload($recs[0]);
    e2e_assert(is_array($p), '%s: no event payload', $name);
    e2e_assert(($p['event_id'] ?? null) === $id, '%s: payload event_id %s, expected %s', $name,
               json_encode($p['event_id'] ?? null), $id);
    e2e_log('%s delivered: %s', $name, json_encode(array_intersect_key($p, array_flip(
        ['message', 'request', 'user', 'extra', 'contexts', 'tags', 'breadcrumbs'])), JSON_UNESCAPED_SLASHES));
    return [$event, $p, $recs[0]];
}

/** Value at a dotted path ('a.b.0.c'), or ['__missing' => true]. */
function sc_get(array $a, string $path)
{
    foreach (explode('.', $path) as $k) {
        if (!is_array($a) || !array_key_exists($k, $a)) {
            return ['__missing' => true];
        }
        $a = $a[$k];
    }
    return $a;
}

function sc_missing($v): bool
{
    return is_array($v) && isset($v['__missing']);
}

function sc_expect(string $phase, array $p, string $path, $want): void
{
    $got = sc_get($p, $path);
    sc_check(!sc_missing($got) && $got === $want, '%s: %s = %s, expected %s', $phase, $path,
             sc_missing($got) ? '(missing)' : json_encode($got), json_encode($want));
}

/** A soft assertion: every mismatch of every phase is reported together at the end. */
function sc_check(bool $cond, string $fmt, ...$args): void
{
    if (!$cond) {
        $GLOBALS['sc_problems'][] = vsprintf($fmt, $args);
        e2e_log('MISMATCH %s', vsprintf($fmt, $args));
    }
}

function sc_expect_removed(string $phase, array $p, string $path): void
{
    $got = sc_get($p, $path);
    sc_check(sc_missing($got), '%s: %s = %s, expected removed (send_default_pii=0)', $phase, $path, json_encode($got));
}

e2e_main(static function () use ($so): string {
    $tmp = e2e_tmpdir('dl-sc');
    $queue = e2e_queue_name('dlsc');
    $r = receiver_start(['log' => "$tmp/receiver.log"]);
    e2e_log('receiver %s, queue %s', $r['url'], $queue);
    $base = dl_base_ini($r['dsn'], $queue, $tmp);

    // 1. defaults
    [$ev, $p, $rec] = sc_roundtrip('defaults', $so, $base, $tmp, $r);
    $ph = 'defaults';
    sc_expect($ph, $p, 'message', $ev['message']);
    sc_expect($ph, $p, 'extra.password', SC_F);
    sc_expect($ph, $p, 'contexts.app.api_key', SC_F);
    sc_expect($ph, $p, 'tags.session_token', SC_F);
    sc_expect($ph, $p, 'breadcrumbs.values.0.data.credit_card', SC_F);
    sc_expect($ph, $p, 'request.headers.X-Api-Token', SC_F);
    sc_expect_removed($ph, $p, 'user.email');
    sc_expect_removed($ph, $p, 'user.ip_address');
    sc_expect_removed($ph, $p, 'request.cookies');
    $auth = sc_get($p, 'request.headers.Authorization');
    sc_check(sc_missing($auth) || $auth === SC_F, '%s: request.headers.Authorization = %s, expected removed (or "[Filtered]")',
               $ph, json_encode($auth));
    foreach (['extra.keep' => 'visible', 'extra.my_field' => 'MYFIELD-VALUE-5', 'user.id' => '42', 'user.username' => 'jane',
              'tags.env' => 'e2e', 'contexts.app.app_name' => 'shop', 'request.headers.Accept' => 'text/html',
              'breadcrumbs.values.0.data.amount' => 10, 'breadcrumbs.values.0.message' => 'charged card',
              'request.url' => 'https://shop.example/login'] as $path => $want) {
        sc_expect($ph, $p, $path, $want);
    }
    $wire = json_encode($p, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
    foreach (['AUTHZ-SECRET-1', 'HDRTOKEN-SECRET-2', 'COOKIE-SECRET-3', 'PASSWORD-SECRET-4', 'APIKEY-SECRET-6', 'TAGTOKEN-SECRET-7',
              '4111111111111111', 'jane@mail.example', '203.0.113.77'] as $secret) {
        sc_check(!str_contains($wire, $secret), '%s: "%s" still appears in the delivered event', $ph, $secret);
    }

    // 2. send_default_pii=1
    [$ev, $p] = sc_roundtrip('pii_on', $so, ['send_default_pii' => '1'] + $base, $tmp, $r);
    $ph = 'send_default_pii=1';
    sc_expect($ph, $p, 'user.email', 'jane@mail.example');
    sc_expect($ph, $p, 'user.ip_address', '203.0.113.77');
    sc_expect($ph, $p, 'extra.password', SC_F);
    sc_expect($ph, $p, 'request.headers.Authorization', SC_F);
    sc_expect($ph, $p, 'request.cookies', SC_F);
    sc_expect($ph, $p, 'message', $ev['message']);

    // 3. custom list
    [$ev, $p] = sc_roundtrip('custom', $so, ['scrub_fields' => 'my_field'] + $base, $tmp, $r);
    $ph = 'scrub_fields=my_field';
    sc_expect($ph, $p, 'extra.my_field', SC_F);
    sc_expect($ph, $p, 'extra.password', 'PASSWORD-SECRET-4');
    sc_expect($ph, $p, 'tags.session_token', 'TAGTOKEN-SECRET-7');
    sc_expect($ph, $p, 'message', $ev['message']);
    sc_expect_removed($ph, $p, 'user.email');

    $problems = $GLOBALS['sc_problems'] ?? [];
    e2e_assert(!$problems, '%d mismatch(es): %s', count($problems), implode('; ', $problems));
    $stats = receiver_stats($r);
    e2e_assert($stats['invalid'] === 0, 'receiver found %d invalid envelopes: %s', $stats['invalid'], json_encode($stats['errors']));
    receiver_stop($r);
    return 'defaults: 6 keys [Filtered], email/ip/cookies/Authorization removed, message kept; pii=1: email+ip arrive; ' .
           'scrub_fields=my_field: my_field filtered, password kept';
});
