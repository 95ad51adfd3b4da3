/* In-process concurrency of the core, written for `make test TSAN=1` (ThreadSanitizer
 * sees threads, not processes): request threads pushing while a consumer takes from the
 * same queue, and the real drainer thread (curl, gzip, outcomes, health, client
 * reports) sending to a local HTTP server while other threads push and read status. */
#include "check.h"
#include "drainer.h"
#include "envelope.h"
#include "queue.h"
#include "queue_fixture.h"
#include "queue_layout.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define PRODUCERS 3
#define PER_PRODUCER 300

static st_queue *open_queue(const char *tag)
{
    char name[64];
    snprintf(name, sizeof name, "thr-%s-%d", tag, (int)getpid());
    return fixture_queue_open(name, 1 << 20, 64);
}

/* ---- request threads and a consumer on one queue ---- */

static st_queue *shared_q;
static _Atomic int producers_left;
static int seen[PRODUCERS][PER_PRODUCER]; /* consumer thread only, read after join */

static void *producer(void *arg)
{
    int id = (int)(intptr_t)arg;
    for (int i = 0; i < PER_PRODUCER; i++) {
        st_record_meta m = {0};
        snprintf(m.event_id, sizeof m.event_id, "%02d%030d", id, i);
        char payload[64];
        int n = snprintf(payload, sizeof payload, "{\"p\":%d,\"i\":%d}", id, i);
        st_iov iov = {payload, (size_t)n};
        while (st_queue_push(shared_q, &m, &iov, 1) == ST_QUEUE_FULL)
            sched_yield(); /* 64 records at most: wait for the consumer */
    }
    atomic_fetch_sub(&producers_left, 1);
    return NULL;
}

static void *consumer(void *arg)
{
    (void)arg;
    st_taken_record out[8];
    for (;;) {
        int n = st_queue_take(shared_q, st_now_wall_ms(), out, 8);
        for (int k = 0; k < n; k++) {
            int p, i;
            char text[64] = "";
            memcpy(text, out[k].payload, out[k].payload_len < 63 ? out[k].payload_len : 63);
            if (sscanf(text, "{\"p\":%d,\"i\":%d}", &p, &i) == 2 && p >= 0 && p < PRODUCERS &&
                i >= 0 && i < PER_PRODUCER) {
                /* every 7th goes round once more, as a transient failure would */
                if (i % 7 == 0 && out[k].meta.attempts == 0)
                    st_queue_retry_later(shared_q, out[k].pos, st_now_wall_ms() - 1);
                else {
                    seen[p][i]++;
                    st_queue_complete(shared_q, out[k].pos);
                }
            }
            free(out[k].payload);
        }
        if (n == 0) {
            st_queue_snapshot s;
            st_queue_snapshot_read(shared_q, &s);
            if (atomic_load(&producers_left) == 0 && s.length == 0)
                return NULL;
            sched_yield();
        }
    }
}

static _Atomic bool watching;

/* getStatus() on another request thread. */
static void *status_reader(void *arg)
{
    st_queue *q = arg;
    uint64_t sum = 0;
    while (atomic_load(&watching)) {
        st_queue_snapshot s;
        st_queue_snapshot_read(q, &s);
        sum += s.length + atomic_load(&st_queue_stats(q)->events_accepted) +
               atomic_load(&st_queue_stats(q)->events_sent);
        sched_yield();
    }
    return (void *)(uintptr_t)(sum & 1);
}

TEST(producers_and_consumer_share_a_queue)
{
    shared_q = open_queue("q");
    CHECK(shared_q != NULL);
    if (!shared_q)
        return;
    atomic_store(&producers_left, PRODUCERS);
    atomic_store(&watching, true);
    pthread_t th[PRODUCERS], cons, rd;
    pthread_create(&rd, NULL, status_reader, shared_q);
    pthread_create(&cons, NULL, consumer, NULL);
    for (int i = 0; i < PRODUCERS; i++)
        pthread_create(&th[i], NULL, producer, (void *)(intptr_t)i);
    for (int i = 0; i < PRODUCERS; i++)
        pthread_join(th[i], NULL);
    pthread_join(cons, NULL);
    atomic_store(&watching, false);
    pthread_join(rd, NULL);
    int once = 0;
    for (int p = 0; p < PRODUCERS; p++)
        for (int i = 0; i < PER_PRODUCER; i++)
            once += seen[p][i] == 1;
    CHECK(once == PRODUCERS * PER_PRODUCER);
    st_queue_snapshot s;
    st_queue_snapshot_read(shared_q, &s);
    CHECK(s.length == 0 && s.inflight == 0 && s.bytes_used == 0);
    CHECK(atomic_load(&st_queue_stats(shared_q)->events_accepted) == PRODUCERS * PER_PRODUCER);
    fixture_queue_drop(shared_q);
}

/* ---- the drainer thread against a local HTTP server ---- */

static int listen_fd;
static _Atomic bool serving;
static _Atomic int requests;

/* Reads one request (headers, then Content-Length bytes), answers 200, closes. */
static void serve_one(int fd)
{
    char buf[65536];
    size_t have = 0;
    long body = -1;
    size_t head_end = 0;
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 10000) <= 0)
            break;
        ssize_t n = read(fd, buf + have, sizeof buf - 1 - have);
        if (n <= 0)
            break;
        have += (size_t)n;
        buf[have] = '\0';
        if (body < 0) {
            char *end = strstr(buf, "\r\n\r\n");
            if (!end)
                continue;
            head_end = (size_t)(end - buf) + 4;
            char *cl = strcasestr(buf, "Content-Length:");
            body = cl && cl < end ? atol(cl + 15) : 0;
        }
        if (have - head_end >= (size_t)body || have == sizeof buf - 1) {
            static const char ok[] =
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
            if (write(fd, ok, sizeof ok - 1) > 0)
                atomic_fetch_add(&requests, 1);
            break;
        }
    }
    close(fd);
}

static void *server(void *arg)
{
    (void)arg;
    while (atomic_load(&serving)) {
        struct pollfd p = {listen_fd, POLLIN, 0};
        if (poll(&p, 1, 50) > 0) {
            int fd = accept(listen_fd, NULL, NULL);
            if (fd >= 0)
                serve_one(fd);
        }
    }
    return NULL;
}

static st_queue *drain_q;
static char drain_dsn[128];

static void *event_pusher(void *arg)
{
    int id = (int)(intptr_t)arg;
    int slot = st_queue_dsn_slot(drain_q, drain_dsn);
    for (int i = 0; i < 20; i++) {
        char json[128];
        int n = snprintf(json, sizeof json, "{\"message\":\"thread %d event %d\"}", id, i);
        st_envelope_parts parts;
        const char *err = NULL;
        if (st_envelope_build_event(json, (size_t)n, NULL, NULL, 0, NULL, &parts, &err) != 0)
            continue;
        st_record_meta m = {0};
        memcpy(m.event_id, parts.event_id, 32);
        m.category_mask = 1u << parts.category;
        m.dsn_slot = (uint16_t)slot;
        m.enqueued_ms = st_now_wall_ms();
        while (st_queue_push(drain_q, &m, parts.iov, parts.niov) == ST_QUEUE_FULL)
            usleep(1000);
    }
    return NULL;
}

TEST(drainer_thread_sends_while_threads_push)
{
    listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    CHECK(bind(listen_fd, (struct sockaddr *)&a, sizeof a) == 0 && listen(listen_fd, 64) == 0 &&
          getsockname(listen_fd, (struct sockaddr *)&a, &alen) == 0);
    snprintf(drain_dsn, sizeof drain_dsn, "http://pub@127.0.0.1:%d/1", ntohs(a.sin_port));
    atomic_store(&serving, true);
    pthread_t srv;
    pthread_create(&srv, NULL, server, NULL);

    drain_q = open_queue("d");
    CHECK(drain_q != NULL);
    if (!drain_q)
        return;
    st_config cfg;
    st_config_defaults(&cfg);
    st_strlcpy(cfg.dsn, drain_dsn, sizeof cfg.dsn);
    cfg.dead_letter_queue = false;
    cfg.log_level = ST_LOG_OFF;
    cfg.workers = 4;
    st_drainer *d = NULL;
    char err[256] = "";
    CHECK(st_drainer_start(&d, &cfg, drain_q, err, sizeof err) == 0);

    atomic_store(&watching, true);
    pthread_t rd, pushers[3];
    pthread_create(&rd, NULL, status_reader, drain_q);
    for (int i = 0; i < 3; i++)
        pthread_create(&pushers[i], NULL, event_pusher, (void *)(intptr_t)i);
    for (int i = 0; i < 3; i++)
        pthread_join(pushers[i], NULL);

    /* Generous: ThreadSanitizer slows everything down several times. */
    int64_t deadline = st_now_mono_ms() + 60000;
    while (atomic_load(&st_queue_stats(drain_q)->events_sent) < 60 && st_now_mono_ms() < deadline)
        usleep(10000);
    CHECK(atomic_load(&st_queue_stats(drain_q)->events_sent) == 60);
    CHECK(atomic_load(&requests) >= 1);
    CHECK(d && st_drainer_is_leader(d));
    if (d)
        CHECK(st_drainer_stop(d, 5000));
    atomic_store(&watching, false);
    pthread_join(rd, NULL);
    atomic_store(&serving, false);
    pthread_join(srv, NULL);
    close(listen_fd);
    fixture_queue_drop(drain_q);
}

int main(void)
{
    RUN(producers_and_consumer_share_a_queue);
    RUN(drainer_thread_sends_while_threads_push);
    CHECK_DONE();
}
