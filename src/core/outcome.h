/* What the drainer does with a record once its fate is known: a response, a network
 * error, a limit, or a request that could never be built (DESIGN.md §6 outcomes). */
#ifndef ST_OUTCOME_H
#define ST_OUTCOME_H

#include "clientreport.h"
#include "config.h"
#include "deadletter.h"
#include "queue.h"
#include "sender.h"

/* The drainer's delivery state that outcomes need; owned by the drainer thread. */
typedef struct st_delivery {
    st_config cfg;
    st_queue *q;
    st_deadletter *dead_letters; /* NULL: off, or the directory is unusable */
    int64_t dl_next_check_mono;  /* while dead letters fail: when to look again */
    uint64_t rng;
} st_delivery;

/* One record in flight: enough to retry it, or to keep it as a dead letter. */
typedef struct st_flight {
    uint64_t pos;
    st_record_meta meta;
    char *payload; /* the queued envelope (without sent_at) */
    size_t payload_len;
    st_discard_taken *report; /* a client report riding along: restored if not delivered */
    bool standalone;          /* a client report on its own: no queue record behind it */
} st_flight;

/* The dead-letter directory (issue #4), kept in the queue's deadletter_health so every
 * process's getStatus() shows it. open: at election, opens the directory (if dead letters
 * are on) and, when it was failing, checks that it is writable again. tick: called about
 * once a second by the drainer; while failing, tries again every ST_DEADLETTER_RECHECK_MS.
 * A change is logged once (error when writes start failing, info when they work again),
 * never once per event. */
#define ST_DEADLETTER_RECHECK_MS 5000
void st_outcome_dead_letters_open(st_delivery *dv);
void st_outcome_dead_letters_tick(st_delivery *dv);

/* The flight is over without a response (aborted at shutdown): put its report back. */
void st_outcome_abandon(st_delivery *dv, st_flight *f);

/* A finished transfer: classify, learn limits, retry, drop or keep as a dead letter.
 * Frees f. */
void st_outcome_response(st_delivery *dv, st_flight *f, const st_send_result *r);
/* The record will never be sent (its DSN is invalid, a limit holds, …): it leaves the
 * queue, counted under `reason`; dead-lettered when keep is true. Frees f. */
void st_outcome_give_up(st_delivery *dv, st_flight *f, const char *reason, long status,
                        const char *detail, bool keep);

#endif
