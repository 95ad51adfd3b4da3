/* The arrays SentryTransport returns: built with interned keys, so the request path
 * allocates no key strings. */
#ifndef ST_PHP_RESULTS_H
#define ST_PHP_RESULTS_H

#include "php.h"
#include "ext/json/php_json.h"

void st_result_init_keys(void);
void st_result_free_keys(void);
/* ['success'=>true, 'event_id'=>id, 'error'=>'', 'rate_limit'=>false] */
void st_result_ok(zval *rv, const char *event_id);
/* A deliberate drop by configuration (sampling, ignore_exceptions): success=true,
 * sampled=false, dropped=reason ("sample_rate", "ignored"). Every result also has
 * 'sampled' (bool) and 'dropped' ('' unless dropped so). */
void st_result_dropped(zval *rv, const char *event_id, const char *reason);
/* ['success'=>false, 'event_id'=>id, 'error'=>error, 'rate_limit'=>rate_limited] */
void st_result_fail(zval *rv, const char *event_id, const char *error, bool rate_limited);
/* "event could not be encoded: Malformed UTF-8 characters…" for ext/json's error code. */
const char *st_result_json_error_message(php_json_error_code code);
/* Helpers for status/metrics arrays. */
void st_add_u64(zval *arr, const char *key, uint64_t v);
void st_add_time(zval *arr, const char *key, int64_t wall_ms); /* RFC 3339, or null if 0 */

#endif
