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
#include "ini_read.h"
#include "../core/common.h"
#include "../core/compress.h"
#include "../core/config.h"
#include "../core/dsn.h"

#define ST_INI_PREFIX "sentry_transport."

/* Ranges of the numeric keys (durations: ini_read.c). */
#define ST_MIN_QUEUE_MEMORY (256ULL * 1024) /* header + a ring that holds a few events */
#define ST_MAX_QUEUE_MEMORY (4ULL * 1024 * 1024 * 1024)
/* Bounds of the in-flight window and the connection pools (issue #10). */
#define ST_MAX_IN_FLIGHT 4096
#define ST_MAX_CONNECTIONS 1024
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
    /* HTTP/2 and in-flight window (issue #10). max_in_flight is "" so that the older
     * queue.workers can still set it; the effective default is 512. */
    ST_INI_ENTRY("transport.http_version", ini_transport_http_version, "auto")
    ST_INI_ENTRY("transport.max_in_flight", ini_transport_max_in_flight, "")
    ST_INI_ENTRY("transport.max_connections", ini_transport_max_connections, "4")
    ST_INI_ENTRY("transport.max_connections_http1", ini_transport_max_connections_http1, "64")

    ST_INI_ENTRY("retry.max_attempts", ini_retry_max_attempts, "3")
    ST_INI_ENTRY("retry.initial_backoff", ini_retry_initial_backoff, "1s")
    ST_INI_ENTRY("retry.backoff_multiplier", ini_retry_backoff_multiplier, "2")
    ST_INI_ENTRY("retry.max_backoff", ini_retry_max_backoff, "300s")
    ST_INI_ENTRY("retry.dead_letter_queue", ini_retry_dead_letter_queue, "1")
    ST_INI_ENTRY("retry.dead_letter_path", ini_retry_dead_letter_path, "")
    /* dead-letter bounds (issue #3) */
    ST_INI_ENTRY("retry.dead_letter_max_files", ini_retry_dead_letter_max_files, "1000")
    ST_INI_ENTRY("retry.dead_letter_max_bytes", ini_retry_dead_letter_max_bytes, "100M")

    ST_INI_ENTRY("queue.buffer_size", ini_queue_buffer_size, "10000")
    ST_INI_ENTRY("queue.workers", ini_queue_workers, "") /* alias of transport.max_in_flight */
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

/* The DSN is a secret (it may carry the deprecated secret key): it is never echoed. A DSN
 * that st_dsn_parse() rejects leaves the transport without a DSN. */
static void load_dsn(bool warn, st_config *out)
{
    static const st_ini_text_key k = {"printable text", st_ini_check_printable, true, true};
    const char *label = ST_INI_PREFIX "dsn";
    const char *raw = STG(ini_dsn);
    char buf[sizeof(out->dsn)];

    st_strlcpy(buf, out->dsn, sizeof(buf));
    st_ini_text_result r = st_ini_text(warn, label, raw, &k, buf, sizeof(buf));
    if (r == ST_INI_TEXT_EMPTY) {
        label = "SENTRY_DSN";
        raw = getenv("SENTRY_DSN");
        r = st_ini_text(warn, label, raw, &k, buf, sizeof(buf));
    }
    if (r != ST_INI_TEXT_SET) {
        return;
    }

    st_dsn dsn;
    char err[256] = "";
    if (st_dsn_parse(buf, &dsn, err, sizeof(err)) != 0) {
        char expected[384];
        snprintf(expected, sizeof(expected),
                 "a DSN like \"https://<public_key>@<host>/<project_id>\": %s",
                 err[0] ? err : "unparsable");
        st_ini_report(warn, label, raw, true, expected, "(the transport stays off)");
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
    if (st_ini_blank(raw)) {
        return;
    }
    if (st_parse_duration_ms(raw, &v) != 0 || v < ST_MIN_STALE_AFTER_MS ||
        v > ST_MAX_STALE_AFTER_MS) {
        char dflt[32];
        st_php_format_duration(*dst, dflt, sizeof(dflt));
        st_ini_report(warn, label, raw, false,
                      "a duration like \"3s\" or \"1500ms\", from 500ms to 1h", dflt);
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
    static const st_ini_text_key k_text = {"printable text", st_ini_check_printable, false, true};
    static const st_ini_text_key k_secret = {"printable text", st_ini_check_printable, true, true};
    static const st_ini_text_key k_path = {"an absolute path", st_ini_check_absolute_path, false,
                                           true};
    static const st_ini_text_key k_env = {
        "a Sentry environment name (no spaces, slashes or newlines, not \"None\", at most "
        "64 characters)",
        st_ini_check_environment, false, false};
    static const st_ini_text_key k_release = {
        "a Sentry release name (no slashes, backslashes, tabs or newlines, not \".\" or "
        "\"..\", at most 200 characters)",
        st_ini_check_release, false, false};
    static const st_ini_text_key k_queue = {"a name of 1 to 32 characters from [A-Za-z0-9_.-]",
                                            st_ini_check_queue_name, false, false};

    st_config_defaults(out);

    st_ini_bool(warn, KEY("enabled"), STG(ini_enabled), &out->enabled);
    load_dsn(warn, out);
    st_ini_text_env(warn, KEY("environment"), STG(ini_environment), "SENTRY_ENVIRONMENT", &k_env,
                    out->environment, sizeof(out->environment));
    st_ini_text_env(warn, KEY("release"), STG(ini_release), "SENTRY_RELEASE", &k_release,
                    out->release, sizeof(out->release));
    st_ini_text_env(warn, KEY("server_name"), STG(ini_server_name), NULL, &k_text, out->server_name,
                    sizeof(out->server_name));
    if (out->server_name[0] == '\0') {
        char host[256];
        if (gethostname(host, sizeof(host)) == 0) {
            host[sizeof(host) - 1] = '\0';
            st_strlcpy(out->server_name, host, sizeof(out->server_name));
        }
    }
    if (!st_ini_double(warn, KEY("sample_rate"), STG(ini_sample_rate), 0.0, 1.0,
                       &out->sample_rate)) {
        (void)st_ini_double(warn, "SENTRY_SAMPLE_RATE", getenv("SENTRY_SAMPLE_RATE"), 0.0, 1.0,
                            &out->sample_rate);
    }

    if (!st_ini_double(warn, KEY("traces_sample_rate"), STG(ini_traces_sample_rate), 0.0, 1.0,
                       &out->traces_sample_rate)) {
        (void)st_ini_double(warn, "SENTRY_TRACES_SAMPLE_RATE", getenv("SENTRY_TRACES_SAMPLE_RATE"),
                            0.0, 1.0, &out->traces_sample_rate);
    }
    st_ini_bool(warn, KEY("send_default_pii"), STG(ini_send_default_pii), &out->send_default_pii);
    st_ini_bool(warn, KEY("send_client_reports"), STG(ini_send_client_reports),
                &out->send_client_reports);
    st_ini_text(warn, KEY("scrub_fields"), STG(ini_scrub_fields), &k_text, out->scrub_fields,
                sizeof(out->scrub_fields));
    st_ini_text(warn, KEY("ignore_exceptions"), STG(ini_ignore_exceptions), &k_text,
                out->ignore_exceptions, sizeof(out->ignore_exceptions));
    {
        int threshold = (int)out->failure_threshold;
        st_ini_int(warn, KEY("upstream.failure_threshold"), STG(ini_upstream_failure_threshold), 1,
                   1000, &threshold);
        out->failure_threshold = (uint32_t)threshold;
    }

    /* transport.* */
    st_ini_duration(warn, KEY("transport.timeout"), STG(ini_transport_timeout), 1,
                    &out->timeout_ms);
    st_ini_duration(warn, KEY("transport.connect_timeout"), STG(ini_transport_connect_timeout), 1,
                    &out->connect_timeout_ms);
    st_ini_compression(warn, KEY("transport.compression"), STG(ini_transport_compression),
                       &out->compression);
    st_ini_bool(warn, KEY("transport.ssl_verify"), STG(ini_transport_ssl_verify), &out->ssl_verify);
    /* A proxy URL may embed credentials: treated as a secret in warnings. */
    st_ini_text(warn, KEY("transport.proxy"), STG(ini_transport_proxy), &k_secret, out->proxy,
                sizeof(out->proxy));
    st_ini_text(warn, KEY("transport.proxy_auth"), STG(ini_transport_proxy_auth), &k_secret,
                out->proxy_auth, sizeof(out->proxy_auth));
    st_ini_text(warn, KEY("transport.ca_info"), STG(ini_transport_ca_info), &k_path, out->ca_info,
                sizeof(out->ca_info));
    st_ini_http_version(warn, KEY("transport.http_version"), STG(ini_transport_http_version),
                        &out->http_version);
    st_ini_int(warn, KEY("transport.max_connections"), STG(ini_transport_max_connections), 1,
               ST_MAX_CONNECTIONS, &out->max_connections);
    st_ini_int(warn, KEY("transport.max_connections_http1"),
               STG(ini_transport_max_connections_http1), 1, ST_MAX_CONNECTIONS,
               &out->max_connections_http1);

    /* retry.* */
    st_ini_int(warn, KEY("retry.max_attempts"), STG(ini_retry_max_attempts), 1, 100,
               &out->max_attempts);
    st_ini_duration(warn, KEY("retry.initial_backoff"), STG(ini_retry_initial_backoff), 1,
                    &out->initial_backoff_ms);
    (void)st_ini_double(warn, KEY("retry.backoff_multiplier"), STG(ini_retry_backoff_multiplier),
                        1.0, 100.0, &out->backoff_multiplier);
    st_ini_duration(warn, KEY("retry.max_backoff"), STG(ini_retry_max_backoff), 1,
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
    st_ini_bool(warn, KEY("retry.dead_letter_queue"), STG(ini_retry_dead_letter_queue),
                &out->dead_letter_queue);
    st_ini_text(warn, KEY("retry.dead_letter_path"), STG(ini_retry_dead_letter_path), &k_path,
                out->dead_letter_path, sizeof(out->dead_letter_path));
    /* dead-letter bounds (issue #3): the oldest dead letters are pruned beyond them */
    {
        int max_files = (int)out->dead_letter_max_files;
        st_ini_int(warn, KEY("retry.dead_letter_max_files"), STG(ini_retry_dead_letter_max_files),
                   1, ST_MAX_DEAD_LETTER_FILES, &max_files);
        out->dead_letter_max_files = (uint32_t)max_files;
        st_ini_size(warn, KEY("retry.dead_letter_max_bytes"), STG(ini_retry_dead_letter_max_bytes),
                    ST_MIN_DEAD_LETTER_BYTES, ST_MAX_DEAD_LETTER_BYTES,
                    &out->dead_letter_max_bytes);
    }

    /* queue.* */
    st_ini_int(warn, KEY("queue.buffer_size"), STG(ini_queue_buffer_size), 1, 10000000,
               &out->buffer_size);
    /* queue.workers is the seed's name of transport.max_in_flight: used when the latter is
     * not set. */
    st_ini_int(warn, KEY("queue.workers"), STG(ini_queue_workers), 1, ST_MAX_IN_FLIGHT,
               &out->workers);
    st_ini_int(warn, KEY("transport.max_in_flight"), STG(ini_transport_max_in_flight), 1,
               ST_MAX_IN_FLIGHT, &out->workers);
    st_ini_int(warn, KEY("queue.batch_size"), STG(ini_queue_batch_size), 1, 1000, &out->batch_size);
    st_ini_duration(warn, KEY("queue.batch_timeout"), STG(ini_queue_batch_timeout), 1,
                    &out->batch_timeout_ms);
    st_ini_text(warn, KEY("queue.name"), STG(ini_queue_name), &k_queue, out->queue_name,
                sizeof(out->queue_name));
    st_ini_text(warn, KEY("queue.path"), STG(ini_queue_path), &k_path, out->queue_path,
                sizeof(out->queue_path));
    st_ini_size(warn, KEY("queue.memory"), STG(ini_queue_memory), ST_MIN_QUEUE_MEMORY,
                ST_MAX_QUEUE_MEMORY, &out->queue_memory);
    load_stale_after(warn, KEY("queue.drainer_stale_after"), STG(ini_queue_drainer_stale_after),
                     &out->drainer_stale_after_ms);

    /* 0 is allowed: do not wait for the queue at process exit. */
    st_ini_duration(warn, KEY("shutdown_timeout"), STG(ini_shutdown_timeout), 0,
                    &out->shutdown_timeout_ms);

    /* logging.* */
    st_ini_log_level(warn, KEY("logging.level"), STG(ini_logging_level), &out->log_level);
    st_ini_text(warn, KEY("logging.file"), STG(ini_logging_file), &k_path, out->log_file,
                sizeof(out->log_file));

    /* captureException & co. (issue #9) */
    st_ini_int(warn, KEY("max_breadcrumbs"), STG(ini_max_breadcrumbs), 0, 1000,
               &out->max_breadcrumbs);
    if (STG(ini_in_app_exclude) && st_ini_blank(STG(ini_in_app_exclude))) {
        out->in_app_exclude[0] = '\0'; /* "": every frame with a file is in_app */
    } else {
        st_ini_text(warn, KEY("in_app_exclude"), STG(ini_in_app_exclude), &k_text,
                    out->in_app_exclude, sizeof(out->in_app_exclude));
    }
    st_ini_int(warn, KEY("context_lines"), STG(ini_context_lines), 0, 20, &out->context_lines);
    st_ini_bool(warn, KEY("capture_errors"), STG(ini_capture_errors), &out->capture_errors);
    st_ini_bool(warn, KEY("error_breadcrumbs"), STG(ini_error_breadcrumbs),
                &out->error_breadcrumbs);
}
