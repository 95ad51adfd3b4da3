/* The drainer thread: election, the send loop, bounded shutdown (outcomes: outcome.c). */
#include "drainer.h"
#include "dsn.h"
#include "envelope.h"
#include "eventid.h"
#include "compress.h"
#include "clientreport.h"
#include "health.h"
#include "log.h"
#include "outcome.h"
#include "ratelimit.h"
#include "sender.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ST_DRAINER_STACK (512u * 1024u)
#define ST_ELECTION_POLL_MS 200        /* failover well inside the 2 s promise */
#define ST_SIDE_TICK_MS 1000           /* dead-letter checks, log summaries */
#define ST_CLIENT_REPORT_IDLE_MS 30000 /* a pending report goes alone at most this often */

typedef struct st_dsn_cache {
    bool parsed;
    bool valid;
    st_dsn dsn;
} st_dsn_cache;

struct st_drainer {
    st_config cfg;
    st_queue *q;
    pthread_t thread;
    int owner_pid;
    pthread_mutex_t mu; /* process-private: guards stop fields, pairs with cond */
    pthread_cond_t cond;
    bool stop;
    int64_t stop_deadline_mono; /* flush until then */
    int64_t stop_intake_mono;   /* take new records until then; after, only finish */
    _Atomic bool leader;
    _Atomic bool finished;
    bool nothing_due; /* stopping, and nothing queued could go before the deadline */
    st_dsn_cache dsns[ST_QUEUE_DSN_SLOTS];
    st_delivery dv;                              /* while leading */
    char report_item[ST_CLIENT_REPORT_ITEM_MAX]; /* rendered client_report, copied into a body */
};

static bool stop_requested(st_drainer *d, int64_t *deadline)
{
    pthread_mutex_lock(&d->mu);
    bool s = d->stop;
    if (deadline)
        *deadline = d->stop_deadline_mono;
    pthread_mutex_unlock(&d->mu);
    return s;
}

/* While stopping, the last third of the flush window takes nothing new: transfers still in
 * flight at the deadline are cut, and a cut request the upstream had already accepted is
 * sent again by the next drainer. With hundreds in flight that was a burst of duplicates
 * at every recycled FPM child; now what is in flight gets that third to finish. */
static bool intake_closed(st_drainer *d)
{
    pthread_mutex_lock(&d->mu);
    bool s = d->stop && st_now_mono_ms() >= d->stop_intake_mono;
    pthread_mutex_unlock(&d->mu);
    return s;
}

static const st_dsn *dsn_for_slot(st_drainer *d, int slot)
{
    if (slot < 0 || slot >= ST_QUEUE_DSN_SLOTS)
        return NULL;
    st_dsn_cache *c = &d->dsns[slot];
    if (!c->parsed) {
        char raw[1024], err[256];
        if (!st_queue_dsn_get(d->q, slot, raw, sizeof raw))
            return NULL;
        c->valid = st_dsn_parse(raw, &c->dsn, err, sizeof err) == 0;
        c->parsed = true;
    }
    return c->valid ? &c->dsn : NULL;
}

static void on_done(void *user, const st_send_result *r)
{
    st_drainer *d = user;
    st_flight *f = r->ctx;
    if (r->aborted) {
        /* Shutdown cut it short: it stays in flight and the next drainer reclaims it. */
        st_outcome_abandon(&d->dv, f);
        return;
    }
    st_outcome_response(&d->dv, f, r);
}

/* Take what is pending for a client report to the DSN of `slot` and render it into
 * d->report_item; what does not fit in one item goes back at once. NULL when off or nothing
 * is pending. */
static st_discard_taken *take_report(st_drainer *d, int slot, size_t *item_len)
{
    st_discards *disc = st_queue_discards(d->q, slot);
    if (!disc || !d->cfg.send_client_reports || !st_discards_pending(disc))
        return NULL;
    st_discard_taken *t = malloc(sizeof *t);
    st_discard_taken rest;
    if (!t)
        return NULL;
    st_discards_take(disc, t);
    int n = st_discards_render_item(t, st_now_wall_ms(), d->report_item, sizeof d->report_item,
                                    item_len, &rest);
    st_discards_restore(disc, &rest);
    if (n <= 0) {
        st_discards_restore(disc, t);
        free(t);
        return NULL;
    }
    return t;
}

/* Some of the record's categories are limited (a caller's envelope with several item
 * types): those items are removed and counted, the rest is sent. */
static void drop_limited_items(st_drainer *d, st_flight *f)
{
    uint32_t limited = st_ratelimit_limited_mask(st_queue_ratelimits(d->q), f->meta.dsn_slot,
                                                 f->meta.category_mask, st_now_wall_ms());
    if (!limited)
        return;
    st_iov kept[16];
    int dropped = 0;
    int n = st_envelope_without_categories(f->payload, f->payload_len, limited, kept, 16, &dropped);
    size_t len = 0;
    char *rest = n > 0 && dropped > 0 ? st_join(kept, n, &len) : NULL;
    if (!rest)
        return;
    free(f->payload);
    f->payload = rest;
    f->payload_len = len;
    st_queue_discard(d->q, f->meta.dsn_slot, ST_DISCARD_RATELIMIT_BACKOFF, limited, 1);
}

/* Build the wire body of one record and hand it to curl; true if it is now in flight. */
static bool dispatch(st_drainer *d, st_sender *s, st_compressor *gz, st_taken_record *rec)
{
    st_shared_stats *stats = st_queue_stats(d->q);
    /* A limit learned after this record was queued: drop it rather than send it. */
    if (st_ratelimit_envelope_blocked(st_queue_ratelimits(d->q), rec->meta.dsn_slot,
                                      rec->meta.category_mask, st_now_wall_ms())) {
        st_queue_complete(d->q, rec->pos);
        atomic_fetch_add(&stats->events_rate_limit, 1);
        st_dsn_stats *ds = st_queue_dsn_stats(d->q, rec->meta.dsn_slot);
        if (ds)
            atomic_fetch_add(&ds->events_rate_limit, 1);
        st_queue_discard(d->q, rec->meta.dsn_slot, ST_DISCARD_RATELIMIT_BACKOFF,
                         rec->meta.category_mask, 1);
        free(rec->payload);
        rec->payload = NULL;
        return false;
    }
    st_flight *f = calloc(1, sizeof *f);
    if (!f) { /* try again shortly */
        st_queue_retry_later(d->q, rec->pos, st_now_wall_ms() + 100);
        free(rec->payload);
        rec->payload = NULL;
        return false;
    }
    f->pos = rec->pos;
    f->meta = rec->meta;
    f->payload = rec->payload; /* kept until the outcome: a dead letter needs it */
    f->payload_len = rec->payload_len;
    rec->payload = NULL;
    drop_limited_items(d, f);
    const st_dsn *dsn = dsn_for_slot(d, rec->meta.dsn_slot);
    if (!dsn) {
        st_outcome_give_up(&d->dv, f, "internal_sdk_error", 0, "the record's DSN is invalid", true);
        return false;
    }
    st_iov iov[5];
    char stamp[64];
    char *body = NULL;
    size_t body_len = 0;
    if (st_envelope_stamp_sent_at(f->payload, f->payload_len, st_now_wall_ms(), iov, stamp) == 3) {
        int n = 3;
        size_t item_len = 0;
        f->report = take_report(d, f->meta.dsn_slot, &item_len); /* ride on real traffic */
        if (f->report) {
            if (f->payload_len && f->payload[f->payload_len - 1] != '\n')
                iov[n++] = (st_iov){"\n", 1};
            iov[n++] = (st_iov){d->report_item, item_len};
        }
        body = gz ? st_compress(gz, iov, n, &body_len) : st_join(iov, n, &body_len);
    }
    if (!body) {
        st_outcome_give_up(&d->dv, f, "internal_sdk_error", 0, "cannot build the request", true);
        return false;
    }
    if (st_sender_submit(s, dsn, body, body_len, gz != NULL, f) != 0) {
        st_queue_retry_later(d->q, f->pos, st_now_wall_ms() + 100);
        st_outcome_abandon(&d->dv, f);
        return false;
    }
    return true;
}

/* Each DSN has its own circuit: what of its records may go now. Closed: all; half-open
 * and its turn: one, the probe; else none until it may probe again (one failing DSN
 * pauses only itself). */
static void open_gate(st_drainer *d, st_take_gate *gate, bool probing[ST_QUEUE_DSN_SLOTS])
{
    int64_t now = st_now_wall_ms();
    for (int slot = 0; slot < ST_QUEUE_DSN_SLOTS; slot++) {
        st_health *h = st_queue_dsn_health(d->q, slot);
        probing[slot] = false;
        gate->resume_ms[slot] = 0;
        if (st_health_may_send(h, now, &probing[slot])) {
            gate->budget[slot] = probing[slot] ? 1 : -1;
            if (probing[slot]) /* the rest wait for the probe's outcome (a rescan) */
                gate->resume_ms[slot] = st_health_resume_ms(h, now);
        } else {
            gate->budget[slot] = 0;
            gate->resume_ms[slot] = st_health_resume_ms(h, now);
        }
    }
}

/* A probe granted but not sent (no record of its DSN was due, or it was dropped before
 * the wire): release it, so the next look may probe. */
static void cancel_probe(st_drainer *d, bool probing[ST_QUEUE_DSN_SLOTS], int slot)
{
    if (slot >= 0 && slot < ST_QUEUE_DSN_SLOTS && probing[slot]) {
        st_health_probe_cancel(st_queue_dsn_health(d->q, slot));
        probing[slot] = false;
    }
}

/* Fill the in-flight window (queue.batch_size records per lock) with what the circuits
 * let through; the number taken. */
static int fill_window(st_drainer *d, st_sender *s, st_compressor *gz, st_taken_record *recs,
                       int batch, int room)
{
    st_take_gate gate;
    bool probing[ST_QUEUE_DSN_SLOTS];
    open_gate(d, &gate, probing);
    int taken = 0;
    while (room > 0) {
        int want = room < batch ? room : batch;
        int n = st_queue_take_gated(d->q, st_now_wall_ms(), recs, want, &gate);
        for (int i = 0; i < n; i++) {
            int slot = recs[i].meta.dsn_slot;
            if (dispatch(d, s, gz, &recs[i]) && slot < ST_QUEUE_DSN_SLOTS)
                probing[slot] = false; /* in flight: its outcome settles the probe */
            cancel_probe(d, probing, slot);
        }
        taken += n;
        if (n < want)
            break;
        room = st_sender_capacity(s);
    }
    for (int slot = 0; slot < ST_QUEUE_DSN_SLOTS; slot++)
        cancel_probe(d, probing, slot);
    return taken;
}

/* When idle: a DSN's pending client report older than the interval goes on its own (not
 * while that DSN's circuit is open). */
static void flush_report_alone(st_drainer *d, st_sender *s, st_compressor *gz, int slot)
{
    st_discards *disc = st_queue_discards(d->q, slot);
    int64_t now = st_now_wall_ms();
    if (!disc || !d->cfg.send_client_reports ||
        !st_discards_due(disc, now, ST_CLIENT_REPORT_IDLE_MS) ||
        !st_health_is_closed(st_queue_dsn_health(d->q, slot)))
        return;
    const st_dsn *dsn = dsn_for_slot(d, slot);
    st_flight *f = dsn ? calloc(1, sizeof *f) : NULL;
    if (!f)
        return;
    size_t item_len = 0;
    f->standalone = true;
    f->meta.dsn_slot = (uint16_t)slot; /* its outcome settles this DSN's report and circuit */
    f->report = take_report(d, slot, &item_len);
    if (!f->report) {
        free(f);
        return;
    }
    char header[64];
    char when[32];
    st_format_rfc3339(now, when);
    int hl = snprintf(header, sizeof header, "{\"sent_at\":\"%s\"}\n", when);
    st_iov iov[2] = {{header, (size_t)hl}, {d->report_item, item_len}};
    size_t body_len = 0;
    char *body = gz ? st_compress(gz, iov, 2, &body_len) : st_join(iov, 2, &body_len);
    st_discards_mark_flushed(disc, now); /* at most one try per interval */
    if (!body || st_sender_submit(s, dsn, body, body_len, gz != NULL, f) != 0)
        st_outcome_abandon(&d->dv, f);
}

static int64_t mono_left(int64_t deadline)
{
    return deadline - st_now_mono_ms();
}

/* How often the leader renews its heartbeat: a few times per stale_after, so a busy but
 * living leader is never taken for a stalled one; every wait of the loop is bounded by it. */
static int64_t beat_interval_ms(const st_config *cfg)
{
    int64_t i = cfg->drainer_stale_after_ms / 4;
    return i < 50 ? 50 : (i > 1000 ? 1000 : i);
}

/* Renew the heartbeat when due; false once another election has happened. */
static bool still_leading(st_drainer *d, int64_t *last_beat)
{
    int64_t now = st_now_mono_ms();
    if (!st_queue_lease_held(d->q))
        return false;
    if (now - *last_beat < beat_interval_ms(&d->cfg))
        return true;
    *last_beat = now;
    return st_queue_lease_renew(d->q);
}

static void log_lost_lease(st_drainer *d, int inflight)
{
    char n[16];
    snprintf(n, sizeof n, "%d", inflight);
    st_log(ST_LOG_WARNING,
           "drainer lost its lease to a newer election (it was stalled): stepping down; the "
           "new drainer sends again what it had in flight",
           "queue", st_queue_location(d->q), "abandoned_in_flight", n, NULL);
}

/* Stopping with events queued, none of them in flight and none taken: when the earliest
 * (a retry's backoff, or an open circuit's next probe) is due only after the deadline,
 * waiting for it is pointless: they stay queued for the next process. */
static bool nothing_due_in_time(st_drainer *d, uint32_t inflight_anywhere, int64_t deadline)
{
    if (inflight_anywhere > 0)
        return false;
    int64_t due = st_queue_next_retry_ms(d->q);
    return due > 0 && due - st_now_wall_ms() >= mono_left(deadline);
}

/* Drain while holding the lease, until asked to stop and done (or out of time). False if
 * it could not start (the lease is released at once). */
static bool lead(st_drainer *d)
{
    char err[256];
    st_sender *s = st_sender_new(&d->cfg, err, sizeof err);
    st_compressor *gz = st_compressor_new(d->cfg.compression);
    if (!s || (d->cfg.compression && !gz)) {
        st_log(ST_LOG_ERROR, "drainer cannot start", "error", s ? "compressor init failed" : err,
               NULL);
        st_sender_free(s);
        st_compressor_free(gz);
        st_queue_lease_release(d->q); /* let another process try */
        return false;
    }
    d->dv.cfg = d->cfg;
    d->dv.q = d->q;
    d->dv.rng = (uint64_t)st_now_mono_ms() * 0x9E3779B97F4A7C15ull ^ (uint64_t)getpid() ^ 1u;
    st_outcome_dead_letters_open(&d->dv); /* a failure shows in getStatus(), logged once */
    /* A probe granted to the leader this election replaced (killed or stalled mid-probe)
     * will never report: release it now rather than after its lease, or that DSN would
     * send nothing until then. */
    for (int slot = 0; slot < ST_QUEUE_DSN_SLOTS; slot++)
        st_health_probe_cancel(st_queue_dsn_health(d->q, slot));
    atomic_store(&d->leader, true);
    int batch = d->cfg.batch_size > 0 ? d->cfg.batch_size : 1;
    st_taken_record *recs = calloc((size_t)batch, sizeof *recs);
    int64_t last_beat = st_now_mono_ms(), last_tick = 0;
    int64_t beat_every = beat_interval_ms(&d->cfg);
    while (recs) {
        int64_t deadline = 0;
        bool stopping = stop_requested(d, &deadline);
        if (stopping && mono_left(deadline) <= 0)
            break;
        if (!still_leading(d, &last_beat)) {
            log_lost_lease(d, st_sender_inflight(s));
            break; /* what is in flight is abandoned below: it is the new leader's now */
        }
        uint32_t seq = st_queue_wake_seq(d->q);
        bool closing = stopping && intake_closed(d);
        if (closing && st_sender_inflight(s) == 0)
            break; /* nothing left to finish; the rest stays queued for the next drainer */
        int room = closing ? 0 : st_sender_capacity(s);
        int taken = room > 0 ? fill_window(d, s, gz, recs, batch, room) : 0;
        int64_t now_mono = st_now_mono_ms();
        if (now_mono - last_tick >= ST_SIDE_TICK_MS) {
            st_outcome_dead_letters_tick(&d->dv);
            st_log_flush(); /* emit pending "repeated" summaries */
            last_tick = now_mono;
        }
        if (st_sender_inflight(s) > 0) {
            /* With free slots, look at the queue again soon; when full, a completion
             * wakes us. */
            st_sender_poll(s, st_sender_capacity(s) > 0 ? 5 : 100, on_done, d);
            continue;
        }
        if (taken > 0)
            continue;
        st_queue_snapshot snap;
        st_queue_snapshot_read(d->q, &snap);
        if (stopping && snap.length == 0)
            break;
        if (stopping && nothing_due_in_time(d, snap.inflight, deadline)) {
            d->nothing_due = true; /* exit now rather than wait out shutdown_timeout */
            break;
        }
        for (int slot = 0; !stopping && slot < ST_QUEUE_DSN_SLOTS; slot++)
            flush_report_alone(d, s, gz, slot);
        /* Enqueues wake us at once; queue.batch_timeout bounds an idle sleep anyway. Records
         * an open circuit holds back are due again (next_retry) when it may probe. */
        int64_t wait = d->cfg.batch_timeout_ms > 0 ? d->cfg.batch_timeout_ms : 1000;
        int64_t next_retry = st_queue_next_retry_ms(d->q);
        if (next_retry) {
            int64_t until = next_retry - st_now_wall_ms();
            wait = until < wait ? (until > 0 ? until : 1) : wait;
        }
        if (stopping) {
            int64_t left = mono_left(deadline);
            wait = left < wait ? left : wait;
        }
        wait = wait < beat_every ? wait : beat_every; /* idle, the heartbeat goes on */
        if (wait > 0)
            st_queue_wait(d->q, seq, wait);
    }
    st_sender_abort_all(s, on_done, d);
    st_sender_free(s);
    st_compressor_free(gz);
    st_deadletter_close(d->dv.dead_letters);
    d->dv.dead_letters = NULL;
    free(recs);
    atomic_store(&d->leader, false);
    st_queue_lease_release(d->q);
    st_log(ST_LOG_INFO, "drainer stepped down", NULL);
    st_log_flush();
    return true;
}

/* Asked to stop while not leading: events are queued and nobody may be leading (the last
 * leader stepped down before they came, e.g. a recycled FPM child). Worth one more
 * election, within the shutdown deadline, or they wait for the next process. */
static bool queued_and_time_left(st_drainer *d)
{
    int64_t deadline = 0;
    stop_requested(d, &deadline);
    if (mono_left(deadline) <= 0)
        return false;
    st_queue_snapshot snap;
    st_queue_snapshot_read(d->q, &snap);
    return snap.length > 0;
}

static void log_election(st_drainer *d, const st_lease_info *li)
{
    char epoch[24], prev[16], silent[24];
    snprintf(epoch, sizeof epoch, "%llu", (unsigned long long)li->epoch);
    snprintf(prev, sizeof prev, "%d", (int)li->previous_pid);
    snprintf(silent, sizeof silent, "%lld", (long long)li->silent_ms);
    const char *loc = st_queue_location(d->q);
    if (li->reason == ST_TAKEOVER_STALE)
        st_log(ST_LOG_WARNING,
               "drainer taken over from a living but stalled process (stopped, frozen or "
               "traced); its records in flight are sent again",
               "queue", loc, "previous_pid", prev, "silent_ms", silent, "epoch", epoch, NULL);
    else if (li->reason == ST_TAKEOVER_DEAD)
        st_log(ST_LOG_INFO, "drainer taken over from a dead process", "queue", loc, "previous_pid",
               prev, "epoch", epoch, NULL);
    else
        st_log(ST_LOG_INFO, "elected drainer", "queue", loc, "epoch", epoch, NULL);
}

static void *drainer_main(void *arg)
{
    st_drainer *d = arg;
    st_queue_prefault(d->q); /* off the request path */
    for (;;) {
        bool stopping = stop_requested(d, NULL);
        if (stopping && !queued_and_time_left(d))
            break; /* a waiting thread exits at once when nothing is left to send */
        st_lease_info li;
        st_lease_result lr = st_queue_lease_try(d->q, d->cfg.drainer_stale_after_ms, &li);
        if (lr == ST_LEASE_TAKEN) {
            log_election(d, &li);
            /* Leading ends once asked to stop (an event queued just before the lease was
             * released would have nobody: look again, bounded by the deadline), or when
             * another election replaced this thread while it was stalled (a candidate
             * again). */
            if (!lead(d) || d->nothing_due)
                break;
            continue;
        }
        if (stopping)
            break; /* another process leads: what is queued is in its hands */
        /* Sleep on our own condvar so st_drainer_stop wakes us immediately. */
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += (long)ST_ELECTION_POLL_MS * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_mutex_lock(&d->mu);
        if (!d->stop)
            pthread_cond_timedwait(&d->cond, &d->mu, &until);
        pthread_mutex_unlock(&d->mu);
    }
    atomic_store(&d->finished, true);
    return NULL;
}

int st_drainer_start(st_drainer **out, const st_config *cfg, st_queue *q, char *err, size_t errlen)
{
    st_drainer *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    d->cfg = *cfg;
    d->q = q;
    d->owner_pid = getpid();
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&d->cond, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&d->mu, NULL);

    /* Block every asynchronous signal before the thread exists, so it never runs PHP's
     * handlers (SIGPROF timeouts, SIGTERM from FPM) or dies of SIGPIPE. */
    sigset_t all, old;
    sigfillset(&all);
    sigdelset(&all, SIGSEGV);
    sigdelset(&all, SIGBUS);
    sigdelset(&all, SIGFPE);
    sigdelset(&all, SIGILL);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, ST_DRAINER_STACK);
    int rc = pthread_create(&d->thread, &attr, drainer_main, d);
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the background thread: %s", strerror(rc));
        pthread_cond_destroy(&d->cond);
        pthread_mutex_destroy(&d->mu);
        free(d);
        return -1;
    }
    *out = d;
    return 0;
}

bool st_drainer_stop(st_drainer *d, int64_t flush_timeout_ms)
{
    if (!d)
        return true;
    pthread_mutex_lock(&d->mu);
    d->stop = true;
    int64_t flush = flush_timeout_ms > 0 ? flush_timeout_ms : 0;
    d->stop_deadline_mono = st_now_mono_ms() + flush;
    d->stop_intake_mono = st_now_mono_ms() + flush - flush / 3;
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->mu);
    st_queue_wake(d->q); /* the leader may be idle on the futex */

    /* The loop ends by the deadline; curl transfers are cut then. Allow a margin. */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    int64_t bound = (flush_timeout_ms > 0 ? flush_timeout_ms : 0) + 1000;
    until.tv_sec += bound / 1000;
    until.tv_nsec += (bound % 1000) * 1000000L;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    if (pthread_timedjoin_np(d->thread, NULL, &until) != 0) {
        st_log(ST_LOG_ERROR, "background thread did not stop in time; left detached", NULL);
        pthread_detach(d->thread);
        return false;
    }
    pthread_cond_destroy(&d->cond);
    pthread_mutex_destroy(&d->mu);
    free(d);
    return true;
}

bool st_drainer_is_leader(const st_drainer *d)
{
    return d && atomic_load(&d->leader);
}
int st_drainer_owner_pid(const st_drainer *d)
{
    return d ? d->owner_pid : 0;
}
