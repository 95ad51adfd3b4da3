/* Retry schedule: exponential backoff with "equal jitter" (half fixed, half random), so
 * many processes failing together do not retry in lockstep, yet none retries at once. */
#include "retry.h"

#include <math.h>

st_outcome st_retry_classify(long http_status)
{
    if (http_status >= 200 && http_status < 300)
        return ST_OUTCOME_SENT;
    if (http_status == 429)
        return ST_OUTCOME_RATE_LIMITED;
    if (http_status == 0 || http_status == 502 || http_status == 503 || http_status == 504)
        return ST_OUTCOME_RETRY;
    return ST_OUTCOME_PERMANENT;
}

int64_t st_retry_delay_ms(const st_config *c, int attempt, double unit_random)
{
    if (attempt < 1)
        attempt = 1;
    double d = (double)c->initial_backoff_ms * pow(c->backoff_multiplier, attempt - 1);
    if (!(d <= (double)c->max_backoff_ms)) /* also catches overflow to inf */
        d = (double)c->max_backoff_ms;
    if (unit_random < 0 || unit_random >= 1)
        unit_random = 0;
    return (int64_t)(d * (0.5 + 0.5 * unit_random));
}
