/* The php.ini surface: registration of the sentry_transport.* keys and their
 * translation into the plain C st_config (DESIGN.md §2, §7).
 *
 * Every key is registered as a raw string (OnUpdateString) and parsed here with the core's
 * st_parse_* functions, so that php.ini accepts the seed plugin's spelling ("30s", "16M",
 * "warning") and a bad value costs one clear warning instead of a silent zero. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "php.h"
#include "php_ini.h"

#include "php_sentry_transport.h"
#include "../core/log.h"
#include "../core/policy.h"
#include "ini.h"
#include "../core/common.h"
#include "../core/config.h"
#include "../core/dsn.h"

#define ST_INI_PREFIX "sentry_transport."

/* Ranges of the numeric keys. Durations are bounded so that every later arithmetic on
 * them (backoff growth, curl's long milliseconds) stays far from overflow. */
#define ST_MAX_DURATION_MS (24LL * 3600 * 1000)
#define ST_MIN_QUEUE_MEMORY (256ULL * 1024) /* header + a ring that holds a few events */
#define ST_MAX_QUEUE_MEMORY (4ULL * 1024 * 1024 * 1024)
#define ST_QUEUE_NAME_MAX 32
/* Bounds of the dead-letter directory (issue #3). */
#define ST_MAX_DEAD_LETTER_FILES 1000000
#define ST_MIN_DEAD_LETTER_BYTES (1ULL * 1024)
#define ST_MAX_DEAD_LETTER_BYTES (1ULL * 1024 * 1024 * 1024 * 1024)

/* ---------------------------------------------------------------------------------------
 * Registration
 * ------------------------------------------------------------------------------------- */

#define ST_INI_ENTRY(key, field, dflt)                                                             \
    STD_PHP_INI_ENTRY(ST_INI_PREFIX key, dflt, PHP_INI_SYSTEM, OnUpdateString, field,              \
                      zend_sentry_transport_globals, sentry_transport_globals)

/* Defaults mirror st_config_defaults() (src/core/config.c), written the seed's way.
 * dsn, environment, release and sample_rate default to "" so that SENTRY_DSN,
 * SENTRY_ENVIRONMENT, SENTRY_RELEASE and SENTRY_SAMPLE_RATE can fill them. */
PHP_INI_BEGIN()
    ST_INI_ENTRY("enabled", ini_enabled, "1")
    ST_INI_ENTRY("dsn", ini_dsn, "")
    ST_INI_ENTRY("environment", ini_environment, "")
    ST_INI_ENTRY("release", ini_release, "")
    ST_INI_ENTRY("server_name", ini_server_name, "")
    ST_INI_ENTRY("sample_rate", ini_sample_rate, "")
    ST_INI_ENTRY("traces_sample_rate", ini_traces_sample_rate, "")
    ST_INI_ENTRY("send_default_pii", ini_send_default_pii, "0")
    ST_INI_ENTRY("send_client_reports", ini_send_client_reports, "1")
    ST_INI_ENTRY("scrub_fields", ini_scrub_fields, ST_POLICY_DEFAULT_SCRUB_FIELDS)
    ST_INI_ENTRY("ignore_exceptions", ini_ignore_exceptions, "")
    ST_INI_ENTRY("upstream.failure_threshold", ini_upstream_failure_threshold, "5")

    ST_INI_ENTRY("transport.timeout", ini_transport_timeout, "30s")
    ST_INI_ENTRY("transport.connect_timeout", ini_transport_connect_timeout, "10s")
    ST_INI_ENTRY("transport.compression", ini_transport_compression, "1")
    ST_INI_ENTRY("transport.ssl_verify", ini_transport_ssl_verify, "1")
    ST_INI_ENTRY("transport.proxy", ini_transport_proxy, "")
    ST_INI_ENTRY("transport.proxy_auth", ini_transport_proxy_auth, "")
    ST_INI_ENTRY("transport.ca_info", ini_transport_ca_info, "")

    ST_INI_ENTRY("retry.max_attempts", ini_retry_max_attempts, "3")
    ST_INI_ENTRY("retry.initial_backoff", ini_retry_initial_backoff, "1s")
    ST_INI_ENTRY("retry.backoff_multiplier", ini_retry_backoff_multiplier, "2")
    ST_INI_ENTRY("retry.max_backoff", ini_retry_max_backoff, "300s")
    ST_INI_ENTRY("retry.dead_letter_queue", ini_retry_dead_letter_queue, "1")
    ST_INI_ENTRY("retry.dead_letter_path", ini_retry_dead_letter_path, "")
    /* dead-letter bounds (issue #3) */
    ST_INI_ENTRY("retry.dead_letter_max_files", ini_retry_dead_letter_max_files, "1000")
    ST_INI_ENTRY("retry.dead_letter_max_bytes", ini_retry_dead_letter_max_bytes, "100M")

    ST_INI_ENTRY("queue.buffer_size", ini_queue_buffer_size, "1000")
    ST_INI_ENTRY("queue.workers", ini_queue_workers, "4")
    ST_INI_ENTRY("queue.batch_size", ini_queue_batch_size, "10")
    ST_INI_ENTRY("queue.batch_timeout", ini_queue_batch_timeout, "5s")
    ST_INI_ENTRY("queue.name", ini_queue_name, "default")
    ST_INI_ENTRY("queue.path", ini_queue_path, "")
    ST_INI_ENTRY("queue.memory", ini_queue_memory, "16M")
    ST_INI_ENTRY("queue.drainer_stale_after", ini_queue_drainer_stale_after, "3s")

    ST_INI_ENTRY("shutdown_timeout", ini_shutdown_timeout, "2s")

    ST_INI_ENTRY("logging.level", ini_logging_level, "warning")
    ST_INI_ENTRY("logging.file", ini_logging_file, "")

    /* captureException & co., automatic capture (issue #9) */
    ST_INI_ENTRY("max_breadcrumbs", ini_max_breadcrumbs, "100")
    ST_INI_ENTRY("in_app_exclude", ini_in_app_exclude, "/vendor/")
    ST_INI_ENTRY("context_lines", ini_context_lines, "0")
    ST_INI_ENTRY("capture_errors", ini_capture_errors, "0")
    ST_INI_ENTRY("error_breadcrumbs", ini_error_breadcrumbs, "0")
PHP_INI_END()

void st_php_ini_register(int type, int module_number)
{
#if PHP_VERSION_ID >= 80200
    zend_register_ini_entries_ex(ini_entries, module_number, type);
#else
    (void)type;
    zend_register_ini_entries(ini_entries, module_number);
#endif
}

void st_php_ini_unregister(int type, int module_number)
{
#if PHP_VERSION_ID >= 80200
    zend_unregister_ini_entries_ex(module_number, type);
#else
    (void)type;
    zend_unregister_ini_entries(module_number);
#endif
}

/* ---------------------------------------------------------------------------------------
 * Formatting
 * ------------------------------------------------------------------------------------- */

void st_php_format_duration(int64_t ms, char *buf, size_t size)
{
    if (ms != 0 && ms % 1000 == 0) {
        snprintf(buf, size, "%llds", (long long)(ms / 1000));
    } else {
        snprintf(buf, size, "%lldms", (long long)ms);
    }
}

void st_php_format_size(uint64_t bytes, char *buf, size_t size)
{
    static const struct {
        uint64_t unit;
        char suffix;
    } units[] = {{1ULL << 30, 'G'}, {1ULL << 20, 'M'}, {1ULL << 10, 'K'}};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (bytes != 0 && bytes % units[i].unit == 0) {
            snprintf(buf, size, "%llu%c", (unsigned long long)(bytes / units[i].unit),
                     units[i].suffix);
            return;
        }
    }
    snprintf(buf, size, "%llu", (unsigned long long)bytes);
}

/* ---------------------------------------------------------------------------------------
 * Warnings
 * ------------------------------------------------------------------------------------- */

/* A printable excerpt of a user value for a warning: at most 64 bytes (cut on a UTF-8
 * boundary), control characters and quotes replaced by '?'. */
static void excerpt(const char *value, char *out, size_t size)
{
    const size_t max = 64;
    size_t len = strlen(value);
    bool cut = false;
    if (len > max) {
        len = max;
        while (len > 0 && ((unsigned char)value[len] & 0xC0) == 0x80) {
            len--;
        }
        cut = true;
    }
    if (len > size - 4) {
        len = size - 4;
    }
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)value[i];
        out[o++] = (c < 0x20 || c == 0x7f || c == '"') ? '?' : (char)c;
    }
    if (cut) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

/* One warning per bad value: "<label>: invalid value "<v>" (expected <what>), using default
 * <dflt>". `label` is the php.ini key or the environment variable that held the value. */
static void report(bool warn, const char *label, const char *value, bool secret,
                   const char *expected, const char *dflt)
{
    if (!warn) {
        return;
    }
    if (secret) {
        php_error_docref(NULL, E_WARNING,
                         "%s: invalid value (hidden) (expected %s), using default %s", label,
                         expected, dflt);
    } else {
        char shown[80];
        excerpt(value, shown, sizeof(shown));
        php_error_docref(NULL, E_WARNING,
                         "%s: invalid value \"%s\" (expected %s), using default %s", label, shown,
                         expected, dflt);
    }
}

static bool is_blank(const char *s)
{
    if (s == NULL) {
        return true;
    }
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') {
        s++;
    }
    return *s == '\0';
}

/* ---------------------------------------------------------------------------------------
 * Scalar keys
 * ------------------------------------------------------------------------------------- */

/* Booleans follow php.ini: "On"/"1"/"yes"/"true", and "Off" reaches us as "" (false). */
static void load_bool(bool warn, const char *label, const char *raw, bool *dst)
{
    bool v;
    if (raw == NULL) {
        return;
    }
    if (st_parse_bool(raw, &v) != 0) {
        report(warn, label, raw, false, "on/off, 1/0, true/false or yes/no", *dst ? "on" : "off");
        return;
    }
    *dst = v;
}

/* Empty keeps the default silently; so do the other numeric loaders. */
static void load_duration(bool warn, const char *label, const char *raw, int64_t min_ms,
                          int64_t *dst)
{
    int64_t v;
    if (is_blank(raw)) {
        return;
    }
    if (st_parse_duration_ms(raw, &v) != 0 || v < min_ms || v > ST_MAX_DURATION_MS) {
        char dflt[32];
        st_php_format_duration(*dst, dflt, sizeof(dflt));
        report(warn, label, raw, false,
               min_ms > 0 ? "a duration like \"30s\" or \"500ms\", from 1ms to 24h"
                          : "a duration like \"30s\" or \"500ms\", from 0 to 24h",
               dflt);
        return;
    }
    *dst = v;
}

static void load_int(bool warn, const char *label, const char *raw, long min, long max, int *dst)
{
    long v;
    if (is_blank(raw)) {
        return;
    }
    if (st_parse_int_range(raw, min, max, &v) != 0) {
        char expected[96], dflt[32];
        snprintf(expected, sizeof(expected), "an integer from %ld to %ld", min, max);
        snprintf(dflt, sizeof(dflt), "%d", *dst);
        report(warn, label, raw, false, expected, dflt);
        return;
    }
    *dst = (int)v;
}

static bool load_double(bool warn, const char *label, const char *raw, double min, double max,
                        double *dst)
{
    double v;
    if (is_blank(raw)) {
        return false;
    }
    if (st_parse_double_range(raw, min, max, &v) != 0) {
        char expected[96], dflt[32];
        snprintf(expected, sizeof(expected), "a number from %g to %g", min, max);
        snprintf(dflt, sizeof(dflt), "%g", *dst);
        report(warn, label, raw, false, expected, dflt);
        return true;
    }
    *dst = v;
    return true;
}

static void load_size(bool warn, const char *label, const char *raw, uint64_t min, uint64_t max,
                      uint64_t *dst)
{
    uint64_t v;
    if (is_blank(raw)) {
        return;
    }
    if (st_parse_size(raw, &v) != 0 || v < min || v > max) {
        char expected[96], lo[32], hi[32], dflt[32];
        st_php_format_size(min, lo, sizeof(lo));
        st_php_format_size(max, hi, sizeof(hi));
        snprintf(expected, sizeof(expected), "a size like \"16M\" or \"512K\", from %s to %s", lo,
                 hi);
        st_php_format_size(*dst, dflt, sizeof(dflt));
        report(warn, label, raw, false, expected, dflt);
        return;
    }
    *dst = v;
}

static void load_log_level(bool warn, const char *label, const char *raw, st_log_level *dst)
{
    st_log_level v;
    if (is_blank(raw)) { /* php.ini reads Off, None, No and False as "": logging off */
        *dst = ST_LOG_OFF;
        return;
    }
    if (st_parse_log_level(raw, &v) != 0) {
        report(warn, label, raw, false, "debug, info, warning, error or off",
               st_log_level_name(*dst));
        return;
    }
    *dst = v;
}

/* ---------------------------------------------------------------------------------------
 * Text keys
 * ------------------------------------------------------------------------------------- */

/* A check on a trimmed, length-checked value; true when acceptable. */
typedef bool (*text_check)(const char *s, size_t len);

static bool check_printable(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) {
            return false;
        }
    }
    return true;
}

/* Files the extension opens from processes with different working directories (FPM
 * master, children, CLI) must not depend on the working directory. */
static bool check_absolute_path(const char *s, size_t len)
{
    return len > 0 && s[0] == '/' && check_printable(s, len);
}

static bool check_queue_name(const char *s, size_t len)
{
    if (len < 1 || len > ST_QUEUE_NAME_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(isalnum(c) || c == '_' || c == '.' || c == '-')) {
            return false;
        }
    }
    return true;
}

/* Sentry: "cannot contain newlines, spaces or forward slashes, cannot be the string
 * "None", or exceed 64 characters". */
static bool check_environment(const char *s, size_t len)
{
    if (len > 64 || (len == 4 && memcmp(s, "None", 4) == 0) || !check_printable(s, len)) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] == ' ' || s[i] == '/') {
            return false;
        }
    }
    return true;
}

/* Sentry: "cannot contain newlines, tabulator characters, forward slashes or back
 * slashes", cannot be ".", ".." or " ", at most 200 characters. */
static bool check_release(const char *s, size_t len)
{
    if (len > 200 || !check_printable(s, len)) {
        return false;
    }
    if ((len == 1 && (s[0] == '.' || s[0] == ' ')) || (len == 2 && memcmp(s, "..", 2) == 0)) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '/' || s[i] == '\\') {
            return false;
        }
    }
    return true;
}

typedef enum text_result {
    TEXT_EMPTY, /* blank: caller may fall back */
    TEXT_SET,   /* accepted and copied */
    TEXT_BAD,   /* rejected, warned, destination untouched */
} text_result;

typedef struct text_key {
    const char *expected; /* for the warning */
    text_check check;
    bool secret;
    bool add_length; /* append "at most N bytes" (the st_config buffer) to `expected` */
} text_key;

static text_result load_text(bool warn, const char *label, const char *raw, const text_key *k,
                             char *dst, size_t cap)
{
    if (is_blank(raw)) {
        return TEXT_EMPTY;
    }
    const char *start = raw;
    while (*start == ' ' || *start == '\t') {
        start++;
    }
    size_t len = strlen(start);
    while (len > 0 && (start[len - 1] == ' ' || start[len - 1] == '\t' || start[len - 1] == '\r' ||
                       start[len - 1] == '\n')) {
        len--;
    }
    if (len >= cap || !k->check(start, len)) {
        char expected[192], dflt[96];
        if (k->add_length) {
            snprintf(expected, sizeof(expected), "%s, at most %zu bytes", k->expected, cap - 1);
        } else {
            snprintf(expected, sizeof(expected), "%s", k->expected);
        }
        if (dst[0] == '\0') {
            snprintf(dflt, sizeof(dflt), "(none)");
        } else if (k->secret) {
            snprintf(dflt, sizeof(dflt), "(hidden)");
        } else {
            char shown[80];
            excerpt(dst, shown, sizeof(shown));
            snprintf(dflt, sizeof(dflt), "\"%s\"", shown); /* excerpt() marks a cut with ... */
        }
        report(warn, label, raw, k->secret, expected, dflt);
        return TEXT_BAD;
    }
    memcpy(dst, start, len);
    dst[len] = '\0';
    return TEXT_SET;
}

/* A text key with an environment fallback: php.ini first, then the variable. */
static void load_text_env(bool warn, const char *label, const char *raw, const char *env,
                          const text_key *k, char *dst, size_t cap)
{
    if (load_text(warn, label, raw, k, dst, cap) == TEXT_EMPTY && env != NULL) {
        (void)load_text(warn, env, getenv(env), k, dst, cap);
    }
}

/* The DSN is a secret (it may carry the deprecated secret key): it is never echoed. A DSN
 * that st_dsn_parse() rejects leaves the transport without a DSN. */
static void load_dsn(bool warn, st_config *out)
{
    static const text_key k = {"printable text", check_printable, true, true};
    const char *label = ST_INI_PREFIX "dsn";
    const char *raw = STG(ini_dsn);
    char buf[sizeof(out->dsn)];

    st_strlcpy(buf, out->dsn, sizeof(buf));
    text_result r = load_text(warn, label, raw, &k, buf, sizeof(buf));
    if (r == TEXT_EMPTY) {
        label = "SENTRY_DSN";
        raw = getenv("SENTRY_DSN");
        r = load_text(warn, label, raw, &k, buf, sizeof(buf));
    }
    if (r != TEXT_SET) {
        return;
    }

    st_dsn dsn;
    char err[256] = "";
    if (st_dsn_parse(buf, &dsn, err, sizeof(err)) != 0) {
        char expected[384];
        snprintf(expected, sizeof(expected),
                 "a DSN like \"https://<public_key>@<host>/<project_id>\": %s",
                 err[0] ? err : "unparsable");
        report(warn, label, raw, true, expected, "(the transport stays off)");
        /* Kept, so getStatus() says the DSN is set but invalid, and why. */
    }
    st_strlcpy(out->dsn, buf, sizeof(out->dsn));
}

/* queue.drainer_stale_after (issue 11.1): below 500ms a scheduling hiccup would pass for
 * a stalled drainer; above 1h events would wait that long behind a frozen one. */
#define ST_MIN_STALE_AFTER_MS 500
#define ST_MAX_STALE_AFTER_MS (3600LL * 1000)
static void load_stale_after(bool warn, const char *label, const char *raw, int64_t *dst)
{
    int64_t v;
    if (is_blank(raw)) {
        return;
    }
    if (st_parse_duration_ms(raw, &v) != 0 || v < ST_MIN_STALE_AFTER_MS ||
        v > ST_MAX_STALE_AFTER_MS) {
        char dflt[32];
        st_php_format_duration(*dst, dflt, sizeof(dflt));
        report(warn, label, raw, false, "a duration like \"3s\" or \"1500ms\", from 500ms to 1h",
               dflt);
        return;
    }
    *dst = v;
}

/* ---------------------------------------------------------------------------------------
 * The whole configuration
 * ------------------------------------------------------------------------------------- */

#define KEY(k) ST_INI_PREFIX k

void st_php_config_load(st_config *out, bool warn)
{
    static const text_key k_text = {"printable text", check_printable, false, true};
    static const text_key k_secret = {"printable text", check_printable, true, true};
    static const text_key k_path = {"an absolute path", check_absolute_path, false, true};
    static const text_key k_env = {
        "a Sentry environment name (no spaces, slashes or newlines, not \"None\", at most "
        "64 characters)",
        check_environment, false, false};
    static const text_key k_release = {
        "a Sentry release name (no slashes, backslashes, tabs or newlines, not \".\" or "
        "\"..\", at most 200 characters)",
        check_release, false, false};
    static const text_key k_queue = {"a name of 1 to 32 characters from [A-Za-z0-9_.-]",
                                     check_queue_name, false, false};

    st_config_defaults(out);

    load_bool(warn, KEY("enabled"), STG(ini_enabled), &out->enabled);
    load_dsn(warn, out);
    load_text_env(warn, KEY("environment"), STG(ini_environment), "SENTRY_ENVIRONMENT", &k_env,
                  out->environment, sizeof(out->environment));
    load_text_env(warn, KEY("release"), STG(ini_release), "SENTRY_RELEASE", &k_release,
                  out->release, sizeof(out->release));
    load_text_env(warn, KEY("server_name"), STG(ini_server_name), NULL, &k_text, out->server_name,
                  sizeof(out->server_name));
    if (out->server_name[0] == '\0') {
        char host[256];
        if (gethostname(host, sizeof(host)) == 0) {
            host[sizeof(host) - 1] = '\0';
            st_strlcpy(out->server_name, host, sizeof(out->server_name));
        }
    }
    if (!load_double(warn, KEY("sample_rate"), STG(ini_sample_rate), 0.0, 1.0, &out->sample_rate)) {
        (void)load_double(warn, "SENTRY_SAMPLE_RATE", getenv("SENTRY_SAMPLE_RATE"), 0.0, 1.0,
                          &out->sample_rate);
    }

    if (!load_double(warn, KEY("traces_sample_rate"), STG(ini_traces_sample_rate), 0.0, 1.0,
                     &out->traces_sample_rate)) {
        (void)load_double(warn, "SENTRY_TRACES_SAMPLE_RATE", getenv("SENTRY_TRACES_SAMPLE_RATE"),
                          0.0, 1.0, &out->traces_sample_rate);
    }
    load_bool(warn, KEY("send_default_pii"), STG(ini_send_default_pii), &out->send_default_pii);
    load_bool(warn, KEY("send_client_reports"), STG(ini_send_client_reports),
              &out->send_client_reports);
    load_text(warn, KEY("scrub_fields"), STG(ini_scrub_fields), &k_text, out->scrub_fields,
              sizeof(out->scrub_fields));
    load_text(warn, KEY("ignore_exceptions"), STG(ini_ignore_exceptions), &k_text,
              out->ignore_exceptions, sizeof(out->ignore_exceptions));
    {
        int threshold = (int)out->failure_threshold;
        load_int(warn, KEY("upstream.failure_threshold"), STG(ini_upstream_failure_threshold), 1,
                 1000, &threshold);
        out->failure_threshold = (uint32_t)threshold;
    }

    /* transport.* */
    load_duration(warn, KEY("transport.timeout"), STG(ini_transport_timeout), 1, &out->timeout_ms);
    load_duration(warn, KEY("transport.connect_timeout"), STG(ini_transport_connect_timeout), 1,
                  &out->connect_timeout_ms);
    load_bool(warn, KEY("transport.compression"), STG(ini_transport_compression),
              &out->compression);
    load_bool(warn, KEY("transport.ssl_verify"), STG(ini_transport_ssl_verify), &out->ssl_verify);
    /* A proxy URL may embed credentials: treated as a secret in warnings. */
    load_text(warn, KEY("transport.proxy"), STG(ini_transport_proxy), &k_secret, out->proxy,
              sizeof(out->proxy));
    load_text(warn, KEY("transport.proxy_auth"), STG(ini_transport_proxy_auth), &k_secret,
              out->proxy_auth, sizeof(out->proxy_auth));
    load_text(warn, KEY("transport.ca_info"), STG(ini_transport_ca_info), &k_path, out->ca_info,
              sizeof(out->ca_info));

    /* retry.* */
    load_int(warn, KEY("retry.max_attempts"), STG(ini_retry_max_attempts), 1, 100,
             &out->max_attempts);
    load_duration(warn, KEY("retry.initial_backoff"), STG(ini_retry_initial_backoff), 1,
                  &out->initial_backoff_ms);
    (void)load_double(warn, KEY("retry.backoff_multiplier"), STG(ini_retry_backoff_multiplier), 1.0,
                      100.0, &out->backoff_multiplier);
    load_duration(warn, KEY("retry.max_backoff"), STG(ini_retry_max_backoff), 1,
                  &out->max_backoff_ms);
    if (out->max_backoff_ms < out->initial_backoff_ms) {
        if (warn) {
            char max[32], initial[32];
            st_php_format_duration(out->max_backoff_ms, max, sizeof(max));
            st_php_format_duration(out->initial_backoff_ms, initial, sizeof(initial));
            php_error_docref(NULL, E_WARNING, "%s (%s) is shorter than %s (%s), using %s for both",
                             KEY("retry.max_backoff"), max, KEY("retry.initial_backoff"), initial,
                             initial);
        }
        out->max_backoff_ms = out->initial_backoff_ms;
    }
    load_bool(warn, KEY("retry.dead_letter_queue"), STG(ini_retry_dead_letter_queue),
              &out->dead_letter_queue);
    load_text(warn, KEY("retry.dead_letter_path"), STG(ini_retry_dead_letter_path), &k_path,
              out->dead_letter_path, sizeof(out->dead_letter_path));
    /* dead-letter bounds (issue #3): the oldest dead letters are pruned beyond them */
    {
        int max_files = (int)out->dead_letter_max_files;
        load_int(warn, KEY("retry.dead_letter_max_files"), STG(ini_retry_dead_letter_max_files), 1,
                 ST_MAX_DEAD_LETTER_FILES, &max_files);
        out->dead_letter_max_files = (uint32_t)max_files;
        load_size(warn, KEY("retry.dead_letter_max_bytes"), STG(ini_retry_dead_letter_max_bytes),
                  ST_MIN_DEAD_LETTER_BYTES, ST_MAX_DEAD_LETTER_BYTES, &out->dead_letter_max_bytes);
    }

    /* queue.* */
    load_int(warn, KEY("queue.buffer_size"), STG(ini_queue_buffer_size), 1, 10000000,
             &out->buffer_size);
    load_int(warn, KEY("queue.workers"), STG(ini_queue_workers), 1, 64, &out->workers);
    load_int(warn, KEY("queue.batch_size"), STG(ini_queue_batch_size), 1, 1000, &out->batch_size);
    load_duration(warn, KEY("queue.batch_timeout"), STG(ini_queue_batch_timeout), 1,
                  &out->batch_timeout_ms);
    load_text(warn, KEY("queue.name"), STG(ini_queue_name), &k_queue, out->queue_name,
              sizeof(out->queue_name));
    load_text(warn, KEY("queue.path"), STG(ini_queue_path), &k_path, out->queue_path,
              sizeof(out->queue_path));
    load_size(warn, KEY("queue.memory"), STG(ini_queue_memory), ST_MIN_QUEUE_MEMORY,
              ST_MAX_QUEUE_MEMORY, &out->queue_memory);
    load_stale_after(warn, KEY("queue.drainer_stale_after"), STG(ini_queue_drainer_stale_after),
                     &out->drainer_stale_after_ms);

    /* 0 is allowed: do not wait for the queue at process exit. */
    load_duration(warn, KEY("shutdown_timeout"), STG(ini_shutdown_timeout), 0,
                  &out->shutdown_timeout_ms);

    /* logging.* */
    load_log_level(warn, KEY("logging.level"), STG(ini_logging_level), &out->log_level);
    load_text(warn, KEY("logging.file"), STG(ini_logging_file), &k_path, out->log_file,
              sizeof(out->log_file));

    /* captureException & co. (issue #9) */
    load_int(warn, KEY("max_breadcrumbs"), STG(ini_max_breadcrumbs), 0, 1000,
             &out->max_breadcrumbs);
    if (STG(ini_in_app_exclude) && is_blank(STG(ini_in_app_exclude))) {
        out->in_app_exclude[0] = '\0'; /* "": every frame with a file is in_app */
    } else {
        load_text(warn, KEY("in_app_exclude"), STG(ini_in_app_exclude), &k_text,
                  out->in_app_exclude, sizeof(out->in_app_exclude));
    }
    load_int(warn, KEY("context_lines"), STG(ini_context_lines), 0, 20, &out->context_lines);
    load_bool(warn, KEY("capture_errors"), STG(ini_capture_errors), &out->capture_errors);
    load_bool(warn, KEY("error_breadcrumbs"), STG(ini_error_breadcrumbs), &out->error_breadcrumbs);
}
