/* curl multi delivery. Runs on the drainer thread only. */
#include "sender.h"
#include "compress.h"
#include "log.h"

#include <curl/curl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

typedef struct st_transfer {
    CURL *easy;
    char *body;
    bool busy;
    bool aborting;
    st_send_result result;
} st_transfer;

/* Request headers per DSN (auth header) and encoding, built once: a few per process. */
#define ST_HEADER_CACHE 8
typedef struct st_header_set {
    char auth_header[sizeof(((st_dsn *)0)->auth_header)];
    struct curl_slist *plain;
    struct curl_slist *gzip;
} st_header_set;

struct st_sender {
    CURLM *multi;
    st_transfer *slots;
    int nslots;
    int inflight;
    st_config cfg;
    st_header_set headers[ST_HEADER_CACHE];
    int nheaders;
};

/* encoding: the Content-Encoding header line, or NULL */
static struct curl_slist *build_headers(const char *auth_header, const char *encoding)
{
    struct curl_slist *h = NULL, *n;
    const char *lines[] = {"Content-Type: application/x-sentry-envelope", auth_header,
                           "Expect:", encoding};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0] && lines[i]; i++) {
        n = curl_slist_append(h, lines[i]);
        if (!n) {
            curl_slist_free_all(h);
            return NULL;
        }
        h = n;
    }
    return h;
}

static struct curl_slist *headers_for(st_sender *s, const st_dsn *dsn, bool gzipped)
{
    st_header_set *hs = NULL;
    for (int i = 0; i < s->nheaders; i++)
        if (strcmp(s->headers[i].auth_header, dsn->auth_header) == 0)
            hs = &s->headers[i];
    if (!hs) {
        if (s->nheaders == ST_HEADER_CACHE) /* a queue has at most 8 DSNs: cannot happen */
            return NULL;
        hs = &s->headers[s->nheaders];
        memset(hs, 0, sizeof *hs);
        st_strlcpy(hs->auth_header, dsn->auth_header, sizeof hs->auth_header);
        s->nheaders++;
    }
    struct curl_slist **slot = gzipped ? &hs->gzip : &hs->plain;
    if (!*slot)
        *slot = build_headers(dsn->auth_header,
                              gzipped ? st_compression_header(s->cfg.compression) : NULL);
    return *slot;
}

static size_t discard_body(char *ptr, size_t size, size_t n, void *ud)
{
    (void)ptr;
    (void)ud;
    return size * n;
}

/* Copy a header value without its trailing CR/LF. */
static void copy_header_value(const char *v, size_t n, char *out, size_t outlen)
{
    while (n > 0 && (v[0] == ' ' || v[0] == '\t')) {
        v++;
        n--;
    }
    while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
        n--;
    if (n >= outlen)
        n = outlen - 1;
    memcpy(out, v, n);
    out[n] = '\0';
}

static size_t on_header(char *line, size_t size, size_t n, void *ud)
{
    st_transfer *t = ud;
    size_t len = size * n;
    static const char rl[] = "x-sentry-rate-limits:";
    static const char ra[] = "retry-after:";
    if (len > sizeof rl - 1 && strncasecmp(line, rl, sizeof rl - 1) == 0)
        copy_header_value(line + sizeof rl - 1, len - (sizeof rl - 1), t->result.rate_limits,
                          sizeof t->result.rate_limits);
    else if (len > sizeof ra - 1 && strncasecmp(line, ra, sizeof ra - 1) == 0)
        copy_header_value(line + sizeof ra - 1, len - (sizeof ra - 1), t->result.retry_after,
                          sizeof t->result.retry_after);
    return len;
}

/* Lets st_sender_abort_all end a transfer that is blocked inside curl. */
static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt;
    (void)dn;
    (void)ut;
    (void)un;
    return ((st_transfer *)ud)->aborting ? 1 : 0;
}

static void apply_static_options(st_sender *s, CURL *e, st_transfer *t)
{
    const st_config *c = &s->cfg;
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)c->connect_timeout_ms);
    /* Explicit, never from the environment: libcurl's getenv in a thread has crashed
     * other extensions (DESIGN.md §9). "" means no proxy at all. */
    curl_easy_setopt(e, CURLOPT_PROXY, c->proxy);
    curl_easy_setopt(e, CURLOPT_NOPROXY, "");
    if (c->proxy[0] && c->proxy_auth[0])
        curl_easy_setopt(e, CURLOPT_PROXYUSERPWD, c->proxy_auth);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, c->ssl_verify ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, c->ssl_verify ? 2L : 0L);
    if (c->ca_info[0])
        curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_info);
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85.0 */
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(e, CURLOPT_USERAGENT, ST_SDK_NAME "/" ST_VERSION);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_body);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, t);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
}

/* Verification off deserves one warning per process, not one per event or per election.
 * Keyed by pid so that a forked child (FPM) that starts sending warns for itself. */
static void warn_if_unverified(const st_config *cfg)
{
    static atomic_int warned_pid;
    int pid = (int)getpid();
    if (!cfg->ssl_verify && atomic_exchange(&warned_pid, pid) != pid)
        st_log(ST_LOG_WARNING,
               "TLS verification is off (sentry_transport.transport.ssl_verify=0): the "
               "upstream's certificate and host name are not checked",
               NULL);
}

st_sender *st_sender_new(const st_config *cfg, char *err, size_t errlen)
{
    warn_if_unverified(cfg);
    st_sender *s = calloc(1, sizeof *s);
    if (!s)
        goto oom;
    s->cfg = *cfg;
    s->nslots = cfg->workers > 0 ? cfg->workers : 1;
    s->slots = calloc((size_t)s->nslots, sizeof *s->slots);
    s->multi = curl_multi_init();
    if (!s->slots || !s->multi)
        goto oom;
    curl_multi_setopt(s->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)s->nslots);
    for (int i = 0; i < s->nslots; i++) {
        s->slots[i].easy = curl_easy_init();
        if (!s->slots[i].easy)
            goto oom;
        apply_static_options(s, s->slots[i].easy, &s->slots[i]);
    }
    return s;
oom:
    snprintf(err, errlen, "cannot initialise libcurl");
    st_sender_free(s);
    return NULL;
}

void st_sender_free(st_sender *s)
{
    if (!s)
        return;
    for (int i = 0; s->slots && i < s->nslots; i++) {
        st_transfer *t = &s->slots[i];
        if (t->busy && s->multi)
            curl_multi_remove_handle(s->multi, t->easy);
        if (t->easy)
            curl_easy_cleanup(t->easy);
        free(t->body);
    }
    for (int i = 0; i < s->nheaders; i++) {
        curl_slist_free_all(s->headers[i].plain);
        curl_slist_free_all(s->headers[i].gzip);
    }
    if (s->multi)
        curl_multi_cleanup(s->multi);
    free(s->slots);
    free(s);
}

int st_sender_capacity(const st_sender *s)
{
    return s->nslots - s->inflight;
}
int st_sender_inflight(const st_sender *s)
{
    return s->inflight;
}

int st_sender_submit(st_sender *s, const st_dsn *dsn, char *body, size_t len, bool gzipped,
                     void *ctx)
{
    st_transfer *t = NULL;
    for (int i = 0; i < s->nslots; i++)
        if (!s->slots[i].busy) {
            t = &s->slots[i];
            break;
        }
    if (!t) {
        free(body);
        return -1;
    }
    CURL *e = t->easy;
    struct curl_slist *h = headers_for(s, dsn, gzipped);
    if (!h) {
        free(body);
        return -1;
    }
    memset(&t->result, 0, sizeof t->result);
    t->result.ctx = ctx;
    t->result.bytes_sent = len;
    t->body = body;
    t->aborting = false;
    /* Static options were set once; only what differs per request is set here. */
    curl_easy_setopt(e, CURLOPT_URL, dsn->endpoint);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    if (curl_multi_add_handle(s->multi, e) != CURLM_OK) {
        free(body);
        t->body = NULL;
        return -1;
    }
    t->busy = true;
    s->inflight++;
    return 0;
}

static void finish(st_sender *s, st_transfer *t, CURLcode code, st_send_done_fn done, void *user)
{
    st_send_result *r = &t->result;
    r->curl_code = (int)code;
    if (code == CURLE_OK) {
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &r->http_status);
    } else {
        r->http_status = 0;
        snprintf(r->error, sizeof r->error, "%s", curl_easy_strerror(code));
    }
    curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME, &r->seconds);
    r->aborted = t->aborting;
    curl_multi_remove_handle(s->multi, t->easy);
    free(t->body);
    t->body = NULL;
    t->busy = false;
    s->inflight--;
    done(user, r);
}

int st_sender_poll(st_sender *s, int timeout_ms, st_send_done_fn done, void *user)
{
    int running = 0, finished = 0;
    curl_multi_perform(s->multi, &running);
    if (running > 0 && timeout_ms > 0) {
        curl_multi_poll(s->multi, NULL, 0, timeout_ms, NULL);
        curl_multi_perform(s->multi, &running);
    }
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(s->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        st_transfer *t = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&t);
        if (t) {
            finish(s, t, m->data.result, done, user);
            finished++;
        }
    }
    return finished;
}

void st_sender_abort_all(st_sender *s, st_send_done_fn done, void *user)
{
    for (int i = 0; i < s->nslots; i++) {
        st_transfer *t = &s->slots[i];
        if (t->busy) {
            t->aborting = true;
            finish(s, t, CURLE_ABORTED_BY_CALLBACK, done, user);
        }
    }
}
