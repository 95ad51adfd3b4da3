/* Seed defaults of st_config and the php.ini value parsers (config.h).
 * Every parser is strict: a value we do not fully understand is refused rather than
 * half-read, so a typo in php.ini surfaces as a warning instead of a silent default. */
#include "config.h"
#include "policy.h"

#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void st_config_defaults(st_config *c)
{
    memset(c, 0, sizeof(*c));
    c->enabled = true;
    c->sample_rate = 1.0;
    c->traces_sample_rate = 1.0;
    c->send_default_pii = false;
    c->send_client_reports = true;
    st_strlcpy(c->scrub_fields, ST_POLICY_DEFAULT_SCRUB_FIELDS, sizeof c->scrub_fields);
    c->ignore_exceptions[0] = '\0';
    c->failure_threshold = 5;

    c->timeout_ms = 30 * 1000;
    c->connect_timeout_ms = 10 * 1000;
    c->compression = true;
    c->ssl_verify = true;

    c->max_attempts = 3;
    c->initial_backoff_ms = 1000;
    c->backoff_multiplier = 2.0;
    c->max_backoff_ms = 300 * 1000;
    c->dead_letter_queue = true;
    c->dead_letter_max_files = 1000;
    c->dead_letter_max_bytes = 100u * 1024u * 1024u;

    c->buffer_size = 1000;
    c->workers = 4;
    c->batch_size = 10;
    c->batch_timeout_ms = 5 * 1000;
    st_strlcpy(c->queue_name, "default", sizeof(c->queue_name));
    c->queue_memory = 16u * 1024u * 1024u;
    c->drainer_stale_after_ms = 3 * 1000;

    c->shutdown_timeout_ms = 2 * 1000;

    c->log_level = ST_LOG_WARNING;

    c->max_breadcrumbs = 100;
    st_strlcpy(c->in_app_exclude, "/vendor/", sizeof c->in_app_exclude);
    c->context_lines = 0;
    c->capture_errors = false;
    c->error_breadcrumbs = false;
}

/* Bounds of `s` without surrounding whitespace. */
static void trim(const char *s, const char **begin, size_t *len)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    *begin = s;
    *len = n;
}

/* Case-insensitive comparison of a counted string with a literal. */
static bool word_eq(const char *p, size_t n, const char *word)
{
    return strlen(word) == n && strncasecmp(p, word, n) == 0;
}

/* *v = *v * 10 + digit, false on uint64 overflow. */
static bool add_digit(uint64_t *v, char c)
{
    uint64_t d = (uint64_t)(c - '0');
    if (*v > UINT64_MAX / 10 || (*v == UINT64_MAX / 10 && d > UINT64_MAX % 10))
        return false;
    *v = *v * 10 + d;
    return true;
}

int st_parse_duration_ms(const char *s, int64_t *out)
{
    if (!s)
        return -1;
    const char *p;
    size_t n;
    trim(s, &p, &n);
    const char *end = p + n;

    /* Integer part, with overflow detection. No sign is accepted: negatives are bad. */
    uint64_t ip = 0;
    int digits = 0;
    while (p < end && isdigit((unsigned char)*p)) {
        if (!add_digit(&ip, *p))
            return -1;
        p++;
        digits++;
    }
    /* Fraction: the first 9 digits are kept (sub-nanosecond precision is meaningless),
     * further digits must still be digits. */
    uint64_t frac = 0, frac_scale = 1;
    if (p < end && *p == '.') {
        p++;
        while (p < end && isdigit((unsigned char)*p)) {
            if (frac_scale < 1000000000u) {
                frac = frac * 10 + (uint64_t)(*p - '0');
                frac_scale *= 10;
            }
            p++;
            digits++;
        }
    }
    if (digits == 0)
        return -1;
    while (p < end && isspace((unsigned char)*p))
        p++;

    uint64_t mult; /* milliseconds per unit */
    size_t ulen = (size_t)(end - p);
    if (ulen == 0 || word_eq(p, ulen, "s"))
        mult = 1000;
    else if (word_eq(p, ulen, "ms"))
        mult = 1;
    else if (word_eq(p, ulen, "m"))
        mult = 60 * 1000;
    else if (word_eq(p, ulen, "h"))
        mult = 3600 * 1000;
    else
        return -1;

    if (ip > (uint64_t)INT64_MAX / mult)
        return -1;
    uint64_t ms = ip * mult;
    /* frac < 1e9 and mult <= 3.6e6, so the product fits 64 bits; round to nearest ms. */
    uint64_t fms = (frac * mult + frac_scale / 2) / frac_scale;
    if (ms > (uint64_t)INT64_MAX - fms)
        return -1;
    *out = (int64_t)(ms + fms);
    return 0;
}

int st_parse_size(const char *s, uint64_t *out)
{
    if (!s)
        return -1;
    const char *p;
    size_t n;
    trim(s, &p, &n);
    const char *end = p + n;

    /* Whole numbers only: "1.5G" is refused rather than guessed. */
    uint64_t v = 0;
    int digits = 0;
    while (p < end && isdigit((unsigned char)*p)) {
        if (!add_digit(&v, *p))
            return -1;
        p++;
        digits++;
    }
    if (digits == 0)
        return -1;
    while (p < end && isspace((unsigned char)*p))
        p++;

    /* Units are binary (K = 1024), as PHP's own memory_limit reads them. */
    uint64_t mult = 1;
    bool has_prefix = true;
    if (p < end) {
        switch (tolower((unsigned char)*p)) {
        case 'k':
            mult = 1ull << 10;
            break;
        case 'm':
            mult = 1ull << 20;
            break;
        case 'g':
            mult = 1ull << 30;
            break;
        case 't':
            mult = 1ull << 40;
            break;
        default:
            has_prefix = false;
            break;
        }
        if (has_prefix)
            p++;
    }
    size_t rest = (size_t)(end - p);
    if (rest == 0) {
        /* nothing more */
    } else if (word_eq(p, rest, "b")) {
        /* "16MB", "1048576B" */
    } else if (mult > 1 && word_eq(p, rest, "ib")) {
        /* "16MiB" */
    } else {
        return -1;
    }
    if (v > UINT64_MAX / mult)
        return -1;
    *out = v * mult;
    return 0;
}

int st_parse_bool(const char *s, bool *out)
{
    if (!s)
        return -1;
    const char *p;
    size_t n;
    trim(s, &p, &n);
    if (n == 0 || word_eq(p, n, "0") || word_eq(p, n, "off") || word_eq(p, n, "false") ||
        word_eq(p, n, "no")) {
        *out = false;
        return 0;
    }
    if (word_eq(p, n, "1") || word_eq(p, n, "on") || word_eq(p, n, "true") ||
        word_eq(p, n, "yes")) {
        *out = true;
        return 0;
    }
    return -1;
}

int st_parse_log_level(const char *s, st_log_level *out)
{
    if (!s)
        return -1;
    const char *p;
    size_t n;
    trim(s, &p, &n);
    if (word_eq(p, n, "debug"))
        *out = ST_LOG_DEBUG;
    else if (word_eq(p, n, "info"))
        *out = ST_LOG_INFO;
    else if (word_eq(p, n, "warning") || word_eq(p, n, "warn"))
        *out = ST_LOG_WARNING;
    else if (word_eq(p, n, "error"))
        *out = ST_LOG_ERROR;
    else if (word_eq(p, n, "off") || word_eq(p, n, "none"))
        *out = ST_LOG_OFF;
    else
        return -1;
    return 0;
}

/* Trimmed copy of a numeric value into buf; -1 if empty or implausibly long. */
static int trimmed_copy(const char *s, char *buf, size_t size)
{
    if (!s)
        return -1;
    const char *p;
    size_t n;
    trim(s, &p, &n);
    if (n == 0 || n >= size)
        return -1;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return 0;
}

int st_parse_int_range(const char *s, long min, long max, long *out)
{
    char buf[64];
    if (trimmed_copy(s, buf, sizeof(buf)) != 0)
        return -1;
    /* strtol would skip inner leading spaces of "- 5"; only a sign or digit may start. */
    if (!(isdigit((unsigned char)buf[0]) || buf[0] == '-' || buf[0] == '+'))
        return -1;
    char *endp;
    errno = 0;
    long v = strtol(buf, &endp, 10);
    if (errno != 0 || endp == buf || *endp != '\0')
        return -1;
    if (v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* php.ini values always use '.', whatever LC_NUMERIC a script selected with setlocale():
 * parse doubles in a private "C" locale. */
static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
    c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

int st_parse_double_range(const char *s, double min, double max, double *out)
{
    char buf[128];
    if (trimmed_copy(s, buf, sizeof(buf)) != 0)
        return -1;
    /* Only plain decimal notation: strtod alone would also take "inf", "nan", "0x1p3". */
    bool digit = false;
    for (const char *q = buf; *q; q++) {
        if (isdigit((unsigned char)*q))
            digit = true;
        else if (!strchr(".eE+-", *q))
            return -1;
    }
    if (!digit)
        return -1;
    char *endp;
    errno = 0;
    pthread_once(&c_locale_once, c_locale_init);
    double v = c_locale ? strtod_l(buf, &endp, c_locale) : strtod(buf, &endp);
    if (errno == ERANGE && fabs(v) > 1.0)
        return -1; /* overflow; underflow to ~0 is harmless */
    if (endp == buf || *endp != '\0' || !isfinite(v))
        return -1;
    if (v < min || v > max)
        return -1;
    *out = v;
    return 0;
}
