/* HTTP delivery with one curl multi handle: up to transport.max_in_flight transfers in
 * flight (HTTP/2 streams over at most transport.max_connections connections, or one per
 * connection over HTTP/1.1, at most transport.max_connections_http1), connections and TLS
 * sessions kept for the sender's life, every network setting explicit (no getenv in the
 * thread). */
#ifndef ST_SENDER_H
#define ST_SENDER_H

#include "config.h"
#include "dsn.h"

typedef struct st_sender st_sender;

typedef struct st_send_result {
    void *ctx;              /* what the caller passed to st_sender_submit */
    long http_status;       /* 0: no HTTP response */
    int curl_code;          /* CURLcode; 0 with a status */
    char error[256];        /* curl's message for network errors */
    char rate_limits[1024]; /* X-Sentry-Rate-Limits, "" if absent */
    char retry_after[128];  /* Retry-After, "" if absent */
    double seconds;         /* total transfer time */
    uint64_t bytes_sent;    /* request body bytes put on the wire */
    bool aborted;           /* stopped by st_sender_abort_all */
} st_send_result;

typedef void (*st_send_done_fn)(void *user, const st_send_result *r);

st_sender *st_sender_new(const st_config *cfg, char *err, size_t errlen);
void st_sender_free(st_sender *s);
int st_sender_capacity(const st_sender *s); /* free transfer slots */
int st_sender_inflight(const st_sender *s);
/* Start a POST of body (the sender owns it from now on and frees it). */
int st_sender_submit(st_sender *s, const st_dsn *dsn, char *body, size_t len, bool gzipped,
                     void *ctx);
/* Drive transfers, waiting up to timeout_ms for network activity; reports each finished
 * transfer through done. Returns the number finished. */
int st_sender_poll(st_sender *s, int timeout_ms, st_send_done_fn done, void *user);
/* End every transfer now; each is reported with aborted = true. */
void st_sender_abort_all(st_sender *s, st_send_done_fn done, void *user);

#endif
