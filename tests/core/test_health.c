/* Upstream health / circuit breaker (src/core/health.c). */
#include "check.h"
#include "health.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define T0 1700000000000ll

static void reset(st_health *h)
{
    memset(h, 0, sizeof *h);
}

/* Open the circuit at T0 with threshold 3. */
static void open_at_t0(st_health *h)
{
    reset(h);
    st_health_failure(h, T0, 3, "HTTP 503");
    st_health_failure(h, T0, 3, "HTTP 503");
    st_health_failure(h, T0, 3, "HTTP 503");
}

static const char *state_of(const st_health *h)
{
    static st_health_view v;
    st_health_snapshot(h, &v);
    return v.state;
}

TEST(zero_initialised_is_closed)
{
    static st_health h;
    st_health_view v;
    st_health_snapshot(&h, &v);
    CHECK_STR(v.state, "closed");
    CHECK(v.consecutive_failures == 0);
    CHECK(v.last_success_ms == 0 && v.since_ms == 0 && v.times_opened == 0);
    CHECK_STR(v.last_error, "");
    bool probe = true;
    CHECK(st_health_may_send(&h, T0, &probe));
    CHECK(!probe);
    CHECK(st_health_may_send(&h, T0, NULL));
}

TEST(state_names)
{
    CHECK_STR(st_health_state_name(ST_HEALTH_CLOSED), "closed");
    CHECK_STR(st_health_state_name(ST_HEALTH_OPEN), "open");
    CHECK_STR(st_health_state_name(ST_HEALTH_HALF_OPEN), "half_open");
    CHECK_STR(st_health_state_name((st_health_state)7), "unknown");
}

TEST(opens_exactly_at_the_threshold)
{
    st_health h;
    reset(&h);
    for (int i = 1; i <= 4; i++) {
        CHECK(st_health_failure(&h, T0 + i, 5, "Couldn't connect to server") ==
              ST_HEALTH_NO_CHANGE);
        CHECK_STR(state_of(&h), "closed");
        CHECK(st_health_may_send(&h, T0 + i, NULL));
    }
    CHECK(st_health_failure(&h, T0 + 5, 5, "HTTP 502") == ST_HEALTH_OPENED);
    CHECK_STR(state_of(&h), "open");
    CHECK(!st_health_may_send(&h, T0 + 5, NULL));
    /* Later failures (transfers started before the open) are only counted. */
    CHECK(st_health_failure(&h, T0 + 6, 5, "HTTP 502") == ST_HEALTH_NO_CHANGE);
    st_health_view v;
    st_health_snapshot(&h, &v);
    CHECK(v.consecutive_failures == 6);
    CHECK(v.times_opened == 1);
    CHECK(v.opens == 1);
    CHECK(v.opened_at_ms == T0 + 5);
    CHECK(v.next_probe_ms == T0 + 5 + ST_HEALTH_COOLDOWN_BASE_MS); /* not pushed by #6 */
    CHECK(v.since_ms == T0 + 5);
    CHECK(v.last_failure_ms == T0 + 6);
}

TEST(success_resets_the_count)
{
    st_health h;
    reset(&h);
    for (int i = 0; i < 4; i++)
        st_health_failure(&h, T0, 5, "x");
    CHECK(st_health_success(&h, T0 + 1) == ST_HEALTH_NO_CHANGE);
    for (int i = 0; i < 4; i++)
        CHECK(st_health_failure(&h, T0 + 2, 5, "x") == ST_HEALTH_NO_CHANGE);
    CHECK_STR(state_of(&h), "closed");
    CHECK(st_health_failure(&h, T0 + 3, 5, "x") == ST_HEALTH_OPENED);
}

TEST(threshold_zero_never_opens)
{
    st_health h;
    reset(&h);
    for (int i = 0; i < 1000; i++)
        CHECK(st_health_failure(&h, T0, 0, "x") == ST_HEALTH_NO_CHANGE);
    CHECK_STR(state_of(&h), "closed");
    CHECK(st_health_may_send(&h, T0, NULL));
}

TEST(one_probe_after_the_cooldown)
{
    st_health h;
    open_at_t0(&h);
    bool probe = true;
    CHECK(!st_health_may_send(&h, T0 + ST_HEALTH_COOLDOWN_BASE_MS - 1, &probe));
    CHECK(!probe);
    CHECK_STR(state_of(&h), "open");
    CHECK(st_health_may_send(&h, T0 + ST_HEALTH_COOLDOWN_BASE_MS, &probe));
    CHECK(probe);
    CHECK_STR(state_of(&h), "half_open");
    /* While the probe is in flight, nobody else sends. */
    CHECK(!st_health_may_send(&h, T0 + ST_HEALTH_COOLDOWN_BASE_MS, &probe));
    CHECK(!probe);
    CHECK(!st_health_may_send(&h, T0 + 5000, &probe));
    CHECK(!st_health_may_send(&h, T0 + 50000, NULL));
}

#define PROBERS 4
#define PROBER_MS                                                                                  \
    300 /* of hammering per thread: on a loaded host, threads overlap only now and then */
static st_health race_h;
static atomic_int race_holders, race_overlaps, race_grants, race_not_probe, race_started;

/* Every thread asks all the time; a granted probe is held a moment, then released with
 * st_health_probe_cancel, so the probe is raced for again and again. Two holders at
 * once is the bug. */
static void *prober(void *p)
{
    (void)p;
    /* Start together, or on few cores each thread may finish within its time slice. */
    atomic_fetch_add(&race_started, 1);
    while (atomic_load(&race_started) < PROBERS)
        sched_yield();
    int64_t end = st_now_mono_ms() + PROBER_MS;
    for (int i = 0; (i & 255) || st_now_mono_ms() < end; i++) {
        bool probe = false;
        if (!st_health_may_send(&race_h, T0 + 2000, &probe))
            continue;
        atomic_fetch_add(&race_grants, 1);
        if (!probe)
            atomic_fetch_add(&race_not_probe, 1);
        if (atomic_fetch_add(&race_holders, 1) != 0)
            atomic_fetch_add(&race_overlaps, 1);
        for (volatile int k = 0; k < 50; k++)
            ;
        atomic_fetch_sub(&race_holders, 1);
        st_health_probe_cancel(&race_h);
    }
    return NULL;
}

TEST(one_probe_among_racing_threads)
{
    open_at_t0(&race_h);
    atomic_store(&race_holders, 0);
    atomic_store(&race_overlaps, 0);
    atomic_store(&race_grants, 0);
    atomic_store(&race_not_probe, 0);
    atomic_store(&race_started, 0);
    pthread_t th[PROBERS];
    for (int i = 0; i < PROBERS; i++)
        pthread_create(&th[i], NULL, prober, NULL);
    for (int i = 0; i < PROBERS; i++)
        pthread_join(th[i], NULL);
    if (atomic_load(&race_overlaps))
        fprintf(stderr, "  %d of %d probes overlapped another\n", atomic_load(&race_overlaps),
                atomic_load(&race_grants));
    CHECK(atomic_load(&race_overlaps) == 0);
    CHECK(atomic_load(&race_not_probe) == 0);
    CHECK(atomic_load(&race_grants) > 100); /* the probe really changed hands */
    CHECK_STR(state_of(&race_h), "half_open");
}

TEST(probe_success_recovers_once)
{
    st_health h;
    open_at_t0(&h);
    bool probe = false;
    CHECK(st_health_may_send(&h, T0 + 1000, &probe) && probe);
    CHECK(st_health_success(&h, T0 + 1200) == ST_HEALTH_RECOVERED);
    CHECK(st_health_success(&h, T0 + 1300) == ST_HEALTH_NO_CHANGE);
    st_health_view v;
    st_health_snapshot(&h, &v);
    CHECK_STR(v.state, "closed");
    CHECK(v.consecutive_failures == 0);
    CHECK(v.last_success_ms == T0 + 1300);
    CHECK(v.since_ms == T0 + 1200);
    CHECK(v.opens == 0 && v.next_probe_ms == 0 && v.opened_at_ms == 0);
    CHECK(v.times_opened == 1);
    CHECK_STR(v.last_error, "HTTP 503"); /* kept for the operator */
    /* Everybody sends again, and none of it is a probe. */
    for (int i = 0; i < 3; i++) {
        CHECK(st_health_may_send(&h, T0 + 1400, &probe));
        CHECK(!probe);
    }
    /* The next outage starts from the base cool-down again. */
    st_health_failure(&h, T0 + 2000, 3, "e");
    st_health_failure(&h, T0 + 2000, 3, "e");
    CHECK(st_health_failure(&h, T0 + 2000, 3, "e") == ST_HEALTH_OPENED);
    st_health_snapshot(&h, &v);
    CHECK(v.next_probe_ms == T0 + 2000 + ST_HEALTH_COOLDOWN_BASE_MS);
    CHECK(v.times_opened == 2);
}

TEST(probe_failure_reopens_longer_up_to_the_cap)
{
    st_health h;
    open_at_t0(&h);
    const int64_t expect[] = {1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000};
    int64_t now = T0, cooldown = ST_HEALTH_COOLDOWN_BASE_MS;
    for (size_t k = 0; k < sizeof expect / sizeof expect[0]; k++) {
        st_health_view v;
        st_health_snapshot(&h, &v);
        CHECK(v.next_probe_ms - now == expect[k]);
        CHECK(v.next_probe_ms - now == cooldown);
        CHECK(v.opens == k + 1);
        bool probe = false;
        CHECK(!st_health_may_send(&h, v.next_probe_ms - 1, &probe));
        now = v.next_probe_ms;
        CHECK(st_health_may_send(&h, now, &probe) && probe);
        now += 10; /* the probe takes 10 ms and fails */
        CHECK(st_health_failure(&h, now, 3, "Operation timed out") == ST_HEALTH_NO_CHANGE);
        CHECK_STR(state_of(&h), "open");
        cooldown =
            cooldown * 2 > ST_HEALTH_COOLDOWN_MAX_MS ? ST_HEALTH_COOLDOWN_MAX_MS : cooldown * 2;
    }
    st_health_view v;
    st_health_snapshot(&h, &v);
    CHECK(v.since_ms == T0 + 0); /* the outage began at the first open */
    CHECK(v.times_opened == 1);
    /* Very many failed probes: still capped, no overflow. */
    for (int i = 0; i < 100; i++) {
        st_health_snapshot(&h, &v);
        now = v.next_probe_ms;
        CHECK(st_health_may_send(&h, now, NULL));
        st_health_failure(&h, now, 3, "e");
    }
    st_health_snapshot(&h, &v);
    CHECK(v.next_probe_ms - now == ST_HEALTH_COOLDOWN_MAX_MS);
}

TEST(transitions_are_reported_once)
{
    st_health h;
    reset(&h);
    int opened = 0, recovered = 0;
    int64_t now = T0;
    for (int cycle = 0; cycle < 3; cycle++) {
        for (int i = 0; i < 20; i++) { /* a burst of failures */
            st_health_transition tr = st_health_failure(&h, now, 5, "HTTP 500");
            opened += tr == ST_HEALTH_OPENED;
            recovered += tr == ST_HEALTH_RECOVERED;
        }
        for (int p = 0; p < 4; p++) { /* four failed probes */
            st_health_view v;
            st_health_snapshot(&h, &v);
            now = v.next_probe_ms;
            CHECK(st_health_may_send(&h, now, NULL));
            st_health_transition tr = st_health_failure(&h, now, 5, "HTTP 500");
            opened += tr == ST_HEALTH_OPENED;
            recovered += tr == ST_HEALTH_RECOVERED;
        }
        st_health_view v;
        st_health_snapshot(&h, &v);
        now = v.next_probe_ms;
        CHECK(st_health_may_send(&h, now, NULL));
        for (int i = 0; i < 5; i++) { /* the probe and a few more succeed */
            st_health_transition tr = st_health_success(&h, now + i);
            opened += tr == ST_HEALTH_OPENED;
            recovered += tr == ST_HEALTH_RECOVERED;
        }
        CHECK(opened == cycle + 1);
        CHECK(recovered == cycle + 1);
        now += 100000;
    }
}

TEST(cancelled_or_abandoned_probe_is_released)
{
    st_health h;
    open_at_t0(&h);
    bool probe = false;
    CHECK(st_health_may_send(&h, T0 + 1000, &probe) && probe);
    CHECK(!st_health_may_send(&h, T0 + 1001, NULL));
    st_health_probe_cancel(&h); /* nothing was sent after all */
    CHECK(st_health_may_send(&h, T0 + 1002, &probe) && probe);
    /* A probe whose drainer died never reports: its lease runs out. */
    CHECK(!st_health_may_send(&h, T0 + 1002 + ST_HEALTH_PROBE_LEASE_MS - 1, NULL));
    CHECK(st_health_may_send(&h, T0 + 1002 + ST_HEALTH_PROBE_LEASE_MS, &probe) && probe);
    CHECK(!st_health_may_send(&h, T0 + 1003 + ST_HEALTH_PROBE_LEASE_MS, NULL));
}

TEST(wall_clock_going_back_does_not_block_forever)
{
    st_health h;
    open_at_t0(&h);
    /* The clock stepped back an hour: the stored deadline is further than any cool-down. */
    bool probe = false;
    CHECK(st_health_may_send(&h, T0 - 3600000, &probe) && probe);
    /* Same for a probe lease. */
    CHECK(!st_health_may_send(&h, T0 - 3600000, NULL));
    CHECK(st_health_may_send(&h, T0 - 7200000, &probe) && probe);
}

TEST(snapshot_and_error_text)
{
    st_health h;
    reset(&h);
    st_health_success(&h, T0);
    st_health_failure(&h, T0 + 1, 10, "Failed to connect\r\nto host\tport 443");
    st_health_view v;
    st_health_snapshot(&h, &v);
    CHECK_STR(v.state, "closed");
    CHECK(v.consecutive_failures == 1);
    CHECK(v.last_success_ms == T0);
    CHECK(v.last_failure_ms == T0 + 1);
    CHECK_STR(v.last_error, "Failed to connect  to host port 443"); /* control chars → ' ' */

    /* Truncated to 159 bytes, never inside a UTF-8 character. */
    char long_err[400];
    memset(long_err, 'a', 158);
    strcpy(long_err + 158, "\xc3\xa9 tail"); /* é straddles bytes 158-159 */
    st_health_failure(&h, T0 + 2, 10, long_err);
    st_health_snapshot(&h, &v);
    CHECK(strlen(v.last_error) == 158);
    CHECK(v.last_error[157] == 'a');
    memset(long_err, 'b', 300);
    long_err[300] = '\0';
    st_health_failure(&h, T0 + 3, 10, long_err);
    st_health_snapshot(&h, &v);
    CHECK(strlen(v.last_error) == ST_HEALTH_ERROR_MAX - 1);
    CHECK(v.last_error[0] == 'b' && v.last_error[158] == 'b');
    /* A shorter message replaces a longer one entirely (no stale tail). */
    st_health_failure(&h, T0 + 4, 10, "HTTP 503");
    st_health_snapshot(&h, &v);
    CHECK_STR(v.last_error, "HTTP 503");
    st_health_failure(&h, T0 + 5, 10, NULL);
    st_health_snapshot(&h, &v);
    CHECK_STR(v.last_error, "");
    /* NULL handles are harmless. */
    CHECK(st_health_failure(NULL, T0, 1, "x") == ST_HEALTH_NO_CHANGE);
    CHECK(st_health_success(NULL, T0) == ST_HEALTH_NO_CHANGE);
    st_health_snapshot(NULL, &v);
    CHECK_STR(v.state, "closed");
}

TEST(shared_between_processes)
{
    st_health *h = mmap(NULL, sizeof *h, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(h != MAP_FAILED);
    if (h == MAP_FAILED)
        return;
    memset(h, 0, sizeof *h);
    pid_t pid = fork();
    if (pid == 0) {
        int opened = 0;
        for (int i = 0; i < 3; i++)
            opened += st_health_failure(h, T0, 3, "HTTP 504") == ST_HEALTH_OPENED;
        _exit(opened == 1 ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    st_health_view v;
    st_health_snapshot(h, &v);
    CHECK_STR(v.state, "open");
    CHECK_STR(v.last_error, "HTTP 504");
    CHECK(!st_health_may_send(h, T0 + 1, NULL));
    munmap(h, sizeof *h);
}

/* ---- the seqlock ---- */

static st_health torn_h;
static atomic_int writer_stop;
static atomic_int writes_done;

/* Messages of distinct lengths, each made of one repeated letter: a torn read mixes
 * letters or has the wrong length for its letter. */
static size_t len_for(char ch)
{
    return 20 + (size_t)(ch - 'A') * 5; /* 'A' → 20 … 'Z' → 145 */
}

static void *error_writer(void *p)
{
    (void)p;
    char msg[ST_HEALTH_ERROR_MAX];
    int i = 0;
    while (!atomic_load_explicit(&writer_stop, memory_order_relaxed)) {
        char ch = (char)('A' + (i++ % 26));
        size_t n = len_for(ch);
        memset(msg, ch, n);
        msg[n] = '\0';
        st_health_failure(&torn_h, T0, 0, msg);
        atomic_fetch_add_explicit(&writes_done, 1, memory_order_relaxed);
    }
    return NULL;
}

TEST(seqlock_readers_never_see_torn_text)
{
    reset(&torn_h);
    atomic_store(&writer_stop, 0);
    pthread_t th;
    pthread_create(&th, NULL, error_writer, NULL);
    int reads = 0, torn = 0, empty = 0, distinct = 0;
    char letters_seen[26] = {0};
    /* Read until the writer has rewritten the text many times under the reader and the
     * reader has seen it change: counts, not a deadline, so a slow host (valgrind runs one
     * thread at a time) only takes longer. */
    atomic_store(&writes_done, 0);
    for (int i = 0; atomic_load_explicit(&writes_done, memory_order_relaxed) < 5000 ||
                    reads < 5000 || distinct < 2;
         i++) {
        if (!(i & 1023))
            sched_yield(); /* valgrind runs one thread at a time: let the writer in */
        st_health_view v;
        st_health_snapshot(&torn_h, &v);
        size_t n = strlen(v.last_error);
        if (n == 0) {
            empty++;
            continue;
        }
        reads++;
        char ch = v.last_error[0];
        bool ok = ch >= 'A' && ch <= 'Z' && n == len_for(ch);
        for (size_t k = 0; ok && k < n; k++)
            ok = v.last_error[k] == ch;
        if (!ok) {
            if (torn < 3)
                fprintf(stderr, "  torn read: \"%s\"\n", v.last_error);
            torn++;
        } else if (!letters_seen[ch - 'A']) {
            letters_seen[ch - 'A'] = 1;
            distinct++;
        }
    }
    atomic_store(&writer_stop, 1);
    pthread_join(th, NULL);
    if (torn)
        fprintf(stderr, "  %d torn of %d reads\n", torn, reads + torn);
    CHECK(torn == 0);
    /* The loop ran until the reader had read 5,000 texts and seen them change. */
    CHECK(distinct >= 2); /* it saw the text change under it (valgrind serialises
                           * threads: all 26 letters is too much to ask there) */
}

TEST(dead_writer_neither_hangs_readers_nor_blocks_writers)
{
    st_health h;
    reset(&h);
    st_health_failure(&h, T0, 0, "first");
    /* A writer killed mid-write leaves the sequence odd forever. */
    atomic_fetch_add(&h.last_error_seq, 1);
    st_health_view v;
    int64_t t0 = st_now_mono_ms();
    st_health_snapshot(&h, &v);
    CHECK(st_now_mono_ms() - t0 < 5000); /* bounded retries, not a hang */
    CHECK_STR(v.last_error, "");
    CHECK_STR(v.state, "closed"); /* the rest of the snapshot is still there */
    /* The next writer takes over and readers see its text. */
    st_health_failure(&h, T0 + 1, 0, "second");
    CHECK((atomic_load(&h.last_error_seq) & 1u) == 0);
    st_health_snapshot(&h, &v);
    CHECK_STR(v.last_error, "second");
}

int main(void)
{
    /* A hang (e.g. a seqlock spinning forever) fails instead of stalling make. Generous:
     * under valgrind the seqlock test alone has taken 12 to 50 s, as its scheduler lets the
     * writer thread run. */
    alarm(600);
    RUN(zero_initialised_is_closed);
    RUN(state_names);
    RUN(opens_exactly_at_the_threshold);
    RUN(success_resets_the_count);
    RUN(threshold_zero_never_opens);
    RUN(one_probe_after_the_cooldown);
    RUN(one_probe_among_racing_threads);
    RUN(probe_success_recovers_once);
    RUN(probe_failure_reopens_longer_up_to_the_cap);
    RUN(transitions_are_reported_once);
    RUN(cancelled_or_abandoned_probe_is_released);
    RUN(wall_clock_going_back_does_not_block_forever);
    RUN(snapshot_and_error_text);
    RUN(shared_between_processes);
    RUN(seqlock_readers_never_see_torn_text);
    RUN(dead_writer_neither_hangs_readers_nor_blocks_writers);
    CHECK_DONE();
}
