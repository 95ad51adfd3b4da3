/* Internals of the event policy shared by its files (policy.c: configuration and
 * sampling; policy_match.c: JSON text helpers and matching; policy_walk.c: the walk run
 * by the JSON scanner's hooks). Not an API for anyone else. */
#ifndef ST_POLICY_INTERNAL_H
#define ST_POLICY_INTERNAL_H

#include "policy.h"

#include <string.h>

/* ASCII lowercase. */
static inline unsigned char st_pol_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* ---- JSON text (lenient: bounds-checked, never past `end`) ---- */

/* Past JSON whitespace from p. */
const char *st_pol_ws(const char *p, const char *end);
/* The closing quote of a string whose body starts at p, or NULL; *escaped |= the body holds
 * a backslash. */
const char *st_pol_str_end(const char *p, const char *end, bool *escaped);
/* Unescape a JSON string body into o (room for n bytes: the result is never longer).
 * Valid JSON decodes exactly; anything else decodes to something, within bounds. */
size_t st_pol_unescape(const char *s, size_t n, char *o);

/* ---- matching (k/t: unescaped text) ---- */

/* k[0..n) equals the literal. */
static inline bool st_pol_eq(const char *k, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    return n == m && memcmp(k, lit, n) == 0;
}
/* ASCII case-insensitive equality with a lowercase literal. */
static inline bool st_pol_ci_eq(const char *k, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    if (n != m)
        return false;
    for (size_t i = 0; i < n; i++)
        if (st_pol_lower((unsigned char)k[i]) != (unsigned char)lit[i])
            return false;
    return true;
}
/* Some scrub field is an ASCII case-insensitive substring of k. */
bool st_pol_scrub_match(const st_policy *pol, const char *k, size_t n);
/* A request header removed without send_default_pii. */
bool st_pol_pii_header(const char *k, size_t n);
/* An exception type that an ignore entry names. */
bool st_pol_type_ignored(const st_policy *pol, const char *t, size_t n);
/* A message/value that contains an ignore entry. */
bool st_pol_text_ignored(const st_policy *pol, const char *t, size_t n);

#endif
