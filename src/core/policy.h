/* Event policy (issue #3): scrubbing sensitive fields, stripping default PII, ignoring
 * exceptions/messages, and sampling — applied on the PHP request path to an event's JSON
 * bytes BEFORE it is queued. Plain C11; pure functions of their inputs; reentrant (the
 * policy is only read).
 *
 * ---- php.ini list syntax (scrub_fields, ignore_exceptions) ----
 * A comma-separated list. Each entry is trimmed of ASCII whitespace (space, \t, \n, \r,
 * \v, \f) at both ends; empty entries are skipped ("a,,b, " = two entries). There is no
 * quoting or escaping: an entry cannot contain a comma. Bytes are taken as they are
 * (PHP's ini parser already turned "\\" into "\" inside double quotes, so
 * `sentry_transport.ignore_exceptions = "App\\Exceptions\\Ignored"` and
 * `"App\Exceptions\Ignored"` both give App\Exceptions\Ignored).
 *   scrub_fields: NULL = ST_POLICY_DEFAULT_SCRUB_FIELDS; any string (even "") REPLACES the
 *     defaults, so "" turns scrubbing off. Entries are lowercased (ASCII) at init.
 *     (Register the ini key with ST_POLICY_DEFAULT_SCRUB_FIELDS as its default value, so
 *     phpinfo shows the effective list and an operator extends it by editing it.)
 *   ignore_exceptions: NULL or "" = nothing ignored.
 *
 * ---- scrubbing (scrub_fields non-empty) ----
 * A key matches when, after JSON unescaping (all escapes, \uXXXX and surrogate pairs
 * included, so "pass\u0077ord" is "password"), it contains a field as a substring,
 * ASCII case-insensitively ("X-Auth-Token" and "USER_PASSWORD" match "token"/"password").
 * A matching key's value is replaced by the string "[Filtered]", whatever its type
 * (string, number, bool, object, array) — except null, which stays null (nothing to hide;
 * Relay leaves nulls alone too). Keys are checked at every depth inside the top-level
 * members request, extra, contexts, tags, user (their own direct keys included), and
 * inside breadcrumb data: breadcrumbs.values[].data / breadcrumbs[].data (other breadcrumb
 * keys, e.g. message, are not keys of user data and are left alone). Nothing else is
 * looked at (exception frames' vars, message, logentry, spans, … are left unchanged).
 * Lists of pairs: inside those members, an array that is an element of an array and whose
 * first element is a string is a [name, value] pair (Sentry's list form of headers,
 * cookies, query_string, env, tags): its second element is filtered when the name
 * matches. A value that already is "[Filtered]" is not rewritten (applying twice is a
 * no-op).
 *
 * ---- send_default_pii = false (the default) ----
 * These are REMOVED (member or list element deleted, commas kept valid; an object left
 * with nothing becomes {}), matched case-insensitively after unescaping:
 *   user.ip_address, user.email, request.cookies, request.env.REMOTE_ADDR, and in
 *   request.headers (an object, or a list of [name, value] pairs) the headers
 *   Authorization, Proxy-Authorization, Cookie, Set-Cookie, X-Forwarded-For, X-Real-IP,
 *   Forwarded (credentials, the cookies again, the client's IP address again).
 * Removal, not "[Filtered]": it is what sentry-php does without send_default_pii (it never
 * adds them), and an absent ip_address is not mistaken for an address by Sentry.
 * Removal wins over scrubbing; the remaining keys of those objects are scrubbed as above.
 *
 * ---- ignore_exceptions (non-empty) ----
 * The event is ignored when, after JSON unescaping,
 *   - an exception.values[].type (or exception[].type, the list form) EQUALS an entry, or
 *     the entry in class-name form: one leading '\' dropped and "\\" collapsed to "\"
 *     (so "\App\\Ex" written unquoted still matches App\Ex); or
 *   - an entry is a SUBSTRING (case-sensitive) of exception.values[].value, of message
 *     (when a string), message.formatted, message.message, logentry.message or
 *     logentry.formatted.
 *
 * ---- sampling ----
 * Rates are clamped to [0,1] at init; st_policy_sampled(rate, random64) keeps an event
 * when uniform(random64) < rate: rate >= 1 always, rate <= 0 (or NaN) never. */
#ifndef ST_POLICY_H
#define ST_POLICY_H

#include "common.h"

#define ST_POLICY_DEFAULT_SCRUB_FIELDS                                                             \
    "password,passwd,secret,token,api_key,apikey,authorization,cookie,set-cookie,"                 \
    "credit_card,card_number,cvv,ssn,bank_account"

/* Built once per process from php.ini; read-only afterwards (any thread). */
typedef struct st_policy {
    char **scrub_fields; /* lowercased, non-empty */
    size_t n_scrub;
    char **ignore; /* as configured, non-empty */
    size_t n_ignore;
    bool send_default_pii;
    double sample_rate, traces_sample_rate; /* clamped to [0,1] */

    /* private, filled by st_policy_init */
    size_t *scrub_len, *ignore_len;
    char **ignore_class; /* class-name form of ignore[i], or NULL when identical */
    size_t *ignore_class_len;
    size_t scrub_min_len;
    uint32_t *scrub_by_first;        /* field indices ordered by first byte */
    uint32_t scrub_first_off[257];   /* fields starting with byte c: by_first[off[c]..off[c+1]) */
    uint8_t scrub_bigram[65536 / 8]; /* bit (b0 << 8 | b1): some field starts with b0 b1 */
    /* the same, indexed by raw (not lowercased) bytes: every case variant of each bigram */
    uint8_t scrub_bigram_raw[65536 / 8];
    uint8_t lower[256]; /* ASCII lowercase table */
} st_policy;

/* Build a policy. scrub_fields_csv NULL = defaults; ignore_csv NULL/"" = none; rates are
 * clamped to [0,1]. Returns 0, or -1 with a message in err (errlen > 0; may be NULL):
 * "out of memory", or "sample_rate is not a number" / "traces_sample_rate is not a
 * number" (NaN). On failure *p holds nothing to free (st_policy_free is still safe). */
int st_policy_init(st_policy *p, const char *scrub_fields_csv, const char *ignore_csv,
                   bool send_default_pii, double sample_rate, double traces_sample_rate, char *err,
                   size_t errlen);

/* Release what init allocated; *p is zeroed (safe to call twice, or on a zeroed struct). */
void st_policy_free(st_policy *p);

typedef enum st_policy_verdict {
    ST_POLICY_KEEP = 0,    /* send it: *out is the rewritten event, or NULL = send the input */
    ST_POLICY_IGNORED = 1, /* drop it (client report reason "ignored"); *out = NULL */
    ST_POLICY_ERROR = -1,  /* out of memory, or the input is not a readable JSON object:
                              it could not be scrubbed, so do NOT send it as is
                              (reason "internal_sdk_error"); *out = NULL */
} st_policy_verdict;

/* Decide and rewrite one event (a JSON object, normally already validated by
 * st_json_scan_object; anything else never crashes and gives ST_POLICY_ERROR or KEEP).
 * One walk over the JSON: the members named above are read, everything else is skipped
 * without decoding. When nothing has to change, *out = NULL and nothing is allocated
 * (the walk itself allocates only past 24 nested levels inside the members it reads,
 * past 16 edits, or for an escaped key/text longer than 512 bytes). A policy with
 * nothing to do (no scrub fields, no ignore entries, send_default_pii on) returns at once.
 * When something does, *out is a malloc'd copy (caller frees) with the edits, *out_len
 * its length: the input byte for byte except for the edited spans (whitespace outside
 * them is kept). The result is valid JSON whenever the input is. */
st_policy_verdict st_policy_apply(const st_policy *p, const char *json, size_t len, char **out,
                                  size_t *out_len);

/* Sampling: true = keep. rate >= 1 → always; rate <= 0 or NaN → never; otherwise
 * keep when (random64 >> 11) * 2^-53 < rate (uniform in [0,1), 53 bits). */
bool st_policy_sampled(double rate, uint64_t random64);

/* st_policy_sampled with p->traces_sample_rate for a transaction, else p->sample_rate. */
bool st_policy_sample(const st_policy *p, bool is_transaction, uint64_t random64);

#endif
