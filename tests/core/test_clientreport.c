/* Discard counters and the client_report item (src/core/clientreport.c). */
#include "check.h"
#include "clientreport.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* tests/receiver/receiver.py CLIENT_REPORT_REASONS: every name we emit must be in it. */
static const char *const receiver_reasons[] = {
    "queue_overflow",    "cache_overflow",
    "buffer_overflow",   "ratelimit_backoff",
    "network_error",     "sample_rate",
    "before_send",       "event_processor",
    "send_error",        "internal_sdk_error",
    "insufficient_data", "backpressure",
    "ignored",           "invalid",
};
#define N_RECEIVER_REASONS (sizeof receiver_reasons / sizeof receiver_reasons[0])

static bool is_receiver_reason(const char *s)
{
    for (size_t i = 0; i < N_RECEIVER_REASONS; i++)
        if (strcmp(s, receiver_reasons[i]) == 0)
            return true;
    return false;
}

TEST(reason_names_are_sentrys)
{
    CHECK_STR(st_discard_reason_name(ST_DISCARD_QUEUE_OVERFLOW), "queue_overflow");
    CHECK_STR(st_discard_reason_name(ST_DISCARD_RATELIMIT_BACKOFF), "ratelimit_backoff");
    CHECK_STR(st_discard_reason_name(ST_DISCARD_NETWORK_ERROR), "network_error");
    CHECK_STR(st_discard_reason_name(ST_DISCARD_SEND_ERROR), "send_error");
    CHECK_STR(st_discard_reason_name(ST_DISCARD_SAMPLE_RATE), "sample_rate");
    CHECK_STR(st_discard_reason_name(ST_DISCARD_BEFORE_SEND), "before_send");
    CHECK_STR(st_discard_reason_name(ST_DISCARD_EVENT_PROCESSOR), "event_processor");
    CHECK_STR(st_discard_reason_name(ST_DISCARD_INTERNAL_SDK_ERROR), "internal_sdk_error");
    CHECK_STR(st_discard_reason_name(ST_DISCARD_IGNORED), "ignored");
    CHECK_STR(st_discard_reason_name(ST_DISCARD_INVALID), "invalid");
    CHECK_STR(st_discard_reason_name(ST_DISCARD_CACHE_OVERFLOW), "cache_overflow");
    CHECK_STR(st_discard_reason_name(ST_DISCARD_BUFFER_OVERFLOW), "buffer_overflow");
    CHECK_STR(st_discard_reason_name(ST_DISCARD_INSUFFICIENT_DATA), "insufficient_data");
    CHECK_STR(st_discard_reason_name(ST_DISCARD_BACKPRESSURE), "backpressure");
    CHECK_STR(st_discard_reason_name(ST_DISCARD_REASON_COUNT), "unknown");
    CHECK_STR(st_discard_reason_name((st_discard_reason)-1), "unknown");
    /* The same set as the receiver's: all accepted, all distinct, none missing. */
    CHECK(ST_DISCARD_REASON_COUNT == N_RECEIVER_REASONS);
    for (int r = 0; r < ST_DISCARD_REASON_COUNT; r++) {
        const char *n = st_discard_reason_name((st_discard_reason)r);
        if (!is_receiver_reason(n))
            fprintf(stderr, "  reason %d \"%s\" is not accepted by the receiver\n", r, n);
        CHECK(is_receiver_reason(n));
        for (int o = 0; o < r; o++)
            CHECK(strcmp(n, st_discard_reason_name((st_discard_reason)o)) != 0);
    }
}

TEST(zero_initialised_is_empty)
{
    static st_discards d; /* zeroed, like a fresh queue header */
    st_discard_taken t;
    CHECK(!st_discards_pending(&d));
    CHECK(!st_discards_due(&d, 1700000000000, 30000));
    CHECK(st_discards_take(&d, &t) == 0);
    CHECK(st_discard_taken_total(&t) == 0);
}

TEST(add_take_is_exact_and_resets)
{
    st_discards d;
    memset(&d, 0, sizeof d);
    st_discards_add(&d, ST_DISCARD_QUEUE_OVERFLOW, ST_CAT_ERROR, 3);
    st_discards_add(&d, ST_DISCARD_QUEUE_OVERFLOW, ST_CAT_ERROR, 4);
    st_discards_add(&d, ST_DISCARD_SEND_ERROR, ST_CAT_TRANSACTION, 1);
    st_discards_add(&d, ST_DISCARD_BACKPRESSURE, ST_CAT_FEEDBACK, 1000000000000ull);
    CHECK(st_discards_pending(&d));

    st_discard_taken t;
    CHECK(st_discards_take(&d, &t) == 3);
    CHECK(t.n[ST_DISCARD_QUEUE_OVERFLOW][ST_CAT_ERROR] == 7);
    CHECK(t.n[ST_DISCARD_SEND_ERROR][ST_CAT_TRANSACTION] == 1);
    CHECK(t.n[ST_DISCARD_BACKPRESSURE][ST_CAT_FEEDBACK] == 1000000000000ull);
    CHECK(st_discard_taken_entries(&t) == 3);
    CHECK(st_discard_taken_total(&t) == 1000000000008ull);
    /* Nothing else was set. */
    uint64_t other = 0;
    for (int r = 0; r < ST_DISCARD_REASON_COUNT; r++)
        for (int c = 0; c < ST_CAT_COUNT; c++)
            other += t.n[r][c];
    CHECK(other == 1000000000008ull);

    /* Reset: the shared counters are zero and a second take is empty. */
    CHECK(!st_discards_pending(&d));
    for (int r = 0; r < ST_DISCARD_REASON_COUNT; r++)
        for (int c = 0; c < ST_CAT_COUNT; c++)
            CHECK(atomic_load(&d.n[r][c]) == 0);
    CHECK(st_discards_take(&d, &t) == 0);
    CHECK(st_discard_taken_total(&t) == 0);
}

TEST(add_ignores_all_zero_and_out_of_range)
{
    st_discards d;
    memset(&d, 0, sizeof d);
    st_discards_add(&d, ST_DISCARD_SEND_ERROR, ST_CAT_ALL, 5); /* client_report's category */
    st_discards_add(&d, ST_DISCARD_SEND_ERROR, ST_CAT_ERROR, 0);
    st_discards_add(&d, ST_DISCARD_REASON_COUNT, ST_CAT_ERROR, 1);
    st_discards_add(&d, (st_discard_reason)-1, ST_CAT_ERROR, 1);
    st_discards_add(&d, ST_DISCARD_SEND_ERROR, ST_CAT_COUNT, 1);
    st_discards_add(&d, ST_DISCARD_SEND_ERROR, (st_category)-1, 1);
    st_discards_add(NULL, ST_DISCARD_SEND_ERROR, ST_CAT_ERROR, 1);
    CHECK(!st_discards_pending(&d));
    st_discard_taken t;
    CHECK(st_discards_take(&d, &t) == 0);
    CHECK(st_discard_taken_total(&t) == 0);
}

/* ---- concurrency ---- */

#define ADD_THREADS 4
#define ADDS_PER_THREAD 200000

static st_discards shared_d;
static atomic_int adders_done, takes_done;

static void cell_of(int thread, int i, int *r, int *c)
{
    *r = (thread + i) % ST_DISCARD_REASON_COUNT;
    *c = 1 + (i * 7 + thread) % (ST_CAT_COUNT - 1);
}

static void *adder(void *p)
{
    int id = (int)(intptr_t)p;
    for (int i = 0; i < ADDS_PER_THREAD; i++) {
        int r, c;
        cell_of(id, i, &r, &c);
        st_discards_add(&shared_d, (st_discard_reason)r, (st_category)c, (uint64_t)(1 + i % 3));
        if (i % 20000 == 19999) {
            /* On few cores the adders could finish before the taker ever runs: let at
             * least one take land between chunks (the other adders keep adding). */
            int seen = atomic_load(&takes_done);
            while (atomic_load(&takes_done) == seen)
                sched_yield();
        }
    }
    atomic_fetch_add(&adders_done, 1);
    return NULL;
}

TEST(concurrent_adds_during_takes_lose_nothing)
{
    memset(&shared_d, 0, sizeof shared_d);
    atomic_store(&adders_done, 0);
    atomic_store(&takes_done, 0);
    static uint64_t expect[ST_DISCARD_REASON_COUNT][ST_CAT_COUNT];
    static uint64_t got[ST_DISCARD_REASON_COUNT][ST_CAT_COUNT];
    memset(expect, 0, sizeof expect);
    memset(got, 0, sizeof got);
    for (int id = 0; id < ADD_THREADS; id++)
        for (int i = 0; i < ADDS_PER_THREAD; i++) {
            int r, c;
            cell_of(id, i, &r, &c);
            expect[r][c] += (uint64_t)(1 + i % 3);
        }

    pthread_t th[ADD_THREADS];
    for (int id = 0; id < ADD_THREADS; id++)
        pthread_create(&th[id], NULL, adder, (void *)(intptr_t)id);
    int takes = 0, nonempty = 0;
    st_discard_taken t;
    while (atomic_load(&adders_done) < ADD_THREADS) {
        nonempty += st_discards_take(&shared_d, &t) > 0;
        takes++;
        atomic_fetch_add(&takes_done, 1);
        for (int r = 0; r < ST_DISCARD_REASON_COUNT; r++)
            for (int c = 0; c < ST_CAT_COUNT; c++)
                got[r][c] += t.n[r][c];
    }
    for (int id = 0; id < ADD_THREADS; id++)
        pthread_join(th[id], NULL);
    st_discards_take(&shared_d, &t); /* the final take */
    for (int r = 0; r < ST_DISCARD_REASON_COUNT; r++)
        for (int c = 0; c < ST_CAT_COUNT; c++)
            got[r][c] += t.n[r][c];

    int mismatches = 0;
    uint64_t total_e = 0, total_g = 0;
    for (int r = 0; r < ST_DISCARD_REASON_COUNT; r++)
        for (int c = 0; c < ST_CAT_COUNT; c++) {
            mismatches += got[r][c] != expect[r][c];
            total_e += expect[r][c];
            total_g += got[r][c];
        }
    if (mismatches)
        fprintf(stderr, "  %d cells differ; added %llu, taken %llu over %d takes\n", mismatches,
                (unsigned long long)total_e, (unsigned long long)total_g, takes);
    CHECK(mismatches == 0);
    CHECK(total_g == total_e);
    CHECK(total_e == (uint64_t)ADD_THREADS * 399999u); /* Σ(1 + i%3), i < 200000 */
    CHECK(nonempty >= 5);                              /* the takes really overlapped the adds */
    CHECK(!st_discards_pending(&shared_d));
}

TEST(shared_between_processes)
{
    st_discards *d =
        mmap(NULL, sizeof *d, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(d != MAP_FAILED);
    if (d == MAP_FAILED)
        return;
    memset(d, 0, sizeof *d);
    pid_t kids[3];
    for (int k = 0; k < 3; k++) {
        kids[k] = fork();
        if (kids[k] == 0) {
            for (int i = 0; i < 1000; i++)
                st_discards_add(d, ST_DISCARD_QUEUE_OVERFLOW, ST_CAT_ERROR, 1);
            _exit(0);
        }
    }
    for (int k = 0; k < 3; k++)
        waitpid(kids[k], NULL, 0);
    st_discard_taken t;
    CHECK(st_discards_take(d, &t) == 1);
    CHECK(t.n[ST_DISCARD_QUEUE_OVERFLOW][ST_CAT_ERROR] == 3000);
    munmap(d, sizeof *d);
}

TEST(restore_adds_back)
{
    st_discards d;
    memset(&d, 0, sizeof d);
    st_discards_add(&d, ST_DISCARD_NETWORK_ERROR, ST_CAT_ERROR, 5);
    st_discards_add(&d, ST_DISCARD_SAMPLE_RATE, ST_CAT_SPAN, 2);
    st_discard_taken t, t2;
    CHECK(st_discards_take(&d, &t) == 2);
    /* Adds that happened while the report was in flight are kept too. */
    st_discards_add(&d, ST_DISCARD_NETWORK_ERROR, ST_CAT_ERROR, 1);
    st_discards_add(&d, ST_DISCARD_IGNORED, ST_CAT_LOG_ITEM, 9);
    st_discards_restore(&d, &t); /* the send failed */
    CHECK(st_discards_take(&d, &t2) == 3);
    CHECK(t2.n[ST_DISCARD_NETWORK_ERROR][ST_CAT_ERROR] == 6);
    CHECK(t2.n[ST_DISCARD_SAMPLE_RATE][ST_CAT_SPAN] == 2);
    CHECK(t2.n[ST_DISCARD_IGNORED][ST_CAT_LOG_ITEM] == 9);
    CHECK(st_discard_taken_total(&t2) == 17);
    /* Restoring an empty snapshot changes nothing; NULLs are harmless. */
    memset(&t, 0, sizeof t);
    st_discards_restore(&d, &t);
    st_discards_restore(NULL, &t);
    st_discards_restore(&d, NULL);
    CHECK(!st_discards_pending(&d));
}

/* ---- rendering ---- */

#define NOW_MS 1700000000123ll /* 2023-11-14T22:13:20.123Z */

/* Checks the item's framing; returns the payload (into the caller's buffer) or NULL. */
static const char *item_payload(const char *item, size_t len, size_t *plen)
{
    static const char prefix[] = "{\"type\":\"client_report\",\"length\":";
    if (len < sizeof prefix || memcmp(item, prefix, sizeof prefix - 1) != 0)
        return NULL;
    const char *nl = memchr(item, '\n', len);
    if (!nl || nl[-1] != '}')
        return NULL;
    char *end = NULL;
    unsigned long n = strtoul(item + sizeof prefix - 1, &end, 10);
    if (end != nl - 1)
        return NULL;
    const char *payload = nl + 1;
    *plen = len - (size_t)(payload - item);
    if (n != *plen)
        return NULL; /* the header's length must equal the payload bytes */
    return payload;
}

static size_t count_substr(const char *s, size_t len, const char *needle)
{
    size_t n = 0, nl = strlen(needle);
    for (size_t i = 0; i + nl <= len; i++)
        if (memcmp(s + i, needle, nl) == 0)
            n++;
    return n;
}

TEST(render_exact_bytes)
{
    st_discard_taken t, rest;
    memset(&t, 0, sizeof t);
    t.n[ST_DISCARD_QUEUE_OVERFLOW][ST_CAT_ERROR] = 3;
    t.n[ST_DISCARD_RATELIMIT_BACKOFF][ST_CAT_TRANSACTION] = 2;
    t.n[ST_DISCARD_SEND_ERROR][ST_CAT_ERROR] = 1;
    t.n[ST_DISCARD_SEND_ERROR][ST_CAT_LOG_ITEM] = 18446744073709551615ull;
    st_discard_taken orig = t;
    char out[ST_CLIENT_REPORT_ITEM_MAX];
    size_t len = 0;
    int n = st_discards_render_item(&t, NOW_MS, out, sizeof out, &len, &rest);
    CHECK(n == 4);
    const char *payload =
        "{\"timestamp\":\"2023-11-14T22:13:20.123Z\",\"discarded_events\":["
        "{\"reason\":\"queue_overflow\",\"category\":\"error\",\"quantity\":3},"
        "{\"reason\":\"ratelimit_backoff\",\"category\":\"transaction\",\"quantity\":2},"
        "{\"reason\":\"send_error\",\"category\":\"error\",\"quantity\":1},"
        "{\"reason\":\"send_error\",\"category\":\"log_item\",\"quantity\":18446744073709551615}"
        "]}";
    char expect[1024];
    snprintf(expect, sizeof expect, "{\"type\":\"client_report\",\"length\":%zu}\n%s",
             strlen(payload), payload);
    CHECK(len == strlen(expect));
    out[len < sizeof out ? len : sizeof out - 1] = '\0';
    CHECK_STR(out, expect);
    /* Everything fitted: t is unchanged, rest is empty. */
    CHECK(memcmp(&t, &orig, sizeof t) == 0);
    CHECK(st_discard_taken_entries(&rest) == 0);
}

TEST(render_structure_and_length)
{
    st_discard_taken t, rest;
    memset(&t, 0, sizeof t);
    t.n[ST_DISCARD_INVALID][ST_CAT_ATTACHMENT] = 42;
    t.n[ST_DISCARD_BEFORE_SEND][ST_CAT_REPLAY] = 1;
    char out[ST_CLIENT_REPORT_ITEM_MAX];
    size_t len = 0, plen = 0;
    CHECK(st_discards_render_item(&t, NOW_MS, out, sizeof out, &len, &rest) == 2);
    const char *p = item_payload(out, len, &plen);
    CHECK(p != NULL);
    if (!p)
        return;
    CHECK(p[0] == '{' && p[plen - 1] == '}');
    CHECK(memchr(out, '\n', len) == p - 1); /* one newline: between header and payload */
    CHECK(memchr(p, '\n', plen) == NULL);
    CHECK(count_substr(p, plen, "\"timestamp\":\"2023-11-14T22:13:20.123Z\"") == 1);
    CHECK(count_substr(p, plen, "\"discarded_events\":[{") == 1);
    CHECK(count_substr(p, plen, "{\"reason\":") == 2);
    CHECK(count_substr(p, plen, "\"category\":\"attachment\",\"quantity\":42}") == 1);
    CHECK(count_substr(p, plen, "{\"reason\":\"before_send\",\"category\":\"replay\"") == 1);
    CHECK(count_substr(p, plen, "}]}") == 1);
    /* Balanced brackets, closed only by the last byte; quotes paired. */
    int depth = 0, quotes = 0, early_close = 0;
    for (size_t i = 0; i < plen; i++) {
        depth += (p[i] == '{' || p[i] == '[') - (p[i] == '}' || p[i] == ']');
        early_close += depth <= 0 && i + 1 < plen;
        quotes += p[i] == '"';
    }
    CHECK(early_close == 0);
    CHECK(depth == 0);
    CHECK(quotes % 2 == 0);
}

TEST(render_empty_writes_nothing)
{
    st_discard_taken t, rest;
    memset(&t, 0, sizeof t);
    memset(&rest, 0xff, sizeof rest);
    char out[64] = "untouched";
    size_t len = 99;
    CHECK(st_discards_render_item(&t, NOW_MS, out, sizeof out, &len, &rest) == 0);
    CHECK(len == 0);
    CHECK_STR(out, "untouched");
    CHECK(st_discard_taken_entries(&rest) == 0);
    /* ST_CAT_ALL cells are not reported (and not kept as carried). */
    t.n[ST_DISCARD_SEND_ERROR][ST_CAT_ALL] = 5;
    CHECK(st_discards_render_item(&t, NOW_MS, out, sizeof out, &len, &rest) == 0);
    CHECK(st_discard_taken_total(&t) == 0);
    t.n[ST_DISCARD_SEND_ERROR][ST_CAT_ALL] = 5;
    t.n[ST_DISCARD_SEND_ERROR][ST_CAT_ERROR] = 1;
    char big[ST_CLIENT_REPORT_ITEM_MAX];
    CHECK(st_discards_render_item(&t, NOW_MS, big, sizeof big, &len, &rest) == 1);
    CHECK(count_substr(big, len, "\"category\":\"all\"") == 0);
    CHECK(t.n[ST_DISCARD_SEND_ERROR][ST_CAT_ALL] == 0);
}

static void fill_every_cell(st_discard_taken *t)
{
    memset(t, 0, sizeof *t);
    for (int r = 0; r < ST_DISCARD_REASON_COUNT; r++)
        for (int c = ST_CAT_ALL + 1; c < ST_CAT_COUNT; c++)
            t->n[r][c] = 18446744073709551615ull - (uint64_t)(r * 100 + c);
}

TEST(render_caps_payload_at_4k_and_keeps_the_rest)
{
    st_discard_taken orig, t, rest, sum;
    fill_every_cell(&orig);
    size_t all_entries = st_discard_taken_entries(&orig);
    CHECK(all_entries == (size_t)ST_DISCARD_REASON_COUNT * (ST_CAT_COUNT - 1));
    t = orig;
    memset(&sum, 0, sizeof sum);
    char out[4 * ST_CLIENT_REPORT_ITEM_MAX]; /* room to spare: the 4 KiB cap must hold anyway */
    int items = 0;
    size_t rendered_total = 0;
    while (st_discard_taken_entries(&t) > 0 && items < 100) {
        size_t len = 0, plen = 0;
        int n = st_discards_render_item(&t, NOW_MS, out, sizeof out, &len, &rest);
        CHECK(n > 0);
        if (n <= 0)
            break;
        items++;
        const char *p = item_payload(out, len, &plen);
        CHECK(p != NULL);
        CHECK(plen <= ST_CLIENT_REPORT_MAX_PAYLOAD);
        CHECK(count_substr(out, len, "{\"reason\":") == (size_t)n);
        /* t is what the item carries, rest what it does not: disjoint, together the input. */
        CHECK(st_discard_taken_entries(&t) == (size_t)n);
        for (int r = 0; r < ST_DISCARD_REASON_COUNT; r++)
            for (int c = 0; c < ST_CAT_COUNT; c++) {
                CHECK(!(t.n[r][c] && rest.n[r][c]));
                sum.n[r][c] += t.n[r][c];
            }
        /* A full item is packed: the next entry really would not fit. */
        if (st_discard_taken_entries(&rest) > 0)
            CHECK(plen > ST_CLIENT_REPORT_MAX_PAYLOAD - 100);
        rendered_total += (size_t)n;
        t = rest;
    }
    CHECK(items > 1); /* the cap was really hit */
    CHECK(rendered_total == all_entries);
    CHECK(memcmp(&sum, &orig, sizeof sum) == 0); /* nothing lost, nothing doubled */
}

TEST(render_then_restore_flow)
{
    st_discards d;
    memset(&d, 0, sizeof d);
    for (int r = 0; r < ST_DISCARD_REASON_COUNT; r++)
        for (int c = ST_CAT_ALL + 1; c < ST_CAT_COUNT; c++)
            st_discards_add(&d, (st_discard_reason)r, (st_category)c, (uint64_t)(r + c));
    st_discard_taken t, rest, again;
    size_t entries = st_discards_take(&d, &t);
    uint64_t total = st_discard_taken_total(&t);
    char out[ST_CLIENT_REPORT_ITEM_MAX];
    size_t len = 0;
    int n = st_discards_render_item(&t, NOW_MS, out, sizeof out, &len, &rest);
    CHECK(n > 0 && (size_t)n < entries);
    st_discards_restore(&d, &rest); /* what did not fit goes into the next report */
    CHECK(st_discards_pending(&d));
    st_discards_restore(&d, &t); /* and the send failed */
    CHECK(st_discards_take(&d, &again) == entries);
    CHECK(st_discard_taken_total(&again) == total);
}

TEST(render_respects_a_small_cap)
{
    st_discard_taken orig, t, rest;
    fill_every_cell(&orig);
    t = orig;
    char out[512];
    size_t len = 0, plen = 0;
    int n = st_discards_render_item(&t, NOW_MS, out, 300, &len, &rest);
    CHECK(n > 0);
    CHECK(len <= 300);
    CHECK(item_payload(out, len, &plen) != NULL);
    CHECK(st_discard_taken_entries(&t) + st_discard_taken_entries(&rest) ==
          st_discard_taken_entries(&orig));
    /* Too small for a single entry: an error, and the snapshot is left whole. */
    t = orig;
    memset(out, 'x', sizeof out);
    n = st_discards_render_item(&t, NOW_MS, out, 100, &len, &rest);
    CHECK(n == -1);
    CHECK(len == 0);
    CHECK(memcmp(&t, &orig, sizeof t) == 0);
    CHECK(st_discard_taken_entries(&rest) == 0);
    CHECK(out[0] == 'x');
    CHECK(st_discards_render_item(&t, NOW_MS, NULL, 0, &len, &rest) == -1);
}

TEST(due_and_mark_flushed)
{
    st_discards d;
    memset(&d, 0, sizeof d);
    const int64_t T = 1700000000000ll, I = 30000;
    CHECK(!st_discards_due(&d, T, I)); /* nothing to report */
    st_discards_add(&d, ST_DISCARD_QUEUE_OVERFLOW, ST_CAT_ERROR, 1);
    CHECK(st_discards_due(&d, T, I)); /* never flushed */
    st_discards_mark_flushed(&d, T);
    CHECK(atomic_load(&d.last_flush_ms) == T);
    CHECK(!st_discards_due(&d, T, I));
    CHECK(!st_discards_due(&d, T + I - 1, I));
    CHECK(st_discards_due(&d, T + I, I));
    CHECK(st_discards_due(&d, T - 5000, I)); /* the wall clock went back */
    st_discard_taken t;
    st_discards_take(&d, &t);
    CHECK(!st_discards_due(&d, T + 10 * I, I)); /* old, but nothing pending */
}

int main(void)
{
    RUN(reason_names_are_sentrys);
    RUN(zero_initialised_is_empty);
    RUN(add_take_is_exact_and_resets);
    RUN(add_ignores_all_zero_and_out_of_range);
    RUN(concurrent_adds_during_takes_lose_nothing);
    RUN(shared_between_processes);
    RUN(restore_adds_back);
    RUN(render_exact_bytes);
    RUN(render_structure_and_length);
    RUN(render_empty_writes_nothing);
    RUN(render_caps_payload_at_4k_and_keeps_the_rest);
    RUN(render_then_restore_flow);
    RUN(render_respects_a_small_cap);
    RUN(due_and_mark_flushed);
    CHECK_DONE();
}
