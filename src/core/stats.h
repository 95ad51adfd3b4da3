/* Host-wide counters kept in the shared queue header: every process sees the same. */
#ifndef ST_STATS_H
#define ST_STATS_H

#include <stdatomic.h>
#include "common.h"

/* Send latency histogram: bucket 0 counts < 1 ms, bucket i counts [2^(i-1), 2^i) ms, the
 * last bucket everything longer. */
#define ST_LATENCY_BUCKETS 24

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
    _Atomic uint64_t send_latency[ST_LATENCY_BUCKETS]; /* request durations, every outcome */
    _Atomic uint64_t send_latency_sum_us;
} st_shared_stats;

/* Per DSN slot: its share of the counters above (several apps, or a DSN changed by a
 * deploy, on one host). */
typedef struct st_dsn_stats {
    _Atomic uint64_t events_accepted;
    _Atomic uint64_t events_sent;
    _Atomic uint64_t events_failed;
    _Atomic uint64_t events_rate_limit;
    _Atomic uint64_t total_retries;
    _Atomic uint64_t bytes_sent;
} st_dsn_stats;

/* Count one request of `seconds` in the histogram. */
static inline void st_stats_record_latency(st_shared_stats *s, double seconds)
{
    double ms = seconds * 1000.0;
    int b = 0;
    while (b < ST_LATENCY_BUCKETS - 1 && ms >= (double)(1u << b))
        b++;
    atomic_fetch_add(&s->send_latency[b], 1);
    atomic_fetch_add(&s->send_latency_sum_us, (uint64_t)(ms * 1000.0));
}

/* The upper bound in ms of the bucket holding quantile q (0..1); 0 with no samples. */
static inline double st_stats_latency_quantile_ms(st_shared_stats *s, double q)
{
    uint64_t n[ST_LATENCY_BUCKETS], total = 0, seen = 0;
    for (int b = 0; b < ST_LATENCY_BUCKETS; b++)
        total += n[b] = atomic_load(&s->send_latency[b]);
    if (!total)
        return 0;
    for (int b = 0; b < ST_LATENCY_BUCKETS; b++) {
        seen += n[b];
        if ((double)seen >= q * (double)total)
            return (double)(1u << b);
    }
    return (double)(1u << (ST_LATENCY_BUCKETS - 1));
}

#endif
