/* Reading one php.ini value: parsing, range checks, the warning for a bad value
 * (ini_read.h). The keys themselves and what they set are in ini.c. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "php.h"

#include "ini.h"
#include "ini_read.h"
#include "../core/compress.h"

#define ST_QUEUE_NAME_MAX 32
/* Durations are bounded so that every later arithmetic on them (backoff growth, curl's
 * long milliseconds) stays far from overflow. */
#define ST_MAX_DURATION_MS (24LL * 3600 * 1000)

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
void st_ini_report(bool warn, const char *label, const char *value, bool secret,
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

bool st_ini_blank(const char *s)
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
void st_ini_bool(bool warn, const char *label, const char *raw, bool *dst)
{
    bool v;
    if (raw == NULL) {
        return;
    }
    if (st_parse_bool(raw, &v) != 0) {
        st_ini_report(warn, label, raw, false, "on/off, 1/0, true/false or yes/no",
                      *dst ? "on" : "off");
        return;
    }
    *dst = v;
}

/* Empty keeps the default silently; so do the other numeric loaders. */
void st_ini_duration(bool warn, const char *label, const char *raw, int64_t min_ms, int64_t *dst)
{
    int64_t v;
    if (st_ini_blank(raw)) {
        return;
    }
    if (st_parse_duration_ms(raw, &v) != 0 || v < min_ms || v > ST_MAX_DURATION_MS) {
        char dflt[32];
        st_php_format_duration(*dst, dflt, sizeof(dflt));
        st_ini_report(warn, label, raw, false,
                      min_ms > 0 ? "a duration like \"30s\" or \"500ms\", from 1ms to 24h"
                                 : "a duration like \"30s\" or \"500ms\", from 0 to 24h",
                      dflt);
        return;
    }
    *dst = v;
}

void st_ini_int(bool warn, const char *label, const char *raw, long min, long max, int *dst)
{
    long v;
    if (st_ini_blank(raw)) {
        return;
    }
    if (st_parse_int_range(raw, min, max, &v) != 0) {
        char expected[96], dflt[32];
        snprintf(expected, sizeof(expected), "an integer from %ld to %ld", min, max);
        snprintf(dflt, sizeof(dflt), "%d", *dst);
        st_ini_report(warn, label, raw, false, expected, dflt);
        return;
    }
    *dst = (int)v;
}

bool st_ini_double(bool warn, const char *label, const char *raw, double min, double max,
                   double *dst)
{
    double v;
    if (st_ini_blank(raw)) {
        return false;
    }
    if (st_parse_double_range(raw, min, max, &v) != 0) {
        char expected[96], dflt[32];
        snprintf(expected, sizeof(expected), "a number from %g to %g", min, max);
        snprintf(dflt, sizeof(dflt), "%g", *dst);
        st_ini_report(warn, label, raw, false, expected, dflt);
        return true;
    }
    *dst = v;
    return true;
}

void st_ini_size(bool warn, const char *label, const char *raw, uint64_t min, uint64_t max,
                 uint64_t *dst)
{
    uint64_t v;
    if (st_ini_blank(raw)) {
        return;
    }
    if (st_parse_size(raw, &v) != 0 || v < min || v > max) {
        char expected[96], lo[32], hi[32], dflt[32];
        st_php_format_size(min, lo, sizeof(lo));
        st_php_format_size(max, hi, sizeof(hi));
        snprintf(expected, sizeof(expected), "a size like \"16M\" or \"512K\", from %s to %s", lo,
                 hi);
        st_php_format_size(*dst, dflt, sizeof(dflt));
        st_ini_report(warn, label, raw, false, expected, dflt);
        return;
    }
    *dst = v;
}

void st_ini_http_version(bool warn, const char *label, const char *raw, st_http_version *dst)
{
    st_http_version v;
    if (st_ini_blank(raw)) {
        return;
    }
    if (st_parse_http_version(raw, &v) != 0) {
        st_ini_report(warn, label, raw, false, "auto, 1.1, 2 or 2-prior-knowledge",
                      st_http_version_name(*dst));
        return;
    }
    *dst = v;
}

void st_ini_log_level(bool warn, const char *label, const char *raw, st_log_level *dst)
{
    st_log_level v;
    if (st_ini_blank(raw)) { /* php.ini reads Off, None, No and False as "": logging off */
        *dst = ST_LOG_OFF;
        return;
    }
    if (st_parse_log_level(raw, &v) != 0) {
        st_ini_report(warn, label, raw, false, "debug, info, warning, error or off",
                      st_log_level_name(*dst));
        return;
    }
    *dst = v;
}

/* gzip (= 1, on), zstd, none (= 0, off); zstd in a build without libzstd warns and
 * keeps gzip. */
void st_ini_compression(bool warn, const char *label, const char *raw, int *dst)
{
    int v;
    if (raw == NULL) {
        return;
    }
    if (st_parse_compression(raw, &v) != 0) {
        st_ini_report(warn, label, raw, false, "gzip, zstd or none (1 = gzip, 0 = none)",
                      st_compression_name(*dst));
        return;
    }
    if (!st_compression_available(v)) {
        if (warn) {
            php_error_docref(NULL, E_WARNING,
                             "%s: zstd is not built into this sentry_transport (configure found "
                             "no libzstd; install libzstd-dev and rebuild), using gzip",
                             label);
        }
        v = ST_COMPRESS_GZIP;
    }
    *dst = v;
}

/* ---------------------------------------------------------------------------------------
 * Text keys
 * ------------------------------------------------------------------------------------- */

bool st_ini_check_printable(const char *s, size_t len)
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
bool st_ini_check_absolute_path(const char *s, size_t len)
{
    return len > 0 && s[0] == '/' && st_ini_check_printable(s, len);
}

bool st_ini_check_queue_name(const char *s, size_t len)
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
bool st_ini_check_environment(const char *s, size_t len)
{
    if (len > 64 || (len == 4 && memcmp(s, "None", 4) == 0) || !st_ini_check_printable(s, len)) {
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
bool st_ini_check_release(const char *s, size_t len)
{
    if (len > 200 || !st_ini_check_printable(s, len)) {
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

st_ini_text_result st_ini_text(bool warn, const char *label, const char *raw,
                               const st_ini_text_key *k, char *dst, size_t cap)
{
    if (st_ini_blank(raw)) {
        return ST_INI_TEXT_EMPTY;
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
        st_ini_report(warn, label, raw, k->secret, expected, dflt);
        return ST_INI_TEXT_BAD;
    }
    memcpy(dst, start, len);
    dst[len] = '\0';
    return ST_INI_TEXT_SET;
}

/* A text key with an environment fallback: php.ini first, then the variable. */
void st_ini_text_env(bool warn, const char *label, const char *raw, const char *env,
                     const st_ini_text_key *k, char *dst, size_t cap)
{
    if (st_ini_text(warn, label, raw, k, dst, cap) == ST_INI_TEXT_EMPTY && env != NULL) {
        (void)st_ini_text(warn, env, getenv(env), k, dst, cap);
    }
}
