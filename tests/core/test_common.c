/* Clocks, RFC 3339 formatting and st_strlcpy (src/core/common.c). */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "common.h"

static const char *fmt(int64_t ms)
{
    static char out[32];
    memset(out, 'X', sizeof(out));
    st_format_rfc3339(ms, out);
    return out;
}

TEST(rfc3339_known_values)
{
    CHECK_STR(fmt(0), "1970-01-01T00:00:00.000Z");
    CHECK_STR(fmt(1795354095123LL), "2026-11-22T13:28:15.123Z");
    CHECK_STR(fmt(951782400000LL), "2000-02-29T00:00:00.000Z");  /* leap day, century */
    CHECK_STR(fmt(4107542399999LL), "2100-02-28T23:59:59.999Z"); /* 2100 is no leap year */
    CHECK_STR(fmt(4107542400000LL), "2100-03-01T00:00:00.000Z");
    CHECK_STR(fmt(-1), "1969-12-31T23:59:59.999Z");
    CHECK_STR(fmt(253402300799999LL), "9999-12-31T23:59:59.999Z");
    CHECK_STR(fmt(253402300800000LL), "9999-12-31T23:59:59.999Z"); /* clamped */
    CHECK_STR(fmt(INT64_MAX), "9999-12-31T23:59:59.999Z");
    CHECK_STR(fmt(INT64_MIN), "0000-01-01T00:00:00.000Z");
    CHECK(strlen(fmt(1795354095123LL)) == 24);
}

/* Our arithmetic against the C library over a wide random sample. */
TEST(rfc3339_matches_gmtime)
{
    uint64_t x = 0x1234567;
    int bad = 0;
    for (int i = 0; i < 200000; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        /* years 0000 .. 9999 */
        int64_t ms = (int64_t)(x >> 11) % 315537897600000LL - 62167219200000LL;
        time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
        struct tm tm;
        gmtime_r(&t, &tm);
        char expect[64];
        snprintf(expect, sizeof(expect), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 (int)(((ms % 1000) + 1000) % 1000));
        if (strcmp(fmt(ms), expect) != 0 && bad++ < 5)
            fprintf(stderr, "  %lld: %s != %s\n", (long long)ms, fmt(ms), expect);
    }
    CHECK(bad == 0);
}

TEST(clocks)
{
    int64_t w = st_now_wall_ms();
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t ref = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    CHECK(w > 1700000000000LL);
    CHECK(ref - w >= 0 && ref - w < 1000);
    int64_t m1 = st_now_mono_ms();
    usleep(20000);
    int64_t m2 = st_now_mono_ms();
    CHECK(m2 - m1 >= 19 && m2 - m1 < 2000);
}

TEST(st_strlcpy_truncates_and_counts)
{
    char buf[6];
    CHECK(st_strlcpy(buf, "hello world", sizeof(buf)) == 11);
    CHECK_STR(buf, "hello");
    CHECK(st_strlcpy(buf, "hi", sizeof(buf)) == 2);
    CHECK_STR(buf, "hi");
    CHECK(st_strlcpy(buf, "12345", sizeof(buf)) == 5);
    CHECK_STR(buf, "12345");
    buf[0] = 'Z';
    CHECK(st_strlcpy(buf, "abc", 0) == 3);
    CHECK(buf[0] == 'Z');
    CHECK(st_strlcpy(buf, "abc", 1) == 3);
    CHECK_STR(buf, "");
}

int main(void)
{
    RUN(rfc3339_known_values);
    RUN(rfc3339_matches_gmtime);
    RUN(clocks);
    RUN(st_strlcpy_truncates_and_counts);
    CHECK_DONE();
}
