/* Host-wide counters kept in the shared queue header: every process sees the same. */
#ifndef ST_STATS_H
#define ST_STATS_H

#include <stdatomic.h>
#include "common.h"

typedef struct st_shared_stats {
    _Atomic uint64_t events_accepted;   /* pushed into the queue */
    _Atomic uint64_t events_sent;       /* 2xx from upstream */
    _Atomic uint64_t events_failed;     /* dropped for good: 4xx, 5xx/network after retries */
    _Atomic uint64_t events_rate_limit; /* refused or dropped because of a rate limit / 429 */
    _Atomic uint64_t events_rejected;   /* refused at sendEvent: queue full, too large */
    _Atomic uint64_t queue_overflow;    /* of which: queue full */
    _Atomic uint64_t total_retries;     /* attempts after the first */
    _Atomic uint64_t bytes_sent;        /* request bytes put on the wire */
    _Atomic uint64_t corrupt_records;   /* skipped records with a bad checksum/state */
    _Atomic uint64_t lock_recoveries;   /* EOWNERDEAD repairs */
    _Atomic uint64_t drainer_elections; /* times a new drainer took the lease */
    _Atomic uint64_t responses_2xx, responses_4xx, responses_5xx, network_errors;
    _Atomic uint64_t dead_letters_written; /* permanent failures kept on disk */
    _Atomic uint64_t dead_letters_pruned;  /* oldest dead letters removed to stay in bounds */
} st_shared_stats;

#endif
