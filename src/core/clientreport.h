/* Discard counters for Sentry client reports (DESIGN.md §6).
 *
 * `st_discards` lives in the host-wide shared queue header: plain data and C11 atomics,
 * no pointers, no mutex; all zero = empty. Any process adds to it; the drainer takes a
 * snapshot (read-and-reset, counter by counter with atomic_exchange, so a concurrent add
 * is either in this snapshot or in the next, never lost), renders it as one
 * `client_report` envelope item, and restores the snapshot if the send that carried it
 * failed.
 *
 * Protocol notes for callers (develop.sentry.dev "client reports"):
 *   - a 429 response is NOT counted: Relay records that outcome itself; items dropped
 *     locally because a rate limit is active are counted as ratelimit_backoff;
 *   - 413 / other 4xx / 5xx finally dropped → send_error; network errors finally
 *     dropped → network_error; a full queue → queue_overflow;
 *   - client_report items themselves are never counted (their category is ST_CAT_ALL,
 *     which st_discards_add ignores: "all" is not a Sentry data category).
 *
 * Layout: the size of st_discards is ST_DISCARD_REASON_COUNT × ST_CAT_COUNT counters + 8
 * bytes; adding a reason or a category changes the shared layout, so it must bump
 * ST_QUEUE_LAYOUT_VERSION. */
#ifndef ST_CLIENTREPORT_H
#define ST_CLIENTREPORT_H

#include <stdatomic.h>
#include "common.h"
#include "category.h"

/* Sentry's discard reasons; exactly the set tests/receiver/receiver.py accepts.
 * Numbering is part of the shared layout: append only (and bump the layout version). */
typedef enum st_discard_reason {
    ST_DISCARD_QUEUE_OVERFLOW = 0, /* "queue_overflow" */
    ST_DISCARD_RATELIMIT_BACKOFF,  /* "ratelimit_backoff" */
    ST_DISCARD_NETWORK_ERROR,      /* "network_error" */
    ST_DISCARD_SEND_ERROR,         /* "send_error" */
    ST_DISCARD_SAMPLE_RATE,        /* "sample_rate" */
    ST_DISCARD_BEFORE_SEND,        /* "before_send" */
    ST_DISCARD_EVENT_PROCESSOR,    /* "event_processor" */
    ST_DISCARD_INTERNAL_SDK_ERROR, /* "internal_sdk_error" */
    ST_DISCARD_IGNORED,            /* "ignored" */
    ST_DISCARD_INVALID,            /* "invalid" */
    ST_DISCARD_CACHE_OVERFLOW,     /* "cache_overflow" */
    ST_DISCARD_BUFFER_OVERFLOW,    /* "buffer_overflow" */
    ST_DISCARD_INSUFFICIENT_DATA,  /* "insufficient_data" */
    ST_DISCARD_BACKPRESSURE,       /* "backpressure" */
    ST_DISCARD_REASON_COUNT
} st_discard_reason;

/* Relay's limit for a client report payload. */
#define ST_CLIENT_REPORT_MAX_PAYLOAD 4096u
/* An output buffer this big always holds a full item (header line + largest payload). */
#define ST_CLIENT_REPORT_ITEM_MAX (ST_CLIENT_REPORT_MAX_PAYLOAD + 64u)

/* Shared (in the queue header). Zero-initialised = empty, never flushed. */
typedef struct st_discards {
    _Atomic uint64_t n[ST_DISCARD_REASON_COUNT][ST_CAT_COUNT];
    _Atomic int64_t last_flush_ms; /* wall clock of the last report sent; 0 = never */
} st_discards;

/* Process-local snapshot taken from st_discards. */
typedef struct st_discard_taken {
    uint64_t n[ST_DISCARD_REASON_COUNT][ST_CAT_COUNT];
} st_discard_taken;

/* Sentry's exact string for a reason; "unknown" when out of range. */
const char *st_discard_reason_name(st_discard_reason r);

/* Count n discarded items. Ignored: n == 0, ST_CAT_ALL (not a Sentry category; this is
 * also what keeps client_report items out of the counts), out-of-range reason/category. */
void st_discards_add(st_discards *d, st_discard_reason r, st_category c, uint64_t n);

/* Read and reset every counter (atomic_exchange each non-zero one) into *out.
 * Returns the number of non-zero (reason, category) entries in *out (0: nothing to report). */
size_t st_discards_take(st_discards *d, st_discard_taken *out);

/* Add a snapshot back (the send that carried it failed, or it did not fit). */
void st_discards_restore(st_discards *d, const st_discard_taken *t);

/* Non-zero entries in a snapshot, and the sum of its quantities. */
size_t st_discard_taken_entries(const st_discard_taken *t);
uint64_t st_discard_taken_total(const st_discard_taken *t);

/* True if any counter is non-zero (a read, nothing is reset). */
bool st_discards_pending(st_discards *d);

/* Render the envelope item for snapshot *t:
 *   {"type":"client_report","length":N}\n{"timestamp":"<RFC 3339 UTC>","discarded_events":[
 *   {"reason":"…","category":"…","quantity":Q},…]}
 * with no trailing newline (the envelope writer puts '\n' between items). Entries are in
 * reason order, then category order. The payload never exceeds
 * ST_CLIENT_REPORT_MAX_PAYLOAD bytes, and the whole item never exceeds cap.
 *
 * The "rest" contract: entries that do not fit are MOVED from *t into *rest (which is
 * overwritten; must not be NULL, nor alias t). On return *t holds exactly what the item
 * carries (restore *t if its send fails) and *rest what it does not (restore it at once,
 * or render it into another item).
 *
 * Returns the number of entries rendered (> 0) with *len = item bytes; 0 if *t is empty
 * (nothing written, *len = 0, *rest empty); -1 if cap is too small to hold even one
 * entry (nothing written, *t unchanged, *rest empty, *len = 0). */
int st_discards_render_item(st_discard_taken *t, int64_t now_ms, char *out, size_t cap, size_t *len,
                            st_discard_taken *rest);

/* The idle flush: true when something is pending and the last report is at least
 * interval_ms old (or never sent, or the wall clock went back past it). */
bool st_discards_due(st_discards *d, int64_t now_ms, int64_t interval_ms);
void st_discards_mark_flushed(st_discards *d, int64_t now_ms);

#endif
