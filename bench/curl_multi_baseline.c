/* Baseline for the drain-throughput benchmark (bench/throughput.sh): the fastest plain way
 * to push N envelopes to one endpoint with libcurl, to compare the drainer against.
 *
 * One curl multi handle, CONNS easy handles (so at most CONNS transfers and connections,
 * kept alive and reused), each POSTing the same pre-built body N times in total, with the
 * headers the drainer sends. The body is read from a file once; with --gzip-each it is the
 * raw envelope and is gzip-compressed for every request (zlib level 1 like src/core/gzip.c,
 * one z_stream reused with deflateReset), otherwise the file is sent as is (already
 * gzipped by the caller).
 *
 *   cc -O2 -Wall -Wextra bench/curl_multi_baseline.c -o /tmp/curl_multi_baseline \
 *      $(pkg-config --cflags --libs libcurl zlib)
 *   /tmp/curl_multi_baseline URL N CONNS BODY_FILE AUTH_HEADER [--gzip-each]
 *
 * Prints one JSON line: {"events":N,"conns":C,"seconds":S,"rate":R,"ok":K,"errors":E,…,
 * "cpu_us_per_event":U} (U: this process's user+system CPU time over N, setup included).
 * Not a test: it prints timings, it does not judge them. */
#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <zlib.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t discard(char *p, size_t s, size_t n, void *u)
{
    (void)p;
    (void)u;
    return s * n;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* gzip with one z_stream kept for the whole run (deflateReset between bodies): what a
 * sender that compresses every request can do at best with zlib, level 1. */
static char *gzip1(const char *in, size_t len, size_t *out_len)
{
    static z_stream z;
    static int ready;
    if (!ready) {
        if (deflateInit2(&z, 1, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            return NULL;
        ready = 1;
    } else if (deflateReset(&z) != Z_OK) {
        return NULL;
    }
    size_t cap = deflateBound(&z, (uLong)len) + 32;
    char *out = malloc(cap);
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    if (!out || deflate(&z, Z_FINISH) != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    *out_len = z.total_out;
    return out;
}

typedef struct slot {
    CURL *easy;
    char *body; /* owned when gzip_each */
} slot;

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: %s URL N CONNS BODY_FILE AUTH_HEADER [--gzip-each]\n", argv[0]);
        return 2;
    }
    const char *url = argv[1];
    long total = atol(argv[2]);
    int conns = atoi(argv[3]);
    int gzip_each = argc > 6 && strcmp(argv[6], "--gzip-each") == 0;
    size_t file_len = 0;
    char *file = read_file(argv[4], &file_len);
    if (!file || total <= 0 || conns <= 0) {
        fprintf(stderr, "bad arguments or unreadable %s\n", argv[4]);
        return 2;
    }
    char auth[2048];
    snprintf(auth, sizeof auth, "X-Sentry-Auth: %s", argv[5]);

    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)conns);
    curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)conns);
    struct curl_slist *h = NULL;
    h = curl_slist_append(h, "Content-Type: application/x-sentry-envelope");
    h = curl_slist_append(h, auth);
    h = curl_slist_append(h, "Expect:");
    h = curl_slist_append(h, "Content-Encoding: gzip");

    slot *slots = calloc((size_t)conns, sizeof *slots);
    for (int i = 0; i < conns; i++) {
        CURL *e = curl_easy_init();
        slots[i].easy = e;
        curl_easy_setopt(e, CURLOPT_URL, url);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(e, CURLOPT_PROXY, "");
        curl_easy_setopt(e, CURLOPT_PRIVATE, &slots[i]);
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 30000L);
    }

    long started = 0, done = 0, ok = 0, errors = 0;
    double t0 = now_s();
    for (int i = 0; i < conns && started < total; i++, started++) {
        slot *s = &slots[i];
        const char *body = file;
        size_t len = file_len;
        if (gzip_each) {
            s->body = gzip1(file, file_len, &len);
            body = s->body;
        }
        curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
        curl_multi_add_handle(multi, s->easy);
    }
    while (done < total) {
        int running = 0;
        curl_multi_perform(multi, &running);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(multi, &left)) != NULL) {
            if (m->msg != CURLMSG_DONE)
                continue;
            slot *s = NULL;
            long code = 0;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
            curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &code);
            if (m->data.result == CURLE_OK && code == 200)
                ok++;
            else
                errors++;
            done++;
            curl_multi_remove_handle(multi, s->easy);
            free(s->body);
            s->body = NULL;
            if (started < total) {
                const char *body = file;
                size_t len = file_len;
                if (gzip_each) {
                    s->body = gzip1(file, file_len, &len);
                    body = s->body;
                }
                curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, body);
                curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
                curl_multi_add_handle(multi, s->easy);
                started++;
            }
        }
        if (done < total)
            curl_multi_poll(multi, NULL, 0, 100, NULL);
    }
    double secs = now_s() - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    printf("{\"events\":%ld,\"conns\":%d,\"seconds\":%.6f,\"rate\":%.1f,\"ok\":%ld,\"errors\":%ld,"
           "\"gzip_each\":%s,\"cpu_us_per_event\":%.2f}\n",
           total, conns, secs, (double)total / secs, ok, errors, gzip_each ? "true" : "false",
           cpu * 1e6 / (double)total);
    for (int i = 0; i < conns; i++)
        curl_easy_cleanup(slots[i].easy);
    curl_slist_free_all(h);
    curl_multi_cleanup(multi);
    curl_global_cleanup();
    free(slots);
    free(file);
    return errors ? 1 : 0;
}
