/* Rate limits: X-Sentry-Rate-Limits / Retry-After parsing and the shared table
 * (src/core/ratelimit.c, DESIGN.md §6 and §9). */
#include "ratelimit.h"
#include "check.h"

#include <stdint.h>

#define NOW 1700000000000LL /* 2023-11-14T22:13:20Z */
#define S 1000LL
#define BIT(c) ST_RATELIMIT_BIT(c)

static st_category item(const char *type)
{
    return st_category_from_item_type(type, strlen(type));
}

/* Expected deadline offsets (ms after NOW) per category; -1 = no deadline. */
typedef struct parse_case {
    const char *header;
    int applied;
    int64_t all, error, transaction, other; /* "other" = every remaining category */
} parse_case;

#define NONE (-1)

static const parse_case parse_cases[] = {
    {"60:error:key", 1, NONE, 60 * S, NONE, NONE},
    {"2.5:transaction:organization", 1, NONE, NONE, 2500, NONE},
    {"0.1:error:key", 1, NONE, 100, NONE, NONE},
    {"0.0001:error:key", 1, NONE, 1, NONE, NONE}, /* fractions round up to the next ms */
    {"60::key", 1, 60 * S, NONE, NONE, NONE},
    {"60:error;transaction:key", 1, NONE, 60 * S, 60 * S, NONE},
    {"60:unknown_cat:key", 0, NONE, NONE, NONE, NONE},
    {"60:error;unknown:key", 1, NONE, 60 * S, NONE, NONE},
    {" 60 : error ; transaction : key ", 1, NONE, 60 * S, 60 * S, NONE},
    {"\t60\t:\terror\t:key", 1, NONE, 60 * S, NONE, NONE},
    {"10:error:key, 20:error:key", 2, NONE, 20 * S, NONE, NONE},
    {"20:error:key, 10:error:key", 2, NONE, 20 * S, NONE, NONE},
    {"10:error:key,60:transaction:key:quota_exceeded:custom", 2, NONE, 10 * S, 60 * S, NONE},
    {"60:metric_bucket:organization:quota_exceeded:custom;spans", 0, NONE, NONE, NONE, NONE},
    {"100000:error:key", 1, NONE, 24 * 3600 * S, NONE, NONE},
    {"99999999999999999999999999:error:key", 1, NONE, 24 * 3600 * S, NONE, NONE},
    {"60:error:", 1, NONE, 60 * S, NONE, NONE}, /* empty scope is still a scope */
    {"60:error:key,garbage,30::key", 2, 30 * S, 60 * S, NONE, NONE},
    {"60:all:key", 0, NONE, NONE, NONE, NONE},     /* "all" is not a category name */
    {"60:default:key", 0, NONE, NONE, NONE, NONE}, /* neither is "default" */
    {"60:Error:key", 0, NONE, NONE, NONE, NONE},   /* names are case-sensitive */
    {"60:;:key", 0, NONE, NONE, NONE, NONE},       /* empty names are not "all" */
    /* garbage: nothing applied, never "all" */
    {"", 0, NONE, NONE, NONE, NONE},
    {",", 0, NONE, NONE, NONE, NONE},
    {" , , ", 0, NONE, NONE, NONE, NONE},
    {"abc:error:key", 0, NONE, NONE, NONE, NONE},
    {"60", 0, NONE, NONE, NONE, NONE},
    {"60:error", 0, NONE, NONE, NONE, NONE},
    {":error:key", 0, NONE, NONE, NONE, NONE},
    {" :error:key", 0, NONE, NONE, NONE, NONE},
    {"-5:error:key", 0, NONE, NONE, NONE, NONE},
    {"+5:error:key", 0, NONE, NONE, NONE, NONE},
    {"1e999:error:key", 0, NONE, NONE, NONE, NONE},
    {"1e3:error:key", 0, NONE, NONE, NONE, NONE},
    {"inf:error:key", 0, NONE, NONE, NONE, NONE},
    {"nan::key", 0, NONE, NONE, NONE, NONE},
    {"0x10:error:key", 0, NONE, NONE, NONE, NONE},
    {"2,5:error:key", 1, NONE, 5 * S, NONE, NONE}, /* a decimal comma splits the quota */
    {"1.2.3:error:key", 0, NONE, NONE, NONE, NONE},
    {".:error:key", 0, NONE, NONE, NONE, NONE},
    {"60::", 1, 60 * S, NONE, NONE, NONE},
    {"::", 0, NONE, NONE, NONE, NONE},
};

static bool deadline_is(const st_ratelimit_update *u, int c, int64_t want)
{
    return u->until_ms[c] == (want == NONE ? 0 : NOW + want);
}

TEST(parse_table)
{
    for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
        const parse_case *pc = &parse_cases[i];
        st_ratelimit_update u;
        memset(&u, 0xab, sizeof u); /* parse must zero it */
        int n = st_ratelimit_parse(pc->header, NOW, &u);
        bool ok = n == pc->applied && deadline_is(&u, ST_CAT_ALL, pc->all) &&
                  deadline_is(&u, ST_CAT_ERROR, pc->error) &&
                  deadline_is(&u, ST_CAT_TRANSACTION, pc->transaction);
        for (int c = ST_CAT_TRANSACTION + 1; c < ST_CAT_COUNT; c++)
            ok = ok && deadline_is(&u, c, pc->other);
        if (!ok)
            fprintf(stderr, "  case \"%s\": applied %d (want %d), all %lld error %lld tx %lld\n",
                    pc->header, n, pc->applied, (long long)u.until_ms[ST_CAT_ALL],
                    (long long)u.until_ms[ST_CAT_ERROR], (long long)u.until_ms[ST_CAT_TRANSACTION]);
        CHECK(ok);
    }
}

TEST(parse_every_known_category_name)
{
    st_ratelimit_update u;
    CHECK(st_ratelimit_parse("5:error;transaction;attachment;session;monitor;log_item;span;"
                             "profile;replay;feedback:key",
                             NOW, &u) == 1);
    CHECK(u.until_ms[ST_CAT_ALL] == 0);
    for (int c = 1; c < ST_CAT_COUNT; c++)
        CHECK(u.until_ms[c] == NOW + 5 * S);
}

TEST(parse_null_and_huge_now)
{
    st_ratelimit_update u;
    CHECK(st_ratelimit_parse(NULL, NOW, &u) == 0);
    for (int c = 0; c < ST_CAT_COUNT; c++)
        CHECK(u.until_ms[c] == 0);
    /* No signed overflow near the end of time (UBSan would trap). */
    CHECK(st_ratelimit_parse("100000::key", INT64_MAX - 5, &u) == 1);
    CHECK(u.until_ms[ST_CAT_ALL] == INT64_MAX);
}

TEST(parse_long_category_name_is_unknown)
{
    char h[512];
    memset(h, 'e', sizeof h);
    memcpy(h, "60:", 3);
    memcpy(h + sizeof h - 6, ":key", 5);
    st_ratelimit_update u;
    CHECK(st_ratelimit_parse(h, NOW, &u) == 0);
    for (int c = 0; c < ST_CAT_COUNT; c++)
        CHECK(u.until_ms[c] == 0);
}

/* ---- Retry-After ---- */

TEST(retry_after_delta_seconds)
{
    int64_t u = 0;
    CHECK(st_ratelimit_parse_retry_after("30", NOW, &u) == 0 && u == NOW + 30 * S);
    CHECK(st_ratelimit_parse_retry_after(" 120 ", NOW, &u) == 0 && u == NOW + 120 * S);
    CHECK(st_ratelimit_parse_retry_after("1.5", NOW, &u) == 0 && u == NOW + 1500);
    CHECK(st_ratelimit_parse_retry_after("0", NOW, &u) == 0 && u == NOW);
    CHECK(st_ratelimit_parse_retry_after("999999999", NOW, &u) == 0 &&
          u == NOW + ST_RATELIMIT_MAX_MS);
    u = 42;
    CHECK(st_ratelimit_parse_retry_after("", NOW, &u) == -1);
    CHECK(st_ratelimit_parse_retry_after("-5", NOW, &u) == -1);
    CHECK(st_ratelimit_parse_retry_after("5s", NOW, &u) == -1);
    CHECK(st_ratelimit_parse_retry_after("1e3", NOW, &u) == -1);
    CHECK(st_ratelimit_parse_retry_after("soon", NOW, &u) == -1);
    CHECK(st_ratelimit_parse_retry_after(NULL, NOW, &u) == -1);
    CHECK(u == 42); /* untouched on failure */
}

TEST(retry_after_http_dates)
{
    /* 1994-11-06T08:49:37Z = 784111777 s */
    const int64_t t = 784111777LL * S;
    int64_t u = 0;
    CHECK(st_ratelimit_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", t - 10 * S, &u) == 0);
    CHECK(u == t);
    CHECK(st_ratelimit_parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", t - 10 * S, &u) == 0);
    CHECK(u == t);
    CHECK(st_ratelimit_parse_retry_after("Sun Nov  6 08:49:37 1994", t - 10 * S, &u) == 0);
    CHECK(u == t);
    /* Relative to our NOW: 2023-11-14T22:13:20Z + 90 s */
    CHECK(st_ratelimit_parse_retry_after("Tue, 14 Nov 2023 22:14:50 GMT", NOW, &u) == 0);
    CHECK(u == NOW + 90 * S);
    CHECK(st_ratelimit_parse_retry_after("Tuesday, 14-Nov-23 22:14:50 GMT", NOW, &u) == 0);
    CHECK(u == NOW + 90 * S); /* RFC 850 two-digit year 23 → 2023 */
    CHECK(st_ratelimit_parse_retry_after("Tue Nov 14 22:14:50 2023", NOW, &u) == 0);
    CHECK(u == NOW + 90 * S);
    /* Leap day, and a date after 2038. */
    CHECK(st_ratelimit_parse_retry_after("Thu, 29 Feb 2024 00:00:00 GMT", 0, &u) == 0);
    CHECK(u == ST_RATELIMIT_MAX_MS); /* capped at now + 24 h */
    CHECK(st_ratelimit_parse_retry_after("Fri, 01 Jan 2100 00:00:01 GMT", 4102444800LL * S, &u) ==
          0);
    CHECK(u == 4102444801LL * S);
    /* A date in the past → now; far in the future → capped. */
    CHECK(st_ratelimit_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", NOW, &u) == 0);
    CHECK(u == NOW);
    CHECK(st_ratelimit_parse_retry_after("Sat, 01 Jan 2050 00:00:00 GMT", NOW, &u) == 0);
    CHECK(u == NOW + ST_RATELIMIT_MAX_MS);
}

TEST(retry_after_bad_dates)
{
    int64_t u = 42;
    static const char *const bad[] = {
        "Sun, 06 Nov 1994 08:49:37",       /* no zone */
        "Sun, 06 Nov 1994 08:49:37 CET",   /* not GMT */
        "Sun, 06 Foo 1994 08:49:37 GMT",   /* month */
        "Xyz, 06 Nov 1994 08:49:37 GMT",   /* weekday */
        "Sun, 31 Nov 1994 08:49:37 GMT",   /* no 31 November */
        "Sun, 29 Feb 2023 08:49:37 GMT",   /* not a leap year */
        "Sun, 00 Nov 1994 08:49:37 GMT",   /* day 0 */
        "Sun, 06 Nov 1994 24:00:00 GMT",   /* hour */
        "Sun, 06 Nov 1994 08:60:00 GMT",   /* minute */
        "Sun, 06 Nov 94 08:49:37 GMT",     /* IMF needs 4 digits */
        "Sun, 06 Nov 1994 08:49:37 GMT x", /* trailing garbage */
        "Sun, 06 Nov 1994 8:49:37 GMT",    /* 2-digit hour */
        "Sun, 06-Nov-199 08:49:37 GMT",    /* 3-digit year */
        "Sun Nov  6 08:49:37",             /* asctime without a year */
        "Sun",
        "Sun,",
        ",",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int r = st_ratelimit_parse_retry_after(bad[i], NOW, &u);
        if (r != -1)
            fprintf(stderr, "  accepted \"%s\"\n", bad[i]);
        CHECK(r == -1);
    }
    CHECK(u == 42);
}

/* ---- The protocol ---- */

TEST(apply_200_with_header)
{
    static st_ratelimit_table t;
    memset(&t, 0, sizeof t);
    st_ratelimit_apply_response(&t, 0, 200, "60:error:key", NULL, NOW);
    CHECK(st_ratelimit_until(&t, 0, BIT(ST_CAT_ERROR), NOW) == NOW + 60 * S);
    CHECK(st_ratelimit_until(&t, 0, BIT(ST_CAT_TRANSACTION), NOW) == 0);
    CHECK(st_ratelimit_until(&t, 0, 0, NOW) == 0); /* ALL not limited */
}

TEST(apply_429_header_wins_over_retry_after)
{
    static st_ratelimit_table t;
    memset(&t, 0, sizeof t);
    st_ratelimit_apply_response(&t, 0, 429, "60:transaction:key", "120", NOW);
    CHECK(st_ratelimit_until(&t, 0, BIT(ST_CAT_TRANSACTION), NOW) == NOW + 60 * S);
    CHECK(st_ratelimit_until(&t, 0, BIT(ST_CAT_ERROR), NOW) == 0);
    /* Well-formed but only unknown categories: still not "all". */
    st_ratelimit_apply_response(&t, 1, 429, "60:metric_bucket:key", "120", NOW);
    CHECK(st_ratelimit_until(&t, 1, ST_RATELIMIT_ALL_BITS, NOW) == 0);
}

TEST(apply_429_with_garbage_header_falls_back)
{
    static st_ratelimit_table t;
    memset(&t, 0, sizeof t);
    st_ratelimit_apply_response(&t, 0, 429, "garbage", "30", NOW);
    CHECK(st_ratelimit_until(&t, 0, 0, NOW) == NOW + 30 * S);
    st_ratelimit_apply_response(&t, 1, 429, "abc:error:key", NULL, NOW);
    CHECK(st_ratelimit_until(&t, 1, 0, NOW) == NOW + 60 * S);
    /* The same garbage on a 200 changes nothing. */
    st_ratelimit_apply_response(&t, 2, 200, "garbage", "30", NOW);
    CHECK(st_ratelimit_until(&t, 2, ST_RATELIMIT_ALL_BITS, NOW) == 0);
}

TEST(apply_429_retry_after_seconds)
{
    static st_ratelimit_table t;
    memset(&t, 0, sizeof t);
    st_ratelimit_apply_response(&t, 0, 429, NULL, "30", NOW);
    CHECK(st_ratelimit_until(&t, 0, 0, NOW) == NOW + 30 * S);
    CHECK(st_ratelimit_until(&t, 0, BIT(ST_CAT_SESSION), NOW) == NOW + 30 * S);
    /* An empty rate-limits header counts as absent. */
    st_ratelimit_apply_response(&t, 1, 429, "", "30", NOW);
    CHECK(st_ratelimit_until(&t, 1, 0, NOW) == NOW + 30 * S);
}

TEST(apply_429_retry_after_date)
{
    static st_ratelimit_table t;
    memset(&t, 0, sizeof t);
    st_ratelimit_apply_response(&t, 0, 429, NULL, "Tue, 14 Nov 2023 22:14:50 GMT", NOW);
    CHECK(st_ratelimit_until(&t, 0, 0, NOW) == NOW + 90 * S);
}

TEST(apply_429_without_anything_is_60s_all)
{
    static st_ratelimit_table t;
    memset(&t, 0, sizeof t);
    st_ratelimit_apply_response(&t, 0, 429, NULL, NULL, NOW);
    CHECK(st_ratelimit_until(&t, 0, 0, NOW) == NOW + 60 * S);
    st_ratelimit_apply_response(&t, 1, 429, NULL, "tomorrow", NOW);
    CHECK(st_ratelimit_until(&t, 1, 0, NOW) == NOW + 60 * S);
}

TEST(apply_other_statuses_ignore_retry_after)
{
    static st_ratelimit_table t;
    memset(&t, 0, sizeof t);
    st_ratelimit_apply_response(&t, 0, 503, NULL, "30", NOW);
    st_ratelimit_apply_response(&t, 0, 500, NULL, NULL, NOW);
    st_ratelimit_apply_response(&t, 0, 200, NULL, "30", NOW);
    st_ratelimit_apply_response(&t, 0, 413, "", NULL, NOW);
    CHECK(st_ratelimit_until(&t, 0, ST_RATELIMIT_ALL_BITS, NOW) == 0);
    /* …but a 503 carrying the rate-limit header is honoured. */
    st_ratelimit_apply_response(&t, 0, 503, "10::key", NULL, NOW);
    CHECK(st_ratelimit_until(&t, 0, 0, NOW) == NOW + 10 * S);
}

TEST(limits_only_raise)
{
    static st_ratelimit_table t;
    memset(&t, 0, sizeof t);
    st_ratelimit_apply_response(&t, 0, 200, "60:error:key", NULL, NOW);
    st_ratelimit_apply_response(&t, 0, 200, "5:error:key", NULL, NOW + 1 * S);
    CHECK(st_ratelimit_until(&t, 0, BIT(ST_CAT_ERROR), NOW + 1 * S) == NOW + 60 * S);
    st_ratelimit_apply_response(&t, 0, 429, NULL, "1", NOW);
    st_ratelimit_apply_response(&t, 0, 429, NULL, "120", NOW);
    st_ratelimit_apply_response(&t, 0, 429, NULL, "2", NOW);
    CHECK(st_ratelimit_until(&t, 0, 0, NOW) == NOW + 120 * S);
    /* A later, longer one does extend. */
    st_ratelimit_apply_response(&t, 0, 200, "100:error:key", NULL, NOW);
    CHECK(st_ratelimit_until(&t, 0, BIT(ST_CAT_ERROR), NOW) == NOW + 120 * S); /* ALL still */
    CHECK(atomic_load(&t.until_ms[0][ST_CAT_ERROR]) == NOW + 100 * S);
}

TEST(dsn_slots_are_independent)
{
    static st_ratelimit_table t;
    memset(&t, 0, sizeof t);
    st_ratelimit_apply_response(&t, 3, 200, "60::key", NULL, NOW);
    for (int s = 0; s < ST_RATELIMIT_DSN_SLOTS; s++)
        CHECK((st_ratelimit_until(&t, s, 0, NOW) != 0) == (s == 3));
    /* Out-of-range slots are ignored, not written next door. */
    st_ratelimit_apply_response(&t, ST_RATELIMIT_DSN_SLOTS, 429, NULL, NULL, NOW);
    st_ratelimit_apply_response(&t, -1, 429, NULL, NULL, NOW);
    for (int s = 0; s < ST_RATELIMIT_DSN_SLOTS; s++)
        CHECK((st_ratelimit_until(&t, s, 0, NOW) != 0) == (s == 3));
    CHECK(st_ratelimit_until(&t, ST_RATELIMIT_DSN_SLOTS, 0, NOW) == 0);
    CHECK(st_ratelimit_until(NULL, 0, 0, NOW) == 0);
}

TEST(until_expiry_and_mask)
{
    static st_ratelimit_table t;
    memset(&t, 0, sizeof t);
    st_ratelimit_apply_response(&t, 0, 200, "10:error:key, 20:session:key", NULL, NOW);
    uint32_t both = BIT(ST_CAT_ERROR) | BIT(ST_CAT_SESSION);
    CHECK(st_ratelimit_until(&t, 0, both, NOW) == NOW + 20 * S);
    CHECK(st_ratelimit_until(&t, 0, BIT(ST_CAT_ERROR), NOW) == NOW + 10 * S);
    CHECK(st_ratelimit_until(&t, 0, BIT(ST_CAT_ERROR), NOW + 10 * S) == 0); /* expired at == */
    CHECK(st_ratelimit_until(&t, 0, both, NOW + 10 * S) == NOW + 20 * S);
    CHECK(st_ratelimit_until(&t, 0, 0xffffffffu, NOW) == NOW + 20 * S); /* stray bits ignored */
    /* The ALL limit counts for every mask, even an empty one. */
    st_ratelimit_apply_response(&t, 0, 200, "30::key", NULL, NOW);
    CHECK(st_ratelimit_until(&t, 0, BIT(ST_CAT_ERROR), NOW) == NOW + 30 * S);
    CHECK(st_ratelimit_until(&t, 0, 0, NOW) == NOW + 30 * S);
}

/* DESIGN §9: the seed stored "error" and looked up "event". */
TEST(event_item_is_blocked_by_error_limit)
{
    static st_ratelimit_table t;
    memset(&t, 0, sizeof t);
    st_ratelimit_apply_response(&t, 0, 200, "60:error:key", NULL, NOW);
    uint32_t ev = BIT(item("event")), tx = BIT(item("transaction"));
    CHECK(ev == BIT(ST_CAT_ERROR));
    CHECK(st_ratelimit_envelope_blocked(&t, 0, ev, NOW));
    CHECK(st_ratelimit_until(&t, 0, ev, NOW) == NOW + 60 * S);
    CHECK(!st_ratelimit_envelope_blocked(&t, 0, tx, NOW));
    CHECK(st_ratelimit_until(&t, 0, tx, NOW) == 0);
    /* event + attachment + client_report: only the event is stripped. */
    uint32_t mixed = ev | BIT(item("attachment")) | BIT(item("client_report"));
    CHECK(st_ratelimit_limited_mask(&t, 0, mixed, NOW) == ev);
    CHECK(!st_ratelimit_envelope_blocked(&t, 0, mixed, NOW));
    CHECK(!st_ratelimit_envelope_blocked(&t, 0, 0, NOW));
}

TEST(limited_mask_all_limit_covers_everything)
{
    static st_ratelimit_table t;
    memset(&t, 0, sizeof t);
    uint32_t mask = BIT(ST_CAT_ALL) | BIT(ST_CAT_ERROR) | BIT(ST_CAT_SPAN);
    CHECK(st_ratelimit_limited_mask(&t, 0, mask, NOW) == 0);
    st_ratelimit_apply_response(&t, 0, 200, "60:span:key", NULL, NOW);
    CHECK(st_ratelimit_limited_mask(&t, 0, mask, NOW) == BIT(ST_CAT_SPAN));
    CHECK(st_ratelimit_limited_mask(&t, 0, BIT(ST_CAT_ERROR), NOW) == 0); /* only mask bits */
    st_ratelimit_apply_response(&t, 0, 429, NULL, "5", NOW);
    CHECK(st_ratelimit_limited_mask(&t, 0, mask, NOW) == mask);
    CHECK(st_ratelimit_limited_mask(&t, 0, 0xffffffffu, NOW) == ST_RATELIMIT_ALL_BITS);
    CHECK(st_ratelimit_envelope_blocked(&t, 0, mask, NOW));
    /* After the ALL limit expires, only the span limit remains. */
    CHECK(st_ratelimit_limited_mask(&t, 0, mask, NOW + 5 * S) == BIT(ST_CAT_SPAN));
}

/* The bridge hands this to sentry-php as X-Sentry-Rate-Limits: it must parse back (here, by
 * our own parser, into the same deadlines rounded up to whole seconds) and name Sentry's
 * categories, not item types. */
TEST(header_renders_limits_in_force_for_an_sdk)
{
    static st_ratelimit_table t, back;
    memset(&t, 0, sizeof t);
    memset(&back, 0, sizeof back);
    char h[256];
    CHECK(st_ratelimit_header(&t, 0, NOW, h, sizeof h) == 0);
    CHECK_STR(h, "");
    st_ratelimit_apply_response(&t, 0, 200, "60:transaction:key, 4.2:error;monitor:key, 30::key",
                                NULL, NOW);
    size_t n = st_ratelimit_header(&t, 0, NOW, h, sizeof h);
    CHECK(n == strlen(h));
    CHECK_STR(h, "30::organization, 5:error:organization, 60:transaction:organization, "
                 "5:monitor:organization");
    st_ratelimit_apply_response(&back, 0, 200, h, NULL, NOW);
    CHECK(st_ratelimit_until(&back, 0, 1u << ST_CAT_ERROR, NOW) == NOW + 30 * S); /* all wins */
    CHECK(st_ratelimit_until(&back, 0, 1u << ST_CAT_TRANSACTION, NOW) == NOW + 60 * S);
    /* Half a second before the end: still one whole second, never 0 (= "no limit"). */
    CHECK(st_ratelimit_header(&t, 0, NOW + 59 * S + 500, h, sizeof h) > 0);
    CHECK_STR(h, "1:transaction:organization");
    /* Too small a buffer keeps only whole quotas. */
    st_ratelimit_header(&t, 0, NOW, h, 30);
    CHECK_STR(h, "30::organization");
    CHECK(st_ratelimit_header(&t, 1, NOW, h, sizeof h) == 0); /* another DSN: none */
}

TEST(snapshot_lists_limits_in_force)
{
    static st_ratelimit_table t;
    memset(&t, 0, sizeof t);
    st_category cats[ST_CAT_COUNT];
    int64_t until[ST_CAT_COUNT];
    CHECK(st_ratelimit_snapshot(&t, 0, NOW, cats, until, ST_CAT_COUNT) == 0);
    st_ratelimit_apply_response(&t, 0, 200, "60:transaction:key, 5:error:key, 30::key", NULL, NOW);
    st_ratelimit_apply_response(&t, 1, 200, "60:replay:key", NULL, NOW); /* another DSN */
    int n = st_ratelimit_snapshot(&t, 0, NOW, cats, until, ST_CAT_COUNT);
    CHECK(n == 3);
    if (n == 3) {
        CHECK_STR(st_category_name(cats[0]), "all");
        CHECK(until[0] == NOW + 30 * S);
        CHECK_STR(st_category_name(cats[1]), "error");
        CHECK(until[1] == NOW + 5 * S);
        CHECK_STR(st_category_name(cats[2]), "transaction");
        CHECK(until[2] == NOW + 60 * S);
        char buf[32];
        st_format_rfc3339(until[0], buf);
        CHECK_STR(buf, "2023-11-14T22:13:50.000Z");
    }
    CHECK(st_ratelimit_snapshot(&t, 0, NOW, cats, until, 2) == 2); /* bounded by max */
    CHECK(st_ratelimit_snapshot(&t, 0, NOW + 10 * S, cats, until, ST_CAT_COUNT) == 2);
    CHECK(st_ratelimit_snapshot(&t, 0, NOW + 60 * S, cats, until, ST_CAT_COUNT) == 0);
    CHECK(st_ratelimit_snapshot(&t, 9, NOW, cats, until, ST_CAT_COUNT) == 0);
}

TEST(stale_deadline_from_a_clock_step_is_ignored_and_healed)
{
    static st_ratelimit_table t;
    memset(&t, 0, sizeof t);
    /* Set when the wall clock read a year ahead (or a corrupt file): not trusted now. */
    atomic_store(&t.until_ms[0][ST_CAT_ERROR], NOW + 365 * 24 * 3600 * S);
    atomic_store(&t.until_ms[0][ST_CAT_ALL], INT64_MAX);
    CHECK(st_ratelimit_until(&t, 0, BIT(ST_CAT_ERROR), NOW) == 0);
    st_category cats[ST_CAT_COUNT];
    int64_t until[ST_CAT_COUNT];
    CHECK(st_ratelimit_snapshot(&t, 0, NOW, cats, until, ST_CAT_COUNT) == 0);
    /* A fresh limit replaces it although it is "shorter". */
    st_ratelimit_apply_response(&t, 0, 200, "10:error:key", NULL, NOW);
    CHECK(st_ratelimit_until(&t, 0, BIT(ST_CAT_ERROR), NOW) == NOW + 10 * S);
    /* A deadline within 24 h + skew of now is kept. */
    st_ratelimit_apply_response(&t, 0, 429, NULL, NULL, NOW);
    CHECK(st_ratelimit_until(&t, 0, 0, NOW - 3600 * S) == NOW + 60 * S);
}

TEST(zero_table_means_no_limits)
{
    static st_ratelimit_table t; /* zero-initialised, as in a fresh mapping */
    for (int s = 0; s < ST_RATELIMIT_DSN_SLOTS; s++) {
        CHECK(st_ratelimit_until(&t, s, ST_RATELIMIT_ALL_BITS, NOW) == 0);
        CHECK(st_ratelimit_limited_mask(&t, s, ST_RATELIMIT_ALL_BITS, NOW) == 0);
    }
    CHECK(sizeof t == ST_RATELIMIT_DSN_SLOTS * ST_CAT_COUNT * sizeof(int64_t));
}

int main(void)
{
    RUN(parse_table);
    RUN(parse_every_known_category_name);
    RUN(parse_null_and_huge_now);
    RUN(parse_long_category_name_is_unknown);
    RUN(retry_after_delta_seconds);
    RUN(retry_after_http_dates);
    RUN(retry_after_bad_dates);
    RUN(apply_200_with_header);
    RUN(apply_429_header_wins_over_retry_after);
    RUN(apply_429_with_garbage_header_falls_back);
    RUN(apply_429_retry_after_seconds);
    RUN(apply_429_retry_after_date);
    RUN(apply_429_without_anything_is_60s_all);
    RUN(apply_other_statuses_ignore_retry_after);
    RUN(limits_only_raise);
    RUN(dsn_slots_are_independent);
    RUN(until_expiry_and_mask);
    RUN(event_item_is_blocked_by_error_limit);
    RUN(limited_mask_all_limit_covers_everything);
    RUN(snapshot_lists_limits_in_force);
    RUN(header_renders_limits_in_force_for_an_sdk);
    RUN(stale_deadline_from_a_clock_step_is_ignored_and_healed);
    RUN(zero_table_means_no_limits);
    CHECK_DONE();
}
