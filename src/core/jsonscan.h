/* A single-pass validating scan of one JSON object (RFC 8259, UTF-8 checked),
 * reporting where chosen top-level keys' values are — so the request path can
 * check and amend an event string without decoding it into PHP arrays. */
#ifndef ST_JSONSCAN_H
#define ST_JSONSCAN_H

#include "common.h"

#include <string.h>

typedef struct st_span {
    size_t off; /* offset of the value's first byte (for strings: the opening quote) */
    size_t len; /* 0: key absent */
} st_span;

typedef struct st_json_object_info {
    size_t open_brace;  /* offset of the object's '{' */
    size_t close_brace; /* offset of the object's final '}' */
    bool empty;         /* no members */
} st_json_object_info;

/* Validate that buf[0..len) is exactly one JSON object, surrounded only by JSON
 * whitespace, nested at most `max_depth` deep, with valid UTF-8 and escapes.
 * For each keys[i] (matched byte-for-byte against unescaped top-level keys), values[i]
 * receives the span of its value (the last one if repeated; if the same string is in
 * `keys` twice, only the first entry gets it). Returns 0, or -1 with *err (may be NULL)
 * set to a static message naming the problem, e.g. "invalid UTF-8 in string" (no
 * offset). values/info are unspecified after an error. max_depth outside 1..512 means
 * 512; the top-level object is depth 1. Unpaired UTF-16 surrogates in \u escapes are
 * rejected, as Relay's serde_json does. */
int st_json_scan_object(const char *buf, size_t len, int max_depth, const char *const *keys,
                        size_t nkeys, st_span *values, st_json_object_info *info, const char **err);

/* As st_json_scan_object, and also key_spans[i] (NULL: not wanted) receives the span of
 * the matched key itself, from its opening quote to its closing quote inclusive (for
 * the same occurrence as values[i]); len 0 when absent. */
int st_json_scan_object_keys(const char *buf, size_t len, int max_depth, const char *const *keys,
                             size_t nkeys, st_span *values, st_span *key_spans,
                             st_json_object_info *info, const char **err);

/* A visitor's hooks (the event policy walks an event inside the validating scan, so the
 * JSON is read once): jsonscan_body.h compiles a scan with hooks called directly. The
 * top-level object is always "entered"; inside an entered container the scan reports every
 * member (key) or element (elem) and the end of its value (value_end); a member's value is
 * itself entered when its key/elem hook returned ST_JSON_HOOK_ENTER (only for a value that
 * starts with '{' or '['), and an entered container's close is reported (close). Nothing
 * is reported inside containers that were not entered. ST_JSON_HOOK_STOP ends the scan at
 * once (it returns 1). Hooks see only what has been validated so far: a later error still
 * fails the scan. */
enum { ST_JSON_HOOK_SKIP = 0, ST_JSON_HOOK_ENTER = 1, ST_JSON_HOOK_STOP = -1 };

/* If the span is a JSON string without escapes, point *s and *n at its contents. */
bool st_json_span_plain_string(const char *buf, st_span v, const char **s, size_t *n);

/* JSON's four whitespace bytes. */
static inline bool st_json_is_ws(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* The span's bytes are exactly the literal `lit` (e.g. "null"). */
static inline bool st_json_span_is(const char *buf, st_span v, const char *lit)
{
    size_t n = strlen(lit);
    return v.len == n && memcmp(buf + v.off, lit, n) == 0;
}

#endif
