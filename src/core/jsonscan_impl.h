/* The JSON scanner's helpers (strings, UTF-8, escapes, digits, keys), shared by the
 * instances of the scan in jsonscan_body.h. Only jsonscan.c and policy_walk.c include this;
 * everything in it is static. What the scanner accepts is described in jsonscan.c. */
#ifndef ST_JSONSCAN_IMPL_H
#define ST_JSONSCAN_IMPL_H

#include "jsonscan.h"

#include <string.h>

/* ST_JSONSCAN_PORTABLE forces the portable code (the unit tests build it both ways). */
#if defined(__SSE2__) && !defined(ST_JSONSCAN_PORTABLE)
#define JS_SSE2 1
#include <emmintrin.h>
#endif

#define JS_EXPECT(x, v) __builtin_expect(!!(x), (v))

/* hex digit value, or -1 */
static const signed char hexval[256] = {
    ['0'] = 0 + 1,  ['1'] = 1 + 1,  ['2'] = 2 + 1,  ['3'] = 3 + 1,  ['4'] = 4 + 1,  ['5'] = 5 + 1,
    ['6'] = 6 + 1,  ['7'] = 7 + 1,  ['8'] = 8 + 1,  ['9'] = 9 + 1,  ['a'] = 10 + 1, ['b'] = 11 + 1,
    ['c'] = 12 + 1, ['d'] = 13 + 1, ['e'] = 14 + 1, ['f'] = 15 + 1, ['A'] = 10 + 1, ['B'] = 11 + 1,
    ['C'] = 12 + 1, ['D'] = 13 + 1, ['E'] = 14 + 1, ['F'] = 15 + 1,
};
/* (stored +1 so that the zero-initialised rest of the table means "not hex") */

/* Four hex digits at p (caller checked they exist) → 0..0xFFFF, or -1. */
static inline long hex4(const unsigned char *p)
{
    int a = hexval[p[0]], b = hexval[p[1]], c = hexval[p[2]], d = hexval[p[3]];
    if (!a || !b || !c || !d)
        return -1;
    return ((long)(a - 1) << 12) | ((b - 1) << 8) | ((c - 1) << 4) | (d - 1);
}

static inline bool is_ws(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static inline const unsigned char *skip_ws(const unsigned char *p, const unsigned char *end)
{
    while (p < end && *p <= ' ' && is_ws(*p))
        p++;
    return p;
}

static inline bool is_digit(unsigned char c)
{
    return (unsigned)(c - '0') < 10u;
}

/* ---- strings ----
 *
 * Strings are scanned through a 64-bit mask of the bytes that end a plain run inside a
 * string ('"', '\\', < 0x20, >= 0x80), computed 64 bytes at a time (the "window").
 * Finding the end of a short string is then a shift and a count-trailing-zeros on a
 * register instead of a load → compare → movemask chain per string, which would put
 * ~15 cycles of latency on the critical path of every key and value. Bytes past the end
 * of the input are marked too, so a search never runs past `end`. */

/* bit i set: p[i] is special in a string, or p + i >= end */
static inline uint64_t window_mask(const unsigned char *p, const unsigned char *end)
{
    unsigned char tmp[64];
    if (JS_EXPECT(end - p < 64, 0)) {
        memset(tmp, 0, sizeof tmp); /* 0x00 is a control byte: special */
        memcpy(tmp, p, (size_t)(end - p));
        p = tmp;
    }
#if defined(JS_SSE2)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i bslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20); /* signed "< 0x20": controls and >= 0x80 */
    uint64_t m = 0;
    for (int i = 0; i < 4; i++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i));
        __m128i s = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)),
                                 _mm_cmplt_epi8(x, space));
        m |= (uint64_t)(unsigned)_mm_movemask_epi8(s) << (16 * i);
    }
    return m;
#else
    /* SWAR, 8 bytes at a time, exact per byte (no carries cross byte lanes). */
    const uint64_t lo7 = 0x7F7F7F7F7F7F7F7Full, hi = 0x8080808080808080ull;
    const uint64_t ones = 0x0101010101010101ull;
    uint64_t m = 0;
    for (int i = 0; i < 8; i++) {
        uint64_t x;
        memcpy(&x, p + 8 * i, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        x = __builtin_bswap64(x); /* byte k of the input in bits 8k..8k+7 */
#endif
        uint64_t tq = x ^ (ones * '"'), tb = x ^ (ones * '\\');
        uint64_t eq = ~(((tq & lo7) + lo7) | tq | lo7);  /* 0x80 where byte == '"' */
        uint64_t eb = ~(((tb & lo7) + lo7) | tb | lo7);  /* 0x80 where byte == '\\' */
        uint64_t ctl = (x | ~((x & lo7) + ones * 0x60)); /* 0x80 where < 0x20 or >= 0x80 */
        uint64_t f = (eq | eb | ctl) & hi;
        /* gather the 8 flag bits (bit 7 of each byte) into one byte, byte k → bit k */
        m |= (((f >> 7) * 0x0102040810204080ull) >> 56) << (8 * i);
    }
    return m;
#endif
}

/* One special byte inside a string, other than the closing quote: an escape, a run of
 * UTF-8 sequences (validated exactly), or an error. Returns the position after it, or
 * NULL with *err set. Out of line: the common plain string never comes here. */
__attribute__((noinline)) static const unsigned char *
string_special(const unsigned char *p, const unsigned char *end, const char **err)
{
    unsigned c = *p;
    if (c == '\\') {
        if (end - p < 2) {
            *err = "unterminated string";
            return NULL;
        }
        switch (p[1]) {
        case '"':
        case '\\':
        case '/':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
            return p + 2;
        case 'u': {
            if (end - p < 6) {
                *err = "invalid \\u escape in string";
                return NULL;
            }
            long cu = hex4(p + 2);
            if (cu < 0) {
                *err = "invalid \\u escape in string";
                return NULL;
            }
            p += 6;
            if (cu < 0xD800 || cu > 0xDFFF)
                return p;
            if (cu >= 0xDC00 || end - p < 6 || p[0] != '\\' || p[1] != 'u') {
                *err = "unpaired surrogate in \\u escape";
                return NULL;
            }
            long lo = hex4(p + 2);
            if (lo < 0) {
                *err = "invalid \\u escape in string";
                return NULL;
            }
            if (lo < 0xDC00 || lo > 0xDFFF) {
                *err = "unpaired surrogate in \\u escape";
                return NULL;
            }
            return p + 6;
        }
        default:
            *err = "invalid escape in string";
            return NULL;
        }
    }
    if (c < 0x20) {
        *err = "control character in string";
        return NULL;
    }
    /* c >= 0x80: validate this UTF-8 sequence and any that follow directly. */
    do {
        if (c < 0xC2) {
            goto bad; /* continuation byte without a lead, or overlong 2-byte lead */
        } else if (c < 0xE0) {
            if (end - p < 2 || (p[1] & 0xC0) != 0x80)
                goto bad;
            p += 2;
        } else if (c < 0xF0) {
            unsigned lo = c == 0xE0 ? 0xA0 : 0x80; /* E0: no overlongs */
            unsigned hi = c == 0xED ? 0x9F : 0xBF; /* ED: no UTF-16 surrogates */
            if (end - p < 3 || p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80)
                goto bad;
            p += 3;
        } else if (c < 0xF5) {
            unsigned lo = c == 0xF0 ? 0x90 : 0x80; /* F0: no overlongs */
            unsigned hi = c == 0xF4 ? 0x8F : 0xBF; /* F4: nothing above U+10FFFF */
            if (end - p < 4 || p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80 ||
                (p[3] & 0xC0) != 0x80)
                goto bad;
            p += 4;
        } else {
            goto bad;
        }
    } while (p < end && (c = *p) >= 0x80);
    return p;
bad:
    *err = "invalid UTF-8 in string";
    return NULL;
}

/* The closing quote of the string whose body starts at p, or NULL with *err set. */
__attribute__((always_inline)) static inline const unsigned char *
string_end(const unsigned char *p, const unsigned char *start, const unsigned char *end,
           size_t *boff, uint64_t *bmask, bool *escaped, const char **err)
{
    for (;;) {
        size_t off = (size_t)(p - start) - *boff;
        if (JS_EXPECT(off < 64, 1)) {
            uint64_t m = *bmask >> off;
            if (JS_EXPECT(m != 0, 1)) {
                p += __builtin_ctzll(m);
                if (JS_EXPECT(p < end && *p == '"', 1))
                    return p;
                if (p >= end) {
                    *err = "unterminated string";
                    return NULL;
                }
                if (*p == '\\')
                    *escaped = true;
                p = string_special(p, end, err);
                if (!p)
                    return NULL;
                continue;
            }
            p = start + *boff + 64;
        }
        *boff = (size_t)(p - start);
        *bmask = window_mask(p, end);
    }
}

/* Compare an escaped (already validated) raw key body with a plain key. */
static bool escaped_key_equals(const unsigned char *s, size_t n, const char *key, size_t klen)
{
    size_t i = 0, j = 0;
    while (i < n) {
        unsigned char buf[4];
        size_t blen = 1;
        if (s[i] != '\\') {
            buf[0] = s[i++];
        } else {
            unsigned char e = s[i + 1];
            i += 2;
            switch (e) {
            case 'b':
                buf[0] = '\b';
                break;
            case 'f':
                buf[0] = '\f';
                break;
            case 'n':
                buf[0] = '\n';
                break;
            case 'r':
                buf[0] = '\r';
                break;
            case 't':
                buf[0] = '\t';
                break;
            case 'u': {
                unsigned long cp = (unsigned long)hex4(s + i);
                i += 4;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    unsigned long lo = (unsigned long)hex4(s + i + 2);
                    i += 6;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                if (cp < 0x80) {
                    buf[0] = (unsigned char)cp;
                } else if (cp < 0x800) {
                    buf[0] = (unsigned char)(0xC0 | (cp >> 6));
                    buf[1] = (unsigned char)(0x80 | (cp & 0x3F));
                    blen = 2;
                } else if (cp < 0x10000) {
                    buf[0] = (unsigned char)(0xE0 | (cp >> 12));
                    buf[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
                    buf[2] = (unsigned char)(0x80 | (cp & 0x3F));
                    blen = 3;
                } else {
                    buf[0] = (unsigned char)(0xF0 | (cp >> 18));
                    buf[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
                    buf[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
                    buf[3] = (unsigned char)(0x80 | (cp & 0x3F));
                    blen = 4;
                }
                break;
            }
            default:
                buf[0] = e;
                break; /* " \ / */
            }
        }
        if (klen - j < blen || memcmp(key + j, buf, blen) != 0)
            return false;
        j += blen;
    }
    return j == klen;
}

/* Does the raw key body k[0..n) (escaped or not) equal the C string key? */
static bool key_equals(const unsigned char *k, size_t n, bool escaped, const char *key)
{
    if (escaped)
        return escaped_key_equals(k, n, key, strlen(key));
    size_t j = 0;
    while (j < n && (unsigned char)key[j] == k[j])
        j++;
    return j == n && key[n] == '\0';
}

/* Slow path after a key: whitespace, then the ':'. Returns the position after it, or
 * NULL with *err set. */
__attribute__((noinline)) static const unsigned char *
colon(const unsigned char *p, const unsigned char *end, const char **err)
{
    p = skip_ws(p, end);
    if (p >= end) {
        *err = "unexpected end of input (unterminated object or array)";
        return NULL;
    }
    if (*p != ':') {
        *err = "expected ':' after object key";
        return NULL;
    }
    return p + 1;
}

#define KEY_HASHED 32 /* up to this many keys are looked up through a hash */
#define KEY_HASH(b0, b1) ((((b0)*5u) ^ (b1)) & 63u)

#endif
