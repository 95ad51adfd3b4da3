/* A single-pass validating scanner for one JSON object (RFC 8259).
 *
 * It runs on the PHP request path for every sendEvent(string), so it is written as a
 * tight iterative state machine: no recursion, no allocation, an explicit depth stack
 * (one bit per level: object or array), and a 16-byte-at-a-time fast path over plain
 * ASCII inside strings.
 *
 * What it accepts, exactly:
 *   - one JSON object, surrounded only by JSON whitespace (space, \t, \n, \r); no BOM;
 *   - strings: valid UTF-8 (no overlongs, no UTF-8-encoded surrogates U+D800..DFFF,
 *     nothing above U+10FFFF, no truncated sequences), no raw control bytes < 0x20,
 *     escapes \" \\ \/ \b \f \n \r \t \uXXXX;
 *   - \u escapes of surrogates must form a pair (high D800..DBFF immediately followed by
 *     \u low DC00..DFFF). An unpaired surrogate escape is REJECTED: Sentry's Relay reads
 *     events with Rust's serde_json, which rejects it too, so accepting it here would
 *     only move the failure to the server where nobody sees it;
 *   - numbers per the RFC grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
 *     (no leading zeros, no '+', no NaN/Infinity, no hex);
 *   - literals true, false, null; no trailing commas; nesting at most max_depth deep
 *     (the top-level object counts as depth 1).
 *
 * Error messages are static strings naming the problem. */
#include "jsonscan_impl.h"

/* without hooks: every caller but the request path's policy walk */
#define JS_FN scan_plain
#define JS_EXTRA_PARAMS
#define JS_HOOKED 0
/* (the arguments are "used", in code that is never run) */
#define JS_KEY(moff, k, n, escaped, voff, v)                                                       \
    ((void)(moff), (void)(k), (void)(n), (void)(escaped), (void)(voff), (void)(v), 0)
#define JS_ELEM(off, v) ((void)(off), (void)(v), 0)
#define JS_VALUE_END(off) ((void)(off), 0)
#define JS_CLOSE() ((void)0)
#include "jsonscan_body.h"

int st_json_scan_object_keys(const char *buf, size_t len, int max_depth, const char *const *keys,
                             size_t nkeys, st_span *values, st_span *key_spans,
                             st_json_object_info *info, const char **err)
{
    const char *dummy_err;
    return scan_plain(buf, len, max_depth, keys, nkeys, values, key_spans, info,
                      err ? err : &dummy_err);
}

int st_json_scan_object(const char *buf, size_t len, int max_depth, const char *const *keys,
                        size_t nkeys, st_span *values, st_json_object_info *info, const char **err)
{
    return st_json_scan_object_keys(buf, len, max_depth, keys, nkeys, values, NULL, info, err);
}

bool st_json_span_plain_string(const char *buf, st_span v, const char **s, size_t *n)
{
    if (v.len < 2 || buf[v.off] != '"' || buf[v.off + v.len - 1] != '"')
        return false;
    if (memchr(buf + v.off + 1, '\\', v.len - 2) != NULL)
        return false;
    *s = buf + v.off + 1;
    *n = v.len - 2;
    return true;
}
