/* The shared queue: push/take/complete, wrap-around, bounds, corruption, lock recovery,
 * cross-process sharing and the drainer lease. */
#include "check.h"
#include "queue.h"
#include "queue_fixture.h"
#include "queue_layout.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char qname[64];

static st_queue *open_queue(uint64_t memory, uint32_t max_records)
{
    static int seq;
    snprintf(qname, sizeof qname, "t%d-%d", (int)getpid(), seq++);
    return fixture_queue_open(qname, memory, max_records);
}

static st_status push_text(st_queue *q, const char *id, const char *text)
{
    st_record_meta m = {0};
    snprintf(m.event_id, sizeof m.event_id, "%032d", atoi(id));
    m.category_mask = 2;
    st_iov iov[2] = {{text, strlen(text) / 2},
                     {text + strlen(text) / 2, strlen(text) - strlen(text) / 2}};
    return st_queue_push(q, &m, iov, 2);
}

TEST(push_take_complete_roundtrip)
{
    st_queue *q = open_queue(256 * 1024, 100);
    CHECK(q != NULL);
    if (!q)
        return;
    CHECK(push_text(q, "1", "hello envelope") == ST_OK);
    CHECK(push_text(q, "2", "second") == ST_OK);
    st_taken_record r[4];
    int n = st_queue_take(q, st_now_wall_ms(), r, 4);
    CHECK(n == 2);
    CHECK(r[0].payload_len == 14 && memcmp(r[0].payload, "hello envelope", 14) == 0);
    CHECK_STR(r[0].meta.event_id, "00000000000000000000000000000001");
    CHECK(r[0].meta.category_mask == 2);
    CHECK(st_queue_take(q, st_now_wall_ms(), r + 2, 2) == 0); /* in flight: not taken twice */
    st_queue_snapshot s;
    st_queue_snapshot_read(q, &s);
    CHECK(s.length == 2 && s.inflight == 2);
    st_queue_complete(q, r[0].pos);
    st_queue_complete(q, r[1].pos);
    st_queue_snapshot_read(q, &s);
    CHECK(s.length == 0 && s.inflight == 0 && s.bytes_used == 0);
    CHECK(atomic_load(&st_queue_stats(q)->events_accepted) == 2);
    free(r[0].payload);
    free(r[1].payload);
    fixture_queue_drop(q);
}

TEST(wrap_around_keeps_every_record_intact)
{
    st_queue *q = open_queue(sizeof(st_queue_header) + 64 * 1024, 100000);
    CHECK(q != NULL);
    if (!q)
        return;
    char text[1200];
    int pushed = 0, taken = 0, bad = 0;
    /* ~2,000 records of varying size through a 64 KiB ring: it wraps dozens of times. */
    for (int round = 0; round < 2000; round++) {
        int len = 100 + (round * 37) % 1000;
        for (int i = 0; i < len; i++)
            text[i] = (char)('a' + (round + i) % 26);
        text[len] = '\0';
        char id[16];
        snprintf(id, sizeof id, "%d", round);
        if (push_text(q, id, text) != ST_OK) {
            fprintf(stderr, "  push %d failed\n", round);
            bad++;
            break;
        }
        pushed++;
        if (round % 3 == 2) { /* drain in small batches so the ring really cycles */
            st_taken_record r[8];
            int n;
            while ((n = st_queue_take(q, st_now_wall_ms(), r, 8)) > 0) {
                for (int k = 0; k < n; k++) {
                    int want = atoi(r[k].meta.event_id);
                    int wlen = 100 + (want * 37) % 1000;
                    if ((int)r[k].payload_len != wlen || r[k].payload[0] != (char)('a' + want % 26))
                        bad++;
                    st_queue_complete(q, r[k].pos);
                    free(r[k].payload);
                    taken++;
                }
            }
        }
    }
    st_taken_record r[8];
    int n;
    while ((n = st_queue_take(q, st_now_wall_ms(), r, 8)) > 0)
        for (int k = 0; k < n; k++) {
            st_queue_complete(q, r[k].pos);
            free(r[k].payload);
            taken++;
        }
    CHECK(bad == 0);
    CHECK(pushed == 2000 && taken == 2000);
    st_queue_snapshot s;
    st_queue_snapshot_read(q, &s);
    CHECK(s.length == 0 && s.bytes_used == 0);
    fixture_queue_drop(q);
}

TEST(full_queue_refuses_new_and_keeps_old)
{
    st_queue *q = open_queue(256 * 1024, 3);
    CHECK(q != NULL);
    if (!q)
        return;
    CHECK(push_text(q, "1", "a") == ST_OK);
    CHECK(push_text(q, "2", "b") == ST_OK);
    CHECK(push_text(q, "3", "c") == ST_OK);
    CHECK(push_text(q, "4", "d") == ST_QUEUE_FULL); /* count bound */
    CHECK(atomic_load(&st_queue_stats(q)->queue_overflow) == 1);
    st_taken_record r[4];
    CHECK(st_queue_take(q, st_now_wall_ms(), r, 4) == 3);
    CHECK(r[0].payload[0] == 'a' && r[2].payload[0] == 'c');
    for (int i = 0; i < 3; i++)
        free(r[i].payload);
    fixture_queue_drop(q);

    /* byte bound */
    q = open_queue(sizeof(st_queue_header) + 64 * 1024, 100000);
    static char big[20000];
    memset(big, 'x', sizeof big - 1);
    int ok = 0;
    while (push_text(q, "9", big) == ST_OK)
        ok++;
    CHECK(ok == 3);
    CHECK(push_text(q, "9", "small still fits") == ST_OK);
    static char huge[40000];
    memset(huge, 'y', sizeof huge - 1);
    CHECK(push_text(q, "9", huge) == ST_TOO_LARGE);
    fixture_queue_drop(q);
}

TEST(corrupt_record_is_skipped_and_counted)
{
    st_queue *q = open_queue(256 * 1024, 100);
    CHECK(q != NULL);
    if (!q)
        return;
    push_text(q, "1", "first record");
    push_text(q, "2", "second record");
    push_text(q, "3", "third record");
    /* Flip a payload byte of the second record, as a stray write would. */
    st_queue_header *h = st_queue_shared(q);
    uint8_t *data = (uint8_t *)h + h->header_size;
    st_record_header *first = (st_record_header *)data;
    st_record_header *second = (st_record_header *)(data + first->total_len);
    ((char *)(second + 1))[0] ^= 0x55;
    st_taken_record r[4];
    int n = st_queue_take(q, st_now_wall_ms(), r, 4);
    CHECK(n == 2);
    CHECK(n == 2 && strncmp(r[0].payload, "first", 5) == 0 &&
          strncmp(r[1].payload, "third", 5) == 0);
    CHECK(atomic_load(&h->stats.corrupt_records) == 1);
    for (int i = 0; i < n; i++) {
        st_queue_complete(q, r[i].pos);
        free(r[i].payload);
    }
    st_queue_snapshot s;
    st_queue_snapshot_read(q, &s);
    CHECK(s.length == 0);
    fixture_queue_drop(q);
}

static st_queue *volatile killed_child_keeps;

TEST(lock_recovered_after_owner_killed)
{
    st_queue *q = open_queue(256 * 1024, 100);
    CHECK(q != NULL);
    if (!q)
        return;
    push_text(q, "1", "before the crash");
    st_queue_header *h = st_queue_shared(q);
    killed_child_keeps = q; /* reachable: valgrind may report the SIGKILLed child's heap */
    pid_t child = fork();
    if (child == 0) {
        /* Die inside the critical section, with a half-written record beyond the tail. */
        pthread_mutex_lock(&h->lock);
        uint8_t *data = (uint8_t *)h + h->header_size;
        memset(data + h->tail, 0x41, 300);
        kill(getpid(), SIGKILL);
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    CHECK(WIFSIGNALED(status));
    CHECK(push_text(q, "2", "after the crash") == ST_OK); /* would hang without robustness */
    CHECK(atomic_load(&h->stats.lock_recoveries) == 1);
    st_taken_record r[4];
    int n = st_queue_take(q, st_now_wall_ms(), r, 4);
    CHECK(n == 2);
    CHECK(n == 2 && strncmp(r[1].payload, "after", 5) == 0);
    for (int i = 0; i < n; i++)
        free(r[i].payload);
    killed_child_keeps = NULL;
    fixture_queue_drop(q);
}

TEST(retry_waits_without_holding_up_later_records)
{
    st_queue *q = open_queue(256 * 1024, 100);
    CHECK(q != NULL);
    if (!q)
        return;
    push_text(q, "1", "will fail");
    push_text(q, "2", "behind it");
    int64_t now = st_now_wall_ms();
    st_taken_record r[4];
    CHECK(st_queue_take(q, now, r, 1) == 1);
    st_queue_retry_later(q, r[0].pos, now + 10000);
    free(r[0].payload);
    CHECK(st_queue_take(q, now, r, 4) == 1);
    CHECK(strncmp(r[0].payload, "behind", 6) == 0);
    st_queue_complete(q, r[0].pos);
    free(r[0].payload);
    CHECK(st_queue_take(q, now + 5000, r, 4) == 0); /* not due yet */
    CHECK(st_queue_next_retry_ms(q) == now + 10000);
    CHECK(st_queue_take(q, now + 10001, r, 4) == 1);
    CHECK(r[0].meta.attempts == 1 && strncmp(r[0].payload, "will", 4) == 0);
    free(r[0].payload);
    fixture_queue_drop(q);
}

static void push_for_slot(st_queue *q, int id, uint16_t slot)
{
    st_record_meta m = {0};
    snprintf(m.event_id, sizeof m.event_id, "%032d", id);
    m.dsn_slot = slot;
    char text[16];
    snprintf(text, sizeof text, "ev%d", id);
    st_iov iov = {text, strlen(text)};
    CHECK(st_queue_push(q, &m, &iov, 1) == ST_OK);
}

static st_take_gate all_open(void)
{
    st_take_gate g;
    for (int i = 0; i < ST_QUEUE_DSN_SLOTS; i++) {
        g.budget[i] = -1;
        g.resume_ms[i] = 0;
    }
    return g;
}

/* One DSN's open circuit holds back only its records; they are neither taken nor counted
 * as attempts, and come back when it may probe (one record) or is rescanned. */
TEST(gate_holds_back_one_dsn_only)
{
    st_queue *q = open_queue(256 * 1024, 100);
    CHECK(q != NULL);
    if (!q)
        return;
    for (int i = 1; i <= 6; i++)
        push_for_slot(q, i, (uint16_t)(i % 2)); /* odd ids: slot 1 */
    int64_t now = st_now_wall_ms();
    st_take_gate g = all_open();
    g.budget[1] = 0;
    g.resume_ms[1] = now + 5000;
    st_taken_record r[8];
    int n = st_queue_take_gated(q, now, r, 8, &g);
    CHECK(n == 3);
    for (int i = 0; i < n; i++) {
        CHECK(r[i].meta.dsn_slot == 0);
        st_queue_complete(q, r[i].pos);
        free(r[i].payload);
    }
    CHECK(st_queue_next_retry_ms(q) == now + 5000);
    CHECK(st_queue_take_gated(q, now + 10, r, 8, &g) == 0); /* behind the cursor now */

    /* Due for a probe: a budget of one takes exactly one of them, not as a retry. */
    g.budget[1] = 1;
    n = st_queue_take_gated(q, now + 5000, r, 8, &g);
    CHECK(n == 1 && r[0].meta.dsn_slot == 1 && r[0].meta.attempts == 0);
    CHECK(g.budget[1] == 0);
    if (n == 1) {
        st_queue_complete(q, r[0].pos);
        free(r[0].payload);
    }

    /* The probe went well: a rescan finds the rest at once. */
    g.budget[1] = 0;
    g.resume_ms[1] = now + 60000;
    CHECK(st_queue_take_gated(q, now + 5001, r, 8, &g) == 0);
    st_queue_rescan(q);
    g = all_open();
    n = st_queue_take_gated(q, now + 5002, r, 8, &g);
    CHECK(n == 2);
    for (int i = 0; i < n; i++) {
        CHECK(r[i].meta.dsn_slot == 1);
        st_queue_complete(q, r[i].pos);
        free(r[i].payload);
    }
    st_queue_snapshot s;
    st_queue_snapshot_read(q, &s);
    CHECK(s.length == 0);
    CHECK(atomic_load(&st_queue_dsn_stats(q, 1)->events_accepted) == 3);
    CHECK(atomic_load(&st_queue_dsn_stats(q, 0)->events_accepted) == 3);
    CHECK(st_queue_dsn_stats(q, ST_QUEUE_DSN_SLOTS) == NULL);
    CHECK(st_queue_dsn_health(q, 1) != st_queue_dsn_health(q, 0));
    CHECK(st_queue_dsn_health(q, -1) == NULL);
    fixture_queue_drop(q);
}

TEST(second_open_shares_records_and_lease_fails_over)
{
    st_queue *q = open_queue(256 * 1024, 100);
    CHECK(q != NULL);
    if (!q)
        return;
    st_queue_options o = {.name = qname, .path = "", .memory = 1 << 20, .max_records = 5};
    st_queue *q2 = NULL;
    char err[256];
    CHECK(st_queue_open(&o, &q2, err, sizeof err) == 0);
    if (!q2)
        return;
    push_text(q, "1", "from the first handle");
    st_taken_record r[1];
    CHECK(st_queue_take(q2, st_now_wall_ms(), r, 1) == 1);
    free(r[0].payload);

    pid_t child = fork();
    if (child == 0) {
        if (st_queue_lease_try(q2, 3000, NULL) != ST_LEASE_TAKEN)
            _exit(3);
        kill(getpid(), SIGKILL); /* the drainer dies holding the lease */
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    CHECK(WIFSIGNALED(status));
    st_lease_info li;
    CHECK(st_queue_lease_try(q, 3000, &li) == ST_LEASE_TAKEN); /* the kernel released it */
    CHECK(li.reason == ST_TAKEOVER_DEAD && li.epoch == 2);
    /* the dead drainer's record is ready again (the election reclaimed it) */
    CHECK(st_queue_take(q, st_now_wall_ms(), r, 1) == 1);
    free(r[0].payload);
    st_queue_lease_release(q);
    st_queue_close(q2);
    fixture_queue_drop(q);
}

TEST(foreign_or_open_permissions_are_refused)
{
    char path[128];
    snprintf(path, sizeof path, "/tmp/st-test-queue-%d", (int)getpid());
    FILE *f = fopen(path, "w");
    fputs("x", f);
    fclose(f);
    chmod(path, 0644);
    st_queue_options o = {.name = "x", .path = path, .memory = 1 << 20, .max_records = 5};
    st_queue *q = NULL;
    char err[256] = "";
    CHECK(st_queue_open(&o, &q, err, sizeof err) != 0);
    CHECK(strstr(err, "permissions") != NULL);
    unlink(path);
    char link[160];
    snprintf(link, sizeof link, "%s.link", path);
    CHECK(symlink("/tmp/elsewhere", link) == 0);
    o.path = link;
    CHECK(st_queue_open(&o, &q, err, sizeof err) != 0);
    CHECK(strstr(err, "symlink") != NULL);
    unlink(link);
    /* A file-backed queue is created 0600 and reopens with its records. */
    o.path = path;
    CHECK(st_queue_open(&o, &q, err, sizeof err) == 0);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    push_text(q, "5", "persisted");
    st_queue_close(q);
    CHECK(st_queue_open(&o, &q, err, sizeof err) == 0);
    st_taken_record r[1];
    CHECK(st_queue_take(q, st_now_wall_ms(), r, 1) == 1);
    free(r[0].payload);
    st_queue_close(q);
    unlink(path);
}

/* The creator of a queue holds its flock from the first write to the header until it marks
 * it READY. Killed in between, it leaves a header that is not READY; the next process must
 * initialise it again, not refuse the queue until someone removes the file. */
TEST(queue_left_half_initialised_by_a_killed_creator_is_initialised_again)
{
    char path[128];
    snprintf(path, sizeof path, "/tmp/st-test-halfinit-%d", (int)getpid());
    unlink(path);
    st_queue_options o = {.name = "x", .path = path, .memory = 256 * 1024, .max_records = 50};
    st_queue *q = NULL;
    char err[256] = "";
    /* What a kill leaves: after the header was written (magic set, state cleared by the
     * memset), before it (init words only), and between magic and layout version. */
    for (int killed_at = 0; killed_at < 3; killed_at++) {
        CHECK(st_queue_open(&o, &q, err, sizeof err) == 0);
        if (!q)
            return;
        st_queue_header *h = st_queue_shared(q);
        uint64_t size = h->total_size;
        if (killed_at == 0) {
            atomic_store(&h->init_state, ST_INIT_NONE);
        } else {
            memset(h, 0, sizeof *h);
            if (killed_at == 1) {
                atomic_store(&h->init_state, ST_INIT_BUSY);
                atomic_store(&h->init_pid, 12345);
            } else {
                h->magic = ST_QUEUE_MAGIC;
            }
        }
        st_queue_close(q);
        q = NULL;
        CHECK(st_queue_open(&o, &q, err, sizeof err) == 0);
        if (!q) {
            fprintf(stderr, "  case %d: %s\n", killed_at, err);
            unlink(path);
            continue;
        }
        h = st_queue_shared(q);
        CHECK(atomic_load(&h->init_state) == ST_INIT_READY && h->total_size == size);
        CHECK(push_text(q, "7", "after the repair") == ST_OK);
        st_taken_record r[2];
        CHECK(st_queue_take(q, st_now_wall_ms(), r, 2) == 1);
        free(r[0].payload);
        st_queue_close(q);
        unlink(path);
    }
    /* Anything else is not ours to overwrite. */
    CHECK(st_queue_open(&o, &q, err, sizeof err) == 0);
    if (!q)
        return;
    st_queue_header *h = st_queue_shared(q);
    h->magic = 0x1234;
    atomic_store(&h->init_state, ST_INIT_NONE);
    st_queue_close(q);
    q = NULL;
    CHECK(st_queue_open(&o, &q, err, sizeof err) != 0);
    CHECK(strstr(err, "unknown layout") != NULL);
    unlink(path);
}

int main(void)
{
    RUN(push_take_complete_roundtrip);
    RUN(wrap_around_keeps_every_record_intact);
    RUN(full_queue_refuses_new_and_keeps_old);
    RUN(corrupt_record_is_skipped_and_counted);
    RUN(lock_recovered_after_owner_killed);
    RUN(retry_waits_without_holding_up_later_records);
    RUN(gate_holds_back_one_dsn_only);
    RUN(second_open_shares_records_and_lease_fails_over);
    RUN(foreign_or_open_permissions_are_refused);
    RUN(queue_left_half_initialised_by_a_killed_creator_is_initialised_again);
    CHECK_DONE();
}
