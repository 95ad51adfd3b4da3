/* Outcomes of delivery: the only place that decides a record's fate after a send. */
#include "outcome.h"
#include "dsn.h"
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
        st_discards_mark_flushed(st_queue_discards(dv->q, f->meta.dsn_slot), st_now_wall_ms());
    } else {
        st_discards_restore(st_queue_discards(dv->q, f->meta.dsn_slot), f->report);
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

/* The slot's counters, or a sink for a record whose slot is out of range. */
static st_dsn_stats *slot_stats(st_delivery *dv, int slot)
{
    static st_dsn_stats sink;
    st_dsn_stats *ds = st_queue_dsn_stats(dv->q, slot);
    return ds ? ds : &sink;
}

/* The DSN of a slot as logs may show it: no secret. */
static void dsn_shown(st_delivery *dv, int slot, char *out, size_t outlen)
{
    char raw[1024];
    if (st_queue_dsn_get(dv->q, slot, raw, sizeof raw))
        st_dsn_shown(raw, out, outlen);
    else
        snprintf(out, outlen, "(slot %d)", slot);
}

/* Upstream health, per DSN: network errors and 5xx count against it, 2xx for it;
 * transitions are logged once, not once per event. Records its open circuit held back are
 * looked at again whenever a probe settles. */
static void track_health(st_delivery *dv, int slot, const st_send_result *r)
{
    st_health *h = st_queue_dsn_health(dv->q, slot);
    if (!h)
        return;
    bool was_closed = st_health_is_closed(h);
    int64_t now = st_now_wall_ms();
    long st = r->http_status;
    char dsn[sizeof((st_dsn *)0)->public_dsn];
    if (st >= 200 && st < 300) {
        if (st_health_success(h, now) == ST_HEALTH_RECOVERED) {
            dsn_shown(dv, slot, dsn, sizeof dsn);
            st_log(ST_LOG_INFO, "upstream recovered: sending resumes", "dsn", dsn, NULL);
        }
    } else if (st == 0 || st >= 500) {
        char what[300];
        if (st)
            snprintf(what, sizeof what, "HTTP %ld", st);
        else
            snprintf(what, sizeof what, "%s", r->error);
        if (st_health_failure(h, now, dv->cfg.failure_threshold, what) == ST_HEALTH_OPENED) {
            dsn_shown(dv, slot, dsn, sizeof dsn);
            st_log(ST_LOG_ERROR,
                   "upstream unhealthy: sending to this DSN paused, probing with backoff", "dsn",
                   dsn, "error", what, NULL);
        }
    }
    if (!was_closed)
        st_queue_rescan(dv->q);
}

/* ---- the dead-letter directory's health ---- */

static void dead_letters_failed(st_delivery *dv, const char *err)
{
    dv->dl_next_check_mono = st_now_mono_ms() + ST_DEADLETTER_RECHECK_MS;
    /* The status keeps 159 bytes: of a longer message (a long path) keep the end, which
     * says why. The log gets it whole. */
    char tail[ST_HEALTH_ERROR_MAX];
    const char *shown = err;
    size_t n = strlen(err);
    if (n > sizeof tail - 1) {
        const char *t = err + n - (sizeof tail - 4);
        while (((unsigned char)*t & 0xC0) == 0x80) /* not inside a UTF-8 character */
            t++;
        snprintf(tail, sizeof tail, "...%s", t);
        shown = tail;
    }
    if (st_health_failure(st_queue_deadletter_health(dv->q), st_now_wall_ms(), 1, shown) ==
        ST_HEALTH_OPENED)
        st_log(ST_LOG_ERROR,
               "dead letters cannot be written: permanent failures are dropped and counted "
               "in dead_letter_errors until the directory works again",
               "error", err, NULL);
}

static void dead_letters_ok(st_delivery *dv)
{
    if (st_health_success(st_queue_deadletter_health(dv->q), st_now_wall_ms()) ==
        ST_HEALTH_RECOVERED)
        st_log(ST_LOG_INFO, "dead letters are written again", "path",
               st_deadletter_path(dv->dead_letters), NULL);
}

static bool dead_letters_failing(st_delivery *dv)
{
    return atomic_load(&st_queue_deadletter_health(dv->q)->state) != ST_HEALTH_CLOSED;
}

/* Open the directory again from its path: since the handle was opened it may have been
 * removed (a tmp cleaner) and created again, or a filesystem mounted over it. */
static bool dead_letters_reopen(st_delivery *dv, char *err, size_t errlen)
{
    st_deadletter_close(dv->dead_letters);
    dv->dead_letters = NULL;
    if (st_deadletter_open(dv->cfg.dead_letter_path, dv->cfg.dead_letter_max_files,
                           dv->cfg.dead_letter_max_bytes, &dv->dead_letters, err,
                           errlen) != ST_OK) {
        dv->dead_letters = NULL;
        return false;
    }
    return true;
}

/* Open the directory if it is not (again, if it was failing), then probe a failing one. */
static void dead_letters_check(st_delivery *dv)
{
    char err[256] = "";
    if ((!dv->dead_letters || dead_letters_failing(dv)) &&
        !dead_letters_reopen(dv, err, sizeof err)) {
        dead_letters_failed(dv, err);
        return;
    }
    if (!dead_letters_failing(dv))
        return;
    if (st_deadletter_probe(dv->dead_letters, err, sizeof err) == ST_OK)
        dead_letters_ok(dv);
    else
        dead_letters_failed(dv, err);
}

void st_outcome_dead_letters_open(st_delivery *dv)
{
    dv->dead_letters = NULL;
    dv->dl_next_check_mono = 0;
    if (dv->cfg.dead_letter_queue)
        dead_letters_check(dv);
}

void st_outcome_dead_letters_tick(st_delivery *dv)
{
    if (!dv->cfg.dead_letter_queue || (dv->dead_letters && !dead_letters_failing(dv)) ||
        st_now_mono_ms() < dv->dl_next_check_mono)
        return;
    dead_letters_check(dv);
}

/* Keep a permanently failed record as a dead letter; false if it could not be kept. */
static bool keep_dead_letter(st_delivery *dv, st_flight *f, const char *reason, const char *st,
                             const char *attempts, const char *detail)
{
    st_shared_stats *stats = st_queue_stats(dv->q);
    char err[256] = "";
    int rc = ST_ERR;
    /* The first failure of an episode gets one more try on a freshly opened handle (the
     * directory may just have been removed and can be created again); later ones wait
     * for the periodic check. */
    for (int tries = 0; dv->dead_letters && tries < 2; tries++) {
        uint64_t pruned = 0;
        rc = st_deadletter_write(dv->dead_letters, f->meta.event_id, reason, f->meta.attempts + 1,
                                 st_now_wall_ms(), f->payload, f->payload_len, &pruned, err,
                                 sizeof err);
        atomic_fetch_add(&stats->dead_letters_pruned, pruned);
        if (rc != ST_ERR || dead_letters_failing(dv) || tries > 0)
            break;
        if (!dead_letters_reopen(dv, err, sizeof err))
            break; /* err now says why the directory cannot be opened */
    }
    if (rc == ST_OK) {
        atomic_fetch_add(&stats->dead_letters_written, 1);
        dead_letters_ok(dv);
        st_log(ST_LOG_ERROR, "event kept as a dead letter", "event_id", f->meta.event_id, "reason",
               reason, "status", st, "attempts", attempts, "error", detail, NULL);
        return true;
    }
    atomic_fetch_add(st_queue_deadletter_errors(dv->q), 1);
    if (rc == ST_TOO_LARGE) { /* this envelope alone: the directory is fine */
        st_log(ST_LOG_ERROR, "event dropped: dead letter not written", "event_id", f->meta.event_id,
               "reason", reason, "error", err, NULL);
        return false;
    }
    if (err[0]) /* (nothing tried: the directory was already known unusable) */
        dead_letters_failed(dv, err); /* logged once, when writes start failing */
    if (st_log_enabled(ST_LOG_DEBUG))
        st_log(ST_LOG_DEBUG, "event dropped: dead letter not written", "event_id", f->meta.event_id,
               "reason", reason, "error", err[0] ? err : "directory unusable", NULL);
    return false;
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
    if (st_queue_lease_fenced(dv->q)) {
        /* Replaced while stalled: the record is the new drainer's, which sends it again
         * and decides its fate; a dead letter here would be a second one. */
        st_outcome_abandon(dv, f);
        return;
    }
    settle_report(dv, f, false);
    st_queue_discard(dv->q, f->meta.dsn_slot, discard_reason_for(reason), f->meta.category_mask, 1);
    char st[16], attempts[16];
    snprintf(st, sizeof st, "%ld", status);
    snprintf(attempts, sizeof attempts, "%d", f->meta.attempts + 1);
    atomic_fetch_add(&stats->events_failed, 1);
    atomic_fetch_add(&slot_stats(dv, f->meta.dsn_slot)->events_failed, 1);
    if (keep && dv->cfg.dead_letter_queue) {
        keep_dead_letter(dv, f, reason, st, attempts, detail);
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
    track_health(dv, f->meta.dsn_slot, r);
    st_dsn_stats *ds = slot_stats(dv, f->meta.dsn_slot);
    atomic_fetch_add(&ds->bytes_sent, r->bytes_sent);
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
        atomic_fetch_add(&ds->events_sent, 1);
        if (st_log_enabled(ST_LOG_DEBUG))
            st_log(ST_LOG_DEBUG, "event sent", "event_id", f->meta.event_id, "status", status,
                   NULL);
        break;
    case ST_OUTCOME_RATE_LIMITED:
        st_queue_complete(dv->q, f->pos);
        atomic_fetch_add(&stats->events_rate_limit, 1);
        atomic_fetch_add(&ds->events_rate_limit, 1);
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
        atomic_fetch_add(&ds->total_retries, 1);
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
