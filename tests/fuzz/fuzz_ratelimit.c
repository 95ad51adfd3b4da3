/* libFuzzer harness for the rate-limit header parsers (src/core/ratelimit.c).
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I src/core \
 *     tests/fuzz/fuzz_ratelimit.c src/core/ratelimit.c src/core/category.c src/core/common.c \
 *     -o /tmp/fz && /tmp/fz -max_total_time=60 tests/fuzz/corpus/ratelimit
 * The input is used as a NUL-terminated header value (as the sender copies it); the table
 * functions are driven with the result, and invariants that must hold for any input are
 * checked with __builtin_trap(). */
#include "ratelimit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1700000000000LL

static void check(bool ok)
{
    if (!ok)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    st_ratelimit_update u;
    int n = st_ratelimit_parse(s, NOW, &u);
    check(n >= 0);
    for (int c = 0; c < ST_CAT_COUNT; c++) /* 0 or a capped deadline */
        check(u.until_ms[c] == 0 ||
              (u.until_ms[c] >= NOW && u.until_ms[c] <= NOW + ST_RATELIMIT_MAX_MS));
    (void)st_ratelimit_parse(s, INT64_MAX - 1, &u); /* saturation near the end of time */
    (void)st_ratelimit_parse(s, INT64_MIN + 1, &u);

    int64_t until = 0;
    if (st_ratelimit_parse_retry_after(s, NOW, &until) == 0)
        check(until >= NOW && until <= NOW + ST_RATELIMIT_MAX_MS);
    (void)st_ratelimit_parse_retry_after(s, INT64_MAX - 1, &until);
    (void)st_ratelimit_parse_retry_after(s, INT64_MIN + 1, &until);

    static st_ratelimit_table t;
    memset(&t, 0, sizeof t);
    int slot = size ? data[0] % ST_RATELIMIT_DSN_SLOTS : 0;
    st_ratelimit_apply_response(&t, slot, 429, s, s, NOW);
    st_ratelimit_apply_response(&t, slot, 200, s, NULL, NOW);
    int64_t all = st_ratelimit_until(&t, slot, ST_RATELIMIT_ALL_BITS, NOW);
    /* 0 is legitimate: "60:unknown:key" or "0:error:key" on a 429 limit nothing. */
    check(all == 0 || (all > NOW && all <= NOW + ST_RATELIMIT_MAX_MS));
    st_category cats[ST_CAT_COUNT];
    int64_t dl[ST_CAT_COUNT];
    int k = st_ratelimit_snapshot(&t, slot, NOW, cats, dl, ST_CAT_COUNT);
    check(k >= 0 && k <= ST_CAT_COUNT);
    (void)st_ratelimit_limited_mask(&t, slot, 0xffffffffu, NOW);

    free(s);
    return 0;
}
