/* DSN parsing (DESIGN.md §6) on top of curl's URL API, so that IPv6 literals, ports,
 * percent-encoding and dot segments are read exactly as libcurl will later use them.
 *
 * Decisions:
 * - Only http and https. Any query string or fragment is ignored: it is neither part of
 *   the envelope endpoint nor of public_dsn (old SDKs put options there).
 * - The project id is the last path segment and must be all digits; trailing slashes
 *   after it are tolerated ("…/42/"). Earlier segments are a path prefix kept in front of
 *   /api/ (Sentry behind a reverse proxy).
 * - The secret (deprecated) only sets has_secret. It is never copied into any field, and
 *   no error message quotes the DSN or any part that could hold it. */
#include "dsn.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Fetch one URL part; NULL when absent. Free with curl_free(). */
static char *url_part(CURLU *u, CURLUPart what)
{
    char *v = NULL;
    if (curl_url_get(u, what, &v, 0) != CURLUE_OK)
        return NULL;
    return v;
}

/* RFC 3986 unreserved characters: safe verbatim in a URL, a header and JSON. */
static bool is_safe_token(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!(isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~'))
            return false;
    }
    return true;
}

static bool all_digits(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* Whether the decimal digits s[0..n) are at most 2^64 - 1 (leading zeros allowed). */
static bool fits_u64(const char *s, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    return true;
}

/* curl reads an IPv6 host without brackets ("http://k@::1/42") as a bad port: detect it
 * (only the host and port part, after the last '@') to say what is wrong. */
static bool unbracketed_ipv6(const char *url)
{
    const char *a = strstr(url, "://");
    if (!a)
        return false;
    a += 3;
    size_t n = strcspn(a, "/?#");
    const char *h = a;
    for (size_t i = 0; i < n; i++)
        if (a[i] == '@')
            h = a + i + 1;
    int colons = 0;
    for (; h < a + n; h++) {
        if (*h == '[')
            return false;
        colons += *h == ':';
    }
    return colons >= 2;
}

/* snprintf that reports truncation as failure. */
static bool fmt_fits(char *dst, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(dst, size, fmt, ap);
    va_end(ap);
    return n >= 0 && (size_t)n < size;
}

static int parse_url(CURLU *u, const char *dsn, st_dsn *d, char *err, size_t errlen)
{
    /* Trim the spaces php.ini values often carry; curl refuses them. */
    while (*dsn && isspace((unsigned char)*dsn))
        dsn++;
    size_t n = strlen(dsn);
    while (n > 0 && isspace((unsigned char)dsn[n - 1]))
        n--;
    if (n == 0) {
        set_err(err, errlen, "empty DSN");
        return -1;
    }
    if (n >= 4096) {
        set_err(err, errlen, "DSN too long");
        return -1;
    }
    char buf[4096];
    memcpy(buf, dsn, n);
    buf[n] = '\0';

    if (!strstr(buf, "://")) {
        set_err(err, errlen, "DSN is not a URL (expected scheme://key@host/project_id)");
        return -1;
    }
    /* NON_SUPPORT_SCHEME: let curl parse any scheme so we can name the bad one below. */
    CURLUcode rc = curl_url_set(u, CURLUPART_URL, buf, CURLU_NON_SUPPORT_SCHEME);
    bool bare_v6 = rc != CURLUE_OK && unbracketed_ipv6(buf);
    memset(buf, 0, sizeof(buf)); /* held the secret */
    if (rc == CURLUE_NO_HOST) {
        set_err(err, errlen, "DSN has no host");
        return -1;
    }
    if (bare_v6) {
        set_err(err, errlen, "DSN host looks like an IPv6 address without brackets (write [::1])");
        return -1;
    }
    if (rc != CURLUE_OK) {
#if LIBCURL_VERSION_NUM >= 0x075000 /* curl_url_strerror: 7.80 */
        set_err(err, errlen, "DSN is not a valid URL (%s)", curl_url_strerror(rc));
#else
        set_err(err, errlen, "DSN is not a valid URL (curl error %d)", (int)rc);
#endif
        return -1;
    }

    char *scheme = url_part(u, CURLUPART_SCHEME);
    if (!scheme || (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)) {
        /* The scheme precedes the credentials, so quoting it cannot leak the secret. */
        set_err(err, errlen, "DSN scheme '%.16s' is not supported (use http or https)",
                scheme ? scheme : "");
        curl_free(scheme);
        return -1;
    }
    d->https = strcasecmp(scheme, "https") == 0;
    curl_free(scheme);

    char *user = url_part(u, CURLUPART_USER);
    if (!user || !*user) {
        curl_free(user);
        set_err(err, errlen, "DSN has no public key");
        return -1;
    }
    if (!is_safe_token(user) || strlen(user) >= sizeof(d->public_key)) {
        curl_free(user);
        set_err(err, errlen, "DSN public key is malformed");
        return -1;
    }
    st_strlcpy(d->public_key, user, sizeof(d->public_key));
    curl_free(user);

    char *secret = url_part(u, CURLUPART_PASSWORD);
    if (secret) {
        d->has_secret = *secret != '\0';
        memset(secret, 0, strlen(secret));
        curl_free(secret);
    }

    char *host = url_part(u, CURLUPART_HOST);
    if (!host || !*host) {
        curl_free(host);
        set_err(err, errlen, "DSN has no host");
        return -1;
    }
    /* curl returns IPv6 literals bracketed: st_dsn.host drops the brackets. */
    size_t hl = strlen(host);
    bool v6 = hl >= 2 && host[0] == '[' && host[hl - 1] == ']';
    if ((v6 ? hl - 2 : hl) >= sizeof(d->host)) {
        curl_free(host);
        set_err(err, errlen, "DSN host is too long");
        return -1;
    }
    if (v6) {
        memcpy(d->host, host + 1, hl - 2);
        d->host[hl - 2] = '\0';
    } else {
        st_strlcpy(d->host, host, sizeof(d->host));
    }
    /* Host as it goes back into a URL: brackets, plus an IPv6 zone id if one was given. */
    char urlhost[300];
    char *zone = v6 ? url_part(u, CURLUPART_ZONEID) : NULL;
    bool ok = zone ? fmt_fits(urlhost, sizeof(urlhost), "[%s%%25%s]", d->host, zone)
                   : fmt_fits(urlhost, sizeof(urlhost), "%s", host);
    curl_free(zone);
    curl_free(host);
    if (!ok) {
        set_err(err, errlen, "DSN host is too long");
        return -1;
    }

    /* The port is printed only when the DSN spelled it out. */
    char portstr[16] = "";
    char *port = url_part(u, CURLUPART_PORT);
    if (port) {
        st_strlcpy(portstr, port, sizeof(portstr));
        curl_free(port);
        d->port = atoi(portstr);
        if (d->port < 1 || d->port > 65535) {
            set_err(err, errlen, "DSN port %.8s is out of range", portstr);
            return -1;
        }
    } else {
        d->port = d->https ? 443 : 80;
    }

    char *path = url_part(u, CURLUPART_PATH);
    if (!path) {
        set_err(err, errlen, "DSN has no project id");
        return -1;
    }
    size_t pl = strlen(path);
    while (pl > 0 && path[pl - 1] == '/')
        pl--;
    size_t seg = pl;
    while (seg > 0 && path[seg - 1] != '/')
        seg--;
    size_t idlen = pl - seg;
    if (idlen == 0) {
        curl_free(path);
        set_err(err, errlen, "DSN has no project id");
        return -1;
    }
    if (!all_digits(path + seg, idlen)) {
        curl_free(path);
        set_err(err, errlen, "DSN project id is not a number");
        return -1;
    }
    /* Relay reads project ids as u64 */
    if (idlen >= sizeof(d->project_id) || !fits_u64(path + seg, idlen)) {
        curl_free(path);
        set_err(err, errlen, "DSN project id is too large");
        return -1;
    }
    memcpy(d->project_id, path + seg, idlen);
    d->project_id[idlen] = '\0';
    /* Prefix = everything before the project id segment, without its trailing '/'. */
    char prefix[1024];
    size_t prelen = seg > 0 ? seg - 1 : 0;
    if (prelen >= sizeof(prefix)) {
        curl_free(path);
        set_err(err, errlen, "DSN path is too long");
        return -1;
    }
    memcpy(prefix, path, prelen);
    prefix[prelen] = '\0';
    curl_free(path);

    const char *sch = d->https ? "https" : "http";
    const char *colon = portstr[0] ? ":" : "";
    if (!fmt_fits(d->endpoint, sizeof(d->endpoint), "%s://%s%s%s%s/api/%s/envelope/", sch, urlhost,
                  colon, portstr, prefix, d->project_id) ||
        !fmt_fits(d->public_dsn, sizeof(d->public_dsn), "%s://%s@%s%s%s%s/%s", sch, d->public_key,
                  urlhost, colon, portstr, prefix, d->project_id) ||
        !fmt_fits(d->auth_header, sizeof(d->auth_header),
                  "X-Sentry-Auth: Sentry sentry_version=7, sentry_client=" ST_SDK_NAME
                  "/" ST_VERSION ", sentry_key=%s",
                  d->public_key)) {
        set_err(err, errlen, "DSN is too long");
        return -1;
    }
    return 0;
}

int st_dsn_parse(const char *dsn, st_dsn *out, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!dsn) {
        set_err(err, errlen, "empty DSN");
        return -1;
    }
    CURLU *u = curl_url();
    if (!u) {
        set_err(err, errlen, "out of memory parsing the DSN");
        return -1;
    }
    /* Built aside and copied on success, so a bad DSN leaves *out untouched. */
    st_dsn d;
    memset(&d, 0, sizeof(d));
    int rc = parse_url(u, dsn, &d, err, errlen);
    curl_url_cleanup(u);
    if (rc == 0)
        *out = d;
    return rc;
}

void st_dsn_shown(const char *dsn, char *out, size_t outlen)
{
    st_dsn d;
    char err[256];
    snprintf(out, outlen, "%s",
             st_dsn_parse(dsn, &d, err, sizeof err) == 0 ? d.public_dsn : "(invalid)");
}
