/* This process's transport state. NTS PHP runs one request thread per process; under
 * ZTS the lazy start is serialised by a mutex so two request threads cannot race it. */
#include "process.h"
#include "results.h"
#include "ext/standard/info.h"

#include "../core/deadletter.h"
#include "../core/drainer.h"
#include "../core/category.h"
#include "../core/dsn.h"
#include "../core/log.h"
#include "../core/clientreport.h"
#include "../core/eventid.h"
#include "../core/health.h"
#include "../core/policy.h"
#include "../core/policy_walk.h"
#include "../core/ratelimit.h"

#include <pthread.h>
#include <time.h>
#include <unistd.h>

#define ST_REOPEN_INTERVAL_MS 1000
#define ST_NO_DSN_SLOT (-2) /* no php.ini DSN: only envelopes naming their own are sent */
#define ST_NO_DSN_ERROR                                                                            \
    "no DSN configured: set sentry_transport.dsn (or SENTRY_DSN), or send envelopes whose "        \
    "header carries a dsn (the Sentry SDK through the bridge does)" /* a failing mapping is        \
                                                                       retried at most this often  \
                                                                     */

static struct {
    st_config cfg;
    bool configured;
    char off_reason[512]; /* set when the transport is off for good (config) */
    st_dsn dsn;
    st_event_defaults defaults;

    pid_t pid; /* process that owns q/drainer below */
    st_queue *q;
    int dsn_slot;            /* php.ini's DSN, or ST_NO_DSN_SLOT without one */
    char envelope_dsn[1024]; /* the last DSN an envelope named, and its slot: SDK */
    int envelope_slot;       /* envelopes name the same DSN every time */
    st_policy policy;        /* ignore rules, scrubbing, sampling: built once, read-only after */
    bool policy_ready;
    uint64_t rng; /* for sampling; reseeded after fork */
    pid_t rng_pid;
    char q_error[512]; /* set while the queue cannot be opened */
    int64_t q_next_try_mono;
    st_drainer *drainer;
} S;

static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;

/* getpid() is a real system call in current glibc (~0.2 µs in a VM) and the request path
 * asks on every call: keep it, refreshed in every forked child (FPM, pcntl_fork). */
static pid_t current_pid;
static void refresh_pid_after_fork(void)
{
    current_pid = getpid();
}

/* Logging goes to logging.file, else PHP's error_log file, else stderr. */
static void configure_log(void)
{
    const char *log_path = S.cfg.log_file;
    const char *error_log = INI_STR("error_log");
    if (!log_path[0] && error_log && error_log[0] && strcmp(error_log, "syslog") != 0)
        log_path = error_log;
    st_log_configure(S.cfg.log_level, log_path);
}

void st_process_configure(const st_config *cfg)
{
    static bool atfork_registered;
    if (!atfork_registered && pthread_atfork(NULL, NULL, refresh_pid_after_fork) == 0)
        atfork_registered = true;
    current_pid = getpid();
    memset(&S, 0, sizeof S);
    S.cfg = *cfg;
    S.configured = true;
    configure_log();

    char err[256];
    if (!cfg->enabled) {
        snprintf(S.off_reason, sizeof S.off_reason,
                 "transport disabled (sentry_transport.enabled=0)");
    } else if (cfg->dsn[0] && st_dsn_parse(cfg->dsn, &S.dsn, err, sizeof err) != 0) {
        /* ini.c already warned at startup, once. */
        snprintf(S.off_reason, sizeof S.off_reason, "invalid DSN: %s", err);
    }
    S.defaults.environment = S.cfg.environment;
    S.defaults.release = S.cfg.release;
    S.defaults.server_name = S.cfg.server_name;
    S.defaults.public_dsn = S.dsn.public_dsn;
    st_event_defaults_prepare(&S.defaults); /* if too long, events render them per call */
    const char *scrub = strcmp(S.cfg.scrub_fields, "none") == 0 ? "" : S.cfg.scrub_fields;
    char perr[256];
    if (st_policy_init(&S.policy, scrub, S.cfg.ignore_exceptions, S.cfg.send_default_pii,
                       S.cfg.sample_rate, S.cfg.traces_sample_rate, perr, sizeof perr) == 0)
        S.policy_ready = true;
    else if (!S.off_reason[0])
        snprintf(S.off_reason, sizeof S.off_reason, "event policy unusable: %s", perr);
}

static void open_queue_locked(void)
{
    int64_t now = st_now_mono_ms();
    if (S.q_error[0] && now < S.q_next_try_mono)
        return;
    st_queue_options o = {
        .name = S.cfg.queue_name,
        .path = S.cfg.queue_path,
        .memory = S.cfg.queue_memory,
        .max_records = (uint32_t)S.cfg.buffer_size,
    };
    char err[512];
    if (st_queue_open(&o, &S.q, err, sizeof err) != 0) {
        char msg[sizeof S.q_error];
        snprintf(msg, sizeof msg, "queue unavailable: %s", err);
        if (strcmp(msg, S.q_error) != 0) /* once per distinct error, not once per retry */
            st_log(ST_LOG_ERROR, "queue unavailable", "error", err, NULL);
        memcpy(S.q_error, msg, sizeof S.q_error);
        S.q_next_try_mono = now + ST_REOPEN_INTERVAL_MS;
        S.q = NULL;
        return;
    }
    if (S.q_error[0])
        st_log(ST_LOG_INFO, "queue available again", "queue", st_queue_location(S.q), NULL);
    S.q_error[0] = '\0';
    S.envelope_dsn[0] = '\0'; /* slots are per mapping: look them up again */
    S.dsn_slot = S.cfg.dsn[0] ? st_queue_dsn_slot(S.q, S.cfg.dsn) : ST_NO_DSN_SLOT;
    if (S.dsn_slot == -1) {
        snprintf(S.q_error, sizeof S.q_error,
                 "queue unavailable: more than %d DSNs share queue '%s'", ST_QUEUE_DSN_SLOTS,
                 S.cfg.queue_name);
        st_queue_close(S.q);
        S.q = NULL;
        S.q_next_try_mono = now + ST_REOPEN_INTERVAL_MS;
    }
}

void st_process_ensure_running(void)
{
    if (S.off_reason[0] || !S.configured)
        return;
    pid_t pid = current_pid;
    if (S.pid == pid && S.drainer)
        return; /* the common case: one comparison */
    pthread_mutex_lock(&start_lock);
    if (S.pid != pid) {
        /* A forked child: the parent's thread does not exist here and its locks and
         * curl state may be mid-use. Abandon them (never join, unlock or free); the
         * inherited mapping itself stays valid and is kept. */
        S.drainer = NULL;
        S.pid = pid;
        configure_log();
    }
    if (!S.q)
        open_queue_locked();
    if (S.q && !S.drainer) {
        char err[256];
        /* The default dead-letter path is resolved here, on PHP's thread: it reads TMPDIR,
         * and getenv in the background thread could race PHP's putenv. */
        st_config drainer_cfg = S.cfg;
        if (!drainer_cfg.dead_letter_path[0])
            st_deadletter_default_path(drainer_cfg.dead_letter_path,
                                       sizeof drainer_cfg.dead_letter_path);
        if (st_drainer_start(&S.drainer, &drainer_cfg, S.q, err, sizeof err) != 0) {
            st_log(ST_LOG_ERROR, "cannot start background thread", "error", err, NULL);
            S.drainer = NULL;
        }
    }
    pthread_mutex_unlock(&start_lock);
}

void st_process_shutdown(void)
{
    if (S.drainer && st_drainer_owner_pid(S.drainer) == getpid()) {
        if (st_drainer_stop(S.drainer, S.cfg.shutdown_timeout_ms))
            S.drainer = NULL;
        else
            S.q = NULL; /* the thread still uses the mapping: never unmap under it */
    }
    S.drainer = NULL;
    if (S.q)
        st_queue_close(S.q);
    S.q = NULL;
    if (S.policy_ready)
        st_policy_free(&S.policy);
    S.policy_ready = false;
    st_log_flush();
}

const char *st_process_unavailable_reason(void)
{
    if (!S.configured)
        return "transport not initialised";
    if (S.off_reason[0])
        return S.off_reason;
    if (!S.q)
        return S.q_error[0] ? S.q_error : "queue unavailable";
    return NULL;
}

const st_config *st_process_config(void)
{
    return &S.cfg;
}
const st_event_defaults *st_process_event_defaults(void)
{
    return &S.defaults;
}

static void push_to_slot(st_record_meta *meta, int slot, const st_iov *iov, int niov, zval *rv)
{
    meta->dsn_slot = (uint16_t)slot;
    meta->enqueued_ms = st_now_wall_ms();
    /* A limit any process learned holds here too: answer at once, queue nothing. */
    st_ratelimit_table *limits = st_queue_ratelimits(S.q);
    if (st_ratelimit_envelope_blocked(limits, slot, meta->category_mask, meta->enqueued_ms)) {
        char until[32], msg[64], header[512];
        st_format_rfc3339(st_ratelimit_until(limits, slot, meta->category_mask, meta->enqueued_ms),
                          until);
        snprintf(msg, sizeof msg, "rate limited until %s", until);
        atomic_fetch_add(&st_queue_stats(S.q)->events_rate_limit, 1);
        atomic_fetch_add(&st_queue_dsn_stats(S.q, slot)->events_rate_limit, 1);
        st_queue_discard(S.q, slot, ST_DISCARD_RATELIMIT_BACKOFF, meta->category_mask, 1);
        st_result_fail(rv, meta->event_id, msg, true);
        /* The bridge answers the SDK a 429 with it, so the SDK stops serializing. */
        st_ratelimit_header(limits, slot, meta->enqueued_ms, header, sizeof header);
        add_assoc_string(rv, "rate_limits", header);
        return;
    }
    switch (st_queue_push(S.q, meta, iov, niov)) {
    case ST_OK:
        st_result_ok(rv, meta->event_id);
        return;
    case ST_QUEUE_FULL:
        st_queue_discard(S.q, slot, ST_DISCARD_QUEUE_OVERFLOW, meta->category_mask, 1);
        st_result_fail(rv, meta->event_id, "queue full", false);
        return;
    case ST_TOO_LARGE:
        st_result_fail(rv, meta->event_id,
                       "envelope is larger than the queue can hold (queue.memory)", false);
        return;
    default:
        st_result_fail(rv, meta->event_id, "queue unavailable", false);
    }
}

void st_process_push(st_record_meta *meta, const st_iov *iov, int niov, zval *rv)
{
    if (S.dsn_slot < 0) {
        st_result_fail(rv, meta->event_id, ST_NO_DSN_ERROR, false);
        return;
    }
    push_to_slot(meta, S.dsn_slot, iov, niov, rv);
}

/* The slot of the DSN an envelope names: checked once per distinct DSN (the SDK names the
 * same one every time), so the request path does not parse a URL per envelope. */
static int envelope_slot(const char *dsn, const char **err)
{
    if (S.envelope_dsn[0] && strcmp(dsn, S.envelope_dsn) == 0)
        return S.envelope_slot;
    st_dsn parsed;
    char why[256];
    static char msg[320];
    if (st_dsn_parse(dsn, &parsed, why, sizeof why) != 0) {
        snprintf(msg, sizeof msg, "envelope header dsn is invalid: %s", why);
        *err = msg;
        return -1;
    }
    int slot = st_queue_dsn_slot(S.q, dsn);
    if (slot < 0) {
        snprintf(msg, sizeof msg,
                 "too many DSNs: queue '%s' holds at most %d (a new queue.name, or a restart "
                 "with a fresh queue, makes room)",
                 S.cfg.queue_name, ST_QUEUE_DSN_SLOTS);
        *err = msg;
        return -1;
    }
    st_strlcpy(S.envelope_dsn, dsn, sizeof S.envelope_dsn);
    S.envelope_slot = slot;
    return slot;
}

int st_process_apply_policy(const char *json, size_t len, char **out, size_t *out_len)
{
    *out = NULL;
    if (!S.policy_ready)
        return ST_POLICY_KEEP;
    return st_policy_apply(&S.policy, json, len, out, out_len);
}

/* Move the scan's offsets into the rewritten event (they are outside every edit: edits are
 * inside top-level members). */
static void remap_scan(st_event_scan *scan, const st_policy_walk *w)
{
    for (size_t i = 0; i < ST_EVENT_SCAN_KEYS; i++) {
        st_span *v = &scan->v[i];
        if (v->len) {
            size_t a = st_policy_walk_map(w, v->off), b = st_policy_walk_map(w, v->off + v->len);
            v->off = a;
            v->len = b - a;
        }
    }
    scan->info.open_brace = st_policy_walk_map(w, scan->info.open_brace);
    scan->info.close_brace = st_policy_walk_map(w, scan->info.close_brace);
}

int st_process_scan_event(const char *json, size_t len, bool trusted, st_event_scan *scan,
                          char **out, size_t *out_len, const char **err)
{
    *out = NULL;
    *out_len = 0;
    *err = NULL;
    st_policy_walk w;
    st_policy_walk_begin(&w, S.policy_ready ? &S.policy : NULL, json, len);
    w.trusted = trusted;
    int rc = json ? st_policy_walk_scan(&w, st_event_scan_keys, ST_EVENT_SCAN_KEYS, scan->v,
                                        &scan->info, err)
                  : -1;
    st_policy_verdict v = st_policy_walk_finish(&w, rc, out, out_len);
    if (v == ST_POLICY_KEEP && *out)
        remap_scan(scan, &w);
    st_policy_walk_end(&w);
    return v;
}

bool st_process_sampled(int category)
{
    double rate = category == ST_CAT_TRANSACTION ? S.cfg.traces_sample_rate : S.cfg.sample_rate;
    if (rate >= 1.0)
        return true; /* the default: no random number needed */
    pid_t pid = current_pid;
    if (S.rng_pid != pid || !S.rng) { /* a forked child must not repeat its parent's draws */
        char seed[33];
        st_event_id_generate(seed);
        S.rng = strtoull(seed + 16, NULL, 16) | 1u;
        S.rng_pid = pid;
    }
    S.rng ^= S.rng << 13;
    S.rng ^= S.rng >> 7;
    S.rng ^= S.rng << 17;
    return st_policy_sampled(rate, S.rng);
}

void st_process_discard(int reason, uint32_t category_mask)
{
    if (S.q)
        st_queue_discard(S.q, S.dsn_slot, reason, category_mask, 1);
}

bool st_process_flush(int64_t timeout_ms)
{
    if (S.off_reason[0])
        return true; /* off: this process queued nothing, so nothing of it is waiting */
    if (!S.q)
        return false;
    int64_t deadline = st_now_mono_ms() + timeout_ms;
    long sleep_us = 500;
    for (;;) {
        st_queue_snapshot s;
        st_queue_snapshot_read(S.q, &s);
        if (s.length == 0)
            return true;
        if (st_now_mono_ms() >= deadline)
            return false;
        struct timespec ts = {0, sleep_us * 1000L};
        nanosleep(&ts, NULL);
        if (sleep_us < 10000)
            sleep_us *= 2;
    }
}

/* ---------------------------------------------------------------- for status.c */

void st_process_view_get(st_process_view *v, bool map_queue)
{
    if (map_queue && !S.q && !S.off_reason[0] && S.configured) {
        pthread_mutex_lock(&start_lock);
        open_queue_locked();
        pthread_mutex_unlock(&start_lock);
    }
    v->q = S.q;
    v->cfg = &S.cfg;
    v->public_dsn = S.dsn.public_dsn;
    v->dsn_slot = S.dsn_slot;
    v->drainer = S.drainer;
    v->off = S.off_reason[0] != '\0';
}

/* ---------------------------------------------------------------- dead letters (issue #3)
 * Added with src/php/deadletter_api.c: replayDeadLetters() queues a stored envelope again,
 * exactly as sendEnvelope() would. */

void st_process_push_envelope(const char *envelope, size_t len, const char *default_dsn, zval *rv)
{
    const char *why = st_process_unavailable_reason();
    if (why) {
        st_result_fail(rv, "", why, false);
        return;
    }
    st_envelope_info info;
    const char *err = NULL;
    if (st_envelope_inspect(envelope, len, &info, &err) != 0) {
        st_result_fail(rv, "", err, false);
        return;
    }
    st_iov iov[8];
    char scratch[64];
    int niov = st_envelope_queued_form(envelope, len, &info, iov, 8, scratch, sizeof scratch);
    if (niov < 0) {
        st_result_fail(rv, info.event_id, "envelope could not be prepared", false);
        return;
    }
    st_record_meta meta;
    memset(&meta, 0, sizeof meta);
    memcpy(meta.event_id, info.event_id, sizeof meta.event_id);
    meta.category_mask = info.category_mask;
    char dsn[sizeof S.envelope_dsn];
    int has = st_envelope_header_dsn(envelope, &info, dsn, sizeof dsn);
    if (has < 0) {
        st_result_fail(rv, info.event_id, "envelope header dsn is too long or not a DSN", false);
        return;
    }
    if (has == 0 && !default_dsn) { /* no dsn of its own: php.ini's */
        st_process_push(&meta, iov, niov, rv);
        return;
    }
    if (has == 0 && strlen(default_dsn) >= sizeof dsn) {
        st_result_fail(rv, info.event_id, "dsn is too long", false);
        return;
    }
    int slot = envelope_slot(has ? dsn : default_dsn, &err);
    if (slot < 0) {
        st_result_fail(rv, info.event_id, err, false);
        return;
    }
    push_to_slot(&meta, slot, iov, niov, rv);
}

bool st_process_requeue_envelope(const char *envelope, size_t len)
{
    zval result;
    st_process_push_envelope(envelope, len, NULL, &result);
    zval *ok = zend_hash_str_find(Z_ARRVAL(result), "success", sizeof("success") - 1);
    bool queued = ok && Z_TYPE_P(ok) == IS_TRUE;
    zval_ptr_dtor(&result);
    return queued;
}
/* ---------------------------------------------------------------- end dead letters */
