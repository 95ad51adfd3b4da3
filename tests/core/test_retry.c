/* Retry schedule and outcome classes: backoff bounds, jitter range, the cap, and which
 * statuses are retried (DESIGN.md §6). */
#include "check.h"
#include "config.h"
#include "retry.h"

static st_config cfg(int64_t initial, double mult, int64_t max)
{
    st_config c;
    st_config_defaults(&c);
    c.initial_backoff_ms = initial;
    c.backoff_multiplier = mult;
    c.max_backoff_ms = max;
    return c;
}

TEST(delay_grows_exponentially_within_jitter_bounds)
{
    st_config c = cfg(1000, 2.0, 300000);
    for (int attempt = 1; attempt <= 6; attempt++) {
        int64_t base = 1000LL << (attempt - 1); /* initial × 2^(n−1) */
        for (double r = 0.0; r < 1.0; r += 0.125) {
            int64_t d = st_retry_delay_ms(&c, attempt, r);
            CHECK(d >= base / 2 && d <= base);
        }
        CHECK(st_retry_delay_ms(&c, attempt, 0.0) == base / 2);             /* half fixed … */
        CHECK(st_retry_delay_ms(&c, attempt, 0.999999) >= base * 99 / 100); /* … half random */
    }
}

TEST(delay_capped_by_max_backoff)
{
    st_config c = cfg(1000, 2.0, 5000);
    for (int attempt = 4; attempt < 200; attempt += 13) { /* 8 s, … up to overflow */
        int64_t d = st_retry_delay_ms(&c, attempt, 0.999);
        CHECK(d <= 5000 && d >= 2500);
    }
    st_config big = cfg(1000, 100.0, 86400000);
    CHECK(st_retry_delay_ms(&big, 1000, 0.5) <= 86400000); /* inf is capped, not UB */
}

TEST(bad_inputs_stay_in_range)
{
    st_config c = cfg(200, 3.0, 10000);
    CHECK(st_retry_delay_ms(&c, 0, 0.5) == st_retry_delay_ms(&c, 1, 0.5)); /* attempt < 1 = 1 */
    CHECK(st_retry_delay_ms(&c, 1, -1.0) == 100); /* random outside [0,1): no jitter */
    CHECK(st_retry_delay_ms(&c, 1, 7.0) == 100);
    CHECK(st_retry_delay_ms(&c, 2, 0.0) == 300);
}

TEST(statuses_are_classified_per_protocol)
{
    CHECK(st_retry_classify(200) == ST_OUTCOME_SENT);
    CHECK(st_retry_classify(202) == ST_OUTCOME_SENT);
    CHECK(st_retry_classify(429) == ST_OUTCOME_RATE_LIMITED);
    CHECK(st_retry_classify(0) == ST_OUTCOME_RETRY); /* network error */
    CHECK(st_retry_classify(502) == ST_OUTCOME_RETRY);
    CHECK(st_retry_classify(503) == ST_OUTCOME_RETRY);
    CHECK(st_retry_classify(504) == ST_OUTCOME_RETRY);
    CHECK(st_retry_classify(500) == ST_OUTCOME_PERMANENT);
    CHECK(st_retry_classify(501) == ST_OUTCOME_PERMANENT);
    CHECK(st_retry_classify(400) == ST_OUTCOME_PERMANENT);
    CHECK(st_retry_classify(413) == ST_OUTCOME_PERMANENT);
    CHECK(st_retry_classify(301) == ST_OUTCOME_PERMANENT);
}

int main(void)
{
    RUN(delay_grows_exponentially_within_jitter_bounds);
    RUN(delay_capped_by_max_backoff);
    RUN(bad_inputs_stay_in_range);
    RUN(statuses_are_classified_per_protocol);
    CHECK_DONE();
}
