/* The drainer lease (queue_lease.c): a stalled leader is replaced, and the fencing epoch
 * keeps it from taking or changing records once it runs again. */
#include "check.h"
#include "queue.h"
#include "queue_fixture.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char qname[64];

static st_queue *open_queue(void)
{
    static int seq;
    snprintf(qname, sizeof qname, "lease%d-%d", (int)getpid(), seq++);
    return fixture_queue_open(qname, 256 * 1024, 100);
}

static st_queue *open_again(void)
{
    return fixture_queue_open(qname, 256 * 1024, 100);
}

static void push(st_queue *q, int id)
{
    st_record_meta m = {0};
    snprintf(m.event_id, sizeof m.event_id, "%032d", id);
    m.category_mask = 2;
    char text[32];
    int n = snprintf(text, sizeof text, "event %d", id);
    st_iov iov = {text, (size_t)n};
    st_queue_push(q, &m, &iov, 1);
}

static void free_taken(st_taken_record *r, int n)
{
    for (int i = 0; i < n; i++)
        free(r[i].payload);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* stale_after 0 makes any heartbeat stale: a takeover without waiting. */
TEST(stale_takeover_fences_the_old_leader)
{
    st_queue *a = open_queue();
    st_queue *b = a ? open_again() : NULL;
    CHECK(a && b);
    if (!a || !b)
        return;
    st_lease_info li;
    CHECK(st_queue_lease_try(a, 3000, &li) == ST_LEASE_TAKEN);
    CHECK(li.reason == ST_TAKEOVER_NONE && li.epoch == 1 && li.previous_pid == 0);
    for (int i = 1; i <= 3; i++)
        push(a, i);
    st_taken_record ra[4], rb[4];
    CHECK(st_queue_take(a, st_now_wall_ms(), ra, 2) == 2);

    /* A fresh heartbeat and a held token: nobody takes over. */
    CHECK(st_queue_lease_try(b, 3000, &li) == ST_LEASE_BUSY);
    CHECK(st_queue_lease_renew(a));

    /* Stale: b takes over, and a's two records in flight are ready again. */
    CHECK(st_queue_lease_try(b, 0, &li) == ST_LEASE_TAKEN);
    CHECK(li.reason == ST_TAKEOVER_STALE && li.epoch == 2 && li.previous_pid == getpid());
    st_queue_snapshot s;
    st_queue_snapshot_read(b, &s);
    CHECK(s.length == 3 && s.inflight == 0 && s.lease_epoch == 2 && s.takeovers_stale == 1 &&
          s.takeovers_dead == 0);

    /* a runs again: it is fenced, takes nothing, renews nothing. */
    CHECK(!st_queue_lease_held(a) && st_queue_lease_fenced(a));
    CHECK(st_queue_lease_held(b) && !st_queue_lease_fenced(b));
    CHECK(!st_queue_lease_renew(a));
    CHECK(st_queue_take(a, st_now_wall_ms(), rb, 4) == 0);

    /* b sends all three again, a's two included. */
    CHECK(st_queue_take(b, st_now_wall_ms(), rb, 4) == 3);
    /* a's late outcomes change nothing b holds: not completed, not put back. */
    st_queue_complete(a, ra[0].pos);
    st_queue_retry_later(a, ra[1].pos, st_now_wall_ms() + 60000);
    st_queue_snapshot_read(b, &s);
    CHECK(s.length == 3 && s.inflight == 3 && s.retry_waiting == 0);
    /* b's outcomes still count. */
    for (int i = 0; i < 3; i++)
        st_queue_complete(b, rb[i].pos);
    st_queue_snapshot_read(b, &s);
    CHECK(s.length == 0 && s.inflight == 0);

    /* a steps down without touching b's lease; b then steps down for real. */
    st_queue_lease_release(a);
    st_queue_snapshot_read(b, &s);
    CHECK(s.drainer_pid == getpid() && st_queue_lease_held(b) && st_queue_lease_renew(b));
    st_queue_lease_release(b);
    st_queue_snapshot_read(b, &s);
    CHECK(s.drainer_pid == 0 && s.lease_epoch == 2);
    /* The next election bumps the epoch again. */
    CHECK(st_queue_lease_try(a, 3000, &li) == ST_LEASE_TAKEN);
    CHECK(li.reason == ST_TAKEOVER_NONE && li.epoch == 3);
    st_queue_lease_release(a);
    free_taken(ra, 2);
    free_taken(rb, 3);
    st_queue_close(b);
    fixture_queue_drop(a);
}

/* Every token held by a replaced (stalled) leader: the next one leads without a token and
 * is still replaced when silent; the epoch keeps growing. */
TEST(leaders_beyond_the_tokens_still_take_over)
{
    enum { N = 11 };
    st_queue *h[N] = {0};
    h[0] = open_queue();
    CHECK(h[0] != NULL);
    if (!h[0])
        return;
    for (int i = 1; i < N; i++)
        h[i] = open_again();
    for (int i = 0; i < N; i++) {
        st_lease_info li;
        CHECK(h[i] && st_queue_lease_try(h[i], 0, &li) == ST_LEASE_TAKEN);
        CHECK(li.epoch == (uint64_t)i + 1);
        CHECK(li.reason == (i ? ST_TAKEOVER_STALE : ST_TAKEOVER_NONE));
        for (int j = 0; j < i; j++)
            CHECK(st_queue_lease_fenced(h[j]));
    }
    push(h[0], 1);
    st_taken_record r[2];
    CHECK(st_queue_take(h[N - 2], st_now_wall_ms(), r, 2) == 0);
    CHECK(st_queue_take(h[N - 1], st_now_wall_ms(), r, 2) == 1);
    free_taken(r, 1);
    for (int i = N - 1; i >= 0; i--)
        st_queue_lease_release(h[i]);
    st_queue_snapshot s;
    st_queue_snapshot_read(h[0], &s);
    CHECK(s.drainer_pid == 0 && s.takeovers_stale == N - 1);
    for (int i = 1; i < N; i++)
        st_queue_close(h[i]);
    fixture_queue_drop(h[0]);
}

/* A real process leads and renews; SIGSTOP freezes it. Another process takes over once the
 * heartbeat is stale; after SIGCONT the old leader finds that renew fails and that it can
 * take nothing. Exit codes carry the child's findings. */
TEST(stopped_leader_is_replaced_and_fenced_after_sigcont)
{
    st_queue *q = open_queue();
    CHECK(q != NULL);
    if (!q)
        return;
    for (int i = 1; i <= 4; i++)
        push(q, i);
    int ready[2];
    CHECK(pipe(ready) == 0);
    pid_t child = fork();
    if (child == 0) {
        close(ready[0]);
        st_queue_close(q); /* the child works through its own handle */
        st_queue *c = open_again();
        st_taken_record r[4];
        if (!c || st_queue_lease_try(c, 500, NULL) != ST_LEASE_TAKEN)
            _exit(2);
        if (st_queue_take(c, st_now_wall_ms(), r, 2) != 2)
            _exit(3);
        if (write(ready[1], "x", 1) != 1)
            _exit(4);
        /* Renew until told it lost the lease (bounded: 60 s). */
        for (int i = 0; i < 6000 && st_queue_lease_renew(c); i++)
            sleep_ms(10);
        if (st_queue_lease_held(c))
            _exit(5);
        if (st_queue_take(c, st_now_wall_ms(), r + 2, 2) != 0)
            _exit(6);                   /* took more after losing the lease */
        st_queue_complete(c, r[0].pos); /* refused: r[0] is the new leader's */
        st_queue_lease_release(c);
        free_taken(r, 2);
        st_queue_close(c); /* nothing left for valgrind to call lost in the child */
        _exit(10);
    }
    close(ready[1]);
    char x;
    CHECK(read(ready[0], &x, 1) == 1);
    close(ready[0]);
    st_lease_info li;
    CHECK(st_queue_lease_try(q, 500, &li) == ST_LEASE_BUSY); /* it lives and renews */
    CHECK(kill(child, SIGSTOP) == 0);
    int got = 0;
    for (int i = 0; i < 1000 && !got; i++) { /* bounded (≤ ~20 s), not timed */
        st_lease_result lr = st_queue_lease_try(q, 500, &li);
        got = lr == ST_LEASE_TAKEN;
        if (!got)
            sleep_ms(20);
    }
    CHECK(got && li.reason == ST_TAKEOVER_STALE && li.previous_pid == child);
    st_taken_record r[4];
    int n = st_queue_take(q, st_now_wall_ms(), r, 4);
    CHECK(n == 4); /* the child's two in flight included */
    CHECK(kill(child, SIGCONT) == 0);
    int status = 0;
    waitpid(child, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 10);
    st_queue_snapshot s;
    st_queue_snapshot_read(q, &s);
    CHECK(s.length == 4 && s.inflight == 4 && s.drainer_pid == getpid());
    for (int i = 0; i < n; i++)
        st_queue_complete(q, r[i].pos);
    st_queue_snapshot_read(q, &s);
    CHECK(s.length == 0);
    free_taken(r, n);
    st_queue_lease_release(q);
    fixture_queue_drop(q);
}

/* A forked child inherits the handle of a process whose thread leads, not its lease: once
 * the parent steps down, the child's own election must work (FPM, pcntl_fork heirs). */
TEST(forked_child_does_not_inherit_the_lease)
{
    st_queue *q = open_queue();
    CHECK(q != NULL);
    if (!q)
        return;
    CHECK(st_queue_lease_try(q, 3000, NULL) == ST_LEASE_TAKEN);
    int go[2];
    CHECK(pipe(go) == 0);
    pid_t child = fork();
    if (child == 0) {
        close(go[1]);
        char x;
        if (st_queue_lease_held(q) || st_queue_lease_fenced(q))
            _exit(2);                /* the parent's lease is not this process's */
        if (read(go[0], &x, 1) != 1) /* the parent stepped down */
            _exit(3);
        st_lease_info li;
        if (st_queue_lease_try(q, 3000, &li) != ST_LEASE_TAKEN || li.epoch != 2)
            _exit(4);
        st_queue_lease_release(q);
        _exit(10);
    }
    close(go[0]);
    st_queue_lease_release(q);
    CHECK(write(go[1], "x", 1) == 1);
    close(go[1]);
    int status = 0;
    waitpid(child, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 10);
    fixture_queue_drop(q);
}

int main(void)
{
    RUN(stale_takeover_fences_the_old_leader);
    RUN(leaders_beyond_the_tokens_still_take_over);
    RUN(stopped_leader_is_replaced_and_fenced_after_sigcont);
    RUN(forked_child_does_not_inherit_the_lease);
    CHECK_DONE();
}
