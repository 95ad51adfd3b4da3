/* When and whether to try again (DESIGN.md §6 outcomes; retry.* settings). */
#ifndef ST_RETRY_H
#define ST_RETRY_H

#include "config.h"

typedef enum st_outcome {
    ST_OUTCOME_SENT,         /* 2xx */
    ST_OUTCOME_RATE_LIMITED, /* 429: drop, count ratelimit_backoff */
    ST_OUTCOME_RETRY,        /* transient: network error, 502/503/504 */
    ST_OUTCOME_PERMANENT,    /* 413, other 4xx, 500/501, other statuses */
} st_outcome;

/* Classify a response (status 0 = network error). */
st_outcome st_retry_classify(long http_status);
/* Delay before attempt number `attempt` (1 = the first retry):
 * min(max_backoff, initial × multiplier^(attempt−1)), scaled by a jitter factor in
 * [0.5, 1.0] taken from `unit_random` in [0, 1). */
int64_t st_retry_delay_ms(const st_config *c, int attempt, double unit_random);

#endif
