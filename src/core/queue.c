/* The shared queue: mapping, robust lock, record ring. See queue.h and DESIGN.md §4.
 *
 * Ring positions are monotonic 64-bit byte counts; offset = pos % data_size. A record
 * never wraps: when it does not fit before the end of the ring, a PAD record (or, if not
 * even a header fits, an implicit gap) fills the rest. A writer fills the record while
 * holding the lock and publishes it last by moving `tail`, so a writer killed mid-copy
 * leaves only an unpublished tail, which recovery discards. */
#include "queue.h"
#include "crc32c.h"
#include "queue_layout.h"
#include "queue_private.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- locking */

/* Walk head..tail and rebuild the derived counters; cut the ring at the first record
 * that does not look sane (a dead writer's or a scribbled one). Called with the lock
 * held, after EOWNERDEAD, or when the indices are impossible. */
static void repair_locked(st_queue *q);

/* Indices or counters no writer leaves (a stray write, a stale position completed after
 * a repair): used as they are, a push could write where no take reads, a walk circle the
 * ring for ever, a wrapped count refuse every push (fuzz_queue_record). */
static bool indices_torn(const st_queue_header *h)
{
    return h->tail < h->head || h->tail - h->head > h->data_size || h->cursor < h->head ||
           h->cursor > h->tail || (h->head | h->tail | h->cursor) % ST_RECORD_ALIGN != 0 ||
           h->head > UINT64_MAX / 2 || h->count > h->max_records || h->inflight > h->count ||
           h->retry_waiting > h->count;
}

static void lock_queue(st_queue *q)
{
    int rc = pthread_mutex_lock(&q->hdr->lock);
    if (rc == EOWNERDEAD) {
        repair_locked(q);
        pthread_mutex_consistent(&q->hdr->lock);
        atomic_fetch_add(&q->hdr->stats.lock_recoveries, 1);
    } else if (indices_torn(q->hdr)) {
        repair_locked(q);
    }
}

static void unlock_queue(st_queue *q)
{
    pthread_mutex_unlock(&q->hdr->lock);
}

void st_queue_lock(st_queue *q)
{
    lock_queue(q);
}

void st_queue_unlock(st_queue *q)
{
    unlock_queue(q);
}

int st_queue_robust_mutex_init(pthread_mutex_t *m)
{
    pthread_mutexattr_t a;
    if (pthread_mutexattr_init(&a) != 0)
        return -1;
    int rc = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    if (rc == 0)
        rc = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    if (rc == 0)
        rc = pthread_mutex_init(m, &a);
    pthread_mutexattr_destroy(&a);
    return rc == 0 ? 0 : -1;
}

/* ---------------------------------------------------------------- records */

static size_t align_up(size_t n)
{
    return (n + ST_RECORD_ALIGN - 1) & ~(size_t)(ST_RECORD_ALIGN - 1);
}

size_t st_queue_record_footprint(size_t n)
{
    return align_up(sizeof(st_record_header) + n);
}

static st_record_header *record_at(st_queue *q, uint64_t pos)
{
    return (st_record_header *)(q->data + (pos % q->hdr->data_size));
}

/* Bytes from pos to the end of the ring. */
static uint64_t contiguous_from(const st_queue *q, uint64_t pos)
{
    return q->hdr->data_size - (pos % q->hdr->data_size);
}

/* Where the record at pos really starts: skips an implicit gap too small for a header. */
static uint64_t skip_gap(const st_queue *q, uint64_t pos)
{
    uint64_t left = contiguous_from(q, pos);
    return left < sizeof(st_record_header) ? pos + left : pos;
}

/* The checksum st_queue_push stored, recomputed from a taken copy. */
static uint32_t taken_crc(const st_taken_record *t)
{
    uint32_t c = st_crc32c(0, t->meta.event_id, 32);
    c = st_crc32c(c, &t->meta.category_mask, sizeof t->meta.category_mask);
    return st_crc32c(c, t->payload, t->payload_len);
}

/* A header is sane if its state is known and its length fits where it stands. */
static bool record_sane(const st_queue *q, uint64_t pos, const st_record_header *r, uint64_t tail)
{
    if (pos % ST_RECORD_ALIGN != 0) /* a scribbled index: r must not even be read */
        return false;
    uint32_t st = r->state;
    if (st != ST_REC_READY && st != ST_REC_INFLIGHT && st != ST_REC_DONE && st != ST_REC_PAD)
        return false;
    if (r->total_len < sizeof(st_record_header) || r->total_len % ST_RECORD_ALIGN != 0)
        return false;
    if (r->total_len > contiguous_from(q, pos) || pos + r->total_len > tail)
        return false;
    if (st != ST_REC_PAD && r->payload_len > r->total_len - sizeof(st_record_header))
        return false;
    return true;
}

/* The record at *pos, after skipping an implicit gap (*pos moves past it): NULL at the
 * tail, or, with *bad set, where the ring stops making sense. Every walk goes through here. */
static st_record_header *walk_at(st_queue *q, uint64_t *pos, bool *bad)
{
    uint64_t tail = q->hdr->tail;
    *bad = false;
    if (*pos >= tail)
        return NULL;
    uint64_t start = skip_gap(q, *pos);
    if (start > tail) { /* the tail stands inside the gap: a torn index, never a writer's */
        *bad = true;
        return NULL;
    }
    *pos = start;
    if (*pos >= tail)
        return NULL;
    st_record_header *r = record_at(q, *pos);
    *bad = !record_sane(q, *pos, r, tail);
    return *bad ? NULL : r;
}

static void repair_locked(st_queue *q)
{
    st_queue_header *h = q->hdr;
    uint32_t count = 0, inflight = 0, waiting = 0;
    /* Torn indices: nothing behind them can be trusted. */
    if (h->tail < h->head || h->tail - h->head > h->data_size || h->head % ST_RECORD_ALIGN ||
        h->head > UINT64_MAX / 2)
        h->tail = h->head = h->head > UINT64_MAX / 2 ? 0 : align_up(h->head);
    uint64_t pos = h->head;
    st_record_header *r;
    bool bad;
    for (; (r = walk_at(q, &pos, &bad)); pos += r->total_len) {
        if (r->state != ST_REC_PAD && r->state != ST_REC_DONE) {
            count++;
            if (r->state == ST_REC_INFLIGHT)
                inflight++;
            else if (r->next_attempt_ms > 0)
                waiting++;
        }
    }
    if (bad) {
        h->tail = pos; /* drop the unreadable rest */
        atomic_fetch_add(&h->stats.corrupt_records, 1);
    }
    h->count = count;
    h->inflight = inflight;
    h->retry_waiting = waiting;
    /* It may have stood inside a record (scribbled): the next take rescans from the head. */
    h->cursor = h->head;
}

/* Drop DONE and PAD records from the front. */
static void advance_head_locked(st_queue *q)
{
    st_queue_header *h = q->hdr;
    uint64_t pos = h->head;
    st_record_header *r;
    bool bad;
    /* An insane record (total_len 0 would loop for ever) is left for take to repair. */
    while ((r = walk_at(q, &pos, &bad)) && (r->state == ST_REC_DONE || r->state == ST_REC_PAD)) {
        pos += r->total_len;
        h->head = pos;
    }
    if (!r && !bad)
        h->head = pos; /* past a final gap */
    if (h->cursor < h->head)
        h->cursor = h->head;
}

st_status st_queue_push(st_queue *q, const st_record_meta *meta, const st_iov *iov, int niov)
{
    size_t len = 0;
    for (int i = 0; i < niov; i++)
        len += iov[i].len;
    size_t need = st_queue_record_footprint(len);
    st_queue_header *h = q->hdr;
    if (need > h->data_size / 2) /* a ring must hold two of them to ever make progress */
        return ST_TOO_LARGE;

    /* Checksum before locking: the critical section stays a memcpy. */
    st_record_header rh;
    memset(&rh, 0, sizeof rh);
    memcpy(rh.event_id, meta->event_id, sizeof rh.event_id);
    rh.category_mask = meta->category_mask;
    uint32_t c = st_crc32c(0, rh.event_id, sizeof rh.event_id);
    c = st_crc32c(c, &rh.category_mask, sizeof rh.category_mask);
    for (int i = 0; i < niov; i++)
        c = st_crc32c(c, iov[i].base, iov[i].len);
    rh.crc = c;
    rh.payload_len = (uint32_t)len;
    rh.total_len = (uint32_t)need;
    rh.attempts = meta->attempts;
    rh.dsn_slot = meta->dsn_slot;
    rh.enqueued_ms = meta->enqueued_ms;
    rh.next_attempt_ms = meta->next_attempt_ms;
    rh.state = ST_REC_READY;

    lock_queue(q);
    uint64_t tail = h->tail;
    uint64_t left = contiguous_from(q, tail);
    uint64_t pad = left < need ? left : 0;
    if (h->count >= h->max_records || (tail - h->head) + pad + need > h->data_size) {
        unlock_queue(q);
        atomic_fetch_add(&h->stats.events_rejected, 1);
        atomic_fetch_add(&h->stats.queue_overflow, 1);
        return ST_QUEUE_FULL;
    }
    if (pad >= sizeof(st_record_header)) {
        st_record_header *p = record_at(q, tail);
        p->state = ST_REC_PAD;
        p->total_len = (uint32_t)pad;
    }
    tail += pad;
    uint8_t *dst = (uint8_t *)record_at(q, tail);
    memcpy(dst, &rh, sizeof rh);
    size_t off = sizeof rh;
    for (int i = 0; i < niov; i++) {
        memcpy(dst + off, iov[i].base, iov[i].len);
        off += iov[i].len;
    }
    h->count++;
    /* Publish last: until here a killed writer leaves nothing readable behind. */
    atomic_thread_fence(memory_order_release);
    h->tail = tail + need;
    unlock_queue(q);

    atomic_fetch_add(&h->stats.events_accepted, 1);
    if (meta->dsn_slot < ST_QUEUE_DSN_SLOTS)
        atomic_fetch_add(&h->dsn_stats[meta->dsn_slot].events_accepted, 1);
    /* Wake the drainer only when it sleeps, and only once per sleep. No lost wake-up:
     * producer: RMW wake_seq, then load and RMW drainer_sleeping; drainer (st_queue_wait): store
     * drainer_sleeping = 1, then load wake_seq, then FUTEX_WAIT(wake_seq, seq). All are
     * seq_cst, so in their single total order either the drainer's load comes after this
     * increment (it sees a new value and does not sleep, or FUTEX_WAIT, which compares
     * under the kernel's lock, returns at once), or its store of 1 comes before this
     * load and exchange, which then take the 1 and wake it. When another producer took the 1
     * first, that one wakes it. A stale 1 (the drainer already awake) costs one
     * needless syscall, nothing else. */
    atomic_fetch_add(&h->wake_seq, 1);
    if (atomic_load(&h->drainer_sleeping) && atomic_exchange(&h->drainer_sleeping, 0))
        syscall(SYS_futex, &h->wake_seq, FUTEX_WAKE, 1, NULL, NULL, 0);
    return ST_OK;
}

static st_record_header *inflight_at(st_queue *q, uint64_t pos)
{
    st_queue_header *h = q->hdr;
    if (pos < h->head || pos >= h->tail || pos % ST_RECORD_ALIGN != 0)
        return NULL;
    st_record_header *r = record_at(q, pos);
    return r->state == ST_REC_INFLIGHT ? r : NULL;
}

void st_queue_complete(st_queue *q, uint64_t pos)
{
    st_queue_header *h = q->hdr;
    lock_queue(q);
    /* A leader that lost the lease changes nothing: the new one reclaimed its records. */
    st_record_header *r = st_queue_fenced_locked(q) ? NULL : inflight_at(q, pos);
    if (r) {
        r->state = ST_REC_DONE;
        h->count--;
        h->inflight--;
        advance_head_locked(q);
    }
    unlock_queue(q);
}

/* A ready record the gate passes over: like a waiting retry, next_retry_ms brings the
 * scan back to it. */
static bool gate_skips(st_queue_header *h, st_take_gate *gate, const st_record_header *r)
{
    if (!gate || r->dsn_slot >= ST_QUEUE_DSN_SLOTS)
        return false;
    int32_t *budget = &gate->budget[r->dsn_slot];
    if (*budget != 0) {
        if (*budget > 0)
            (*budget)--;
        return false;
    }
    int64_t resume = gate->resume_ms[r->dsn_slot] > 0 ? gate->resume_ms[r->dsn_slot] : 1;
    if (!h->next_retry_ms || resume < h->next_retry_ms)
        h->next_retry_ms = resume;
    return true;
}

int st_queue_take(st_queue *q, int64_t now_wall_ms, st_taken_record *out, int max)
{
    return st_queue_take_gated(q, now_wall_ms, out, max, NULL);
}

void st_queue_rescan(st_queue *q)
{
    lock_queue(q);
    q->hdr->cursor = q->hdr->head;
    unlock_queue(q);
}

int st_queue_take_gated(st_queue *q, int64_t now_wall_ms, st_taken_record *out, int max,
                        st_take_gate *gate)
{
    st_queue_header *h = q->hdr;
    int n = 0;
    lock_queue(q);
    if (st_queue_fenced_locked(q)) { /* no longer the leader: it takes nothing more */
        unlock_queue(q);
        return 0;
    }
    /* Retries that came due live behind the cursor: look from the head again. */
    if (h->next_retry_ms && h->next_retry_ms <= now_wall_ms) {
        h->cursor = h->head;
        h->next_retry_ms = 0;
    }
    uint64_t pos = h->cursor;
    st_record_header *r;
    bool bad = false;
    while (n < max && (r = walk_at(q, &pos, &bad))) {
        uint64_t next = pos + r->total_len;
        if (r->state == ST_REC_READY) {
            if (r->next_attempt_ms > now_wall_ms) {
                if (!h->next_retry_ms || r->next_attempt_ms < h->next_retry_ms)
                    h->next_retry_ms = r->next_attempt_ms;
            } else if (!gate_skips(h, gate, r)) {
                const uint8_t *payload = (const uint8_t *)(r + 1);
                char *copy = malloc(r->payload_len ? r->payload_len : 1);
                if (!copy)
                    break;
                memcpy(copy, payload, r->payload_len);
                out[n].pos = pos;
                out[n].checksum = r->crc;
                memcpy(out[n].meta.event_id, r->event_id, 32);
                out[n].meta.event_id[32] = '\0';
                out[n].meta.category_mask = r->category_mask;
                out[n].meta.dsn_slot = r->dsn_slot;
                out[n].meta.attempts = r->attempts;
                out[n].meta.enqueued_ms = r->enqueued_ms;
                out[n].meta.next_attempt_ms = r->next_attempt_ms;
                out[n].payload = copy;
                out[n].payload_len = r->payload_len;
                if (r->next_attempt_ms > 0 && h->retry_waiting > 0)
                    h->retry_waiting--;
                r->state = ST_REC_INFLIGHT;
                h->inflight++;
                n++;
            }
        }
        pos = next;
        /* Records before the cursor are in flight, done, or waiting (for a retry, or for
         * their DSN's circuit) until a time next_retry_ms remembers. */
        h->cursor = pos;
    }
    if (bad)
        repair_locked(q);
    advance_head_locked(q);
    unlock_queue(q);
    /* Verified outside the lock: the critical section stays a memcpy. A record that does
     * not match is never sent: it leaves the queue and is counted. */
    int kept = 0;
    for (int i = 0; i < n; i++) {
        if (taken_crc(&out[i]) == out[i].checksum) {
            out[kept++] = out[i];
            continue;
        }
        free(out[i].payload);
        st_queue_complete(q, out[i].pos); /* never sent: it leaves the queue */
        atomic_fetch_add(&h->stats.corrupt_records, 1);
    }
    return kept;
}

void st_queue_retry_later(st_queue *q, uint64_t pos, int64_t next_attempt_ms)
{
    st_queue_header *h = q->hdr;
    lock_queue(q);
    st_record_header *r = st_queue_fenced_locked(q) ? NULL : inflight_at(q, pos);
    if (r) {
        r->attempts++;
        r->next_attempt_ms = next_attempt_ms > 0 ? next_attempt_ms : 1;
        r->state = ST_REC_READY;
        h->inflight--;
        h->retry_waiting++;
        if (!h->next_retry_ms || r->next_attempt_ms < h->next_retry_ms)
            h->next_retry_ms = r->next_attempt_ms;
    }
    unlock_queue(q);
}

void st_queue_reclaim_inflight(st_queue *q)
{
    lock_queue(q);
    st_queue_reclaim_locked(q);
    unlock_queue(q);
}

void st_queue_reclaim_locked(st_queue *q)
{
    st_queue_header *h = q->hdr;
    uint64_t pos = h->head;
    st_record_header *r;
    bool bad;
    for (; (r = walk_at(q, &pos, &bad)); pos += r->total_len)
        if (r->state == ST_REC_INFLIGHT)
            r->state = ST_REC_READY;
    if (bad)
        repair_locked(q);
    h->inflight = 0;
    h->cursor = h->head;
    h->next_retry_ms = 0;
}

int64_t st_queue_next_retry_ms(st_queue *q)
{
    lock_queue(q);
    int64_t t = q->hdr->next_retry_ms;
    unlock_queue(q);
    return t;
}

/* ---------------------------------------------------------------- wake-ups */
/* (The drainer election lives in queue_lease.c.) */

uint32_t st_queue_wake_seq(st_queue *q)
{
    return atomic_load(&q->hdr->wake_seq);
}

void st_queue_wake(st_queue *q)
{
    atomic_fetch_add(&q->hdr->wake_seq, 1);
    syscall(SYS_futex, &q->hdr->wake_seq, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
}

void st_queue_wait(st_queue *q, uint32_t seq, int64_t timeout_ms)
{
    st_queue_header *h = q->hdr;
    struct timespec ts = {timeout_ms / 1000, (timeout_ms % 1000) * 1000000L};
    /* The flag first, then the re-check of wake_seq (both seq_cst): the order that
     * st_queue_push's wake-up relies on (see there). */
    atomic_store(&h->drainer_sleeping, 1);
    /* Not FUTEX_PRIVATE_FLAG: producers live in other processes. */
    if (atomic_load(&h->wake_seq) == seq)
        syscall(SYS_futex, &h->wake_seq, FUTEX_WAIT, seq, &ts, NULL, 0);
    atomic_store(&h->drainer_sleeping, 0);
}

void st_queue_snapshot_read(st_queue *q, st_queue_snapshot *s)
{
    st_queue_header *h = q->hdr;
    lock_queue(q);
    s->length = h->count;
    s->inflight = h->inflight;
    s->retry_waiting = h->retry_waiting;
    s->bytes_used = h->tail - h->head;
    unlock_queue(q);
    s->bytes_capacity = h->data_size;
    s->max_records = h->max_records;
    s->drainer_pid = atomic_load(&h->drainer_pid);
    s->drainer_since_ms = atomic_load(&h->drainer_since_ms);
    s->drainer_heartbeat_ms = atomic_load(&h->drainer_heartbeat_ms);
    s->lease_epoch = atomic_load(&h->lease.epoch);
    s->takeovers_dead = atomic_load(&h->lease.takeovers_dead);
    s->takeovers_stale = atomic_load(&h->lease.takeovers_stale);
}

/* ---------------------------------------------------------------- DSN table */

int st_queue_dsn_slot(st_queue *q, const char *dsn)
{
    st_queue_header *h = q->hdr;
    int slot = -1;
    if (strlen(dsn) >= sizeof h->dsn[0])
        return -1;
    lock_queue(q);
    for (uint32_t i = 0; i < h->dsn_count && i < ST_QUEUE_DSN_SLOTS; i++) {
        if (strcmp(h->dsn[i], dsn) == 0) {
            slot = (int)i;
            break;
        }
    }
    if (slot < 0 && h->dsn_count < ST_QUEUE_DSN_SLOTS) {
        slot = (int)h->dsn_count;
        st_strlcpy(h->dsn[slot], dsn, sizeof h->dsn[slot]);
        h->dsn_count++;
    }
    unlock_queue(q);
    return slot;
}

bool st_queue_dsn_get(st_queue *q, int slot, char *out, size_t outlen)
{
    st_queue_header *h = q->hdr;
    bool ok = false;
    if (slot < 0 || slot >= ST_QUEUE_DSN_SLOTS)
        return false;
    lock_queue(q);
    if ((uint32_t)slot < h->dsn_count) {
        st_strlcpy(out, h->dsn[slot], outlen);
        ok = true;
    }
    unlock_queue(q);
    return ok;
}

void st_queue_prefault(st_queue *q)
{
#ifdef MADV_POPULATE_WRITE
    if (madvise(q->hdr, q->map_size, MADV_POPULATE_WRITE) == 0)
        return;
#endif
    /* Older kernels: a read of each page maps it (the pages exist: they were reserved
     * with posix_fallocate when the queue was created). */
    long page = sysconf(_SC_PAGESIZE);
    volatile const uint8_t *p = (volatile const uint8_t *)q->hdr;
    uint8_t sink = 0;
    for (size_t off = 0; off < q->map_size; off += (size_t)page)
        sink ^= p[off];
    (void)sink;
}

/* ---------------------------------------------------------------- accessors */

const char *st_queue_location(const st_queue *q)
{
    return q->location;
}
st_queue_header *st_queue_shared(st_queue *q)
{
    return q->hdr;
}
st_shared_stats *st_queue_stats(st_queue *q)
{
    return &q->hdr->stats;
}
st_ratelimit_table *st_queue_ratelimits(st_queue *q)
{
    return &q->hdr->ratelimits;
}
st_discards *st_queue_discards(st_queue *q, int slot)
{
    if (slot < 0 || slot >= ST_QUEUE_DSN_SLOTS)
        return NULL;
    return &q->hdr->discards[slot];
}
st_health *st_queue_dsn_health(st_queue *q, int slot)
{
    if (slot < 0 || slot >= ST_QUEUE_DSN_SLOTS)
        return NULL;
    return slot == 0 ? &q->hdr->health : &q->hdr->dsn_health[slot - 1];
}
st_dsn_stats *st_queue_dsn_stats(st_queue *q, int slot)
{
    if (slot < 0 || slot >= ST_QUEUE_DSN_SLOTS)
        return NULL;
    return &q->hdr->dsn_stats[slot];
}
st_health *st_queue_deadletter_health(st_queue *q)
{
    return &q->hdr->deadletter_health;
}
_Atomic uint64_t *st_queue_deadletter_errors(st_queue *q)
{
    return &q->hdr->deadletter_errors;
}
_Atomic uint64_t *st_queue_drops_total(st_queue *q)
{
    return q->hdr->drops_total;
}
_Atomic uint64_t *st_queue_client_reports_sent(st_queue *q)
{
    return &q->hdr->client_reports_sent;
}

void st_queue_discard(st_queue *q, int slot, int reason, uint32_t category_mask, uint64_t n)
{
    if (reason < 0 || reason >= ST_DISCARD_REASON_COUNT)
        return;
    st_discards *d = st_queue_discards(q, slot < 0 ? 0 : slot);
    for (int c = 1; d && c < ST_CAT_COUNT; c++) /* ST_CAT_ALL is no category of its own */
        if (category_mask & (1u << c))
            st_discards_add(d, (st_discard_reason)reason, (st_category)c, n);
    atomic_fetch_add(&q->hdr->drops_total[reason], n);
}

/* Mapping, creation and attach live in queue_map.c. */
int st_queue_map_open(const st_queue_options *opts, st_queue_header **hdr, size_t *map_size,
                      char *location, size_t loclen, char *err, size_t errlen);
void st_queue_map_close(st_queue_header *hdr, size_t map_size);

int st_queue_open(const st_queue_options *opts, st_queue **out, char *err, size_t errlen)
{
    st_queue *q = calloc(1, sizeof *q);
    if (!q) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (st_queue_map_open(opts, &q->hdr, &q->map_size, q->location, sizeof q->location, err,
                          errlen) != 0) {
        free(q);
        return -1;
    }
    q->data = (uint8_t *)q->hdr + q->hdr->header_size;
    q->lease_token = -1;
    *out = q;
    return 0;
}

void st_queue_close(st_queue *q)
{
    if (!q)
        return;
    st_queue_map_close(q->hdr, q->map_size);
    free(q);
}

int st_queue_init_header(st_queue_header *h, uint64_t total, uint32_t max_records)
{
    memset(h, 0, sizeof *h);
    h->magic = ST_QUEUE_MAGIC;
    h->layout_version = ST_QUEUE_LAYOUT_VERSION;
    h->header_size = (uint32_t)align_up(sizeof *h);
    h->total_size = total;
    h->data_size = (total - h->header_size) & ~(uint64_t)(ST_RECORD_ALIGN - 1);
    h->max_records = max_records;
    if (st_queue_robust_mutex_init(&h->lock) != 0 || st_queue_lease_init(h) != 0)
        return -1;
    return 0;
}
