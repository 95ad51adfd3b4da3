/* curl multi delivery. Runs on the drainer thread only.
 *
 * HTTP/2 (issue #10): every transfer waits for a connection that may multiplex
 * (CURLOPT_PIPEWAIT), so an HTTP/2 upstream gets one connection that carries up to
 * transport.max_in_flight streams, more connections (at most transport.max_connections)
 * only when the server's stream limit is reached. Until a response says which protocol the
 * upstream speaks, and whenever it speaks HTTP/1.1, transfers in flight are capped at
 * transport.max_connections_http1 (one per connection: no transfer waits in curl's queue
 * with its timeout running). The multi handle, its connection cache and the TLS session
 * cache live as long as the sender: idle gaps reuse connections, a new drainer connects
 * once. */
#include "sender.h"
#include "compress.h"
#include "log.h"

#include <curl/curl.h>
#include <pthread.h>
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

#define ST_UPSTREAMS_MAX 8 /* a queue has at most 8 DSNs, so at most 8 hosts */

/* What the upstream was last seen to speak. */
enum { ST_PROTO_UNKNOWN, ST_PROTO_HTTP1, ST_PROTO_MULTIPLEX };

struct st_sender {
    CURLM *multi;
    CURLSH *share; /* TLS sessions and DNS, across the easy handles */
    st_transfer *slots;
    int *free_slots; /* stack of free slot indexes */
    int nfree;
    int nslots;
    int inflight;
    int proto;
    /* libcurl < 8.0.0 cannot reuse a cleartext HTTP/2 prior-knowledge connection: every
     * request after the first fails with "Error in the HTTP2 framing layer" (curl issue
     * 10634). Then such a request gets a fresh connection of its own, and the window stays
     * the HTTP/1.1 one. */
    bool h2c_no_reuse;
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
    static const long versions[] = {
        [ST_HTTP_AUTO] = CURL_HTTP_VERSION_2TLS,
        [ST_HTTP_1_1] = CURL_HTTP_VERSION_1_1,
        [ST_HTTP_2] = CURL_HTTP_VERSION_2_0,
        [ST_HTTP_2_PRIOR] = CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE,
    };
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, versions[c->http_version & 3]);
    if (s->share)
        curl_easy_setopt(e, CURLOPT_SHARE, s->share);
    /* Idle gaps: keep the kept-alive connections known to be alive. */
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPIDLE, 30L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPINTVL, 15L);
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

/* Connections per upstream for what it was last seen to speak. */
static void apply_connection_limit(st_sender *s, int proto)
{
    if (proto == ST_PROTO_MULTIPLEX && s->h2c_no_reuse)
        proto = ST_PROTO_HTTP1;
    if (s->proto == proto)
        return;
    s->proto = proto;
    long conns =
        proto == ST_PROTO_MULTIPLEX ? s->cfg.max_connections : s->cfg.max_connections_http1;
    curl_multi_setopt(s->multi, CURLMOPT_MAX_HOST_CONNECTIONS, conns);
}

/* Transfers allowed in flight now: a stream each on a multiplexed upstream, otherwise one
 * per connection. */
static int window(const st_sender *s)
{
    if (s->proto == ST_PROTO_MULTIPLEX)
        return s->nslots;
    return s->nslots < s->cfg.max_connections_http1 ? s->nslots : s->cfg.max_connections_http1;
}

/* Fork guard. A fork copies the locks that libcurl and OpenSSL hold in this thread at that
 * instant; a child that later touches them (OpenSSL's cleanup at exit does) waits for ever
 * (seen: a pcntl_fork child hung in CRYPTO_THREAD_write_lock at exit while the parent's
 * drainer was mid-TLS). The drainer holds this mutex while inside libcurl, never while
 * waiting in curl_multi_poll; fork's prepare handler takes it, so a fork happens between
 * two libcurl calls, never inside one. */
static pthread_mutex_t fork_guard = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t fork_guard_once = PTHREAD_ONCE_INIT;
static void fork_guard_prepare(void)
{
    pthread_mutex_lock(&fork_guard);
}
static void fork_guard_parent(void)
{
    pthread_mutex_unlock(&fork_guard);
}
static void fork_guard_child(void)
{
    pthread_mutex_init(&fork_guard, NULL); /* the child has one thread: start afresh */
}
static void fork_guard_register(void)
{
    pthread_atfork(fork_guard_prepare, fork_guard_parent, fork_guard_child);
}
#define IN_LIBCURL(stmt)                                                                           \
    do {                                                                                           \
        pthread_mutex_lock(&fork_guard);                                                           \
        stmt;                                                                                      \
        pthread_mutex_unlock(&fork_guard);                                                         \
    } while (0)

static st_sender *sender_new(const st_config *cfg, char *err, size_t errlen);
static void sender_free(st_sender *s);
static int sender_submit(st_sender *s, const st_dsn *dsn, char *body, size_t len, bool gzipped,
                         void *ctx);
static int sender_collect(st_sender *s, st_send_done_fn done, void *user);
static void sender_abort_all(st_sender *s, st_send_done_fn done, void *user);

st_sender *st_sender_new(const st_config *cfg, char *err, size_t errlen)
{
    pthread_once(&fork_guard_once, fork_guard_register);
    st_sender *s;
    IN_LIBCURL(s = sender_new(cfg, err, errlen));
    return s;
}

void st_sender_free(st_sender *s)
{
    IN_LIBCURL(sender_free(s));
}

int st_sender_submit(st_sender *s, const st_dsn *dsn, char *body, size_t len, bool gzipped,
                     void *ctx)
{
    int rc;
    IN_LIBCURL(rc = sender_submit(s, dsn, body, len, gzipped, ctx));
    return rc;
}

int st_sender_poll(st_sender *s, int timeout_ms, st_send_done_fn done, void *user)
{
    int running = 0;
    IN_LIBCURL(curl_multi_perform(s->multi, &running));
    if (running > 0 && timeout_ms > 0) {
        curl_multi_poll(s->multi, NULL, 0, timeout_ms, NULL); /* waits: outside the guard */
        IN_LIBCURL(curl_multi_perform(s->multi, &running));
    }
    int finished;
    IN_LIBCURL(finished = sender_collect(s, done, user));
    return finished;
}

void st_sender_abort_all(st_sender *s, st_send_done_fn done, void *user)
{
    IN_LIBCURL(sender_abort_all(s, done, user));
}

static st_sender *sender_new(const st_config *cfg, char *err, size_t errlen)
{
    warn_if_unverified(cfg);
    st_sender *s = calloc(1, sizeof *s);
    if (!s)
        goto oom;
    s->cfg = *cfg;
    if (s->cfg.max_connections < 1)
        s->cfg.max_connections = 1;
    if (s->cfg.max_connections_http1 < 1)
        s->cfg.max_connections_http1 = 1;
    s->nslots = cfg->workers > 0 ? cfg->workers : 1;
    s->slots = calloc((size_t)s->nslots, sizeof *s->slots);
    s->free_slots = calloc((size_t)s->nslots, sizeof *s->free_slots);
    s->multi = curl_multi_init();
    if (!s->slots || !s->free_slots || !s->multi)
        goto oom;
    for (int i = s->nslots - 1; i >= 0; i--)
        s->free_slots[s->nfree++] = i;
    /* One thread uses the share: no lock callbacks needed. */
    s->share = curl_share_init();
    if (s->share) {
        curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
        curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    }
    curl_multi_setopt(s->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
#if LIBCURL_VERSION_NUM >= 0x074300 /* 7.67.0 */
    /* Streams per connection: the whole window if the server allows as many. */
    curl_multi_setopt(s->multi, CURLMOPT_MAX_CONCURRENT_STREAMS, (long)s->nslots);
#endif
    /* The idle pool survives gaps: by default curl keeps 4 per transfer still added, so
     * after a burst it would close all but a few. */
    long pool = s->cfg.max_connections_http1 > s->cfg.max_connections ? s->cfg.max_connections_http1
                                                                      : s->cfg.max_connections;
    curl_multi_setopt(s->multi, CURLMOPT_MAXCONNECTS, pool * ST_UPSTREAMS_MAX);
    curl_multi_setopt(s->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, pool * ST_UPSTREAMS_MAX);
    s->proto = -1;
    s->h2c_no_reuse = cfg->http_version == ST_HTTP_2_PRIOR &&
                      curl_version_info(CURLVERSION_NOW)->version_num < 0x080000;
    apply_connection_limit(s, ST_PROTO_UNKNOWN);
    return s;
oom:
    snprintf(err, errlen, "cannot initialise libcurl");
    sender_free(s);
    return NULL;
}

static void sender_free(st_sender *s)
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
    if (s->share)
        curl_share_cleanup(s->share);
    free(s->slots);
    free(s->free_slots);
    free(s);
}

int st_sender_capacity(const st_sender *s)
{
    int room = window(s) - s->inflight;
    return room > 0 ? room : 0;
}
int st_sender_inflight(const st_sender *s)
{
    return s->inflight;
}

static int sender_submit(st_sender *s, const st_dsn *dsn, char *body, size_t len, bool gzipped,
                         void *ctx)
{
    if (s->nfree == 0) {
        free(body);
        return -1;
    }
    int idx = s->free_slots[s->nfree - 1];
    st_transfer *t = &s->slots[idx];
    if (!t->easy) { /* made on first use: the window may be far larger than the traffic */
        t->easy = curl_easy_init();
        if (!t->easy) {
            free(body);
            return -1;
        }
        apply_static_options(s, t->easy, t);
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
    /* Wait for a connection that may multiplex rather than open one more, where HTTP/2 is
     * possible: over TLS (ALPN answers at the handshake) or when asked for. Over plain
     * HTTP/1.1, curl 7.88 would hold every transfer until the first response showed the
     * connection could not multiplex: one slow answer stalled the whole window. */
    bool may_multiplex =
        s->cfg.http_version == ST_HTTP_2 || s->cfg.http_version == ST_HTTP_2_PRIOR ||
        (s->cfg.http_version == ST_HTTP_AUTO && strncasecmp(dsn->endpoint, "https://", 8) == 0);
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, may_multiplex ? 1L : 0L);
    if (s->h2c_no_reuse) {
        long fresh = strncmp(dsn->endpoint, "http://", 7) == 0 ? 1L : 0L;
        curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, fresh);
        curl_easy_setopt(e, CURLOPT_FORBID_REUSE, fresh);
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    if (curl_multi_add_handle(s->multi, e) != CURLM_OK) {
        free(body);
        t->body = NULL;
        return -1;
    }
    t->busy = true;
    s->nfree--;
    s->inflight++;
    return 0;
}

static void finish(st_sender *s, st_transfer *t, CURLcode code, st_send_done_fn done, void *user)
{
    st_send_result *r = &t->result;
    r->curl_code = (int)code;
    if (code == CURLE_OK) {
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &r->http_status);
        long version = 0;
        if (!t->aborting && r->http_status > 0 &&
            curl_easy_getinfo(t->easy, CURLINFO_HTTP_VERSION, &version) == CURLE_OK && version)
            apply_connection_limit(s, version >= CURL_HTTP_VERSION_2_0 ? ST_PROTO_MULTIPLEX
                                                                       : ST_PROTO_HTTP1);
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
    s->free_slots[s->nfree++] = (int)(t - s->slots);
    s->inflight--;
    done(user, r);
}

static int sender_collect(st_sender *s, st_send_done_fn done, void *user)
{
    int finished = 0;
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

static void sender_abort_all(st_sender *s, st_send_done_fn done, void *user)
{
    for (int i = 0; i < s->nslots; i++) {
        st_transfer *t = &s->slots[i];
        if (t->busy) {
            t->aborting = true;
            finish(s, t, CURLE_ABORTED_BY_CALLBACK, done, user);
        }
    }
}
