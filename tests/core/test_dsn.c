/* DSN parsing (src/core/dsn.c). */
#include "check.h"
#include "dsn.h"

#define AUTH_PREFIX                                                                                \
    "X-Sentry-Auth: Sentry sentry_version=7, sentry_client=" ST_SDK_NAME "/" ST_VERSION            \
    ", sentry_key="

static int parse(const char *s, st_dsn *d, char *err, size_t errlen)
{
    memset(d, 0, sizeof(*d));
    return st_dsn_parse(s, d, err, errlen);
}

TEST(plain_https)
{
    st_dsn d;
    char err[256] = "x";
    CHECK(parse("https://abc123@o1.ingest.sentry.io/4505", &d, err, sizeof(err)) == 0);
    CHECK_STR(err, "");
    CHECK_STR(d.endpoint, "https://o1.ingest.sentry.io/api/4505/envelope/");
    CHECK_STR(d.public_dsn, "https://abc123@o1.ingest.sentry.io/4505");
    CHECK_STR(d.public_key, "abc123");
    CHECK_STR(d.project_id, "4505");
    CHECK_STR(d.host, "o1.ingest.sentry.io");
    CHECK(d.port == 443);
    CHECK(d.https);
    CHECK(!d.has_secret);
    CHECK_STR(d.auth_header, AUTH_PREFIX "abc123");
}

TEST(http_with_port)
{
    st_dsn d;
    char err[256];
    CHECK(parse("http://pub@localhost:9000/7", &d, err, sizeof(err)) == 0);
    CHECK_STR(d.endpoint, "http://localhost:9000/api/7/envelope/");
    CHECK_STR(d.public_dsn, "http://pub@localhost:9000/7");
    CHECK_STR(d.host, "localhost");
    CHECK(d.port == 9000);
    CHECK(!d.https);
}

TEST(default_ports)
{
    st_dsn d;
    CHECK(parse("http://pub@example.com/1", &d, NULL, 0) == 0);
    CHECK(d.port == 80);
    CHECK_STR(d.endpoint, "http://example.com/api/1/envelope/");
    /* An explicit default port is kept as written. */
    CHECK(parse("https://pub@example.com:443/1", &d, NULL, 0) == 0);
    CHECK(d.port == 443);
    CHECK_STR(d.endpoint, "https://example.com:443/api/1/envelope/");
}

TEST(ipv6_with_port)
{
    st_dsn d;
    char err[256];
    CHECK(parse("http://k@[::1]:9000/3", &d, err, sizeof(err)) == 0);
    CHECK_STR(d.host, "::1");
    CHECK(d.port == 9000);
    CHECK_STR(d.endpoint, "http://[::1]:9000/api/3/envelope/");
    CHECK_STR(d.public_dsn, "http://k@[::1]:9000/3");
    CHECK(parse("https://k@[2001:db8::5]/12", &d, err, sizeof(err)) == 0);
    CHECK_STR(d.host, "2001:db8::5");
    CHECK(d.port == 443);
    CHECK_STR(d.endpoint, "https://[2001:db8::5]/api/12/envelope/");
}

TEST(path_prefix)
{
    st_dsn d;
    char err[256];
    CHECK(parse("https://key@host/prefix/sub/42", &d, err, sizeof(err)) == 0);
    CHECK_STR(d.endpoint, "https://host/prefix/sub/api/42/envelope/");
    CHECK_STR(d.public_dsn, "https://key@host/prefix/sub/42");
    CHECK_STR(d.project_id, "42");
    CHECK(parse("https://key@host:8443/sentry/42/", &d, err, sizeof(err)) == 0);
    CHECK_STR(d.endpoint, "https://host:8443/sentry/api/42/envelope/");
    CHECK_STR(d.project_id, "42");
}

/* No output field and no error message may contain the secret. */
static void check_no_secret(const st_dsn *d, const char *err, const char *secret)
{
    CHECK(strstr(d->endpoint, secret) == NULL);
    CHECK(strstr(d->auth_header, secret) == NULL);
    CHECK(strstr(d->public_dsn, secret) == NULL);
    CHECK(strstr(d->public_key, secret) == NULL);
    CHECK(strstr(d->host, secret) == NULL);
    CHECK(strstr(d->project_id, secret) == NULL);
    CHECK(strstr(err, secret) == NULL);
}

TEST(secret_present)
{
    st_dsn d;
    char err[256] = "";
    CHECK(parse("https://pubkey:s3cr3tvalue@sentry.example.com/99", &d, err, sizeof(err)) == 0);
    CHECK(d.has_secret);
    CHECK_STR(d.public_key, "pubkey");
    CHECK_STR(d.public_dsn, "https://pubkey@sentry.example.com/99");
    CHECK_STR(d.endpoint, "https://sentry.example.com/api/99/envelope/");
    CHECK_STR(d.auth_header, AUTH_PREFIX "pubkey");
    check_no_secret(&d, err, "s3cr3tvalue");
    CHECK(strstr(d.auth_header, "sentry_secret") == NULL);
}

TEST(secret_never_in_errors)
{
    const char *bad[] = {
        "ftp://pub:s3cr3tvalue@host/1",
        "https://pub:s3cr3tvalue@host/",
        "https://pub:s3cr3tvalue@host/abc",
        "https://:s3cr3tvalue@host/1",
        "https://pub:s3cr3tvalue@/1",
        "https://pub:s3cr3tvalue@host:99999/1",
        "https://pub:s3cr3tvalue@ho st/1",
        "https://p\"b:s3cr3tvalue@host/1",
        "http://pub:s3cr3tvalue@::1/1",
        "https://pub:s3cr3tvalue@host/99999999999999999999",
        "https://pub:s3cr3tvalue@[::1/1",
        "https://pub:s3cr3tvalue@host/4 2",
        "s3cr3tvalue",
        "https:/pub:s3cr3tvalue@host/1",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        st_dsn d;
        char err[256] = "";
        int rc = parse(bad[i], &d, err, sizeof(err));
        if (rc != -1)
            fprintf(stderr, "  accepted: %s\n", bad[i]);
        CHECK(rc == -1);
        CHECK(err[0] != '\0');
        check_no_secret(&d, err, "s3cr3tvalue");
    }
}

static void check_error(const char *dsn, const char *expect_in_err)
{
    st_dsn d;
    memset(&d, 0x5a, sizeof(d));
    st_dsn before = d;
    char err[256] = "";
    CHECK(st_dsn_parse(dsn, &d, err, sizeof(err)) == -1);
    if (!strstr(err, expect_in_err))
        fprintf(stderr, "  %s: error \"%s\" lacks \"%s\"\n", dsn ? dsn : "(null)", err,
                expect_in_err);
    CHECK(strstr(err, expect_in_err) != NULL);
    CHECK(memcmp(&d, &before, sizeof(d)) == 0); /* untouched on error */
}

TEST(errors)
{
    check_error("ftp://pub@host/1", "scheme 'ftp' is not supported");
    check_error("https://host/1", "no public key");
    check_error("https://@host/1", "no public key");
    check_error("https://pub@host", "no project id");
    check_error("https://pub@host/", "no project id");
    check_error("https://pub@host/abc", "not a number");
    check_error("https://pub@host/12a", "not a number");
    check_error("https://pub@host/-1", "not a number");
    check_error("", "empty");
    check_error("   ", "empty");
    check_error(NULL, "empty");
    check_error("garbage", "not a URL");
    check_error("https://", "");
    check_error("https://pub@/1", "host");
    check_error("https://pub@host:notaport/1", "not a valid URL");
    check_error("https://pub@host:0/1", "port 0 is out of range");
    check_error("https://pub@host:70000/1", "not a valid URL");
    check_error("https://p%41b@host/1", "public key is malformed");
    /* almost right */
    check_error("https://pub@host/18446744073709551616", "project id is too large");
    check_error("https://pub@host/"
                "0000000000000000000000000000000000000000000000000000000000000042",
                "project id is too large");
    check_error("https://pub@host/+42", "not a number");
    check_error("https://pub@host/%34%32", "not a number");
    check_error("https://pub@host/4 2", "not a valid URL");
    check_error("http://pub@::1/42", "IPv6 address without brackets");
    check_error("http://pub@::1:9000/42", "IPv6 address without brackets");
    check_error("http://pub@[::1/42", "not a valid URL");
    check_error("https://pub@host:65536/1", "not a valid URL");
    check_error("https:/pub@host/42", "not a URL");
    check_error("//pub@host/42", "not a URL");
    check_error("pub@host/42", "not a URL");
    check_error("https://pu b@host/42", "not a valid URL");
    check_error("https://pub@host@other/42", "not a valid URL");
}

TEST(almost_right_but_valid)
{
    st_dsn d;
    char err[256] = "";
    CHECK(parse("HTTPS://pub@host/42", &d, err, sizeof(err)) == 0);
    CHECK(d.https);
    CHECK_STR(d.endpoint, "https://host/api/42/envelope/");
    CHECK(parse("https://pub:@host/42", &d, err, sizeof(err)) == 0); /* empty secret */
    CHECK(!d.has_secret);
    CHECK_STR(d.public_dsn, "https://pub@host/42");
    CHECK(parse("https://pub@host/42///", &d, err, sizeof(err)) == 0);
    CHECK_STR(d.public_dsn, "https://pub@host/42");
    CHECK(parse("http://pub@[::1]/42", &d, err, sizeof(err)) == 0);
    CHECK_STR(d.endpoint, "http://[::1]/api/42/envelope/");
    CHECK(d.port == 80);
    CHECK(parse("https://pub@host/a/../42", &d, err, sizeof(err)) == 0); /* dot segments */
    CHECK_STR(d.endpoint, "https://host/api/42/envelope/");
    CHECK(parse("https://pub@host/18446744073709551615", &d, err, sizeof(err)) == 0);
    CHECK_STR(d.project_id, "18446744073709551615");
    CHECK(parse("https://pub@host/prefix/42#frag", &d, err, sizeof(err)) == 0);
    CHECK_STR(d.endpoint, "https://host/prefix/api/42/envelope/");
}

TEST(query_and_fragment_are_ignored)
{
    st_dsn d;
    CHECK(parse("https://pub@host/5?timeout=3#frag", &d, NULL, 0) == 0);
    CHECK_STR(d.project_id, "5");
    CHECK_STR(d.endpoint, "https://host/api/5/envelope/");
    CHECK_STR(d.public_dsn, "https://pub@host/5");
}

TEST(surrounding_spaces_and_tiny_err_buffer)
{
    st_dsn d;
    CHECK(parse("  https://pub@host/5\n", &d, NULL, 0) == 0);
    CHECK_STR(d.endpoint, "https://host/api/5/envelope/");
    char err[8];
    CHECK(parse("ftp://pub@host/1", &d, err, sizeof(err)) == -1);
    CHECK(strlen(err) == 7);
}

TEST(shown_without_secret)
{
    char out[64];
    st_dsn_shown("https://pub:s3cr3t@o1.ingest.sentry.io/42", out, sizeof out);
    CHECK_STR(out, "https://pub@o1.ingest.sentry.io/42");
    st_dsn_shown("https://pub:s3cr3t@/42", out, sizeof out); /* no host: not parsable */
    CHECK_STR(out, "(invalid)");
    char tiny[8];
    st_dsn_shown("https://pub@o1.ingest.sentry.io/42", tiny, sizeof tiny);
    CHECK_STR(tiny, "https:/");
}

int main(void)
{
    RUN(plain_https);
    RUN(http_with_port);
    RUN(default_ports);
    RUN(ipv6_with_port);
    RUN(path_prefix);
    RUN(secret_present);
    RUN(secret_never_in_errors);
    RUN(shown_without_secret);
    RUN(errors);
    RUN(almost_right_but_valid);
    RUN(query_and_fragment_are_ignored);
    RUN(surrounding_spaces_and_tiny_err_buffer);
    CHECK_DONE();
}
