/* Clocks, RFC 3339 formatting and a bounded string copy shared by the whole core. */
#include "common.h"

#include <string.h>
#include <time.h>

static int64_t clock_ms(clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t st_now_wall_ms(void)
{
    return clock_ms(CLOCK_REALTIME);
}

int64_t st_now_mono_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

static void put_digits(char *p, int v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* Days since 1970-01-01 → proleptic Gregorian date (the well-known era/day-of-era
 * arithmetic, valid for any int64 day count we can be given). */
static void civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
    int64_t z = days + 719468; /* shift the epoch to 0000-03-01 */
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;                                      /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                    /* March = 0 */
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* Not gmtime_r: glibc's takes the process-wide tzset lock, and a child forked while
 * another thread held it (the drainer logging) would hang on its first log line. */
void st_format_rfc3339(int64_t wall_ms, char out[32])
{
    /* Floor division so times before 1970 still get a 0..999 millisecond part. */
    int64_t secs = wall_ms / 1000;
    int64_t ms = wall_ms % 1000;
    if (ms < 0) {
        ms += 1000;
        secs -= 1;
    }
    int64_t days = secs / 86400;
    int64_t sod = secs % 86400;
    if (sod < 0) {
        sod += 86400;
        days -= 1;
    }
    int64_t year;
    int month, mday;
    civil_from_days(days, &year, &month, &mday);
    if (year < 0 || year > 9999) { /* keep the fixed width; such clocks are broken anyway */
        st_strlcpy(out, year < 0 ? "0000-01-01T00:00:00.000Z" : "9999-12-31T23:59:59.999Z", 32);
        return;
    }
    /* Digits written by hand: fixed width, no locale, no truncation warnings. */
    put_digits(out, (int)year, 4);
    out[4] = '-';
    put_digits(out + 5, month, 2);
    out[7] = '-';
    put_digits(out + 8, mday, 2);
    out[10] = 'T';
    put_digits(out + 11, (int)(sod / 3600), 2);
    out[13] = ':';
    put_digits(out + 14, (int)(sod / 60 % 60), 2);
    out[16] = ':';
    put_digits(out + 17, (int)(sod % 60), 2);
    out[19] = '.';
    put_digits(out + 20, (int)ms, 3);
    out[23] = 'Z';
    out[24] = '\0';
}

size_t st_strlcpy(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);
    if (size > 0) {
        size_t c = n < size - 1 ? n : size - 1;
        memcpy(dst, src, c);
        dst[c] = '\0';
    }
    return n;
}
