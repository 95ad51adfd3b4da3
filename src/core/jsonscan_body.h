/* The scan itself, as a template: a file defines these macros and includes this file (after
 * jsonscan_impl.h) once per instance, so each instance has its hooks compiled in as direct
 * calls, or none at all, instead of calls through pointers:
 *   JS_FN            the (static) function's name
 *   JS_EXTRA_PARAMS  more parameters after err (e.g. ", st_policy_walk *w"), or empty
 *   JS_HOOKED        0: no hooks (the macros below are never called); 1: hooks
 *   JS_KEY(moff, k, n, escaped, voff, v)  a member: key body k[0..n) (escaped: it holds a
 *                    backslash), the member starting at moff (the key's quote), its value
 *                    at voff (first byte v); returns an ST_JSON_HOOK_* (jsonscan.h)
 *   JS_ELEM(off, v)  an element starting at off (first byte v); the same
 *   JS_VALUE_END(off) the latest member's/element's value ends just before off; < 0 stops
 *   JS_CLOSE()       the innermost entered container closed
 * err must not be NULL. Returns 0, -1 with *err, or 1 when a hook stopped the scan.
 *
 * JS_SUBTREE 1 (with JS_HOOKED 0) compiles instead a validator of one nested container:
 *   const unsigned char *JS_FN(start, end, p, depth, max_depth, &boff, &bmask, err)
 * p at its '{' or '[', `depth` the depth of the container holding it; it returns the
 * position just past the matching close (or NULL with *err), with the string window
 * (boff, bmask) carried in and out. It runs exactly the same checks, in the same order,
 * with the same messages, as the whole-object scan does inside a container.
 * A hooked scan hands every container it does not enter to such a validator, so inside
 * the hooked scan every open level is an entered one. */
#ifndef JS_FN
#error "define JS_FN and the hook macros before including jsonscan_body.h"
#endif
#ifndef JS_SUBTREE
#define JS_SUBTREE 0
#endif
#if JS_SUBTREE
#define JS_ERR_RETURN return NULL
#define JS_STOP_RETURN return NULL /* (never: no hooks here) */
#else
#define JS_ERR_RETURN return -1
#define JS_STOP_RETURN return 1
#endif

#if JS_SUBTREE
__attribute__((noinline)) static const unsigned char *
JS_FN(const unsigned char *const start, const unsigned char *const end, const unsigned char *p,
      int base_depth, int max_depth, size_t *boff_io, uint64_t *bmask_io, const char **err)
{
    const unsigned char *q;
    uint64_t stack[(ST_MAX_JSON_DEPTH + 63) / 64]; /* bit set: that level is an array */
    int depth = base_depth;
    bool in_array = false;
    bool escaped;
    bool enter = false; /* (hooks are never compiled in here) */
    (void)enter;
    size_t boff = *boff_io;
    uint64_t bmask = *bmask_io;
    goto open;
#else

static int JS_FN(const char *buf, size_t len, int max_depth, const char *const *keys, size_t nkeys,
                 st_span *values, st_span *key_spans, st_json_object_info *info,
                 const char **err JS_EXTRA_PARAMS)
{
    const unsigned char *const start = (const unsigned char *)buf;
    const unsigned char *const end = start + len;
    const unsigned char *p = start, *q, *vstart = start;
    uint64_t stack[(ST_MAX_JSON_DEPTH + 63) / 64]; /* bit set: that level is an array */
    int depth = 0;
    bool in_array = false; /* type of the innermost open container */
    long cur_key = -1;
    bool escaped;
    size_t open_brace = 0;
    size_t boff = (size_t)0 - 64; /* no window yet: every offset is outside it */
    uint64_t bmask = 0;
    size_t top_kq = 0;  /* offset of the current top-level key's opening quote */
    bool enter = false; /* a hook asked to enter the value that starts next */
    (void)enter;

    if (max_depth <= 0 || max_depth > ST_MAX_JSON_DEPTH)
        max_depth = ST_MAX_JSON_DEPTH;
    unsigned char slot[64], chain[KEY_HASHED];
    size_t klen[KEY_HASHED];
    if (nkeys && nkeys <= KEY_HASHED) {
        /* keys are chained by a hash of their first two bytes (0 past the end); the first
         * in `keys` order wins when two are equal, so the chain is built in reverse */
        memset(slot, 0xFF, sizeof slot);
        for (size_t i = nkeys; i-- > 0;) {
            const unsigned char *key = (const unsigned char *)keys[i];
            unsigned h = KEY_HASH(key[0], key[0] ? key[1] : 0u);
            klen[i] = strlen(keys[i]);
            chain[i] = slot[h];
            slot[h] = (unsigned char)i;
        }
    }
    for (size_t i = 0; i < nkeys; i++) {
        values[i].off = 0;
        values[i].len = 0;
        if (key_spans) {
            key_spans[i].off = 0;
            key_spans[i].len = 0;
        }
    }
    if (info) {
        info->open_brace = 0;
        info->close_brace = 0;
        info->empty = false;
    }

    p = skip_ws(p, end);
    if (p == end) {
        *err = len ? "JSON text is only whitespace" : "empty input";
        JS_ERR_RETURN;
    }
    if (*p != '{') {
        *err = "not a JSON object";
        JS_ERR_RETURN;
    }
    open_brace = (size_t)(p - start);
    stack[0] = 0;
    depth = 1;
    p = skip_ws(p + 1, end);
    if (p < end && *p == '}') {
        p++;
        if (info)
            info->empty = true;
        goto done;
    }

#endif

key:
    if (JS_EXPECT(p >= end, 0))
        goto eof;
    if (JS_EXPECT(*p != '"', 0)) {
        /* key: is entered after '{' (where '}' was handled) or after ',' */
        *err = *p == '}' ? "trailing comma in object" : "expected a string key in object";
        JS_ERR_RETURN;
    }
    escaped = false;
    q = string_end(p + 1, start, end, &boff, &bmask, &escaped, err);
    if (JS_EXPECT(!q, 0))
        JS_ERR_RETURN;
#if !JS_SUBTREE
    if (depth == 1)
        goto top_key;
#endif
    {
        const unsigned char *kq = p;
        p = q + 1;
        if (JS_EXPECT(p < end && *p == ':', 1)) {
            p++;
        } else if (!(p = colon(p, end, err))) {
            JS_ERR_RETURN;
        }
        if (p < end && *p <= ' ')
            p = skip_ws(p, end);
        if (JS_HOOKED && JS_EXPECT(p < end, 1)) {
            int a = JS_KEY((size_t)(kq - start), (const char *)kq + 1, (size_t)(q - kq - 1),
                           escaped, (size_t)(p - start), (char)*p);
            if (a < 0)
                JS_STOP_RETURN;
            enter = a == ST_JSON_HOOK_ENTER;
        }
    }
    goto value;

#if !JS_SUBTREE
top_key:
    top_kq = (size_t)(p - start);
    if (nkeys) {
        const unsigned char *k = p + 1;
        size_t n = (size_t)(q - k);
        long m = -1;
        if (JS_EXPECT(!escaped && nkeys <= KEY_HASHED, 1)) {
            /* candidates share the first two bytes' hash; compare those only */
            unsigned b0 = n > 0 ? k[0] : 0, b1 = n > 1 ? k[1] : 0;
            for (unsigned i = slot[KEY_HASH(b0, b1)]; i != 0xFF; i = chain[i]) {
                if (klen[i] == n && memcmp(keys[i], k, n) == 0) {
                    m = (long)i;
                    break;
                }
            }
        } else {
            for (size_t i = 0; i < nkeys; i++) {
                if (key_equals(k, n, escaped, keys[i])) {
                    m = (long)i;
                    break;
                }
            }
        }
        cur_key = m;
        if (m >= 0 && key_spans) {
            key_spans[m].off = (size_t)(p - start);
            key_spans[m].len = (size_t)(q + 1 - p);
        }
    }
    p = q + 1;
    if (JS_EXPECT(p < end && *p == ':', 1)) {
        p++;
    } else if (!(p = colon(p, end, err))) {
        JS_ERR_RETURN;
    }
    if (p < end && *p <= ' ')
        p = skip_ws(p, end);
    vstart = p; /* where this top-level member's value starts */
    if (JS_HOOKED && p < end) {
        int a = JS_KEY(top_kq, (const char *)start + top_kq + 1, (size_t)(q - start) - top_kq - 1,
                       escaped, (size_t)(p - start), (char)*p);
        if (a < 0)
            JS_STOP_RETURN;
        enter = a == ST_JSON_HOOK_ENTER;
    }
#endif

value:
    if (JS_EXPECT(p >= end, 0))
        goto eof;
    if (JS_HOOKED && in_array) {
        int a = JS_ELEM((size_t)(p - start), (char)*p);
        if (a < 0)
            JS_STOP_RETURN;
        enter = a == ST_JSON_HOOK_ENTER;
    }
    if (*p == '"') {
        escaped = false;
        q = string_end(p + 1, start, end, &boff, &bmask, &escaped, err);
        if (JS_EXPECT(!q, 0))
            JS_ERR_RETURN;
        p = q + 1;
        goto after_value;
    }
    if (*p == '{' || *p == '[') {
#if JS_HOOKED
        if (!enter) { /* not entered: nothing inside is reported */
            p = JS_SKIP(start, end, p, depth, max_depth, &boff, &bmask, err);
            if (!p)
                JS_ERR_RETURN;
            goto after_value;
        }
        enter = false;
#endif
#if JS_SUBTREE
    open:
#endif
        if (JS_EXPECT(depth >= max_depth, 0)) {
            *err = max_depth == ST_MAX_JSON_DEPTH ? "nesting deeper than 512" : "nesting too deep";
            JS_ERR_RETURN;
        }
        uint64_t bit = 1ull << (depth & 63);
        in_array = *p == '[';
        if (in_array)
            stack[depth >> 6] |= bit;
        else
            stack[depth >> 6] &= ~bit;
        depth++;
        p++;
        if (p < end && *p <= ' ')
            p = skip_ws(p, end);
        if (p < end && *p == (in_array ? ']' : '}')) {
            p++;
            goto pop;
        }
        if (in_array)
            goto value;
        goto key;
    }
    switch (*p) {
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
        if (*p == '-')
            p++;
        if (p >= end || !is_digit(*p)) {
            *err = "invalid number";
            JS_ERR_RETURN;
        }
        if (*p == '0') {
            p++;
            if (p < end && is_digit(*p)) {
                *err = "invalid number (leading zero)";
                JS_ERR_RETURN;
            }
        } else {
            do
                p++;
            while (p < end && is_digit(*p));
        }
        if (p < end && *p == '.') {
            p++;
            if (p >= end || !is_digit(*p)) {
                *err = "invalid number (no digit after '.')";
                JS_ERR_RETURN;
            }
            do
                p++;
            while (p < end && is_digit(*p));
        }
        if (p < end && (*p | 0x20) == 'e') {
            p++;
            if (p < end && (*p == '+' || *p == '-'))
                p++;
            if (p >= end || !is_digit(*p)) {
                *err = "invalid number (no digit in exponent)";
                JS_ERR_RETURN;
            }
            do
                p++;
            while (p < end && is_digit(*p));
        }
        goto after_value;
    case 't':
        if (end - p >= 4 && memcmp(p, "true", 4) == 0) {
            p += 4;
            goto after_value;
        }
        *err = "invalid literal";
        JS_ERR_RETURN;
    case 'f':
        if (end - p >= 5 && memcmp(p, "false", 5) == 0) {
            p += 5;
            goto after_value;
        }
        *err = "invalid literal";
        JS_ERR_RETURN;
    case 'n':
        if (end - p >= 4 && memcmp(p, "null", 4) == 0) {
            p += 4;
            goto after_value;
        }
        *err = "invalid literal";
        JS_ERR_RETURN;
    default: {
        /* value: is entered after ':', after '[' (where ']' was handled) or after ',' */
        const unsigned char *b = p;
        while (b > start && is_ws(b[-1]))
            b--;
        *err = (*p == ']' && b > start && b[-1] == ',')
                   ? "trailing comma in array"
                   : "unexpected character where a value was expected";
        JS_ERR_RETURN;
    }
    }

after_value:
#if !JS_SUBTREE
    if (cur_key >= 0 && depth == 1) {
        values[cur_key].off = (size_t)(vstart - start);
        values[cur_key].len = (size_t)(p - vstart);
        cur_key = -1;
    }
#endif
    if (JS_HOOKED) {
        enter = false;
        if (JS_VALUE_END((size_t)(p - start)) < 0)
            JS_STOP_RETURN;
    }
    if (JS_EXPECT(p >= end, 0))
        goto eof;
    if (JS_EXPECT(*p <= ' ', 0)) {
        p = skip_ws(p, end);
        if (p >= end)
            goto eof;
    }
    if (*p == ',') {
        p++;
        if (p < end && *p <= ' ')
            p = skip_ws(p, end);
        if (in_array)
            goto value;
        goto key;
    }
    if (*p == (in_array ? ']' : '}')) {
        p++;
        goto pop;
    }
    *err = in_array ? "expected ',' or ']' in array" : "expected ',' or '}' in object";
    JS_ERR_RETURN;

pop:
    if (JS_HOOKED)
        JS_CLOSE();
    depth--;
#if JS_SUBTREE
    if (depth > base_depth) {
        in_array = (stack[(depth - 1) >> 6] >> ((depth - 1) & 63)) & 1;
        goto after_value;
    }
    *boff_io = boff;
    *bmask_io = bmask;
    return p;
#else
    if (depth > 0) {
        in_array = (stack[(depth - 1) >> 6] >> ((depth - 1) & 63)) & 1;
        goto after_value;
    }

done:
    if (info) {
        info->open_brace = open_brace;
        info->close_brace = (size_t)(p - 1 - start);
    }
    p = skip_ws(p, end);
    if (p != end) {
        *err = "trailing data after JSON object";
        JS_ERR_RETURN;
    }
    return 0;

#endif

eof:
    *err = "unexpected end of input (unterminated object or array)";
    JS_ERR_RETURN;
}

#undef JS_FN
#undef JS_EXTRA_PARAMS
#undef JS_HOOKED
#undef JS_KEY
#undef JS_ELEM
#undef JS_VALUE_END
#undef JS_CLOSE
#undef JS_SUBTREE
#undef JS_ERR_RETURN
#undef JS_STOP_RETURN
