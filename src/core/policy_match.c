/* Event policy: JSON text helpers and the matching rules (see policy.h for the rules). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include "policy_internal.h"

#include <string.h>

/* ST_JSONSCAN_PORTABLE (as in jsonscan.c) forces the portable code. */
#if defined(__SSE2__) && !defined(ST_JSONSCAN_PORTABLE)
#define POL_SSE2 1
#include <emmintrin.h>
#endif

/* ------------------------------------------------------------------------------------ */
/* JSON text                                                                             */

const char *st_pol_ws(const char *p, const char *end)
{
    while (p < end && (unsigned char)*p <= ' ' &&
           (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    return p;
}

/* The closing quote of a string whose body starts at p, or NULL; *escaped |= the body
 * holds a backslash. 16 bytes at a time with SSE2 (never loading past `end`). */
const char *st_pol_str_end(const char *p, const char *end, bool *escaped)
{
    for (;;) {
#if defined(POL_SSE2)
        const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
        while (end - p >= 16) {
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
            unsigned m = (unsigned)_mm_movemask_epi8(
                _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)));
            if (m) {
                p += __builtin_ctz(m);
                break;
            }
            p += 16;
        }
#endif
        while (p < end && *p != '"' && *p != '\\')
            p++;
        if (p >= end)
            return NULL;
        if (*p == '"')
            return p;
        *escaped = true;
        if (end - p < 2)
            return NULL;
        p += 2; /* the escaped byte (\uXXXX's digits are plain) */
    }
}

static int hexv(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = st_pol_lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static long hex4(const char *s)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexv((unsigned char)s[i]);
        if (h < 0)
            return -1;
        v = (v << 4) | h;
    }
    return v;
}

/* Unescape a JSON string body into o (room for n bytes: the result is never longer).
 * Valid JSON decodes exactly; anything else decodes to something, within bounds. */
size_t st_pol_unescape(const char *s, size_t n, char *o)
{
    size_t i = 0, j = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c != '\\' || i + 1 >= n) {
            o[j++] = (char)c;
            i++;
            continue;
        }
        char e = s[i + 1];
        switch (e) {
        case 'b':
            o[j++] = '\b';
            i += 2;
            break;
        case 'f':
            o[j++] = '\f';
            i += 2;
            break;
        case 'n':
            o[j++] = '\n';
            i += 2;
            break;
        case 'r':
            o[j++] = '\r';
            i += 2;
            break;
        case 't':
            o[j++] = '\t';
            i += 2;
            break;
        case 'u': {
            long cp = i + 6 <= n ? hex4(s + i + 2) : -1;
            if (cp < 0) {
                o[j++] = e;
                i += 2;
                break;
            }
            i += 6;
            if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 <= n && s[i] == '\\' && s[i + 1] == 'u') {
                long lo = hex4(s + i + 2);
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    i += 6;
                }
            }
            if (cp < 0x80) {
                o[j++] = (char)cp;
            } else if (cp < 0x800) {
                o[j++] = (char)(0xC0 | (cp >> 6));
                o[j++] = (char)(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                o[j++] = (char)(0xE0 | (cp >> 12));
                o[j++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                o[j++] = (char)(0x80 | (cp & 0x3F));
            } else {
                o[j++] = (char)(0xF0 | (cp >> 18));
                o[j++] = (char)(0x80 | ((cp >> 12) & 0x3F));
                o[j++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                o[j++] = (char)(0x80 | (cp & 0x3F));
            }
            break;
        }
        default:
            o[j++] = e;
            i += 2;
            break; /* " \ / (and, leniently, anything) */
        }
    }
    return j;
}

/* ------------------------------------------------------------------------------------ */
/* matching                                                                              */

/* Does field f match s[i..n) (ASCII case-insensitively, at its start)? */
static inline bool scrub_field_at(const st_policy *pol, const unsigned char *s, size_t n, size_t i,
                                  uint32_t f)
{
    const uint8_t *lc = pol->lower;
    size_t fl = pol->scrub_len[f];
    if (fl > n - i)
        return false;
    const unsigned char *fs = (const unsigned char *)pol->scrub_fields[f];
    size_t t = 1;
    while (t < fl && lc[s[i + t]] == fs[t])
        t++;
    return t == fl;
}

bool st_pol_scrub_match(const st_policy *pol, const char *k, size_t n)
{
    if (!pol->n_scrub || n < pol->scrub_min_len)
        return false;
    const unsigned char *s = (const unsigned char *)k;
    const uint8_t *lc = pol->lower;
    size_t last = n - pol->scrub_min_len;
    if (pol->scrub_min_len >= 2) {
        /* the common case: most positions fail the raw-byte bigram filter (no lowercasing) */
        const uint8_t *bgr = pol->scrub_bigram_raw;
        for (size_t i = 0; i <= last; i++) {
            uint16_t bg; /* s[i] | s[i + 1] << 8 in memory order: the raw table's index */
            memcpy(&bg, s + i, 2);
            if (__builtin_expect(!(bgr[bg >> 3] & (1u << (bg & 7))), 1))
                continue; /* no field starts with these two bytes */
            unsigned c = lc[s[i]];
            for (uint32_t j = pol->scrub_first_off[c]; j < pol->scrub_first_off[c + 1]; j++)
                if (scrub_field_at(pol, s, n, i, pol->scrub_by_first[j]))
                    return true;
        }
        return false;
    }
    for (size_t i = 0; i <= last; i++) {
        unsigned c = lc[s[i]];
        for (uint32_t j = pol->scrub_first_off[c]; j < pol->scrub_first_off[c + 1]; j++)
            if (scrub_field_at(pol, s, n, i, pol->scrub_by_first[j]))
                return true;
    }
    return false;
}

bool st_pol_pii_header(const char *k, size_t n)
{
    /* by length first: most header names are none of these lengths */
    switch (n) {
    case 6:
        return st_pol_ci_eq(k, n, "cookie");
    case 9:
        return st_pol_ci_eq(k, n, "x-real-ip") || st_pol_ci_eq(k, n, "forwarded");
    case 10:
        return st_pol_ci_eq(k, n, "set-cookie");
    case 13:
        return st_pol_ci_eq(k, n, "authorization");
    case 15:
        return st_pol_ci_eq(k, n, "x-forwarded-for");
    case 19:
        return st_pol_ci_eq(k, n, "proxy-authorization");
    default:
        return false;
    }
}

bool st_pol_type_ignored(const st_policy *pol, const char *t, size_t n)
{
    for (size_t i = 0; i < pol->n_ignore; i++) {
        if (n == pol->ignore_len[i] && memcmp(t, pol->ignore[i], n) == 0)
            return true;
        if (pol->ignore_class[i] && n == pol->ignore_class_len[i] &&
            memcmp(t, pol->ignore_class[i], n) == 0)
            return true;
    }
    return false;
}

bool st_pol_text_ignored(const st_policy *pol, const char *t, size_t n)
{
    for (size_t i = 0; i < pol->n_ignore; i++)
        if (pol->ignore_len[i] <= n && memmem(t, n, pol->ignore[i], pol->ignore_len[i]))
            return true;
    return false;
}
