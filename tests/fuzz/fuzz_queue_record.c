/* libFuzzer harness for the queue's record reader (src/core/queue.c): a corrupt or
 * hostile shared mapping must never crash, hang or wedge the drainer. Built and run by
 * tests/fuzz/Makefile (`make -C tests/fuzz run FUZZERS=queue_record`).
 *
 * One real file-backed queue (the queue API, in a temporary directory) is reset before
 * each input; the input is a program of operations: the request path's push, the
 * drainer's take / complete / retry_later / reclaim, and scribbles over ring bytes,
 * record headers and the header's ring indices and DSN table, as a stray write or a
 * process killed mid-update would leave them. A thread that dies holding the lock makes
 * the next call run the recovery (repair) path. Checks:
 * - every taken record was whole: aligned, and its payload matches its checksum;
 * - after a recovery the indices are sane (head <= cursor <= tail, at most one ring
 *   between head and tail, inflight/retry_waiting <= count);
 * - at the end, after a recovery, taking everything due and completing it leaves only
 *   records that are in flight (nothing ready is stuck), and after a reclaim (a new
 *   drainer's election) draining again leaves the queue empty (head == tail, count 0).
 * An input that loops forever is reported by libFuzzer's -timeout. */
#include "queue.h"
#include "queue_layout.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "crc32c.h"

static void check(bool ok)
{
    if (!ok)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static st_queue *q;
static st_queue_header *h;
static uint8_t *ring;
static char dir[64], path[96];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/st-fuzz-queue.XXXXXX");
    check(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/queue", dir);
    st_queue_options o = {.name = "fuzz",
                          .path = path,
                          .memory = sizeof(st_queue_header) + 64 * 1024,
                          .max_records = 64};
    char err[256];
    if (st_queue_open(&o, &q, err, sizeof err) != 0) {
        fprintf(stderr, "cannot open the queue: %s\n", err);
        abort();
    }
    /* The mapping outlives the name: nothing is left behind, even by a crash. */
    unlink(path);
    rmdir(dir);
    h = st_queue_shared(q);
    ring = (uint8_t *)h + h->header_size;
}

/* ---- reading the program ---- */

typedef struct input {
    const uint8_t *p;
    size_t n;
} input;

static uint64_t take_bytes(input *in, int k)
{
    uint64_t v = 0;
    for (int i = 0; i < k; i++) {
        v = v << 8 | (in->n ? *in->p : 0);
        if (in->n) {
            in->p++;
            in->n--;
        }
    }
    return v;
}

#define U8(in) ((uint8_t)take_bytes(in, 1))
#define U16(in) ((uint16_t)take_bytes(in, 2))
#define U64(in) take_bytes(in, 8)

#define NOW 1700000000000LL

static int64_t a_time(uint8_t sel)
{
    switch (sel % 4) {
    case 0:
        return 0;
    case 1:
        return NOW - 1000;
    case 2:
        return NOW + 60000;
    default:
        return INT64_MAX - (int64_t)sel;
    }
}

/* Positions the harness took and has not completed (the drainer's in-flight list). */
static uint64_t taken[256];
static int ntaken;

static void forget_taken(int i)
{
    taken[i] = taken[--ntaken];
}

/* ---- the operations ---- */

static void op_push(input *in)
{
    static char payload[40000];
    size_t len = U16(in) % sizeof payload;
    uint8_t fill = U8(in);
    memset(payload, fill, len);
    st_record_meta m;
    memset(&m, 0, sizeof m);
    memset(m.event_id, 'a' + fill % 6, 32);
    m.category_mask = 1u << (fill % 11);
    m.next_attempt_ms = a_time(U8(in));
    st_iov iov[2] = {{payload, len / 2}, {payload + len / 2, len - len / 2}};
    st_status rc = st_queue_push(q, &m, iov, 2);
    check(rc == ST_OK || rc == ST_QUEUE_FULL || rc == ST_TOO_LARGE);
}

static void op_take(input *in)
{
    st_taken_record out[8];
    int max = 1 + U8(in) % 8;
    int n = st_queue_take(q, a_time(U8(in)), out, max);
    check(n >= 0 && n <= max);
    for (int i = 0; i < n; i++) {
        check(out[i].payload_len <= h->data_size);
        check(out[i].meta.event_id[32] == '\0');
        /* (a repair later in the same take may have cut the ring before it: it is still
         * a record that was whole, and completing it later is a no-op) */
        check(out[i].pos % ST_RECORD_ALIGN == 0);
        uint32_t c = st_crc32c(0, out[i].meta.event_id, 32);
        c = st_crc32c(c, &out[i].meta.category_mask, sizeof out[i].meta.category_mask);
        c = st_crc32c(c, out[i].payload, out[i].payload_len);
        check((uint32_t)c == out[i].checksum);
        free(out[i].payload);
        if (ntaken < (int)(sizeof taken / sizeof taken[0]))
            taken[ntaken++] = out[i].pos;
        else
            st_queue_complete(q, out[i].pos);
    }
}

/* A taken position, or (odd selector) any record-aligned one (the drainer passes only
 * what take gave it; this checks that a stale one is harmless). */
static uint64_t a_pos(input *in, int *idx)
{
    uint8_t sel = U8(in);
    *idx = -1;
    if (sel & 1 || ntaken == 0)
        return h->head + (uint64_t)U16(in) * ST_RECORD_ALIGN;
    *idx = (sel >> 1) % ntaken;
    return taken[*idx];
}

static void op_complete(input *in)
{
    int i;
    uint64_t pos = a_pos(in, &i);
    st_queue_complete(q, pos);
    if (i >= 0)
        forget_taken(i);
}

static void op_retry(input *in)
{
    int i;
    uint64_t pos = a_pos(in, &i);
    st_queue_retry_later(q, pos, a_time(U8(in)));
    if (i >= 0)
        forget_taken(i);
}

static void op_scribble_ring(input *in)
{
    size_t off = U16(in) % h->data_size;
    size_t n = 1 + U8(in) % 32;
    for (size_t i = 0; i < n && off + i < h->data_size; i++)
        ring[off + i] = U8(in);
}

/* A record header that looks plausible, at a record-aligned offset. */
static void op_scribble_record(input *in)
{
    static const uint32_t states[] = {ST_REC_READY, ST_REC_INFLIGHT, ST_REC_DONE, ST_REC_PAD, 0};
    size_t off = (U16(in) * ST_RECORD_ALIGN) % h->data_size;
    if (h->data_size - off < sizeof(st_record_header))
        return;
    st_record_header *r = (st_record_header *)(ring + off);
    uint8_t sel = U8(in);
    r->state = states[sel % 5];
    uint16_t len = U16(in);
    r->total_len = sel & 0x80 ? len : (uint32_t)len * ST_RECORD_ALIGN;
    r->payload_len = U16(in);
    r->next_attempt_ms = a_time(U8(in));
}

static void op_scribble_index(input *in)
{
    uint8_t sel = U8(in);
    uint64_t v = sel & 0x80 ? U64(in) : (uint64_t)(int64_t)(int16_t)U16(in);
    uint64_t *idx[] = {&h->head, &h->tail, &h->cursor};
    uint32_t *cnt[] = {&h->count, &h->inflight, &h->retry_waiting};
    switch (sel % 7) {
    case 0:
    case 1:
    case 2: /* absolute, or relative to the current value */
        *idx[sel % 7] = sel & 0x80 ? v : *idx[sel % 7] + v;
        break;
    case 3:
    case 4:
    case 5:
        *cnt[sel % 7 - 3] = (uint32_t)v;
        break;
    default:
        h->next_retry_ms = (int64_t)v;
    }
}

static void op_scribble_dsn(input *in)
{
    uint8_t sel = U8(in);
    if (sel & 1) {
        h->dsn_count = U8(in);
    } else {
        size_t off = U16(in) % sizeof h->dsn;
        size_t n = 1 + U8(in) % 64;
        for (size_t i = 0; i < n && off + i < sizeof h->dsn; i++)
            ((uint8_t *)h->dsn)[off + i] = U8(in);
    }
    int slot = st_queue_dsn_slot(q, "https://k@sentry.example/1");
    check(slot >= -1 && slot < ST_QUEUE_DSN_SLOTS);
    char out[2048];
    for (int s = -1; s <= ST_QUEUE_DSN_SLOTS; s++)
        if (st_queue_dsn_get(q, s, out, sizeof out))
            check(s >= 0 && s < ST_QUEUE_DSN_SLOTS && strlen(out) < sizeof h->dsn[0]);
    if (slot >= 0)
        check(st_queue_dsn_get(q, slot, out, sizeof out) &&
              strcmp(out, "https://k@sentry.example/1") == 0);
}

static void *die_holding_lock(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&h->lock);
    return NULL; /* exits holding it: the next locker gets EOWNERDEAD */
}

/* FUZZ_DEBUG=1 while reproducing one input: the indices after each step. */
static void trace(const char *what)
{
    static int on = -1;
    if (on < 0)
        on = getenv("FUZZ_DEBUG") != NULL;
    if (on)
        fprintf(stderr, "%-10s head %llu tail %llu cursor %llu count %u inflight %u waiting %u\n",
                what, (unsigned long long)h->head, (unsigned long long)h->tail,
                (unsigned long long)h->cursor, h->count, h->inflight, h->retry_waiting);
}

static void check_sane(void)
{
    trace("check");
    check(h->head <= h->tail && h->tail - h->head <= h->data_size);
    check(h->head <= h->cursor && h->cursor <= h->tail);
    check(h->inflight <= h->count && h->retry_waiting <= h->count);
}

static int deaths; /* per input */

/* A process died holding the lock: the next locker repairs. A thread costs about a
 * millisecond under ASan, so after two per input the repair is asked for the cheap way:
 * an index no writer leaves (a cursor off the record alignment). */
static void op_owner_died(void)
{
    if (deaths++ < 2) {
        pthread_t t;
        check(pthread_create(&t, NULL, die_holding_lock, NULL) == 0);
        pthread_join(t, NULL);
    } else {
        h->cursor = h->head + 1;
    }
    st_queue_snapshot s;
    st_queue_snapshot_read(q, &s);
    check_sane();
    check(s.length == h->count && s.bytes_used <= s.bytes_capacity);
}

/* Take everything due, complete it; until nothing more comes. */
static void drain(void)
{
    for (int round = 0; round < 200; round++) {
        st_taken_record out[16];
        int n = st_queue_take(q, INT64_MAX, out, 16);
        trace("drain");
        for (int i = 0; i < n; i++) {
            free(out[i].payload);
            st_queue_complete(q, out[i].pos);
            trace("complete");
        }
        if (n == 0)
            return;
    }
    check(false); /* 64 records at most: 200 rounds of 16 is plenty */
}

static void reset(void)
{
    pthread_mutex_lock(&h->lock);
    h->head = h->tail = h->cursor = 0;
    h->count = h->inflight = h->retry_waiting = 0;
    h->next_retry_ms = 0;
    h->dsn_count = 0;
    memset(h->dsn, 0, sizeof h->dsn);
    memset(ring, 0, h->data_size);
    pthread_mutex_unlock(&h->lock);
    ntaken = 0;
    deaths = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!q)
        setup();
    reset();
    input in = {data, size};
    for (int ops = 0; in.n > 0 && ops < 200; ops++) {
        static const char *const names[12] = {"push",  "push",    "take", "complete",
                                              "retry", "reclaim", "ring", "record",
                                              "index", "dsn",     "died", "next"};
        uint8_t op = U8(&in) % 12;
        switch (op) {
        case 0:
        case 1:
            op_push(&in);
            break;
        case 2:
            op_take(&in);
            break;
        case 3:
            op_complete(&in);
            break;
        case 4:
            op_retry(&in);
            break;
        case 5:
            st_queue_reclaim_inflight(q);
            ntaken = 0;
            break;
        case 6:
            op_scribble_ring(&in);
            break;
        case 7:
            op_scribble_record(&in);
            break;
        case 8:
            op_scribble_index(&in);
            break;
        case 9:
            op_scribble_dsn(&in);
            break;
        case 10:
            op_owner_died();
            break;
        default:
            (void)st_queue_next_retry_ms(q);
        }
        trace(names[op]);
    }

    /* The drainer finishes what it holds; everything else due must come out. */
    op_owner_died();
    for (int i = 0; i < ntaken; i++)
        st_queue_complete(q, taken[i]);
    ntaken = 0;
    drain();
    check_sane();
    check(h->count == h->inflight); /* only records some drainer holds are left */
    /* A new drainer is elected: what a dead one held comes back and goes out. */
    st_queue_reclaim_inflight(q);
    drain();
    check_sane();
    check(h->count == 0 && h->inflight == 0 && h->retry_waiting == 0);
    check(h->head == h->tail);
    return 0;
}
