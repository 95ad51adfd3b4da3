/* getStatus(), getMetrics() and phpinfo()'s live rows: what the shared queue header says,
 * host-wide, per DSN where a DSN has its own (circuit, limits, counters). Secrets never
 * appear: DSNs are shown as st_dsn's public_dsn. PHP's thread only. */
#include "process.h"
#include "results.h"
#include "ext/standard/info.h"

#include "../core/category.h"
#include "../core/clientreport.h"
#include "../core/drainer.h"
#include "../core/dsn.h"
#include "../core/health.h"
#include "../core/ratelimit.h"

static st_process_view V; /* refreshed by each entry point */

/* One of the shared circuits as last seen ("closed" while there is no queue). */
static void read_health(st_health *h, st_health_view *v)
{
    memset(v, 0, sizeof *v);
    v->state = "closed";
    if (h)
        st_health_snapshot(h, v);
}

/* The slot whose circuit getStatus()['upstream'] shows: php.ini's DSN, else slot 0 (the
 * first DSN an envelope named). */
static int default_slot(void)
{
    return V.dsn_slot >= 0 ? V.dsn_slot : 0;
}

static void add_upstream(zval *arr, int slot)
{
    zval upstream;
    array_init(&upstream);
    st_health_view hv;
    read_health(V.q ? st_queue_dsn_health(V.q, slot) : NULL, &hv);
    add_assoc_string(&upstream, "state", (char *)hv.state);
    add_assoc_long(&upstream, "consecutive_failures", hv.consecutive_failures);
    add_assoc_string(&upstream, "last_error", hv.last_error);
    st_add_time(&upstream, "last_success_at", hv.last_success_ms);
    st_add_time(&upstream, "since", hv.since_ms);
    st_add_time(&upstream, "next_probe_at", strcmp(hv.state, "closed") ? hv.next_probe_ms : 0);
    add_assoc_zval(arr, "upstream", &upstream);
}

/* The DSN of a slot without its secret; false if the slot is empty. */
static bool slot_dsn(int slot, char *out, size_t outlen)
{
    char raw[1024];
    if (!V.q || slot >= ST_QUEUE_DSN_SLOTS || !st_queue_dsn_get(V.q, slot, raw, sizeof raw))
        return false;
    st_dsn_shown(raw, out, outlen);
    return true;
}

/* Every DSN the queue sends to (php.ini's and those envelopes named), secrets removed, with
 * its rate limits. */
static void add_dsns(zval *rv)
{
    zval list;
    array_init(&list);
    char shown[sizeof((st_dsn *)0)->public_dsn];
    for (int slot = 0; slot_dsn(slot, shown, sizeof shown); slot++) {
        zval entry, limits;
        array_init(&entry);
        add_assoc_string(&entry, "dsn", shown);
        add_assoc_bool(&entry, "is_default", slot == V.dsn_slot);
        array_init(&limits);
        st_category cats[ST_CAT_COUNT];
        int64_t until[ST_CAT_COUNT];
        int n = st_ratelimit_snapshot(st_queue_ratelimits(V.q), slot, st_now_wall_ms(), cats, until,
                                      ST_CAT_COUNT);
        for (int i = 0; i < n; i++) {
            char buf[32];
            st_format_rfc3339(until[i], buf);
            add_assoc_string(&limits, st_category_name(cats[i]), buf);
        }
        add_assoc_zval(&entry, "rate_limits", &limits);
        add_upstream(&entry, slot);
        add_next_index_zval(&list, &entry);
    }
    add_assoc_zval(rv, "dsns", &list);
}

void st_process_status(zval *rv)
{
    st_process_view_get(&V, false);
    array_init(rv);
    add_assoc_bool(rv, "enabled", V.cfg->enabled);
    add_assoc_bool(rv, "dsn_set", V.cfg->dsn[0] != '\0');
    add_assoc_bool(rv, "active", st_process_unavailable_reason() == NULL);
    const char *why = st_process_unavailable_reason();
    add_assoc_string(rv, "error", why ? (char *)why : "");
    add_assoc_string(rv, "dsn", (char *)V.public_dsn);
    add_assoc_long(rv, "pid", (zend_long)getpid());

    zval queue, drainer, limits;
    array_init(&queue);
    st_queue_snapshot snap;
    memset(&snap, 0, sizeof snap);
    if (V.q)
        st_queue_snapshot_read(V.q, &snap);
    add_assoc_long(&queue, "queue_length", snap.length);
    add_assoc_long(&queue, "retry_queue_length", snap.retry_waiting);
    add_assoc_long(&queue, "in_flight", snap.inflight);
    add_assoc_long(&queue, "workers", V.cfg->workers);
    add_assoc_bool(&queue, "closed", V.q == NULL);
    add_assoc_long(&queue, "capacity", snap.max_records);
    st_add_u64(&queue, "bytes_used", snap.bytes_used);
    st_add_u64(&queue, "bytes_capacity", snap.bytes_capacity);
    add_assoc_string(&queue, "location", V.q ? (char *)st_queue_location(V.q) : "");
    add_assoc_zval(rv, "queue", &queue);

    array_init(&drainer);
    add_assoc_long(&drainer, "pid", snap.drainer_pid);
    add_assoc_bool(&drainer, "is_self", st_drainer_is_leader(V.drainer));
    add_assoc_bool(&drainer, "thread_running",
                   V.drainer != NULL && st_drainer_owner_pid(V.drainer) == getpid());
    st_add_time(&drainer, "since", snap.drainer_pid ? snap.drainer_since_ms : 0);
    st_add_time(&drainer, "heartbeat_at", snap.drainer_pid ? snap.drainer_heartbeat_ms : 0);
    /* Bumped by every election: a stalled drainer that was replaced finds it changed. */
    st_add_u64(&drainer, "epoch", snap.lease_epoch);
    add_assoc_zval(rv, "drainer", &drainer);

    array_init(&limits); /* {category: RFC 3339 UTC until}, for this process's DSN */
    if (V.q && V.dsn_slot >= 0) {
        st_category cats[ST_CAT_COUNT];
        int64_t until[ST_CAT_COUNT];
        int n = st_ratelimit_snapshot(st_queue_ratelimits(V.q), V.dsn_slot, st_now_wall_ms(), cats,
                                      until, ST_CAT_COUNT);
        for (int i = 0; i < n; i++) {
            char buf[32];
            st_format_rfc3339(until[i], buf);
            add_assoc_string(&limits, st_category_name(cats[i]), buf);
        }
    }
    add_assoc_zval(rv, "rate_limits", &limits);
    add_dsns(rv);

    add_upstream(rv, default_slot());

    /* The dead-letter directory, as the drainer last found it (issue #4). */
    zval dead;
    array_init(&dead);
    st_health_view dv;
    read_health(V.q ? st_queue_deadletter_health(V.q) : NULL, &dv);
    bool dl_failing = V.cfg->dead_letter_queue && strcmp(dv.state, "closed") != 0;
    add_assoc_string(&dead, "state",
                     !V.cfg->dead_letter_queue ? "off" : (dl_failing ? "failing" : "ok"));
    add_assoc_string(&dead, "error", dl_failing ? dv.last_error : "");
    st_add_time(&dead, "since", dv.since_ms);
    st_add_time(&dead, "last_error_at", dv.last_failure_ms);
    add_assoc_zval(rv, "dead_letters", &dead);
}

/* Each DSN's share of the counters, and whether its circuit lets events through. */
static void add_dsn_metrics(zval *rv)
{
    zval list;
    array_init(&list);
    char shown[sizeof((st_dsn *)0)->public_dsn];
    for (int slot = 0; slot_dsn(slot, shown, sizeof shown); slot++) {
        st_dsn_stats *ds = st_queue_dsn_stats(V.q, slot);
        zval entry;
        array_init(&entry);
        add_assoc_string(&entry, "dsn", shown);
        st_add_u64(&entry, "events_accepted", atomic_load(&ds->events_accepted));
        st_add_u64(&entry, "events_sent", atomic_load(&ds->events_sent));
        st_add_u64(&entry, "events_failed", atomic_load(&ds->events_failed));
        st_add_u64(&entry, "events_rate_limit", atomic_load(&ds->events_rate_limit));
        st_add_u64(&entry, "total_retries", atomic_load(&ds->total_retries));
        st_add_u64(&entry, "bytes_sent", atomic_load(&ds->bytes_sent));
        st_health_view hv;
        read_health(st_queue_dsn_health(V.q, slot), &hv);
        add_assoc_string(&entry, "upstream_state", (char *)hv.state);
        add_next_index_zval(&list, &entry);
    }
    add_assoc_zval(rv, "dsns", &list);
}

void st_process_metrics(zval *rv)
{
    st_process_view_get(&V, false);
    array_init(rv);
    st_shared_stats zero;
    memset(&zero, 0, sizeof zero);
    st_shared_stats *s = V.q ? st_queue_stats(V.q) : &zero;
    st_queue_snapshot snap;
    memset(&snap, 0, sizeof snap);
    if (V.q)
        st_queue_snapshot_read(V.q, &snap);
    st_add_u64(rv, "events_sent", atomic_load(&s->events_sent));
    st_add_u64(rv, "events_failed", atomic_load(&s->events_failed));
    st_add_u64(rv, "events_rate_limit", atomic_load(&s->events_rate_limit));
    st_add_u64(rv, "queue_length", snap.length);
    st_add_u64(rv, "total_retries", atomic_load(&s->total_retries));
    st_add_u64(rv, "events_accepted", atomic_load(&s->events_accepted));
    st_add_u64(rv, "events_rejected", atomic_load(&s->events_rejected));
    st_add_u64(rv, "queue_overflow", atomic_load(&s->queue_overflow));
    st_add_u64(rv, "retry_queue_length", snap.retry_waiting);
    st_add_u64(rv, "bytes_sent", atomic_load(&s->bytes_sent));
    st_add_u64(rv, "responses_2xx", atomic_load(&s->responses_2xx));
    st_add_u64(rv, "responses_4xx", atomic_load(&s->responses_4xx));
    st_add_u64(rv, "responses_5xx", atomic_load(&s->responses_5xx));
    st_add_u64(rv, "network_errors", atomic_load(&s->network_errors));
    st_add_u64(rv, "corrupt_records", atomic_load(&s->corrupt_records));
    st_add_u64(rv, "lock_recoveries", atomic_load(&s->lock_recoveries));
    st_add_u64(rv, "drainer_elections", atomic_load(&s->drainer_elections));
    /* Of the elections, those that replaced a leader: dead, or living but stalled. */
    st_add_u64(rv, "drainer_takeovers_dead", snap.takeovers_dead);
    st_add_u64(rv, "drainer_takeovers_stale", snap.takeovers_stale);
    st_add_u64(rv, "dead_letters_written", atomic_load(&s->dead_letters_written));
    st_add_u64(rv, "dead_letters_pruned", atomic_load(&s->dead_letters_pruned));
    st_add_u64(rv, "dead_letter_errors", V.q ? atomic_load(st_queue_deadletter_errors(V.q)) : 0);
    uint64_t dl_count = 0, dl_bytes = 0;
    if (!V.off)
        st_php_dead_letter_stats(&dl_count, &dl_bytes);
    st_add_u64(rv, "dead_letter_count", dl_count);
    st_add_u64(rv, "dead_letter_bytes", dl_bytes);
    zval drops;
    array_init(&drops);
    for (int r = 0; r < ST_DISCARD_REASON_COUNT; r++)
        st_add_u64(&drops, st_discard_reason_name((st_discard_reason)r),
                   V.q ? atomic_load(&st_queue_drops_total(V.q)[r]) : 0);
    add_assoc_zval(rv, "drops", &drops);
    st_add_u64(rv, "client_reports_sent", V.q ? atomic_load(st_queue_client_reports_sent(V.q)) : 0);
    /* From the host-wide histogram: the upper bound of the bucket, in ms. */
    add_assoc_long(rv, "send_latency_p50_ms", (zend_long)st_stats_latency_quantile_ms(s, 0.50));
    add_assoc_long(rv, "send_latency_p99_ms", (zend_long)st_stats_latency_quantile_ms(s, 0.99));
    zval hist;
    array_init(&hist);
    for (int b = 0; b < ST_LATENCY_BUCKETS; b++)
        add_next_index_long(&hist, (zend_long)atomic_load(&s->send_latency[b]));
    add_assoc_zval(rv, "send_latency_buckets", &hist);
    st_add_u64(rv, "send_latency_sum_us", atomic_load(&s->send_latency_sum_us));
    add_dsn_metrics(rv);
}

/* A row per DSN: its circuit and what it sent. */
static void info_dsns(void)
{
    char shown[sizeof((st_dsn *)0)->public_dsn], label[64], buf[160];
    for (int slot = 0; slot_dsn(slot, shown, sizeof shown); slot++) {
        st_dsn_stats *ds = st_queue_dsn_stats(V.q, slot);
        st_health_view hv;
        read_health(st_queue_dsn_health(V.q, slot), &hv);
        snprintf(label, sizeof label, "DSN %d", slot + 1);
        php_info_print_table_row(2, label, shown);
        snprintf(label, sizeof label, "DSN %d upstream", slot + 1);
        snprintf(buf, sizeof buf, "%s; %llu sent, %llu failed, %llu rate limited", hv.state,
                 (unsigned long long)atomic_load(&ds->events_sent),
                 (unsigned long long)atomic_load(&ds->events_failed),
                 (unsigned long long)atomic_load(&ds->events_rate_limit));
        php_info_print_table_row(2, label, buf);
    }
}

void st_process_info_live(void)
{
    php_info_print_table_start();
    php_info_print_table_header(2, "Live state", "");
    st_process_view_get(&V, true); /* `php --ri` runs no request: map the queue to look */
    const char *why = st_process_unavailable_reason();
    php_info_print_table_row(2, "Transport", why ? why : "active");
    if (V.q) {
        st_queue_snapshot snap;
        st_queue_snapshot_read(V.q, &snap);
        char buf[64];
        php_info_print_table_row(2, "Queue", st_queue_location(V.q));
        snprintf(buf, sizeof buf, "%u / %u", snap.length, snap.max_records);
        php_info_print_table_row(2, "Queued events", buf);
        snprintf(buf, sizeof buf, "%llu / %llu", (unsigned long long)snap.bytes_used,
                 (unsigned long long)snap.bytes_capacity);
        php_info_print_table_row(2, "Queue bytes", buf);
        snprintf(buf, sizeof buf, "%d%s", (int)snap.drainer_pid,
                 st_drainer_is_leader(V.drainer) ? " (this process)" : "");
        php_info_print_table_row(2, "Drainer pid", snap.drainer_pid ? buf : "none");
        snprintf(buf, sizeof buf, "%llu",
                 (unsigned long long)atomic_load(&st_queue_stats(V.q)->events_sent));
        php_info_print_table_row(2, "Events sent", buf);
        info_dsns();
    }
    php_info_print_table_end();
}
