/* Rate limits: header parsers and the shared deadline table (see ratelimit.h).
 * Numbers are parsed by hand: strtod follows LC_NUMERIC (a PHP script may set a locale
 * with a decimal comma) and accepts signs, exponents, "inf" and hex; dates are parsed by
 * hand too (strptime is locale-dependent, timegm/gmtime take the tz lock). */
#include "ratelimit.h"
#include "queue.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

_Static_assert(ST_RATELIMIT_DSN_SLOTS == ST_QUEUE_DSN_SLOTS,
               "the rate-limit table has one row per queue DSN slot");
_Static_assert(ST_CAT_COUNT <= 32, "category masks are 32-bit");
_Static_assert(ST_CAT_ALL == 0, "index 0 is the all-categories limit");
_Static_assert(sizeof(st_ratelimit_table) ==
                   sizeof(int64_t) * ST_RATELIMIT_DSN_SLOTS * ST_CAT_COUNT,
               "the shared table is a plain array of 64-bit words");

/* Shared between processes: the atomics must not hide a lock. */
#if ATOMIC_LLONG_LOCK_FREE != 2
#error "64-bit atomics must be lock-free for the shared rate-limit table"
#endif

#define SECONDS_CAP (ST_RATELIMIT_MAX_MS / 1000)

static int64_t add_sat(int64_t a, int64_t b) /* b >= 0 */
{
    return a > INT64_MAX - b ? INT64_MAX : a + b;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Non-negative decimal seconds in [s, e), whitespace anywhere ignored, at least one digit,
 * optional fraction (ms, rounded up). → milliseconds capped at 24 h; -1 if malformed. */
static int64_t parse_seconds_ms(const char *s, const char *e)
{
    int64_t sec = 0;
    int64_t frac_ms = 0;
    int frac_digits = 0;
    bool digits = false, dot = false, rest_nonzero = false;
    for (const char *p = s; p < e; p++) {
        char c = *p;
        if (is_ws(c))
            continue;
        if (c == '.') {
            if (dot)
                return -1;
            dot = true;
        } else if (is_digit(c)) {
            digits = true;
            int d = c - '0';
            if (!dot) {
                sec = sec * 10 + d;
                if (sec > SECONDS_CAP)
                    sec = SECONDS_CAP + 1; /* saturate: "100000000000000000000" stays small */
            } else if (frac_digits < 3) {
                frac_ms = frac_ms * 10 + d;
                frac_digits++;
            } else if (d != 0) {
                rest_nonzero = true;
            }
        } else {
            return -1; /* sign, exponent, "inf", "nan", hex, ',' decimal, … */
        }
    }
    if (!digits)
        return -1;
    for (; frac_digits < 3; frac_digits++)
        frac_ms *= 10;
    if (rest_nonzero)
        frac_ms++;
    int64_t ms = sec * 1000 + frac_ms;
    return ms > ST_RATELIMIT_MAX_MS ? ST_RATELIMIT_MAX_MS : ms;
}

/* One category name in [s, e) (whitespace removed) → category, -1 unknown/empty. */
static int category_in(const char *s, const char *e)
{
    char name[32];
    size_t n = 0;
    for (const char *p = s; p < e; p++) {
        if (is_ws(*p))
            continue;
        if (n == sizeof name)
            return -1; /* longer than any category name */
        name[n++] = *p;
    }
    if (n == 0)
        return -1;
    return st_category_from_name(name, n);
}

static bool only_ws(const char *s, const char *e)
{
    for (const char *p = s; p < e; p++)
        if (!is_ws(*p))
            return false;
    return true;
}

static void raise_to(int64_t *slot, int64_t v)
{
    if (v > *slot)
        *slot = v;
}

/* One quota in [s, e). Returns -1 if malformed, else the number of deadlines it set. */
static int parse_quota(const char *s, const char *e, int64_t now_ms, st_ratelimit_update *out)
{
    const char *c1 = memchr(s, ':', (size_t)(e - s));
    if (!c1)
        return -1;
    const char *c2 = memchr(c1 + 1, ':', (size_t)(e - (c1 + 1)));
    if (!c2)
        return -1; /* the scope is not optional: "60:error" is malformed */
    /* The scope, reason and namespaces after c2 are accepted and ignored. */
    int64_t ms = parse_seconds_ms(s, c1);
    if (ms < 0)
        return -1;
    int64_t until = add_sat(now_ms, ms);

    const char *cs = c1 + 1, *ce = c2;
    if (only_ws(cs, ce)) {
        raise_to(&out->until_ms[ST_CAT_ALL], until);
        return 1;
    }
    int set = 0;
    while (cs <= ce) {
        const char *semi = memchr(cs, ';', (size_t)(ce - cs));
        const char *ne = semi ? semi : ce;
        int cat = category_in(cs, ne);
        if (cat > 0 && cat < ST_CAT_COUNT) {
            raise_to(&out->until_ms[cat], until);
            set++;
        }
        if (!semi)
            break;
        cs = semi + 1;
    }
    return set;
}

/* Shared by st_ratelimit_parse and apply_response: also counts well-formed quotas. */
static int parse_header(const char *header, int64_t now_ms, st_ratelimit_update *out,
                        int *well_formed)
{
    memset(out, 0, sizeof *out);
    *well_formed = 0;
    if (!header)
        return 0;
    int applied = 0;
    const char *s = header;
    const char *end = s + strlen(s);
    while (s <= end) {
        const char *comma = memchr(s, ',', (size_t)(end - s));
        const char *qe = comma ? comma : end;
        int r = parse_quota(s, qe, now_ms, out);
        if (r >= 0)
            (*well_formed)++;
        if (r > 0)
            applied++;
        if (!comma)
            break;
        s = comma + 1;
    }
    return applied;
}

int st_ratelimit_parse(const char *header, int64_t now_ms, st_ratelimit_update *out)
{
    int well_formed;
    return parse_header(header, now_ms, out, &well_formed);
}

/* ---- Retry-After ---------------------------------------------------------------- */

static bool ieq(const char *s, size_t n, const char *lit)
{
    if (strlen(lit) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char a = s[i], b = lit[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z')
            b = (char)(b - 'A' + 'a');
        if (a != b)
            return false;
    }
    return true;
}

static size_t alpha_run(const char *p)
{
    size_t n = 0;
    while ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z'))
        n++;
    return n;
}

static bool weekday(const char *s, size_t n)
{
    static const char *const names[] = {"mon",      "tue",    "wed",      "thu",     "fri",
                                        "sat",      "sun",    "monday",   "tuesday", "wednesday",
                                        "thursday", "friday", "saturday", "sunday"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (ieq(s, n, names[i]))
            return true;
    return false;
}

static int month(const char *s, size_t n) /* 1..12, 0 if unknown */
{
    static const char *const names[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                        "jul", "aug", "sep", "oct", "nov", "dec"};
    for (int i = 0; i < 12; i++)
        if (ieq(s, n, names[i]))
            return i + 1;
    return 0;
}

/* Between min and max digits → value; -1 if fewer than min. */
static int read_uint(const char **pp, int min, int max)
{
    const char *p = *pp;
    int v = 0, n = 0;
    while (n < max && is_digit(p[n])) {
        v = v * 10 + (p[n] - '0');
        n++;
    }
    if (n < min || is_digit(p[n]))
        return -1;
    *pp = p + n;
    return v;
}

static bool eat(const char **pp, char c)
{
    if (**pp != c)
        return false;
    (*pp)++;
    return true;
}

static bool eat_spaces(const char **pp) /* at least one */
{
    const char *p = *pp;
    while (*p == ' ' || *p == '\t')
        p++;
    bool any = p != *pp;
    *pp = p;
    return any;
}

static bool read_time(const char **pp, int *h, int *m, int *s)
{
    if ((*h = read_uint(pp, 2, 2)) < 0 || !eat(pp, ':') || (*m = read_uint(pp, 2, 2)) < 0 ||
        !eat(pp, ':') || (*s = read_uint(pp, 2, 2)) < 0)
        return false;
    return *h <= 23 && *m <= 59 && *s <= 60;
}

/* Proleptic Gregorian date → days since 1970-01-01 (Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dim[m - 1];
}

/* HTTP-date (RFC 9110 §5.6.7) → wall-clock ms; -1 if malformed. */
static int parse_http_date(const char *p, int64_t *out_ms)
{
    int y, mon, d, h, mi, s;
    size_t n = alpha_run(p);
    if (!weekday(p, n))
        return -1;
    p += n;
    if (eat(&p, ',')) {
        eat_spaces(&p);
        if ((d = read_uint(&p, 1, 2)) < 0)
            return -1;
        if (eat(&p, '-')) { /* RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" */
            n = alpha_run(p);
            if (!(mon = month(p, n)))
                return -1;
            p += n;
            if (!eat(&p, '-'))
                return -1;
            const char *ys = p;
            if ((y = read_uint(&p, 2, 4)) < 0)
                return -1;
            if (p - ys == 2) /* two-digit year: 70..99 → 19xx, else 20xx */
                y += y >= 70 ? 1900 : 2000;
            else if (p - ys != 4)
                return -1;
        } else { /* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
            if (!eat_spaces(&p))
                return -1;
            n = alpha_run(p);
            if (!(mon = month(p, n)))
                return -1;
            p += n;
            if (!eat_spaces(&p) || (y = read_uint(&p, 4, 4)) < 0)
                return -1;
        }
        if (!eat_spaces(&p) || !read_time(&p, &h, &mi, &s))
            return -1;
        eat_spaces(&p);
        n = alpha_run(p);
        if (!ieq(p, n, "GMT") && !ieq(p, n, "UTC"))
            return -1;
        p += n;
    } else { /* asctime: "Sun Nov  6 08:49:37 1994" */
        if (!eat_spaces(&p))
            return -1;
        n = alpha_run(p);
        if (!(mon = month(p, n)))
            return -1;
        p += n;
        if (!eat_spaces(&p) || (d = read_uint(&p, 1, 2)) < 0)
            return -1;
        if (!eat_spaces(&p) || !read_time(&p, &h, &mi, &s))
            return -1;
        if (!eat_spaces(&p) || (y = read_uint(&p, 4, 4)) < 0)
            return -1;
    }
    while (is_ws(*p))
        p++;
    if (*p != '\0')
        return -1;
    if (d < 1 || d > days_in_month(y, mon))
        return -1;
    int64_t secs = days_from_civil(y, mon, d) * 86400 + h * 3600 + mi * 60 + s;
    *out_ms = secs * 1000;
    return 0;
}

int st_ratelimit_parse_retry_after(const char *value, int64_t now_ms, int64_t *until_ms)
{
    if (!value || !until_ms)
        return -1;
    const char *p = value;
    while (is_ws(*p))
        p++;
    if (is_digit(*p) || *p == '.') {
        int64_t ms = parse_seconds_ms(p, p + strlen(p));
        if (ms < 0)
            return -1;
        *until_ms = add_sat(now_ms, ms);
        return 0;
    }
    int64_t date_ms;
    if (parse_http_date(p, &date_ms) != 0)
        return -1;
    int64_t cap = add_sat(now_ms, ST_RATELIMIT_MAX_MS);
    *until_ms = date_ms <= now_ms ? now_ms : date_ms > cap ? cap : date_ms;
    return 0;
}

/* ---- The shared table ------------------------------------------------------------- */

static bool slot_ok(const st_ratelimit_table *t, int dsn_slot)
{
    return t && dsn_slot >= 0 && dsn_slot < ST_RATELIMIT_DSN_SLOTS;
}

/* A deadline beyond this was not set on a sane clock (see ST_RATELIMIT_SKEW_MS). */
static int64_t insane_after(int64_t now_ms)
{
    return add_sat(now_ms, ST_RATELIMIT_MAX_MS + ST_RATELIMIT_SKEW_MS);
}

static bool in_force(int64_t v, int64_t now_ms)
{
    return v > now_ms && v <= insane_after(now_ms);
}

/* Raise *p to v (the longest deadline wins) — or replace an insane value. */
static void raise_atomic(_Atomic int64_t *p, int64_t v, int64_t now_ms)
{
    int64_t cur = atomic_load(p);
    int64_t insane = insane_after(now_ms);
    while ((cur < v || cur > insane) && !atomic_compare_exchange_weak(p, &cur, v))
        ;
}

void st_ratelimit_apply_update(st_ratelimit_table *t, int dsn_slot, const st_ratelimit_update *u,
                               int64_t now_ms)
{
    if (!slot_ok(t, dsn_slot) || !u)
        return;
    for (int c = 0; c < ST_CAT_COUNT; c++)
        if (u->until_ms[c] > now_ms)
            raise_atomic(&t->until_ms[dsn_slot][c], u->until_ms[c], now_ms);
}

void st_ratelimit_apply_response(st_ratelimit_table *t, int dsn_slot, long http_status,
                                 const char *rate_limits_header, const char *retry_after_header,
                                 int64_t now_ms)
{
    if (!slot_ok(t, dsn_slot))
        return;
    if (rate_limits_header && rate_limits_header[0] != '\0') {
        st_ratelimit_update u;
        int well_formed;
        parse_header(rate_limits_header, now_ms, &u, &well_formed);
        st_ratelimit_apply_update(t, dsn_slot, &u, now_ms);
        /* A 429 whose header is pure garbage must still back off. */
        if (well_formed > 0 || http_status != 429)
            return;
    }
    if (http_status != 429)
        return;
    int64_t until;
    if (!retry_after_header ||
        st_ratelimit_parse_retry_after(retry_after_header, now_ms, &until) != 0)
        until = add_sat(now_ms, ST_RATELIMIT_DEFAULT_MS);
    if (until > now_ms)
        raise_atomic(&t->until_ms[dsn_slot][ST_CAT_ALL], until, now_ms);
}

static int64_t load(const st_ratelimit_table *t, int dsn_slot, int c, int64_t now_ms)
{
    /* atomic_load takes a non-const pointer in C11 (fixed in C17 DR 459 / some libcs). */
    int64_t v = atomic_load((_Atomic int64_t *)&t->until_ms[dsn_slot][c]);
    return in_force(v, now_ms) ? v : 0;
}

int64_t st_ratelimit_until(const st_ratelimit_table *t, int dsn_slot, uint32_t category_mask,
                           int64_t now_ms)
{
    if (!slot_ok(t, dsn_slot))
        return 0;
    int64_t best = load(t, dsn_slot, ST_CAT_ALL, now_ms);
    for (int c = 1; c < ST_CAT_COUNT; c++)
        if (category_mask & ST_RATELIMIT_BIT(c)) {
            int64_t v = load(t, dsn_slot, c, now_ms);
            if (v > best)
                best = v;
        }
    return best;
}

uint32_t st_ratelimit_limited_mask(const st_ratelimit_table *t, int dsn_slot,
                                   uint32_t category_mask, int64_t now_ms)
{
    if (!slot_ok(t, dsn_slot))
        return 0;
    category_mask &= ST_RATELIMIT_ALL_BITS;
    if (load(t, dsn_slot, ST_CAT_ALL, now_ms))
        return category_mask;
    uint32_t limited = 0;
    for (int c = 1; c < ST_CAT_COUNT; c++)
        if ((category_mask & ST_RATELIMIT_BIT(c)) && load(t, dsn_slot, c, now_ms))
            limited |= ST_RATELIMIT_BIT(c);
    return limited;
}

bool st_ratelimit_envelope_blocked(const st_ratelimit_table *t, int dsn_slot,
                                   uint32_t category_mask, int64_t now_ms)
{
    category_mask &= ST_RATELIMIT_ALL_BITS;
    return category_mask != 0 &&
           st_ratelimit_limited_mask(t, dsn_slot, category_mask, now_ms) == category_mask;
}

int st_ratelimit_snapshot(const st_ratelimit_table *t, int dsn_slot, int64_t now_ms,
                          st_category cats[], int64_t until[], int max)
{
    if (!slot_ok(t, dsn_slot) || !cats || !until)
        return 0;
    int n = 0;
    for (int c = 0; c < ST_CAT_COUNT && n < max; c++) {
        int64_t v = load(t, dsn_slot, c, now_ms);
        if (v) {
            cats[n] = (st_category)c;
            until[n] = v;
            n++;
        }
    }
    return n;
}

size_t st_ratelimit_header(const st_ratelimit_table *t, int dsn_slot, int64_t now_ms, char *out,
                           size_t outlen)
{
    st_category cats[ST_CAT_COUNT];
    int64_t until[ST_CAT_COUNT];
    int n = st_ratelimit_snapshot(t, dsn_slot, now_ms, cats, until, ST_CAT_COUNT);
    size_t len = 0;
    if (outlen)
        out[0] = '\0';
    for (int i = 0; i < n; i++) {
        /* Whole seconds, rounded up: a client that waits that long never hits the limit. */
        long long secs = (long long)((until[i] - now_ms + 999) / 1000);
        if (secs < 1)
            secs = 1;
        const char *cat = cats[i] == ST_CAT_ALL ? "" : st_category_name(cats[i]);
        int w =
            snprintf(out + len, outlen - len, "%s%lld:%s:organization", i ? ", " : "", secs, cat);
        if (w < 0 || (size_t)w >= outlen - len) {
            out[len] = '\0'; /* keep the quotas that fit whole */
            break;
        }
        len += (size_t)w;
    }
    return len;
}
