/* phpinfo() / `php --ri sentry_transport`: versions, status and the effective settings,
 * secrets masked. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <zlib.h>

#include "php.h"
#include "ext/standard/info.h"

#include "php_sentry_transport.h"
#include "ini.h"
#include "info.h"
#include "../core/log.h"
#include "../core/common.h"
#include "../core/config.h"
#include "../core/dsn.h"

#define NOT_SET "(not set)"

static const char *on_off(bool v)
{
    return v ? "On" : "Off";
}

static const char *or_default(const char *s, const char *when_empty)
{
    return (s != NULL && s[0] != '\0') ? s : when_empty;
}

/* Credentials in a proxy URL are masked: in "http://user:pass@proxy:3128" the authority is
 * shown as "****@proxy:3128". A URL without credentials is shown as is. */
static void proxy_without_credentials(const char *proxy, char *out, size_t size)
{
    const char *authority = proxy;
    const char *scheme_end = strstr(proxy, "://");
    if (scheme_end != NULL) {
        authority = scheme_end + 3;
    }
    size_t authority_len = strcspn(authority, "/?#");
    const char *at = NULL;
    for (const char *p = authority; p < authority + authority_len; p++) {
        if (*p == '@') {
            at = p;
        }
    }
    if (at == NULL) {
        st_strlcpy(out, proxy, size);
        return;
    }
    snprintf(out, size, "%.*s****%s", (int)(authority - proxy), proxy, at);
}

static void row(const char *key, const char *value)
{
    php_info_print_table_row(2, key, value);
}

static void row_duration(const char *key, int64_t ms)
{
    char buf[32];
    st_php_format_duration(ms, buf, sizeof(buf));
    row(key, buf);
}

static void row_int(const char *key, long v)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%ld", v);
    row(key, buf);
}

static void row_double(const char *key, double v)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%g", v);
    row(key, buf);
}

static void print_dsn_row(const char *dsn_text)
{
    if (dsn_text[0] == '\0') {
        row("sentry_transport.dsn", NOT_SET);
        return;
    }
    /* st_dsn is a few KiB: keep it off the stack of whatever called phpinfo(). */
    st_dsn *dsn = emalloc(sizeof(*dsn));
    char err[256] = "";
    if (st_dsn_parse(dsn_text, dsn, err, sizeof(err)) == 0) {
        row("sentry_transport.dsn", dsn->public_dsn);
    } else {
        char buf[300];
        snprintf(buf, sizeof(buf), "(invalid: %s)", err[0] ? err : "unparsable");
        row("sentry_transport.dsn", buf);
    }
    efree(dsn);
}

void st_php_info_print(const st_config *cfg, const char *status_error)
{
    char buf[1100];

    php_info_print_table_start();
    row("sentry_transport support", cfg->enabled ? "enabled" : "disabled");
    row("Version", PHP_SENTRY_TRANSPORT_VERSION);
    row("SDK name", ST_SDK_NAME);
    row("libcurl (compiled)", LIBCURL_VERSION);
    row("libcurl (runtime)", curl_version());
    row("zlib (compiled)", ZLIB_VERSION);
    row("zlib (runtime)", zlibVersion());
    if (!cfg->enabled) {
        row("Status", "disabled by sentry_transport.enabled");
    } else {
        row("Status", or_default(status_error, "ok"));
    }
    php_info_print_table_end();

    php_info_print_table_start();
    php_info_print_table_header(2, "Setting", "Effective value");

    row("sentry_transport.enabled", on_off(cfg->enabled));
    print_dsn_row(cfg->dsn);
    row("sentry_transport.environment", or_default(cfg->environment, NOT_SET));
    row("sentry_transport.release", or_default(cfg->release, NOT_SET));
    row("sentry_transport.server_name", or_default(cfg->server_name, NOT_SET));
    row_double("sentry_transport.sample_rate", cfg->sample_rate);
    row_double("sentry_transport.traces_sample_rate", cfg->traces_sample_rate);
    row("sentry_transport.ignore_exceptions", or_default(cfg->ignore_exceptions, NOT_SET));
    row("sentry_transport.scrub_fields", or_default(cfg->scrub_fields, NOT_SET));
    row("sentry_transport.send_default_pii", on_off(cfg->send_default_pii));
    row("sentry_transport.send_client_reports", on_off(cfg->send_client_reports));
    row_int("sentry_transport.upstream.failure_threshold", (long)cfg->failure_threshold);

    row_duration("sentry_transport.transport.timeout", cfg->timeout_ms);
    row_duration("sentry_transport.transport.connect_timeout", cfg->connect_timeout_ms);
    row("sentry_transport.transport.compression", on_off(cfg->compression));
    row("sentry_transport.transport.ssl_verify", on_off(cfg->ssl_verify));
    if (cfg->proxy[0] != '\0') {
        proxy_without_credentials(cfg->proxy, buf, sizeof(buf));
        row("sentry_transport.transport.proxy", buf);
    } else {
        row("sentry_transport.transport.proxy", "(none)");
    }
    row("sentry_transport.transport.proxy_auth", cfg->proxy_auth[0] != '\0' ? "****" : NOT_SET);
    row("sentry_transport.transport.ca_info", or_default(cfg->ca_info, "(libcurl default)"));

    row_int("sentry_transport.retry.max_attempts", cfg->max_attempts);
    row_duration("sentry_transport.retry.initial_backoff", cfg->initial_backoff_ms);
    row_double("sentry_transport.retry.backoff_multiplier", cfg->backoff_multiplier);
    row_duration("sentry_transport.retry.max_backoff", cfg->max_backoff_ms);
    row("sentry_transport.retry.dead_letter_queue", on_off(cfg->dead_letter_queue));
    row("sentry_transport.retry.dead_letter_path", or_default(cfg->dead_letter_path, NOT_SET));
    row_int("sentry_transport.retry.dead_letter_max_files", (long)cfg->dead_letter_max_files);
    st_php_format_size(cfg->dead_letter_max_bytes, buf, sizeof(buf));
    row("sentry_transport.retry.dead_letter_max_bytes", buf);

    row_int("sentry_transport.queue.buffer_size", cfg->buffer_size);
    row_int("sentry_transport.queue.workers", cfg->workers);
    row_int("sentry_transport.queue.batch_size", cfg->batch_size);
    row_duration("sentry_transport.queue.batch_timeout", cfg->batch_timeout_ms);
    row("sentry_transport.queue.name", cfg->queue_name);
    row("sentry_transport.queue.path", or_default(cfg->queue_path, "(shared memory object)"));
    st_php_format_size(cfg->queue_memory, buf, sizeof(buf));
    row("sentry_transport.queue.memory", buf);
    row_duration("sentry_transport.queue.drainer_stale_after", cfg->drainer_stale_after_ms);

    row_duration("sentry_transport.shutdown_timeout", cfg->shutdown_timeout_ms);

    row("sentry_transport.logging.level", st_log_level_name(cfg->log_level));
    row("sentry_transport.logging.file", or_default(cfg->log_file, "(stderr)"));

    row_int("sentry_transport.max_breadcrumbs", cfg->max_breadcrumbs);
    row("sentry_transport.in_app_exclude", or_default(cfg->in_app_exclude, "(none)"));
    row_int("sentry_transport.context_lines", cfg->context_lines);
    row("sentry_transport.capture_errors", on_off(cfg->capture_errors));
    row("sentry_transport.error_breadcrumbs", on_off(cfg->error_breadcrumbs));

    php_info_print_table_end();

    st_php_info_live();
}
