/* The scope of captureException / captureMessage (see scope.h). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "scope.h"
#include "process.h"
#include "zjson.h"

#include "../core/event_build.h"

#include <stdlib.h>

typedef struct st_crumb {
    char *json;
    size_t len;
} st_crumb;

static struct {
    HashTable *tags, *extra, *user, *contexts; /* NULL: empty */
    HashTable *fingerprint;
    zend_string *transaction;
    st_crumb *crumbs; /* ring of cap entries */
    size_t cap, head, count;
} S;

static void release_ht(HashTable **ht)
{
    if (*ht) {
        zend_array_release(*ht);
        *ht = NULL;
    }
}

void st_scope_clear(void)
{
    release_ht(&S.tags);
    release_ht(&S.extra);
    release_ht(&S.user);
    release_ht(&S.contexts);
    release_ht(&S.fingerprint);
    if (S.transaction) {
        zend_string_release(S.transaction);
        S.transaction = NULL;
    }
    for (size_t i = 0; i < S.count; i++)
        free(S.crumbs[(S.head + i) % S.cap].json);
    free(S.crumbs);
    S.crumbs = NULL;
    S.cap = S.head = S.count = 0;
}

/* Keep one encoded breadcrumb (takes the malloc'd json). */
static void keep_crumb(char *json, size_t len)
{
    size_t max = (size_t)st_process_config()->max_breadcrumbs;
    if (max == 0 || !json) {
        free(json);
        return;
    }
    if (S.cap != max) { /* first use (max is fixed per process) */
        st_crumb *c = calloc(max, sizeof *c);
        if (!c) {
            free(json);
            return;
        }
        for (size_t i = 0; i < S.count; i++)
            free(S.crumbs[(S.head + i) % S.cap].json);
        free(S.crumbs);
        S.crumbs = c;
        S.cap = max;
        S.head = S.count = 0;
    }
    if (S.count == S.cap) { /* full: the oldest goes */
        free(S.crumbs[S.head].json);
        S.head = (S.head + 1) % S.cap;
        S.count--;
    }
    S.crumbs[(S.head + S.count) % S.cap] = (st_crumb){json, len};
    S.count++;
}

static void crumb_json(st_jw *w, double ts, const char *category, size_t category_len,
                       const char *message, size_t message_len, const char *level, HashTable *data,
                       const char *type, size_t type_len)
{
    st_jw_lit(w, "{\"timestamp\":");
    st_jw_double(w, ts);
    if (type) {
        st_jw_lit(w, ",\"type\":");
        (void)st_jw_str(w, type, type_len, 64);
    }
    if (category) {
        st_jw_lit(w, ",\"category\":");
        (void)st_jw_str(w, category, category_len, 256);
    }
    if (message) {
        st_jw_lit(w, ",\"message\":");
        (void)st_jw_str(w, message, message_len, ST_EVENT_MAX_MESSAGE);
    }
    st_jw_lit(w, ",\"level\":");
    st_jw_cstr(w, level);
    if (data && zend_hash_num_elements(data) > 0) {
        zval z;
        ZVAL_ARR(&z, data);
        st_jw_lit(w, ",\"data\":");
        if (zend_array_is_list(data))
            st_jw_lit(w, "{}"); /* Sentry wants an object */
        else
            st_zjson_value(w, &z, 1);
    }
    st_jw_raw(w, "}", 1);
}

static double now_s(void)
{
    return (double)st_now_wall_ms() / 1000.0;
}

void st_scope_add_breadcrumb(const char *category, size_t category_len, const char *message,
                             size_t message_len, const char *level, HashTable *data)
{
    if (st_process_config()->max_breadcrumbs <= 0)
        return;
    st_jw w;
    st_jw_init(&w, NULL, 0);
    crumb_json(&w, now_s(), category, category_len, message, message_len,
               st_event_level(level, strlen(level), "info"), data, NULL, 0);
    size_t len = 0;
    char *json = st_jw_take(&w, &len);
    st_jw_free(&w);
    keep_crumb(json, len);
}

static zval *find(HashTable *ht, const char *key)
{
    zval *v = zend_hash_str_find(ht, key, strlen(key));
    if (v)
        ZVAL_DEREF(v);
    return v;
}

/* A breadcrumb given as an array (configureScope / context 'breadcrumbs'). */
static void array_crumb_json(st_jw *w, HashTable *c)
{
    zval *cat = find(c, "category"), *msg = find(c, "message"), *lvl = find(c, "level");
    zval *data = find(c, "data"), *ts = find(c, "timestamp"), *type = find(c, "type");
    double t = now_s();
    if (ts && Z_TYPE_P(ts) == IS_LONG)
        t = (double)Z_LVAL_P(ts);
    else if (ts && Z_TYPE_P(ts) == IS_DOUBLE)
        t = Z_DVAL_P(ts);
    bool s_cat = cat && Z_TYPE_P(cat) == IS_STRING, s_msg = msg && Z_TYPE_P(msg) == IS_STRING;
    bool s_type = type && Z_TYPE_P(type) == IS_STRING;
    const char *level = "info";
    if (lvl && Z_TYPE_P(lvl) == IS_STRING)
        level = st_event_level(Z_STRVAL_P(lvl), Z_STRLEN_P(lvl), "info");
    crumb_json(w, t, s_cat ? Z_STRVAL_P(cat) : NULL, s_cat ? Z_STRLEN_P(cat) : 0,
               s_msg ? Z_STRVAL_P(msg) : NULL, s_msg ? Z_STRLEN_P(msg) : 0, level,
               data && Z_TYPE_P(data) == IS_ARRAY ? Z_ARRVAL_P(data) : NULL,
               s_type ? Z_STRVAL_P(type) : NULL, s_type ? Z_STRLEN_P(type) : 0);
}

static void merge_map(HashTable **dst, zval *src)
{
    if (!src || Z_TYPE_P(src) != IS_ARRAY)
        return;
    if (!*dst) {
        *dst = zend_array_dup(Z_ARRVAL_P(src));
        return;
    }
    zend_hash_merge(*dst, Z_ARRVAL_P(src), zval_add_ref, 1);
}

void st_scope_configure(HashTable *in)
{
    merge_map(&S.tags, find(in, "tags"));
    merge_map(&S.extra, find(in, "extra"));
    merge_map(&S.user, find(in, "user"));
    merge_map(&S.contexts, find(in, "contexts"));
    zval *fp = find(in, "fingerprint");
    if (fp && Z_TYPE_P(fp) == IS_ARRAY) {
        release_ht(&S.fingerprint);
        S.fingerprint = zend_array_dup(Z_ARRVAL_P(fp));
    }
    zval *tx = find(in, "transaction");
    if (tx && Z_TYPE_P(tx) == IS_STRING) {
        if (S.transaction)
            zend_string_release(S.transaction);
        S.transaction = zend_string_copy(Z_STR_P(tx));
    }
    zval *crumbs = find(in, "breadcrumbs");
    if (crumbs && Z_TYPE_P(crumbs) == IS_ARRAY) {
        zval *c;
        ZEND_HASH_FOREACH_VAL_IND(Z_ARRVAL_P(crumbs), c)
        {
            ZVAL_DEREF(c);
            if (Z_TYPE_P(c) != IS_ARRAY)
                continue;
            st_jw w;
            st_jw_init(&w, NULL, 0);
            array_crumb_json(&w, Z_ARRVAL_P(c));
            size_t len = 0;
            char *json = st_jw_take(&w, &len);
            st_jw_free(&w);
            keep_crumb(json, len);
        }
        ZEND_HASH_FOREACH_END();
    }
}

static HashTable *ctx_array(HashTable *ctx, const char *key)
{
    zval *v = ctx ? find(ctx, key) : NULL;
    return v && Z_TYPE_P(v) == IS_ARRAY ? Z_ARRVAL_P(v) : NULL;
}

static void begin(st_jw *w, st_scope_members *out, const char *key)
{
    out->key[out->n] = key;
    out->off[out->n] = w->len;
}

static void end(st_jw *w, st_scope_members *out, bool written)
{
    if (!written) {
        w->len = out->off[out->n];
        return;
    }
    out->len[out->n] = w->len - out->off[out->n];
    out->n++;
}

static bool fingerprint(st_jw *w, HashTable *fp)
{
    if (!fp || zend_hash_num_elements(fp) == 0)
        return false;
    bool first = true;
    st_jw_raw(w, "[", 1);
    zval *v;
    ZEND_HASH_FOREACH_VAL_IND(fp, v)
    {
        size_t mark = w->len;
        if (!first)
            st_jw_raw(w, ",", 1);
        if (st_zjson_scalar_string(w, v, 1024))
            first = false;
        else
            w->len = mark;
    }
    ZEND_HASH_FOREACH_END();
    st_jw_raw(w, "]", 1);
    return !first;
}

void st_scope_write_members(st_jw *w, HashTable *ctx, st_scope_members *out, const char **level)
{
    out->n = 0;
    static const char *const maps[] = {"tags", "extra", "user", "contexts"};
    HashTable *scope_maps[] = {S.tags, S.extra, S.user, S.contexts};
    for (size_t i = 0; i < 4; i++) {
        begin(w, out, maps[i]);
        end(w, out, st_zjson_merged(w, scope_maps[i], ctx_array(ctx, maps[i]), i == 0));
    }
    HashTable *fp = ctx_array(ctx, "fingerprint");
    begin(w, out, "fingerprint");
    end(w, out, fingerprint(w, fp ? fp : S.fingerprint));

    zval *tx = ctx ? find(ctx, "transaction") : NULL;
    begin(w, out, "transaction");
    if (tx && Z_TYPE_P(tx) == IS_STRING) {
        (void)st_jw_str(w, Z_STRVAL_P(tx), Z_STRLEN_P(tx), 200);
        end(w, out, true);
    } else if (S.transaction) {
        (void)st_jw_str(w, ZSTR_VAL(S.transaction), ZSTR_LEN(S.transaction), 200);
        end(w, out, true);
    } else {
        end(w, out, false);
    }

    HashTable *crumbs = ctx_array(ctx, "breadcrumbs");
    begin(w, out, "breadcrumbs");
    if (S.count > 0 || (crumbs && zend_hash_num_elements(crumbs) > 0)) {
        st_jw_lit(w, "{\"values\":[");
        bool first = true;
        for (size_t i = 0; i < S.count; i++) {
            const st_crumb *c = &S.crumbs[(S.head + i) % S.cap];
            if (!first)
                st_jw_raw(w, ",", 1);
            first = false;
            st_jw_raw(w, c->json, c->len);
        }
        if (crumbs) {
            zval *c;
            ZEND_HASH_FOREACH_VAL_IND(crumbs, c)
            {
                ZVAL_DEREF(c);
                if (Z_TYPE_P(c) != IS_ARRAY)
                    continue;
                if (!first)
                    st_jw_raw(w, ",", 1);
                first = false;
                array_crumb_json(w, Z_ARRVAL_P(c));
            }
            ZEND_HASH_FOREACH_END();
        }
        st_jw_lit(w, "]}");
        end(w, out, true);
    } else {
        end(w, out, false);
    }

    zval *lv = ctx ? find(ctx, "level") : NULL;
    if (lv && Z_TYPE_P(lv) == IS_STRING && level)
        *level = st_event_level(Z_STRVAL_P(lv), Z_STRLEN_P(lv), *level);
}
