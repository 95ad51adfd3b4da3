/* Outcomes of delivery: the only place that decides a record's fate after a send. */
#include "outcome.h"
#include "health.h"
#include "log.h"
#include "ratelimit.h"
#include "retry.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double unit_random(st_delivery *dv)
{
    dv->rng ^= dv->rng << 13;
    dv->rng ^= dv->rng >> 7;
    dv->rng ^= dv->rng << 17;
    return (double)(dv->rng >> 11) / 9007199254740992.0;
}

static void count_response(st_shared_stats *stats, const st_send_result *r)
{
    atomic_fetch_add(&stats->bytes_sent, r->bytes_sent);
    st_stats_record_latency(stats, r->seconds);
    long st = r->http_status;
    if (st == 0)
        atomic_fetch_add(&stats->network_errors, 1);
    else if (st >= 200 && st < 300)
        atomic_fetch_add(&stats->responses_2xx, 1);
    else if (st >= 400 && st < 500)
        atomic_fetch_add(&stats->responses_4xx, 1);
    else if (st >= 500)
        atomic_fetch_add(&stats->responses_5xx, 1);
}

/* A client report that rode along is counted as sent, or put back for the next one. */
static void settle_report(st_delivery *dv, st_flight *f, bool delivered)
{
    if (!f->report)
        return;
    if (delivered) {
        atomic_fetch_add(st_queue_client_reports_sent(dv->q), 1);
        st_discards_mark_flushed(st_queue_discards(dv->q), st_now_wall_ms());
    } else {
        st_discards_restore(st_queue_discards(dv->q), f->report);
    }
    free(f->report);
    f->report = NULL;
}

static void release(st_flight *f)
{
    free(f->payload);
    free(f);
}

void st_outcome_abandon(st_delivery *dv, st_flight *f)
{
    settle_report(dv, f, false);
    release(f);
}

/* Upstream health: network errors and 5xx count against it, 2xx for it; transitions
 * are logged once, not once per event. */
static void track_health(st_delivery *dv, const st_send_result *r)
{
    st_health *h = st_queue_health(dv->q);
    int64_t now = st_now_wall_ms();
    long st = r->http_status;
    if (st >= 200 && st < 300) {
        if (st_health_success(h, now) == ST_HEALTH_RECOVERED)
            st_log(ST_LOG_INFO, "upstream recovered: sending resumes", NULL);
    } else if (st == 0 || st >= 500) {
        char what[300];
        if (st)
            snprintf(what, sizeof what, "HTTP %ld", st);
        else
            snprintf(what, sizeof what, "%s", r->error);
        if (st_health_failure(h, now, dv->cfg.failure_threshold, what) == ST_HEALTH_OPENED)
            st_log(ST_LOG_ERROR, "upstream unhealthy: sending paused, probing with backoff",
                   "error", what, NULL);
    }
}

static int discard_reason_for(const char *reason)
{
    if (strcmp(reason, "network_error") == 0)
        return ST_DISCARD_NETWORK_ERROR;
    if (strcmp(reason, "internal_sdk_error") == 0)
        return ST_DISCARD_INTERNAL_SDK_ERROR;
    return ST_DISCARD_SEND_ERROR;
}

void st_outcome_give_up(st_delivery *dv, st_flight *f, const char *reason, long status,
                        const char *detail, bool keep)
{
    st_shared_stats *stats = st_queue_stats(dv->q);
    settle_report(dv, f, false);
    st_queue_discard(dv->q, discard_reason_for(reason), f->meta.category_mask, 1);
    char st[16], attempts[16];
    snprintf(st, sizeof st, "%ld", status);
    snprintf(attempts, sizeof attempts, "%d", f->meta.attempts + 1);
    atomic_fetch_add(&stats->events_failed, 1);
    if (keep && dv->dead_letters) {
        char err[256] = "";
        uint64_t pruned = 0;
        int rc = st_deadletter_write(dv->dead_letters, f->meta.event_id, reason,
                                     f->meta.attempts + 1, st_now_wall_ms(), f->payload,
                                     f->payload_len, &pruned, err, sizeof err);
        atomic_fetch_add(&stats->dead_letters_pruned, pruned);
        if (rc == ST_OK) {
            atomic_fetch_add(&stats->dead_letters_written, 1);
            st_log(ST_LOG_ERROR, "event kept as a dead letter", "event_id", f->meta.event_id,
                   "reason", reason, "status", st, "attempts", attempts, "error", detail, NULL);
        } else {
            st_log(ST_LOG_ERROR, "event dropped: dead letter not written", "event_id",
                   f->meta.event_id, "reason", reason, "error", err, NULL);
        }
    } else {
        st_log(ST_LOG_ERROR, "event dropped", "event_id", f->meta.event_id, "reason", reason,
               "status", st, "attempts", attempts, "error", detail, NULL);
    }
    st_queue_complete(dv->q, f->pos);
    release(f);
}

/* Name of a permanent failure, as it appears in dead-letter file names. */
static const char *permanent_reason(long status)
{
    if (status == 413)
        return "too_large";
    if (status >= 500)
        return "server_error";
    return "send_error";
}

void st_outcome_response(st_delivery *dv, st_flight *f, const st_send_result *r)
{
    st_shared_stats *stats = st_queue_stats(dv->q);
    count_response(stats, r);
    long st = r->http_status;
    int64_t now = st_now_wall_ms();
    settle_report(dv, f, st >= 200 && st < 300);
    track_health(dv, r);
    if (f->standalone) { /* a client report alone: nothing queued behind it */
        release(f);
        return;
    }
    if (st != 0) /* limits ride on every response, 200 included */
        st_ratelimit_apply_response(st_queue_ratelimits(dv->q), f->meta.dsn_slot, st,
                                    r->rate_limits, r->retry_after, now);
    char status[16];
    snprintf(status, sizeof status, "%ld", st);
    switch (st_retry_classify(st)) {
    case ST_OUTCOME_SENT:
        st_queue_complete(dv->q, f->pos);
        atomic_fetch_add(&stats->events_sent, 1);
        if (st_log_enabled(ST_LOG_DEBUG))
            st_log(ST_LOG_DEBUG, "event sent", "event_id", f->meta.event_id, "status", status,
                   NULL);
        break;
    case ST_OUTCOME_RATE_LIMITED:
        st_queue_complete(dv->q, f->pos);
        atomic_fetch_add(&stats->events_rate_limit, 1);
        st_log(ST_LOG_WARNING, "event dropped: rate limited by upstream", "event_id",
               f->meta.event_id, "rate_limits", r->rate_limits, NULL);
        break;
    case ST_OUTCOME_RETRY: {
        int attempts = f->meta.attempts + 1; /* including this one */
        if (attempts >= dv->cfg.max_attempts) {
            st_outcome_give_up(dv, f, st ? "server_error" : "network_error", st, r->error, true);
            return;
        }
        int64_t delay = st_retry_delay_ms(&dv->cfg, attempts, unit_random(dv));
        int64_t asked = 0; /* a 503's Retry-After is honoured when longer */
        if (st == 503 && st_ratelimit_parse_retry_after(r->retry_after, now, &asked) == 0 &&
            asked - now > delay)
            delay = asked - now;
        st_queue_retry_later(dv->q, f->pos, now + delay);
        atomic_fetch_add(&stats->total_retries, 1);
        st_log(ST_LOG_WARNING, "send failed, will retry", "event_id", f->meta.event_id, "status",
               status, "error", r->error, NULL);
        break;
    }
    case ST_OUTCOME_PERMANENT:
        st_outcome_give_up(dv, f, permanent_reason(st), st, "rejected by upstream", true);
        return;
    }
    free(f->payload);
    free(f);
}
