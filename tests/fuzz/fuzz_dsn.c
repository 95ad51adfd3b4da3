/* libFuzzer harness for the DSN parser (src/core/dsn.c). Built and run by
 * tests/fuzz/Makefile (`make -C tests/fuzz run`), or alone:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I src/core \
 *     tests/fuzz/fuzz_dsn.c src/core/dsn.c src/core/common.c -lcurl -o /tmp/fzd \
 *     && /tmp/fzd -max_total_time=60 tests/fuzz/corpus/dsn
 *
 * The input is the DSN string (as php.ini or the constructor gives it). Checks:
 * - a refused DSN leaves *out untouched and gives a non-empty reason;
 * - an accepted one has every field non-empty and well-formed (digits-only project id,
 *   unreserved-only key, a port in range, an endpoint and public DSN built from them);
 * - the public DSN is itself a DSN that parses to the same endpoint, key and project,
 *   without a secret (what the envelope header carries can be read back);
 * - the secret never shows: a secret that does not occur elsewhere in the input is
 *   found in no field and no error message, and replacing it by other characters of
 *   the same kind changes nothing in the result. */
#include "dsn.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check(bool ok)
{
    if (!ok)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool has(const char *hay, const char *needle)
{
    return strstr(hay, needle) != NULL;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

/* The password span of the userinfo, if the input starts scheme://user:pass@…
 * with an alphanumeric pass (so that swapping its characters cannot change how a URL
 * parser splits the string). */
static bool find_secret(const char *s, size_t *off, size_t *len)
{
    const char *p = s;
    while (isspace((unsigned char)*p))
        p++;
    if (!isalpha((unsigned char)*p)) /* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
        return false;
    while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
        p++;
    if (strncmp(p, "://", 3) != 0)
        return false;
    p += 3;
    size_t auth = strcspn(p, "/?#");
    const char *at = memchr(p, '@', auth);
    const char *colon = memchr(p, ':', auth);
    if (!at || !colon || colon > at || at == colon + 1)
        return false;
    for (const char *c = colon + 1; c < at; c++)
        if (!isalnum((unsigned char)*c))
            return false;
    *off = (size_t)(colon + 1 - s);
    *len = (size_t)(at - colon - 1);
    return true;
}

static bool same_result(int rc1, const st_dsn *a, const char *ea, int rc2, const st_dsn *b,
                        const char *eb)
{
    if (rc1 != rc2 || strcmp(ea, eb) != 0)
        return false;
    if (rc1 != 0)
        return true;
    return strcmp(a->endpoint, b->endpoint) == 0 && strcmp(a->auth_header, b->auth_header) == 0 &&
           strcmp(a->public_dsn, b->public_dsn) == 0 && strcmp(a->public_key, b->public_key) == 0 &&
           strcmp(a->project_id, b->project_id) == 0 && strcmp(a->host, b->host) == 0 &&
           a->port == b->port && a->https == b->https && a->has_secret == b->has_secret;
}

static void check_accepted(const st_dsn *d)
{
    check(d->endpoint[0] && d->auth_header[0] && d->public_dsn[0] && d->public_key[0] &&
          d->project_id[0] && d->host[0]);
    check(d->port >= 1 && d->port <= 65535);
    for (const char *c = d->project_id; *c; c++)
        check(isdigit((unsigned char)*c));
    for (const char *c = d->public_key; *c; c++)
        check(isalnum((unsigned char)*c) || strchr("-_.~", *c));
    const char *scheme = d->https ? "https://" : "http://";
    check(strncmp(d->endpoint, scheme, strlen(scheme)) == 0);
    check(strncmp(d->public_dsn, scheme, strlen(scheme)) == 0);
    char tail[128];
    snprintf(tail, sizeof tail, "/api/%s/envelope/", d->project_id);
    check(ends_with(d->endpoint, tail));
    snprintf(tail, sizeof tail, "/%s", d->project_id);
    check(ends_with(d->public_dsn, tail));
    check(ends_with(d->auth_header, d->public_key));
    check(has(d->endpoint, d->host) && has(d->public_dsn, d->host));

    /* The public DSN reads back as the same destination, without a secret. */
    st_dsn again;
    char err[256];
    check(st_dsn_parse(d->public_dsn, &again, err, sizeof err) == 0);
    check(!again.has_secret);
    check(strcmp(again.endpoint, d->endpoint) == 0);
    check(strcmp(again.public_dsn, d->public_dsn) == 0);
    check(strcmp(again.public_key, d->public_key) == 0);
    check(strcmp(again.project_id, d->project_id) == 0);
    check(strcmp(again.host, d->host) == 0 && again.port == d->port && again.https == d->https);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 6000) /* past the 4096-byte limit nothing new happens */
        return 0;
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    static st_dsn d; /* static: 4.7 KB each */
    static st_dsn d2;
    char err[256], err2[256];
    memset(&d, 0xA5, sizeof d);
    int rc = st_dsn_parse(s, &d, err, sizeof err);
    check(rc == 0 || rc == -1);
    check(memchr(err, '\0', sizeof err) != NULL);
    if (rc != 0) {
        check(err[0] != '\0');
        for (size_t i = 0; i < sizeof d; i++) /* untouched */
            check(((const unsigned char *)&d)[i] == 0xA5);
    } else {
        check(err[0] == '\0');
        check_accepted(&d);
    }

    size_t off, len;
    if (find_secret(s, &off, &len)) {
        /* A secret that occurs nowhere else in the input must occur nowhere in the output. */
        char *secret = strndup(s + off, len);
        char *rest = strdup(s);
        if (secret && rest) {
            memset(rest + off, ' ', len);
            /* (text the outputs always carry is no leak either) */
            static const char fixed[] =
                "X-Sentry-Auth: Sentry sentry_version=7, sentry_client=" ST_SDK_NAME "/" ST_VERSION
                ", sentry_key= /api/ /envelope/ https://";
            /* Case-blind: the scheme and host are echoed lowercased ("httsECreps" holds
             * "secre"), which is the input's own text, not the secret. */
            /* Another secret of the same shape: the very same result. */
            for (size_t i = 0; i < len; i++) {
                char c = s[off + i];
                s[off + i] = isdigit((unsigned char)c)   ? (char)('0' + (c - '0' + 1) % 10)
                             : islower((unsigned char)c) ? (char)('a' + (c - 'a' + 1) % 26)
                                                         : (char)('A' + (c - 'A' + 1) % 26);
            }
            memset(&d2, 0, sizeof d2);
            int rc2 = st_dsn_parse(s, &d2, err2, sizeof err2);
            /* A message's own words are no leak ("DSN host looks like …" for the secret
             * "host"): the secret leaks when it shows in a message that another secret
             * would not have produced. */
            if (len >= 4 && !strcasestr(rest, secret) && !strcasestr(fixed, secret)) {
                check(!has(err, secret) || has(err2, secret));
                if (rc == 0)
                    check(!has(d.endpoint, secret) && !has(d.auth_header, secret) &&
                          !has(d.public_dsn, secret) && !has(d.public_key, secret) &&
                          !has(d.host, secret) && !has(d.project_id, secret));
            }
            if (rc != 0)
                memset(&d, 0, sizeof d);
            check(same_result(rc, &d, err, rc2, &d2, err2));
        }
        free(secret);
        free(rest);
    }

    (void)st_dsn_parse(s, &d, NULL, 0); /* no error buffer */
    free(s);
    return 0;
}
