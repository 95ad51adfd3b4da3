/* Sentry rate limits (DESIGN.md §6, §9): X-Sentry-Rate-Limits and Retry-After parsing, and
 * a host-wide table of deadlines per DSN slot and category kept in the shared queue header.
 *
 * The table is plain data + C11 atomics (no pointers, no mutex): it lives in a mapping
 * shared by every process, and all zero means "no limits". Deadlines are wall-clock
 * milliseconds (CLOCK_REALTIME, st_now_wall_ms()) because a file-backed queue may survive a
 * reboot. Updates only ever raise a deadline (the longest wins). Limits are stored and
 * looked up by st_category; callers map item types with st_category_from_item_type (the
 * seed stored "error" and looked up "event", so only global limits ever applied). */
#ifndef ST_RATELIMIT_H
#define ST_RATELIMIT_H

#include <stdatomic.h>
#include "common.h"
#include "category.h"

/* Equal to ST_QUEUE_DSN_SLOTS (checked by a static assertion in ratelimit.c). */
#define ST_RATELIMIT_DSN_SLOTS 8
/* Every limit is capped at 24 h. */
#define ST_RATELIMIT_MAX_MS (24 * 3600 * 1000LL)
/* A 429 with neither header (or none usable) limits all categories for 60 s. */
#define ST_RATELIMIT_DEFAULT_MS (60 * 1000LL)
/* A stored deadline further than MAX + this beyond now cannot have been set by this code on
 * a sane clock (wall clock stepped back, corrupt file): readers ignore it, writers replace it. */
#define ST_RATELIMIT_SKEW_MS (3600 * 1000LL)

/* Bit of a category in a category mask. */
#define ST_RATELIMIT_BIT(cat) (1u << (unsigned)(cat))
/* Every category bit, ST_CAT_ALL's included. */
#define ST_RATELIMIT_ALL_BITS ((1u << (unsigned)ST_CAT_COUNT) - 1u)

/* Embedded in the shared queue header. Index [slot][ST_CAT_ALL] is the "all categories"
 * limit; 0 = no limit; a value <= now has expired. */
typedef struct st_ratelimit_table {
    _Atomic int64_t until_ms[ST_RATELIMIT_DSN_SLOTS][ST_CAT_COUNT];
} st_ratelimit_table;

/* Result of parsing one X-Sentry-Rate-Limits header: per-category deadline, 0 = none. */
typedef struct st_ratelimit_update {
    int64_t until_ms[ST_CAT_COUNT];
} st_ratelimit_update;

/* Parse `X-Sentry-Rate-Limits: quota *("," quota)`,
 * `quota = retry_after ":" categories ":" scope [":" reason [":" namespaces]]`.
 * retry_after: non-negative decimal seconds, a fraction allowed ("2.5"; no sign, no exponent,
 * parsed without the locale); categories ';'-separated, empty = all (ST_CAT_ALL), unknown
 * names ignored (a quota naming only unknown categories applies to nothing); whitespace
 * anywhere ignored; scope, reason and namespaces ignored. Each limit is capped at 24 h;
 * the longest deadline per category wins. A malformed quota is skipped, never "all".
 * `out` is zeroed first. Returns the number of quotas that set at least one deadline.
 * header may be NULL (→ 0). */
int st_ratelimit_parse(const char *header, int64_t now_ms, st_ratelimit_update *out);

/* Parse a Retry-After value: delta seconds ("120", a fraction accepted) or an HTTP date
 * (IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT",
 * asctime "Sun Nov  6 08:49:37 1994"; no strptime, no gmtime/timegm). The result is capped
 * at now + 24 h; a date in the past gives now. Returns 0 and sets *until_ms, or -1 if bad. */
int st_ratelimit_parse_retry_after(const char *value, int64_t now_ms, int64_t *until_ms);

/* The protocol for one upstream response of DSN slot `dsn_slot`:
 * - X-Sentry-Rate-Limits present and non-empty → applied, whatever the status (200 too);
 * - else (or, on a 429 only, if that header held no well-formed quota) a 429 limits all
 *   categories until Retry-After, or for 60 s if Retry-After is absent or unparsable;
 * - any other status without the header (503 + Retry-After included) changes nothing.
 * Headers may be NULL. Deadlines are only ever raised. Out-of-range slots are ignored. */
void st_ratelimit_apply_response(st_ratelimit_table *t, int dsn_slot, long http_status,
                                 const char *rate_limits_header, const char *retry_after_header,
                                 int64_t now_ms);

/* Raise the table's deadlines of `dsn_slot` to those of `u` (a CAS loop per entry). */
void st_ratelimit_apply_update(st_ratelimit_table *t, int dsn_slot, const st_ratelimit_update *u,
                               int64_t now_ms);

/* The latest deadline in force (> now) among the ALL limit and the categories of
 * `category_mask` (bit ST_RATELIMIT_BIT(cat)); 0 if none. */
int64_t st_ratelimit_until(const st_ratelimit_table *t, int dsn_slot, uint32_t category_mask,
                           int64_t now_ms);

/* The subset of `category_mask` (valid category bits only) currently limited: every bit of
 * it when the ALL limit is in force; otherwise the bits of categories with their own limit
 * in force (the ST_CAT_ALL bit — client_report items — only under the ALL limit). The
 * lead drops/strips an envelope's items per category with this. */
uint32_t st_ratelimit_limited_mask(const st_ratelimit_table *t, int dsn_slot,
                                   uint32_t category_mask, int64_t now_ms);

/* True when every item of an envelope whose items span `category_mask` is limited (so the
 * whole envelope is dropped); false for an empty mask. */
bool st_ratelimit_envelope_blocked(const st_ratelimit_table *t, int dsn_slot,
                                   uint32_t category_mask, int64_t now_ms);

/* List the limits of `dsn_slot` in force at now: ST_CAT_ALL first (name it with
 * st_category_name → "all"), then categories in enum order. Writes at most `max` entries
 * into cats[]/until[] (wall-clock ms; st_format_rfc3339 for display); returns the count
 * written. */
int st_ratelimit_snapshot(const st_ratelimit_table *t, int dsn_slot, int64_t now_ms,
                          st_category cats[], int64_t until[], int max);

/* The limits of `dsn_slot` in force at now as an X-Sentry-Rate-Limits value, one quota per
 * category ("57:error:organization, 12::organization"; an empty category list is "all"),
 * retry_after in whole seconds rounded up, so an SDK fed this header (the bridge answers
 * its client with a 429) honours the host-wide limits. Returns its length; "" if none. */
size_t st_ratelimit_header(const st_ratelimit_table *t, int dsn_slot, int64_t now_ms, char *out,
                           size_t outlen);

#endif
