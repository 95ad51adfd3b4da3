/* Upstream health: a circuit breaker kept in the shared queue header (plain atomics, all
 * zero = closed, no failures, nothing known), so every process's getStatus() sees the
 * same state and a new drainer inherits it.
 *
 *   CLOSED ──threshold consecutive failures──▶ OPEN ──cool-down over──▶ HALF_OPEN
 *     ▲                                          ▲                         │ one probe
 *     └──────────── any success ─────────────────┼─────────────────────────┤
 *                                                └── probe fails: cool-down doubles
 *
 * Cool-down after the k-th consecutive open: 1 s · 2^(k-1), capped at 60 s.
 * What counts (the caller's choice, DESIGN.md §6): network errors and 5xx are failures;
 * 2xx is a success; 4xx and 429 say nothing about upstream health — do not report them.
 * Any success closes the circuit (a transfer started before the circuit opened and
 * succeeding afterwards is evidence enough); in HALF_OPEN any failure reopens it.
 *
 * Callers: the elected drainer thread (one per queue) calls success/failure/may_send;
 * any process may call st_health_snapshot. Transitions are CAS'd, so a brief overlap of
 * two drainers during failover cannot corrupt the state, only race benignly.
 *
 * Layout: sizeof(st_health) is part of the shared queue layout. */
#ifndef ST_HEALTH_H
#define ST_HEALTH_H

#include <stdatomic.h>
#include "common.h"

typedef enum st_health_state {
    ST_HEALTH_CLOSED = 0,
    ST_HEALTH_OPEN = 1,
    ST_HEALTH_HALF_OPEN = 2,
} st_health_state;

/* What a call did to the state, so the caller logs a transition exactly once:
 * OPENED → log an error (with last_error); RECOVERED → log info. A failed probe
 * re-opening an already open circuit is NO_CHANGE (it was reported when it opened). */
typedef enum st_health_transition {
    ST_HEALTH_NO_CHANGE = 0,
    ST_HEALTH_OPENED,
    ST_HEALTH_RECOVERED,
} st_health_transition;

#define ST_HEALTH_COOLDOWN_BASE_MS 1000
#define ST_HEALTH_COOLDOWN_MAX_MS 60000
/* A granted probe that reports no outcome stops blocking a new probe after this long.
 * Longer than any sane transport timeout. (A drainer that dies mid-probe is replaced by an
 * election, and the new leader releases every probe at once: drainer.c.) */
#define ST_HEALTH_PROBE_LEASE_MS 120000
#define ST_HEALTH_ERROR_MAX 160 /* bytes of last_error, NUL included */

typedef struct st_health {
    _Atomic uint32_t state;                /* st_health_state */
    _Atomic uint32_t consecutive_failures; /* since the last success */
    _Atomic uint32_t opens;          /* consecutive opens since the last close: the cool-down */
    _Atomic uint32_t last_error_seq; /* seqlock: odd while last_error is written */
    _Atomic uint64_t times_opened;   /* CLOSED → OPEN transitions, ever */
    _Atomic int64_t opened_at_ms;    /* wall clock of the last open (or re-open) */
    _Atomic int64_t next_probe_ms;   /* OPEN: when a probe may go */
    _Atomic int64_t probe_until_ms;  /* 0: no probe in flight; else its lease end */
    _Atomic int64_t last_success_ms; /* 0: never */
    _Atomic int64_t last_failure_ms; /* 0: never */
    _Atomic int64_t since_ms;        /* open/half_open: when the outage began (first
                                      * open); closed: when it recovered; 0: closed
                                      * since the queue was created */
    /* last_error as words so that the seqlock's reads and writes are atomic (no C11 data
     * race, clean under TSan); bytes packed with memcpy. */
    _Atomic uint64_t last_error[ST_HEALTH_ERROR_MAX / 8];
} st_health;

/* For getStatus()['upstream']: a private copy. */
typedef struct st_health_view {
    const char *state; /* "closed" / "open" / "half_open" (static string) */
    uint32_t consecutive_failures;
    uint32_t opens; /* consecutive opens (0 when closed) */
    uint64_t times_opened;
    int64_t opened_at_ms;                               /* 0 when closed */
    int64_t next_probe_ms;                              /* 0 when closed */
    int64_t last_success_ms, last_failure_ms, since_ms; /* 0: never; since_ms as in st_health */
    char last_error[ST_HEALTH_ERROR_MAX]; /* "" if none (or unreadable: writer died mid-write) */
} st_health_view;

const char *st_health_state_name(st_health_state s);

/* A 2xx. Resets the failure count; from OPEN/HALF_OPEN → CLOSED, returns RECOVERED. */
st_health_transition st_health_success(st_health *h, int64_t now_ms);

/* A network error or 5xx. Records `error` (no secrets: curl's message or "HTTP 503";
 * control characters become spaces, truncated at a UTF-8 boundary to 159 bytes).
 * CLOSED: opens at exactly the threshold-th consecutive failure → OPENED (threshold 0:
 * never opens). HALF_OPEN: reopens with the next, longer cool-down → NO_CHANGE.
 * OPEN (a transfer started earlier): counted only → NO_CHANGE. */
st_health_transition st_health_failure(st_health *h, int64_t now_ms, uint32_t threshold,
                                       const char *error);

/* May a request go now? CLOSED: true (*is_probe false). OPEN before next_probe_ms: false.
 * After it: the state becomes HALF_OPEN and exactly one caller gets true with
 * *is_probe = true; everybody else gets false until that probe reports success/failure
 * (or cancels, or its lease of ST_HEALTH_PROBE_LEASE_MS runs out). is_probe may be NULL. */
bool st_health_may_send(st_health *h, int64_t now_ms, bool *is_probe);

/* A granted probe that was not sent after all (nothing to send, rate limited): release
 * it so the next may_send can probe. */
void st_health_probe_cancel(st_health *h);

/* Closed: sending as usual (one atomic load). */
bool st_health_is_closed(const st_health *h);

/* may_send said no: the wall time worth looking again. OPEN: when the next probe may go;
 * HALF_OPEN (a probe in flight): a second from now, as its outcome may come any time. */
int64_t st_health_resume_ms(const st_health *h, int64_t now_ms);

/* Reader side, from any process; never blocks for long (bounded seqlock retries). */
void st_health_snapshot(const st_health *h, st_health_view *v);

#endif
