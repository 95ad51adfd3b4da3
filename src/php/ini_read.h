/* Reading one php.ini value (ini.c has the keys): parse it with the core's st_parse_*
 * functions, check its range, and on a bad value keep the default and raise one E_WARNING
 * naming the key, "<label>: invalid value "<v>" (expected <what>), using default <dflt>"
 * (a secret's value is never echoed). `warn` false: the same, silently. `label` is the
 * php.ini key or the environment variable that held the value. PHP's thread only. */
#ifndef ST_PHP_INI_READ_H
#define ST_PHP_INI_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/common.h"
#include "../core/config.h"
#include "../core/log.h"

/* The warning for a bad value. */
void st_ini_report(bool warn, const char *label, const char *value, bool secret,
                   const char *expected, const char *dflt);
/* NULL, empty or only whitespace */
bool st_ini_blank(const char *s);

/* Each leaves *dst as it is when raw is NULL or bad, and the numeric ones and the HTTP
 * version when it is blank too. Blank is php.ini's "Off": a blank boolean is false, a blank
 * log level off, a blank compression none. st_ini_double returns whether raw was set (bad or
 * not), so that a caller can fall back to an environment variable. */
void st_ini_bool(bool warn, const char *label, const char *raw, bool *dst);
void st_ini_duration(bool warn, const char *label, const char *raw, int64_t min_ms, int64_t *dst);
void st_ini_int(bool warn, const char *label, const char *raw, long min, long max, int *dst);
bool st_ini_double(bool warn, const char *label, const char *raw, double min, double max,
                   double *dst);
void st_ini_size(bool warn, const char *label, const char *raw, uint64_t min, uint64_t max,
                 uint64_t *dst);
void st_ini_http_version(bool warn, const char *label, const char *raw, st_http_version *dst);
void st_ini_log_level(bool warn, const char *label, const char *raw, st_log_level *dst);
void st_ini_compression(bool warn, const char *label, const char *raw, int *dst);

/* Text values: trimmed, then length-checked against the st_config buffer and checked. */
typedef bool (*st_ini_text_check)(const char *s, size_t len);
bool st_ini_check_printable(const char *s, size_t len);
bool st_ini_check_absolute_path(const char *s, size_t len);
bool st_ini_check_queue_name(const char *s, size_t len);
bool st_ini_check_environment(const char *s, size_t len);
bool st_ini_check_release(const char *s, size_t len);

typedef enum st_ini_text_result {
    ST_INI_TEXT_EMPTY, /* blank: caller may fall back */
    ST_INI_TEXT_SET,   /* accepted and copied */
    ST_INI_TEXT_BAD,   /* rejected, warned, destination untouched */
} st_ini_text_result;

typedef struct st_ini_text_key {
    const char *expected; /* for the warning */
    st_ini_text_check check;
    bool secret;
    bool add_length; /* append "at most N bytes" (the st_config buffer) to `expected` */
} st_ini_text_key;

st_ini_text_result st_ini_text(bool warn, const char *label, const char *raw,
                               const st_ini_text_key *k, char *dst, size_t cap);
/* php.ini first, then the environment variable `env` (if not NULL) when php.ini is blank. */
void st_ini_text_env(bool warn, const char *label, const char *raw, const char *env,
                     const st_ini_text_key *k, char *dst, size_t cap);

#endif
