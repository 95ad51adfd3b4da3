/* getPrometheusMetrics(): the getMetrics() array in the Prometheus text format 0.0.4,
 * rendered from that array so the two can never disagree. PHP's thread only. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "php.h"
#include "zend_smart_str.h"

#include "../../php_sentry_transport.h"
#include "process.h"

#include "../core/stats.h"

#include <inttypes.h>

#define PREFIX "sentry_transport_"

/* Point-in-time values; everything else only grows. */
static bool is_gauge(const char *key)
{
    return strcmp(key, "queue_length") == 0 || strcmp(key, "retry_queue_length") == 0;
}

static void metric(smart_str *out, const char *name, const char *type, const char *help)
{
    smart_str_append_printf(out, "# HELP " PREFIX "%s %s\n# TYPE " PREFIX "%s %s\n", name, help,
                            name, type);
}

static void render_latency(smart_str *out, zval *buckets, zval *sum_us)
{
    metric(out, "send_latency_seconds", "histogram", "Duration of requests to Sentry.");
    uint64_t cumulative = 0;
    int b = 0;
    zval *v;
    ZEND_HASH_FOREACH_VAL(Z_ARRVAL_P(buckets), v)
    {
        cumulative += (uint64_t)zval_get_long(v);
        if (b < ST_LATENCY_BUCKETS - 1)
            smart_str_append_printf(out,
                                    PREFIX "send_latency_seconds_bucket{le=\"%.3f\"} %" PRIu64 "\n",
                                    (double)(1u << b) / 1000.0, cumulative);
        b++;
    }
    ZEND_HASH_FOREACH_END();
    smart_str_append_printf(out, PREFIX "send_latency_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n",
                            cumulative);
    smart_str_append_printf(out, PREFIX "send_latency_seconds_sum %.6f\n",
                            sum_us ? (double)zval_get_long(sum_us) / 1e6 : 0.0);
    smart_str_append_printf(out, PREFIX "send_latency_seconds_count %" PRIu64 "\n", cumulative);
}

/* A label value: backslash, double quote and newline escaped, as the format requires. */
static void append_label_value(smart_str *out, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            smart_str_appendc(out, '\\');
        if (*v == '\n')
            smart_str_appendl(out, "\\n", 2);
        else
            smart_str_appendc(out, *v);
    }
}

/* getMetrics()['dsns']: each counter once per DSN (secret-free, as getMetrics shows it),
 * and whether the DSN's circuit holds its events back. */
static void render_dsns(smart_str *out, zval *dsns)
{
    static const char *const counters[] = {"events_accepted",   "events_sent",   "events_failed",
                                           "events_rate_limit", "total_retries", "bytes_sent"};
    for (size_t c = 0; c <= sizeof counters / sizeof *counters; c++) {
        bool circuit = c == sizeof counters / sizeof *counters;
        char name[64];
        snprintf(name, sizeof name, "dsn_%s", circuit ? "upstream_open" : counters[c]);
        if (!circuit)
            strcat(name, "_total");
        metric(out, name, circuit ? "gauge" : "counter",
               circuit ? "1 while the DSN's circuit is open or half-open (its events wait)."
                       : "Per DSN; see SentryTransport::getMetrics()['dsns'].");
        zval *entry;
        ZEND_HASH_FOREACH_VAL(Z_ARRVAL_P(dsns), entry)
        {
            zval *dsn = zend_hash_str_find(Z_ARRVAL_P(entry), "dsn", sizeof("dsn") - 1);
            const char *key = circuit ? "upstream_state" : counters[c];
            zval *v = zend_hash_str_find(Z_ARRVAL_P(entry), key, strlen(key));
            if (!dsn || Z_TYPE_P(dsn) != IS_STRING || !v)
                continue;
            smart_str_append_printf(out, PREFIX "%s{dsn=\"", name);
            append_label_value(out, Z_STRVAL_P(dsn));
            zend_long n = circuit
                              ? (Z_TYPE_P(v) == IS_STRING && strcmp(Z_STRVAL_P(v), "closed") != 0)
                              : zval_get_long(v);
            smart_str_append_printf(out, "\"} " ZEND_LONG_FMT "\n", n);
        }
        ZEND_HASH_FOREACH_END();
    }
}

ZEND_METHOD(SentryTransport, getPrometheusMetrics)
{
    ZEND_PARSE_PARAMETERS_NONE();
    st_process_ensure_running();
    zval m;
    st_process_metrics(&m);
    smart_str out = {0};
    zend_string *key;
    zval *v;
    ZEND_HASH_FOREACH_STR_KEY_VAL(Z_ARRVAL(m), key, v)
    {
        if (!key)
            continue;
        const char *k = ZSTR_VAL(key);
        if (strcmp(k, "drops") == 0 && Z_TYPE_P(v) == IS_ARRAY) {
            metric(&out, "drops_total", "counter", "Events discarded, by client-report reason.");
            zend_string *reason;
            zval *n;
            ZEND_HASH_FOREACH_STR_KEY_VAL(Z_ARRVAL_P(v), reason, n)
            {
                if (reason)
                    smart_str_append_printf(&out,
                                            PREFIX "drops_total{reason=\"%s\"} " ZEND_LONG_FMT "\n",
                                            ZSTR_VAL(reason), zval_get_long(n));
            }
            ZEND_HASH_FOREACH_END();
        } else if (strcmp(k, "send_latency_buckets") == 0 && Z_TYPE_P(v) == IS_ARRAY) {
            render_latency(&out, v,
                           zend_hash_str_find(Z_ARRVAL(m), "send_latency_sum_us",
                                              sizeof("send_latency_sum_us") - 1));
        } else if (strcmp(k, "dsns") == 0 && Z_TYPE_P(v) == IS_ARRAY) {
            render_dsns(&out, v);
        } else if (Z_TYPE_P(v) == IS_LONG && strcmp(k, "send_latency_sum_us") != 0 &&
                   strncmp(k, "send_latency_p", 14) != 0) {
            bool gauge = is_gauge(k);
            char name[96];
            snprintf(name, sizeof name, "%s%s", k, gauge ? "" : "_total");
            metric(&out, name, gauge ? "gauge" : "counter", "See SentryTransport::getMetrics().");
            smart_str_append_printf(&out, PREFIX "%s " ZEND_LONG_FMT "\n", name, Z_LVAL_P(v));
        }
        /* p50/p99 are derived from the histogram: Prometheus computes them itself. */
    }
    ZEND_HASH_FOREACH_END();
    zval_ptr_dtor(&m);
    smart_str_0(&out);
    RETURN_STR(out.s ? out.s : ZSTR_EMPTY_ALLOC());
}
