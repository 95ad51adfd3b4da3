/* PHP values → JSON into a core st_jw (see zjson.h). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "zjson.h"

#include <stdio.h>

void st_zjson_key(st_jw *w, zend_string *key, zend_ulong index)
{
    if (key) {
        (void)st_jw_str(w, ZSTR_VAL(key), ZSTR_LEN(key), ST_ZJSON_MAX_STRING);
    } else {
        char b[32];
        int n = snprintf(b, sizeof b, "\"" ZEND_ULONG_FMT "\"", index);
        st_jw_raw(w, b, (size_t)n);
    }
}

static void array_value(st_jw *w, HashTable *ht, int depth)
{
    if (depth >= ST_ZJSON_MAX_DEPTH) {
        st_jw_lit(w, "\"[depth limit]\"");
        return;
    }
    bool list = zend_array_is_list(ht);
    st_jw_raw(w, list ? "[" : "{", 1);
    size_t count = 0;
    zend_string *key;
    zend_ulong index;
    zval *v;
    ZEND_HASH_FOREACH_KEY_VAL_IND(ht, index, key, v)
    {
        if (count == ST_ZJSON_MAX_ITEMS)
            break;
        if (count++)
            st_jw_raw(w, ",", 1);
        if (!list) {
            st_zjson_key(w, key, index);
            st_jw_raw(w, ":", 1);
        }
        st_zjson_value(w, v, depth + 1);
    }
    ZEND_HASH_FOREACH_END();
    st_jw_raw(w, list ? "]" : "}", 1);
}

void st_zjson_value(st_jw *w, zval *v, int depth)
{
    ZVAL_DEREF(v);
    switch (Z_TYPE_P(v)) {
    case IS_FALSE:
        st_jw_bool(w, false);
        return;
    case IS_TRUE:
        st_jw_bool(w, true);
        return;
    case IS_LONG:
        st_jw_int(w, (long long)Z_LVAL_P(v));
        return;
    case IS_DOUBLE:
        st_jw_double(w, Z_DVAL_P(v));
        return;
    case IS_STRING:
        (void)st_jw_str(w, Z_STRVAL_P(v), Z_STRLEN_P(v), ST_ZJSON_MAX_STRING);
        return;
    case IS_ARRAY:
        array_value(w, Z_ARRVAL_P(v), depth);
        return;
    case IS_OBJECT: {
        zend_string *name = Z_OBJCE_P(v)->name;
        char b[300];
        int n = snprintf(b, sizeof b, "Object %.*s",
                         (int)(ZSTR_LEN(name) > 256 ? 256 : ZSTR_LEN(name)), ZSTR_VAL(name));
        (void)st_jw_str(w, b, (size_t)n, 0);
        return;
    }
    default: /* null, undef, resources */
        st_jw_lit(w, "null");
    }
}

bool st_zjson_scalar_string(st_jw *w, zval *v, size_t max)
{
    ZVAL_DEREF(v);
    char b[64];
    int n;
    switch (Z_TYPE_P(v)) {
    case IS_STRING:
        (void)st_jw_str(w, Z_STRVAL_P(v), Z_STRLEN_P(v), max);
        return true;
    case IS_LONG:
        n = snprintf(b, sizeof b, ZEND_LONG_FMT, Z_LVAL_P(v));
        break;
    case IS_DOUBLE:
        n = snprintf(b, sizeof b, "%.*G", 17, Z_DVAL_P(v));
        break;
    case IS_TRUE:
        n = snprintf(b, sizeof b, "true");
        break;
    case IS_FALSE:
        n = snprintf(b, sizeof b, "false");
        break;
    default:
        return false;
    }
    (void)st_jw_str(w, b, (size_t)n, 0);
    return true;
}

static bool member(st_jw *w, zend_string *key, zend_ulong index, zval *v, bool tags, bool *first)
{
    size_t mark = w->len;
    if (!*first)
        st_jw_raw(w, ",", 1);
    st_zjson_key(w, key, index);
    st_jw_raw(w, ":", 1);
    if (tags) {
        if (!st_zjson_scalar_string(w, v, 200)) {
            w->len = mark; /* not a tag value: leave it out */
            return false;
        }
    } else {
        st_zjson_value(w, v, 1);
    }
    *first = false;
    return true;
}

bool st_zjson_merged(st_jw *w, HashTable *base, HashTable *over, bool tags)
{
    if ((!base || zend_hash_num_elements(base) == 0) &&
        (!over || zend_hash_num_elements(over) == 0))
        return false;
    size_t start = w->len;
    bool first = true;
    st_jw_raw(w, "{", 1);
    zend_string *key;
    zend_ulong index;
    zval *v;
    if (base) {
        ZEND_HASH_FOREACH_KEY_VAL_IND(base, index, key, v)
        {
            if (over && (key ? zend_hash_exists(over, key) : zend_hash_index_exists(over, index)))
                continue;
            member(w, key, index, v, tags, &first);
        }
        ZEND_HASH_FOREACH_END();
    }
    if (over) {
        ZEND_HASH_FOREACH_KEY_VAL_IND(over, index, key, v)
        {
            member(w, key, index, v, tags, &first);
        }
        ZEND_HASH_FOREACH_END();
    }
    if (first) {
        w->len = start;
        return false;
    }
    st_jw_raw(w, "}", 1);
    return true;
}
