/* The Zend binding: module lifecycle, the SentryTransport class, status and metrics.
 * Runs on PHP's thread only; everything the background thread touches is in src/core. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "php.h"
#include "ext/json/php_json.h"
#include "ext/standard/info.h"
#include "zend_exceptions.h"
#include "zend_smart_str.h"

#include "../../php_sentry_transport.h"
#include "ini.h"
#include "info.h"
#include "process.h"
#include "results.h"
#include "sentry_transport_arginfo.h"
#include "autocapture.h"
#include "capture.h"
#include "scope.h"

#include "../core/category.h"
#include "../core/clientreport.h"
#include "../core/jsonscan.h"
#include "../core/policy.h"
#include "../core/envelope.h"
#include "../core/eventid.h"
#include "../core/log.h"

#include <curl/curl.h>

ZEND_DECLARE_MODULE_GLOBALS(sentry_transport)

static zend_class_entry *sentry_transport_ce;

/* ---------------------------------------------------------------- sending */

/* Queue one event given as JSON; fills the result array. */
/* The category an event would have, for counting one that never gets built. */
static st_category event_category(const char *json, size_t len, const char *item_type)
{
    if (item_type)
        return strcmp(item_type, "transaction") == 0 ? ST_CAT_TRANSACTION : ST_CAT_ERROR;
    static const char *const keys[] = {"type"};
    st_span v;
    const char *s, *err;
    size_t n;
    if (st_json_scan_object(json, len, ST_MAX_JSON_DEPTH, keys, 1, &v, NULL, &err) == 0 &&
        st_json_span_plain_string(json, v, &s, &n) && n == 11 && memcmp(s, "transaction", 11) == 0)
        return ST_CAT_TRANSACTION;
    return ST_CAT_ERROR;
}

/* trusted: json is ext/json's own output for this call (encode_event_array), valid JSON and
 * valid UTF-8 by construction; a string from the caller never is. */
static void send_json(const char *json, size_t len, const char *item_type, const char *given_id,
                      size_t given_id_len, bool trusted, zval *result)
{
    const char *why = st_process_unavailable_reason();
    if (why) {
        st_result_fail(result, "", why, false);
        return;
    }
    /* One pass validates the event and applies the ignore rules and scrubbing (nothing
     * unscrubbed is ever queued); an ignored event is dropped whatever else is wrong. */
    char *scrubbed = NULL;
    size_t scrubbed_len = 0;
    const char *err = NULL;
    st_event_scan scan;
    int verdict = st_process_scan_event(json, len, trusted, &scan, &scrubbed, &scrubbed_len, &err);
    if (verdict == ST_POLICY_IGNORED) {
        st_process_discard(ST_DISCARD_IGNORED, 1u << event_category(json, len, item_type));
        st_result_dropped(result, "", "ignored");
        return;
    }
    if (item_type && strcmp(item_type, "event") != 0 && strcmp(item_type, "transaction") != 0) {
        err = "unsupported event type";
        verdict = ST_POLICY_ERROR;
    }
    if (verdict == ST_POLICY_ERROR) {
        /* invalid (err names the problem), or valid but it could not be scrubbed */
        st_process_discard(err ? ST_DISCARD_INVALID : ST_DISCARD_INTERNAL_SDK_ERROR,
                           1u << ST_CAT_ERROR);
        st_result_fail(result, "", err ? err : "event could not be scrubbed", false);
        free(scrubbed);
        return;
    }
    if (scrubbed) {
        json = scrubbed;
        len = scrubbed_len;
    }
    st_envelope_parts parts;
    if (st_envelope_build_scanned(json, len, item_type, given_id, given_id_len,
                                  st_process_event_defaults(), &scan, &parts, &err) != 0) {
        st_process_discard(ST_DISCARD_INVALID, 1u << ST_CAT_ERROR);
        st_result_fail(result, "", err, false);
        free(scrubbed);
        return;
    }
    if (!st_process_sampled(parts.category)) {
        st_process_discard(ST_DISCARD_SAMPLE_RATE, 1u << parts.category);
        st_result_dropped(result, parts.event_id, "sample_rate");
        free(scrubbed);
        return;
    }
    st_record_meta meta;
    memcpy(meta.event_id, parts.event_id, sizeof meta.event_id);
    meta.category_mask = 1u << parts.category;
    meta.attempts = 0;
    meta.next_attempt_ms = 0;
    meta.enqueued_ms = 0;
    st_process_push(&meta, parts.iov, parts.niov, result);
    free(scrubbed);
}

void st_php_send_event_json(const char *json, size_t len, zval *result)
{
    send_json(json, len, NULL, NULL, 0, false, result);
}

/* JSON-encode a PHP array with ext/json, keeping the caller's json_last_error(). */
static zend_string *encode_event_array(zval *event, const char **err)
{
    if (zend_hash_num_elements(Z_ARRVAL_P(event)) == 0) {
        *err = "event is empty";
        return NULL;
    }
    smart_str buf = {0};
    php_json_error_code saved = JSON_G(error_code);
    int options =
        PHP_JSON_UNESCAPED_SLASHES | PHP_JSON_UNESCAPED_UNICODE | PHP_JSON_PRESERVE_ZERO_FRACTION;
    zend_result rc = php_json_encode_ex(&buf, event, options, ST_MAX_JSON_DEPTH);
    php_json_error_code code = JSON_G(error_code);
    JSON_G(error_code) = saved;
    if (EG(exception)) { /* a JsonSerializable threw: an exception handler must not get two */
        zend_clear_exception();
        smart_str_free(&buf);
        *err = "event could not be encoded: an object's jsonSerialize() threw";
        return NULL;
    }
    if (rc == FAILURE || code != PHP_JSON_ERROR_NONE) {
        smart_str_free(&buf);
        *err = st_result_json_error_message(code);
        return NULL;
    }
    return smart_str_extract(&buf);
}

/* The seed's shape: ['event_id' => …, 'type' => 'event'|'transaction', 'payload' => json]. */
static bool is_seed_shape(HashTable *ht, zval **payload)
{
    *payload = zend_hash_str_find(ht, "payload", sizeof("payload") - 1);
    return *payload && Z_TYPE_P(*payload) == IS_STRING;
}

static void send_one(zval *event, zval *result)
{
    if (Z_TYPE_P(event) == IS_STRING) {
        send_json(Z_STRVAL_P(event), Z_STRLEN_P(event), NULL, NULL, 0, false, result);
        return;
    }
    if (Z_TYPE_P(event) != IS_ARRAY) {
        st_result_fail(result, "", "event must be an array or a JSON string", false);
        return;
    }
    HashTable *ht = Z_ARRVAL_P(event);
    zval *payload;
    if (is_seed_shape(ht, &payload)) {
        zval *type = zend_hash_str_find(ht, "type", sizeof("type") - 1);
        zval *id = zend_hash_str_find(ht, "event_id", sizeof("event_id") - 1);
        if ((type && Z_TYPE_P(type) != IS_STRING) || (id && Z_TYPE_P(id) != IS_STRING)) {
            st_result_fail(result, "", "event 'type' and 'event_id' must be strings", false);
            return;
        }
        send_json(Z_STRVAL_P(payload), Z_STRLEN_P(payload), type ? Z_STRVAL_P(type) : NULL,
                  id ? Z_STRVAL_P(id) : NULL, id ? Z_STRLEN_P(id) : 0, false, result);
        return;
    }
    const char *err = NULL;
    if (st_process_unavailable_reason()) {
        st_result_fail(result, "", st_process_unavailable_reason(), false);
        return;
    }
    zend_string *json = encode_event_array(event, &err);
    if (!json) {
        st_result_fail(result, "", err, false);
        return;
    }
    send_json(ZSTR_VAL(json), ZSTR_LEN(json), NULL, NULL, 0, true, result);
    zend_string_release(json);
}

ZEND_METHOD(SentryTransport, sendEvent)
{
    HashTable *ht;
    zend_string *str;
    ZEND_PARSE_PARAMETERS_START(1, 1)
    Z_PARAM_ARRAY_HT_OR_STR(ht, str)
    ZEND_PARSE_PARAMETERS_END();
    st_process_ensure_running();
    if (str) {
        send_json(ZSTR_VAL(str), ZSTR_LEN(str), NULL, NULL, 0, false, return_value);
    } else {
        zval event;
        ZVAL_ARR(&event, ht);
        send_one(&event, return_value);
    }
}

ZEND_METHOD(SentryTransport, sendBatch)
{
    HashTable *events;
    ZEND_PARSE_PARAMETERS_START(1, 1)
    Z_PARAM_ARRAY_HT(events)
    ZEND_PARSE_PARAMETERS_END();
    st_process_ensure_running();
    array_init_size(return_value, zend_hash_num_elements(events));
    zval *event;
    zend_ulong index;
    zend_string *key;
    /* One result per input, in the same order and under the same key. */
    ZEND_HASH_FOREACH_KEY_VAL(events, index, key, event)
    {
        zval result;
        ZVAL_DEREF(event);
        send_one(event, &result);
        if (key)
            zend_hash_add_new(Z_ARRVAL_P(return_value), key, &result);
        else
            zend_hash_index_add_new(Z_ARRVAL_P(return_value), index, &result);
    }
    ZEND_HASH_FOREACH_END();
}

ZEND_METHOD(SentryTransport, sendEnvelope)
{
    zend_string *envelope, *dsn = NULL;
    ZEND_PARSE_PARAMETERS_START(1, 2)
    Z_PARAM_STR(envelope)
    Z_PARAM_OPTIONAL
    Z_PARAM_STR_OR_NULL(dsn)
    ZEND_PARSE_PARAMETERS_END();
    st_process_ensure_running();
    st_process_push_envelope(ZSTR_VAL(envelope), ZSTR_LEN(envelope),
                             dsn && ZSTR_LEN(dsn) ? ZSTR_VAL(dsn) : NULL, return_value);
}

ZEND_METHOD(SentryTransport, getStatus)
{
    ZEND_PARSE_PARAMETERS_NONE();
    st_process_ensure_running();
    st_process_status(return_value);
}

ZEND_METHOD(SentryTransport, getMetrics)
{
    ZEND_PARSE_PARAMETERS_NONE();
    st_process_ensure_running();
    st_process_metrics(return_value);
}

ZEND_METHOD(SentryTransport, flush)
{
    double timeout = 2.0;
    ZEND_PARSE_PARAMETERS_START(0, 1)
    Z_PARAM_OPTIONAL
    Z_PARAM_DOUBLE(timeout)
    ZEND_PARSE_PARAMETERS_END();
    if (!(timeout >= 0) || timeout > 86400) {
        zend_argument_value_error(1, "must be between 0 and 86400 seconds");
        RETURN_THROWS();
    }
    st_process_ensure_running();
    RETURN_BOOL(st_process_flush((int64_t)(timeout * 1000.0)));
}

/* ---------------------------------------------------------------- lifecycle */

static PHP_GINIT_FUNCTION(sentry_transport)
{
#if defined(COMPILE_DL_SENTRY_TRANSPORT) && defined(ZTS)
    ZEND_TSRMLS_CACHE_UPDATE();
#endif
    memset(sentry_transport_globals, 0, sizeof *sentry_transport_globals);
}

static PHP_MINIT_FUNCTION(sentry_transport)
{
    st_php_ini_register(type, module_number);
    sentry_transport_ce = register_class_SentryTransport();
    st_result_init_keys();
    /* On PHP's thread, before any drainer exists: curl's global init is not
     * thread-safe on every libcurl build. */
    curl_global_init(CURL_GLOBAL_DEFAULT);
    st_config cfg;
    st_php_config_load(&cfg, true);
    st_process_configure(&cfg);
    st_autocapture_minit(&cfg);
    return SUCCESS;
}

static PHP_MSHUTDOWN_FUNCTION(sentry_transport)
{
    st_autocapture_mshutdown();
    st_capture_shutdown();
    st_process_shutdown();
    curl_global_cleanup();
    st_result_free_keys();
    st_php_ini_unregister(type, module_number);
    return SUCCESS;
}

static PHP_RINIT_FUNCTION(sentry_transport)
{
#if defined(COMPILE_DL_SENTRY_TRANSPORT) && defined(ZTS)
    ZEND_TSRMLS_CACHE_UPDATE();
#endif
    /* Lazily, in the process that serves: never in an FPM master before it forks. Without a
     * php.ini DSN, not before the first call (the SDK's first envelope names its DSN): a
     * process that never reports maps nothing. */
    if (st_process_config()->dsn[0])
        st_process_ensure_running();
    return SUCCESS;
}

/* The scope of captureException & co. lives until the request ends (issue #9). */
static PHP_RSHUTDOWN_FUNCTION(sentry_transport)
{
    st_scope_clear();
    st_autocapture_rshutdown();
    st_capture_rshutdown();
    return SUCCESS;
}

static PHP_MINFO_FUNCTION(sentry_transport)
{
    st_php_info_print(st_process_config(), st_process_unavailable_reason());
}

void st_php_info_live(void)
{
    st_process_info_live();
}

zend_module_entry sentry_transport_module_entry = {
    STANDARD_MODULE_HEADER,
    "sentry_transport",
    NULL,
    PHP_MINIT(sentry_transport),
    PHP_MSHUTDOWN(sentry_transport),
    PHP_RINIT(sentry_transport),
    PHP_RSHUTDOWN(sentry_transport),
    PHP_MINFO(sentry_transport),
    PHP_SENTRY_TRANSPORT_VERSION,
    PHP_MODULE_GLOBALS(sentry_transport),
    PHP_GINIT(sentry_transport),
    NULL,
    NULL,
    STANDARD_MODULE_PROPERTIES_EX,
};

#ifdef COMPILE_DL_SENTRY_TRANSPORT
#ifdef ZTS
ZEND_TSRMLS_CACHE_DEFINE()
#endif
ZEND_GET_MODULE(sentry_transport)
#endif
