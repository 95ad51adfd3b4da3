/* PHP values → JSON for events built in C (issue #9): written into a src/core st_jw with
 * malloc, never with PHP's allocator (the fatal-error path may run with it exhausted),
 * and never calling user code (objects are written as "Object <Class>"). Strings are
 * escaped by the core writer: invalid UTF-8 becomes U+FFFD, so nothing fails for content.
 * PHP's thread only. */
#ifndef ST_PHP_ZJSON_H
#define ST_PHP_ZJSON_H

#include "php.h"
#include "../core/jsonw.h"

#define ST_ZJSON_MAX_DEPTH 10
#define ST_ZJSON_MAX_ITEMS 1000   /* elements written per array */
#define ST_ZJSON_MAX_STRING 16384 /* bytes kept per string */

/* Any value. */
void st_zjson_value(st_jw *w, zval *v, int depth);
/* An array key as a JSON string. */
void st_zjson_key(st_jw *w, zend_string *key, zend_ulong index);
/* A scalar as a string value (tags): strings, numbers and booleans; false if v is not one. */
bool st_zjson_scalar_string(st_jw *w, zval *v, size_t max);

/* One object from two maps, key by key, `over` winning over `base` (either NULL).
 * tags=true: values written as strings (Sentry's tags), others skipped. Writes nothing and
 * returns false when both are empty. */
bool st_zjson_merged(st_jw *w, HashTable *base, HashTable *over, bool tags);

#endif
