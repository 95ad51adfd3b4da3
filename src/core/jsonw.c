/* The JSON writer of src/core (see jsonw.h). */
#include "jsonw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void st_jw_init(st_jw *w, char *fixed, size_t cap)
{
    w->buf = fixed;
    w->len = 0;
    w->cap = fixed ? cap : 0;
    w->fixed = fixed != NULL;
    w->failed = false;
}

void st_jw_free(st_jw *w)
{
    if (!w->fixed)
        free(w->buf);
    w->buf = NULL;
    w->len = w->cap = 0;
}

char *st_jw_take(st_jw *w, size_t *len)
{
    if (w->failed || w->fixed)
        return NULL;
    st_jw_raw(w, "", 0); /* make sure a buffer exists */
    if (w->failed)
        return NULL;
    char *b = w->buf;
    b[w->len] = '\0';
    *len = w->len;
    w->buf = NULL;
    w->len = w->cap = 0;
    return b;
}

/* Room for n more bytes plus a NUL. */
static bool reserve(st_jw *w, size_t n)
{
    if (w->failed)
        return false;
    if (w->cap > w->len && w->cap - w->len > n)
        return true;
    if (w->fixed || n > SIZE_MAX / 4 - w->len) {
        w->failed = true;
        return false;
    }
    size_t cap = w->cap ? w->cap : 4096;
    while (cap - w->len <= n)
        cap *= 2;
    char *b = realloc(w->buf, cap);
    if (!b) {
        w->failed = true;
        return false;
    }
    w->buf = b;
    w->cap = cap;
    return true;
}

void st_jw_raw(st_jw *w, const char *s, size_t n)
{
    if (!reserve(w, n))
        return;
    if (n)
        memcpy(w->buf + w->len, s, n);
    w->len += n;
}

void st_jw_int(st_jw *w, long long v)
{
    char b[24];
    size_t i = sizeof b;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do {
        b[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        b[--i] = '-';
    st_jw_raw(w, b + i, sizeof b - i);
}

void st_jw_double(st_jw *w, double v)
{
    if (!isfinite(v)) {
        st_jw_raw(w, "null", 4);
        return;
    }
    char b[40];
    int n = snprintf(b, sizeof b, "%.17g", v);
    /* %.17g of a finite double is valid JSON ("1e+20", "-0.5", "3"). */
    st_jw_raw(w, b, (size_t)n);
}

void st_jw_bool(st_jw *w, bool v)
{
    if (v)
        st_jw_raw(w, "true", 4);
    else
        st_jw_raw(w, "false", 5);
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if the bytes there are not one
 * (overlong forms, surrogates and code points above U+10FFFF are invalid). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        if (c == 0xE0 && s[1] < 0xA0)
            return 0; /* overlong */
        if (c == 0xED && s[1] >= 0xA0)
            return 0; /* surrogate */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && s[1] < 0x90)
            return 0;
        if (c == 0xF4 && s[1] >= 0x90)
            return 0;
        return 4;
    }
    return 0;
}

size_t st_utf8_cut(const char *s, size_t n, size_t max)
{
    if (n <= max)
        return n;
    const unsigned char *u = (const unsigned char *)s;
    size_t i = max;
    /* step back over continuation bytes so that no character is split */
    while (i > 0 && i > max - 4 && (u[i] & 0xC0) == 0x80)
        i--;
    if (i > 0 && max - i < 4) {
        size_t k = utf8_seq(u + i, n - i);
        if (k && i + k <= max)
            i += k;
    }
    return i;
}

/* Bytes copied as they are inside a JSON string: printable ASCII but '"' and '\\'. */
static const bool plain[256] = {
    /* (range designators: a GNU C extension that gcc and clang both take) */
    [0x20 ... 0x21] = true,
    [0x23 ... 0x5b] = true,
    [0x5d ... 0x7f] = true,
};

bool st_jw_str(st_jw *w, const char *s, size_t n, size_t max)
{
    static const char hex[] = "0123456789abcdef";
    bool cut = false;
    if (max > 0 && n > max) {
        n = st_utf8_cut(s, n, max);
        cut = true;
    }
    /* Worst case: every byte becomes \u00XX (6) or U+FFFD (3). */
    if (!reserve(w, n * 6 + 8))
        return cut;
    char *o = w->buf + w->len;
    const unsigned char *u = (const unsigned char *)s;
    *o++ = '"';
    size_t i = 0;
    while (i < n) {
        /* a run of bytes that need nothing: copied at once */
        size_t r = i;
        while (r < n && plain[u[r]])
            r++;
        if (r > i) {
            memcpy(o, u + i, r - i);
            o += r - i;
            i = r;
            if (i == n)
                break;
        }
        unsigned char c = u[i];
        if (c < 0x80) {
            *o++ = '\\';
            switch (c) {
            case '"':
                *o++ = '"';
                break;
            case '\\':
                *o++ = '\\';
                break;
            case '\n':
                *o++ = 'n';
                break;
            case '\r':
                *o++ = 'r';
                break;
            case '\t':
                *o++ = 't';
                break;
            case '\b':
                *o++ = 'b';
                break;
            case '\f':
                *o++ = 'f';
                break;
            default:
                *o++ = 'u';
                *o++ = '0';
                *o++ = '0';
                *o++ = hex[c >> 4];
                *o++ = hex[c & 15];
            }
            i++;
            continue;
        }
        size_t k = utf8_seq(u + i, n - i);
        if (k) {
            memcpy(o, u + i, k);
            o += k;
            i += k;
        } else {
            memcpy(o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        }
    }
    if (cut) {
        memcpy(o, "...", 3);
        o += 3;
    }
    *o++ = '"';
    w->len = (size_t)(o - w->buf);
    return cut;
}

void st_jw_cstr(st_jw *w, const char *s)
{
    (void)st_jw_str(w, s, strlen(s), 0);
}
