/* Defaults and php.ini value parsers of src/core/config.c. */
#include <math.h>
#include <stdint.h>

#include "check.h"
#include "config.h"

TEST(defaults_are_the_seed_values)
{
    st_config c;
    memset(&c, 0xab, sizeof(c));
    st_config_defaults(&c);
    CHECK(c.enabled == true);
    CHECK_STR(c.dsn, "");
    CHECK(c.sample_rate == 1.0);
    CHECK(c.timeout_ms == 30000);
    CHECK(c.connect_timeout_ms == 10000);
    CHECK(c.compression && c.ssl_verify);
    CHECK_STR(c.proxy, "");
    CHECK(c.max_attempts == 3);
    CHECK(c.initial_backoff_ms == 1000);
    CHECK(c.backoff_multiplier == 2.0);
    CHECK(c.max_backoff_ms == 300000);
    CHECK(c.dead_letter_queue);
    CHECK(c.buffer_size == 10000);
    CHECK(c.workers == 512);
    CHECK(c.http_version == ST_HTTP_AUTO);
    CHECK(c.max_connections == 4);
    CHECK(c.max_connections_http1 == 64);
    CHECK(c.batch_size == 10);
    CHECK(c.batch_timeout_ms == 5000);
    CHECK_STR(c.queue_name, "default");
    CHECK_STR(c.queue_path, "");
    CHECK(c.queue_memory == 16u * 1024u * 1024u);
    CHECK(c.shutdown_timeout_ms == 2000);
    CHECK(c.log_level == ST_LOG_WARNING);
    CHECK_STR(c.log_file, "");
}

static int64_t dur(const char *s)
{
    int64_t v = -12345;
    if (st_parse_duration_ms(s, &v) != 0)
        return -1;
    return v;
}

TEST(durations)
{
    CHECK(dur("30s") == 30000);
    CHECK(dur("500ms") == 500);
    CHECK(dur("2m") == 120000);
    CHECK(dur("1h") == 3600000);
    CHECK(dur("1.5") == 1500);
    CHECK(dur("1.5s") == 1500);
    CHECK(dur("0") == 0);
    CHECK(dur("  10 ") == 10000);
    CHECK(dur("10 s") == 10000);
    CHECK(dur("5S") == 5000);
    CHECK(dur("250MS") == 250);
    CHECK(dur("0.25m") == 15000);
    CHECK(dur(".5") == 500);
    CHECK(dur("0.0015") == 2); /* rounded to the nearest ms */
    CHECK(dur("1.123456789123") == 1123);
    CHECK(dur("9223372036854775807ms") == INT64_MAX);
}

TEST(bad_durations_leave_out_untouched)
{
    const char *bad[] = {"",
                         "   ",
                         "-1",
                         "-1s",
                         "+1s",
                         "1x",
                         "1s junk",
                         "s",
                         ".",
                         "1..5",
                         "1.5.2",
                         "abc",
                         "1e3",
                         "9223372036854775808ms",
                         "99999999999999999999999",
                         "9223372036854775807s",
                         "3000000000000000h",
                         "0x10",
                         "nan",
                         "inf",
                         "1 2"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t v = 77;
        int rc = st_parse_duration_ms(bad[i], &v);
        if (rc != -1 || v != 77)
            fprintf(stderr, "  duration accepted: \"%s\"\n", bad[i]);
        CHECK(rc == -1);
        CHECK(v == 77);
    }
    int64_t v = 1;
    CHECK(st_parse_duration_ms(NULL, &v) == -1 && v == 1);
}

static int64_t size_of(const char *s)
{
    uint64_t v = 999;
    if (st_parse_size(s, &v) != 0)
        return -1;
    return (int64_t)v;
}

TEST(sizes)
{
    CHECK(size_of("16M") == 16 * 1048576);
    CHECK(size_of("512K") == 512 * 1024);
    CHECK(size_of("1G") == 1073741824);
    CHECK(size_of("1048576") == 1048576);
    CHECK(size_of("16m") == 16 * 1048576);
    CHECK(size_of("16MB") == 16 * 1048576);
    CHECK(size_of("16mib") == 16 * 1048576);
    CHECK(size_of("16MiB") == 16 * 1048576);
    CHECK(size_of("2kb") == 2048);
    CHECK(size_of("100B") == 100);
    CHECK(size_of(" 8 M ") == 8 * 1048576);
    CHECK(size_of("1T") == 1099511627776LL);
    CHECK(size_of("0") == 0);
    uint64_t v = 0;
    CHECK(st_parse_size("18446744073709551615", &v) == 0 && v == UINT64_MAX);
}

TEST(bad_sizes)
{
    const char *bad[] = {"",
                         "M",
                         "-1",
                         "-1M",
                         "1.5G",
                         "16X",
                         "16MBB",
                         "16iB",
                         "16 M B",
                         "18446744073709551616",
                         "17179869184G",
                         "16Mi",
                         "0x10",
                         "1,000"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint64_t v = 42;
        int rc = st_parse_size(bad[i], &v);
        if (rc != -1)
            fprintf(stderr, "  size accepted: \"%s\"\n", bad[i]);
        CHECK(rc == -1);
        CHECK(v == 42);
    }
}

TEST(bools)
{
    const char *yes[] = {"1", "on", "ON", "true", "True", "yes", " yes "};
    const char *no[] = {"0", "off", "Off", "false", "FALSE", "no", "", "  "};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        bool b = false;
        CHECK(st_parse_bool(yes[i], &b) == 0);
        CHECK(b == true);
    }
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        bool b = true;
        CHECK(st_parse_bool(no[i], &b) == 0);
        CHECK(b == false);
    }
    const char *bad[] = {"2", "y", "n", "onn", "truee", "enabled", "-1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        bool b = true;
        CHECK(st_parse_bool(bad[i], &b) == -1);
        CHECK(b == true);
    }
}

TEST(log_levels)
{
    st_log_level l = ST_LOG_OFF;
    CHECK(st_parse_log_level("debug", &l) == 0 && l == ST_LOG_DEBUG);
    CHECK(st_parse_log_level("INFO", &l) == 0 && l == ST_LOG_INFO);
    CHECK(st_parse_log_level("warning", &l) == 0 && l == ST_LOG_WARNING);
    l = ST_LOG_OFF;
    CHECK(st_parse_log_level(" Warn ", &l) == 0 && l == ST_LOG_WARNING);
    CHECK(st_parse_log_level("error", &l) == 0 && l == ST_LOG_ERROR);
    CHECK(st_parse_log_level("off", &l) == 0 && l == ST_LOG_OFF);
    l = ST_LOG_DEBUG;
    CHECK(st_parse_log_level("none", &l) == 0 && l == ST_LOG_OFF);
    l = ST_LOG_INFO;
    CHECK(st_parse_log_level("verbose", &l) == -1 && l == ST_LOG_INFO);
    CHECK(st_parse_log_level("", &l) == -1 && l == ST_LOG_INFO);
    CHECK(st_parse_log_level("errors", &l) == -1 && l == ST_LOG_INFO);
}

TEST(http_versions)
{
    st_http_version v = ST_HTTP_1_1;
    CHECK(st_parse_http_version("auto", &v) == 0 && v == ST_HTTP_AUTO);
    CHECK(st_parse_http_version(" 1.1 ", &v) == 0 && v == ST_HTTP_1_1);
    CHECK(st_parse_http_version("2", &v) == 0 && v == ST_HTTP_2);
    CHECK(st_parse_http_version("2-PRIOR-knowledge", &v) == 0 && v == ST_HTTP_2_PRIOR);
    const char *bad[] = {"", "3", "h2", "2.0", "1", "http/1.1", "2-prior", "auto2"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        v = ST_HTTP_2;
        CHECK(st_parse_http_version(bad[i], &v) == -1 && v == ST_HTTP_2);
    }
    CHECK(strcmp(st_http_version_name(ST_HTTP_2_PRIOR), "2-prior-knowledge") == 0);
    CHECK(strcmp(st_http_version_name(ST_HTTP_AUTO), "auto") == 0);
}

TEST(int_ranges)
{
    long v = -7;
    CHECK(st_parse_int_range("42", 0, 100, &v) == 0 && v == 42);
    CHECK(st_parse_int_range(" 100 ", 0, 100, &v) == 0 && v == 100);
    CHECK(st_parse_int_range("-5", -10, 10, &v) == 0 && v == -5);
    CHECK(st_parse_int_range("+7", 0, 10, &v) == 0 && v == 7);
    v = 3;
    const char *bad[] = {
        "101", "-1", "", "abc", "4x", "4 4", "1.0", "- 5", "99999999999999999999999", "0x10"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK(st_parse_int_range(bad[i], 0, 100, &v) == -1);
        CHECK(v == 3);
    }
}

TEST(double_ranges)
{
    double d = -1;
    CHECK(st_parse_double_range("0.5", 0, 1, &d) == 0 && d == 0.5);
    CHECK(st_parse_double_range(" 1 ", 0, 1, &d) == 0 && d == 1.0);
    CHECK(st_parse_double_range("0", 0, 1, &d) == 0 && d == 0.0);
    CHECK(st_parse_double_range("2.5e1", 0, 100, &d) == 0 && d == 25.0);
    CHECK(st_parse_double_range(".25", 0, 1, &d) == 0 && d == 0.25);
    d = 0.125;
    const char *bad[] = {"1.01",   "-0.1", "",    "nan",   "NaN", "inf", "-inf",   "infinity",
                         "0x1p-1", "0.5x", "0,5", "1e999", ".",   "e5",  "0.5 0.5"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = st_parse_double_range(bad[i], 0, 1, &d);
        if (rc != -1)
            fprintf(stderr, "  double accepted: \"%s\"\n", bad[i]);
        CHECK(rc == -1);
        CHECK(d == 0.125);
    }
}

int main(void)
{
    RUN(defaults_are_the_seed_values);
    RUN(durations);
    RUN(bad_durations_leave_out_untouched);
    RUN(sizes);
    RUN(bad_sizes);
    RUN(bools);
    RUN(log_levels);
    RUN(http_versions);
    RUN(int_ranges);
    RUN(double_ranges);
    CHECK_DONE();
}
