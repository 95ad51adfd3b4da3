/* A small JSON writer for events built in C (issue #9): an append-only byte buffer that
 * grows with malloc, or writes into a fixed buffer given by the caller (the fatal-error
 * path, where PHP's allocator may be exhausted). A write that does not fit, or a failed
 * malloc, sets `failed` and the rest is ignored: the caller checks once at the end.
 * Strings are escaped for JSON, and bytes that are not valid UTF-8 are replaced by
 * U+FFFD, so the output is valid JSON for any input. Plain C11, reentrant. */
#ifndef ST_JSONW_H
#define ST_JSONW_H

#include "common.h"

typedef struct st_jw {
    char *buf;
    size_t len, cap;
    bool fixed;  /* buf belongs to the caller: never grown or freed */
    bool failed; /* a write did not fit (fixed) or malloc failed */
} st_jw;

/* fixed NULL: grow with malloc (st_jw_free releases). Else write into fixed[0..cap). */
void st_jw_init(st_jw *w, char *fixed, size_t cap);
void st_jw_free(st_jw *w);
/* Take the malloc'd buffer (NUL-terminated; caller frees); NULL if failed or fixed. */
char *st_jw_take(st_jw *w, size_t *len);

void st_jw_raw(st_jw *w, const char *s, size_t n);
/* st_jw_raw of a NUL-terminated string (inline: a literal's length is known at compile time) */
static inline void st_jw_lit(st_jw *w, const char *s)
{
    st_jw_raw(w, s, __builtin_strlen(s));
}
void st_jw_int(st_jw *w, long long v);
/* A JSON number; NaN and infinities are written as null. */
void st_jw_double(st_jw *w, double v);
void st_jw_bool(st_jw *w, bool v);

/* A quoted JSON string of s[0..n): escaped, invalid UTF-8 replaced by U+FFFD. When n >
 * max (max > 0), only the first max bytes are kept (cut on a character boundary) and
 * "..." is appended. Returns true when it was truncated. */
bool st_jw_str(st_jw *w, const char *s, size_t n, size_t max);
/* Same for a NUL-terminated string, without a limit. */
void st_jw_cstr(st_jw *w, const char *s);

/* Length of the longest prefix of s[0..n) that is valid UTF-8 cut only on a character
 * boundary, at most max bytes (used for truncation). */
size_t st_utf8_cut(const char *s, size_t n, size_t max);

#endif
