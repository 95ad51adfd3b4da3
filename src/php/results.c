/* Result arrays of sendEvent/sendBatch/sendEnvelope, and small array helpers. */
#include "results.h"
#include "../core/common.h"

static zend_string *key_success, *key_event_id, *key_error, *key_rate_limit, *key_sampled,
    *key_dropped;

void st_result_init_keys(void)
{
    key_success = zend_string_init_interned("success", sizeof("success") - 1, 1);
    key_event_id = zend_string_init_interned("event_id", sizeof("event_id") - 1, 1);
    key_error = zend_string_init_interned("error", sizeof("error") - 1, 1);
    key_rate_limit = zend_string_init_interned("rate_limit", sizeof("rate_limit") - 1, 1);
    key_sampled = zend_string_init_interned("sampled", sizeof("sampled") - 1, 1);
    key_dropped = zend_string_init_interned("dropped", sizeof("dropped") - 1, 1);
}

void st_result_free_keys(void)
{
    /* Interned strings are freed with the interned table. */
}

static void fill(zval *rv, bool ok, const char *event_id, const char *error, bool rate_limited,
                 const char *dropped)
{
    zval v;
    array_init_size(rv, 6);
    HashTable *ht = Z_ARRVAL_P(rv);
    ZVAL_BOOL(&v, ok);
    zend_hash_add_new(ht, key_success, &v);
    if (event_id[0])
        ZVAL_STRINGL(&v, event_id, strlen(event_id));
    else
        ZVAL_EMPTY_STRING(&v);
    zend_hash_add_new(ht, key_event_id, &v);
    if (error[0])
        ZVAL_STRING(&v, error);
    else
        ZVAL_EMPTY_STRING(&v);
    zend_hash_add_new(ht, key_error, &v);
    ZVAL_BOOL(&v, rate_limited);
    zend_hash_add_new(ht, key_rate_limit, &v);
    ZVAL_BOOL(&v, dropped[0] == '\0');
    zend_hash_add_new(ht, key_sampled, &v);
    if (dropped[0])
        ZVAL_STRING(&v, dropped);
    else
        ZVAL_EMPTY_STRING(&v);
    zend_hash_add_new(ht, key_dropped, &v);
}

void st_result_ok(zval *rv, const char *event_id)
{
    fill(rv, true, event_id, "", false, "");
}

void st_result_fail(zval *rv, const char *event_id, const char *error, bool rate_limited)
{
    fill(rv, false, event_id, error, rate_limited, "");
}

void st_result_dropped(zval *rv, const char *event_id, const char *reason)
{
    fill(rv, true, event_id, "", false, reason);
}

const char *st_result_json_error_message(php_json_error_code code)
{
    switch (code) {
    case PHP_JSON_ERROR_DEPTH:
        return "event could not be encoded: nested deeper than 512 levels";
    case PHP_JSON_ERROR_UTF8:
        return "event could not be encoded: malformed UTF-8 characters";
    case PHP_JSON_ERROR_RECURSION:
        return "event could not be encoded: recursive reference";
    case PHP_JSON_ERROR_INF_OR_NAN:
        return "event could not be encoded: INF or NAN cannot be encoded in JSON";
    case PHP_JSON_ERROR_UNSUPPORTED_TYPE:
        return "event could not be encoded: a value of an unsupported type (resource?)";
    case PHP_JSON_ERROR_INVALID_PROPERTY_NAME:
        return "event could not be encoded: invalid property name";
    case PHP_JSON_ERROR_NON_BACKED_ENUM:
        return "event could not be encoded: non-backed enum";
    default:
        return "event could not be encoded as JSON";
    }
}

void st_add_u64(zval *arr, const char *key, uint64_t v)
{
    add_assoc_long(arr, key, (zend_long)(v > (uint64_t)ZEND_LONG_MAX ? ZEND_LONG_MAX : v));
}

void st_add_time(zval *arr, const char *key, int64_t wall_ms)
{
    if (wall_ms <= 0) {
        add_assoc_null(arr, key);
        return;
    }
    char buf[32];
    st_format_rfc3339(wall_ms, buf);
    add_assoc_string(arr, key, buf);
}
