/* This process's transport: the configuration, the queue mapping and the background
 * thread, opened lazily and re-opened after fork (DESIGN.md §3). PHP's thread only. */
#ifndef ST_PHP_PROCESS_H
#define ST_PHP_PROCESS_H

#include "php.h"
#include "../core/config.h"
#include "../core/envelope.h"
#include "../core/queue.h"

/* MINIT: take the configuration; checks the DSN. Maps nothing, starts nothing. */
void st_process_configure(const st_config *cfg);
/* RINIT / first call: after a fork, forget the parent's thread; map the queue and
 * start this process's thread if not yet done. Cheap when already running. */
void st_process_ensure_running(void);
/* MSHUTDOWN: bounded flush (if this process drains), join, unmap. */
void st_process_shutdown(void);

/* NULL when events can be queued; else why not ("no DSN configured …"). */
const char *st_process_unavailable_reason(void);
const st_config *st_process_config(void);
const st_event_defaults *st_process_event_defaults(void);

/* Push one record (meta's DSN slot and enqueue time are filled here) and write the
 * sendEvent result into rv. */
void st_process_push(st_record_meta *meta, const st_iov *iov, int niov, zval *rv);
/* The event policy (ignore rules, scrubbing) of php.ini, applied to an event's JSON:
 * see st_policy_apply. */
int st_process_apply_policy(const char *json, size_t len, char **out, size_t *out_len);
/* The request path's one pass over an event: validation (st_envelope_scan_event) with the
 * policy walked inside it. ST_POLICY_KEEP: valid, *out = the rewritten event (malloc'd)
 * or NULL, scan describes *out or json; IGNORED; ERROR with *err = the validation message
 * (invalid JSON) or NULL (it could not be scrubbed: out of memory). trusted: json is
 * ext/json's own output (see st_policy_walk's `trusted`); the result is the same. */
int st_process_scan_event(const char *json, size_t len, bool trusted, st_event_scan *scan,
                          char **out, size_t *out_len, const char **err);
/* Whether an event of this category survives sample_rate / traces_sample_rate. */
bool st_process_sampled(int category);
/* Count a discard (st_discard_reason) for client reports and metrics. */
void st_process_discard(int reason, uint32_t category_mask);

/* Wait until the host's queue is empty or timeout_ms passes. */
bool st_process_flush(int64_t timeout_ms);

/* sendEnvelope(): inspect, put in queued form (sent_at stripped, event_id normalized),
 * push; writes the sendEvent-shaped result into rv. */
/* Queues a caller's envelope for the DSN its header names, else `default_dsn` (may be NULL),
 * else sentry_transport.dsn. */
void st_process_push_envelope(const char *envelope, size_t len, const char *default_dsn, zval *rv);
/* getMetrics(): dead letters waiting now (src/php/deadletter_api.c); false if none can
 * be read. */
bool st_php_dead_letter_stats(uint64_t *count, uint64_t *bytes);
/* replayDeadLetters(): the same, true if it was queued. */
bool st_process_requeue_envelope(const char *envelope, size_t len);

/* What this process holds, read-only, for getStatus/getMetrics/phpinfo (status.c).
 * map_queue: map the queue first if not yet done (`php --ri` runs no request). */
typedef struct st_process_view {
    st_queue *q; /* NULL: not mapped (no DSN yet, off, or failing) */
    const st_config *cfg;
    const char *public_dsn; /* php.ini's DSN without its secret, "" if none */
    int dsn_slot;           /* php.ini's DSN slot; < 0 without one */
    struct st_drainer *drainer;
    bool off; /* off for good (configuration) */
} st_process_view;
void st_process_view_get(st_process_view *v, bool map_queue);

/* status.c */
void st_process_status(zval *rv);
void st_process_metrics(zval *rv);
void st_process_info_live(void);

#endif
