/* Drainer leadership: tokens, heartbeat, epoch (queue.h, queue_layout.h, DESIGN.md §5).
 *
 * The leader's thread holds a token (a robust mutex) for its reign, so a dead leader is
 * seen by the next candidate's trylock (EOWNERDEAD). A living leader that does not renew
 * its heartbeat within stale_after_ms (SIGSTOP, cgroup freezer, ptrace, starvation) is
 * replaced too; it still holds its token, so the new leader takes another one. Every
 * election bumps the epoch, and the queue refuses any record change from a handle elected
 * under an older epoch (st_queue_fenced_locked): the old leader, once it runs again,
 * takes nothing more, and its late outcomes cannot clobber what the new leader reclaimed,
 * sent or completed. All lease changes happen under the queue lock. */
#include "queue.h"
#include "queue_layout.h"
#include "queue_private.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

int st_queue_lease_init(st_queue_header *h)
{
    for (int i = 0; i < ST_LEASE_TOKENS; i++)
        if (st_queue_robust_mutex_init(&h->lease.token[i]) != 0)
            return -1;
    atomic_store(&h->lease.slot, -1);
    for (int i = 0; i <= ST_LEASE_TOKENS; i++)
        atomic_store(&h->lease.beat_mono_ms[i], 0);
    return 0;
}

uint64_t st_queue_lease_epoch_here(const st_queue *q)
{
    /* getpid: the drainer thread only, a few times per batch, never on the request path. */
    return q->lease_epoch != 0 && q->lease_pid == (int)getpid() ? q->lease_epoch : 0;
}

bool st_queue_fenced_locked(const st_queue *q)
{
    uint64_t mine = st_queue_lease_epoch_here(q);
    return mine != 0 && atomic_load(&q->hdr->lease.epoch) != mine;
}

/* Try to hold token i: 0 (held now, also when its holder had died) or an errno. */
static int token_trylock(st_queue_header *h, int i)
{
    int rc = pthread_mutex_trylock(&h->lease.token[i]);
    if (rc == EOWNERDEAD) {
        /* Its holder died: the token guards no data, it is simply ours now. */
        pthread_mutex_consistent(&h->lease.token[i]);
        rc = 0;
    }
    return rc;
}

/* A free token (or one whose holder died), other than skip; -1 if all are held (by
 * stalled leaders that were replaced): the new leader then leads without one and only its
 * heartbeat tells whether it lives. */
static int grab_token(st_queue_header *h, int skip)
{
    for (int i = 0; i < ST_LEASE_TOKENS; i++)
        if (i != skip && token_trylock(h, i) == 0)
            return i;
    return -1;
}

/* The heartbeat word of a token (a leader without one has its own). */
static _Atomic int64_t *beat_of(st_queue_header *h, int token)
{
    return &h->lease.beat_mono_ms[token >= 0 && token < ST_LEASE_TOKENS ? token : ST_LEASE_TOKENS];
}

static void drop_token(st_queue_header *h, int token)
{
    if (token >= 0 && token < ST_LEASE_TOKENS)
        pthread_mutex_unlock(&h->lease.token[token]);
}

st_lease_result st_queue_lease_try(st_queue *q, int64_t stale_after_ms, st_lease_info *info)
{
    st_queue_header *h = q->hdr;
    st_lease_info none = {0};
    if (!info)
        info = &none;
    memset(info, 0, sizeof *info);
    if (st_queue_lease_epoch_here(q) != 0)
        return ST_LEASE_BUSY; /* this handle leads (or has not stepped down yet) */

    /* Look first without the queue lock: a candidate polls several times a second. */
    uint64_t epoch = atomic_load(&h->lease.epoch);
    int32_t pid = atomic_load(&h->drainer_pid);
    int32_t slot = atomic_load(&h->lease.slot);
    int64_t now = st_now_mono_ms();
    st_takeover_reason reason = ST_TAKEOVER_NONE;
    int token = -1;
    if (pid != 0) {
        if (slot >= 0 && slot < ST_LEASE_TOKENS) {
            int rc = token_trylock(h, slot);
            if (rc == 0) {
                token = slot; /* the leader's thread is gone: its token is ours */
                reason = ST_TAKEOVER_DEAD;
            } else if (rc != EBUSY) {
                return ST_LEASE_ERROR;
            }
        }
        if (reason == ST_TAKEOVER_NONE) {
            int64_t beat = atomic_load(beat_of(h, slot));
            /* A beat "from the future" cannot be this boot's: not trusted either. */
            if (now - beat < stale_after_ms && beat <= now + stale_after_ms)
                return ST_LEASE_BUSY;
            reason = ST_TAKEOVER_STALE;
        }
    }
    if (token < 0)
        token = grab_token(h, slot);

    st_queue_lock(q);
    /* Decide again under the lock: another candidate may have won, the leader may have
     * stepped down, or renewed just now. */
    int64_t beat = atomic_load(beat_of(h, slot));
    now = st_now_mono_ms();
    bool changed = atomic_load(&h->lease.epoch) != epoch || atomic_load(&h->drainer_pid) != pid;
    bool renewed =
        reason == ST_TAKEOVER_STALE && now - beat < stale_after_ms && beat <= now + stale_after_ms;
    if (changed || renewed) {
        st_queue_unlock(q);
        drop_token(h, token);
        return ST_LEASE_BUSY;
    }
    uint64_t next = epoch + 1 ? epoch + 1 : 1; /* 0 means "not leading" */
    int64_t wall = st_now_wall_ms();
    atomic_store(&h->lease.epoch, next);
    atomic_store(&h->lease.slot, token);
    atomic_store(beat_of(h, token), now);
    atomic_store(&h->drainer_since_ms, wall);
    atomic_store(&h->drainer_heartbeat_ms, wall);
    atomic_store(&h->drainer_pid, (int32_t)getpid());
    /* Whatever the replaced leader had in flight is sent again by this one. */
    st_queue_reclaim_locked(q);
    st_queue_unlock(q);

    atomic_fetch_add(&h->stats.drainer_elections, 1);
    if (reason == ST_TAKEOVER_DEAD)
        atomic_fetch_add(&h->lease.takeovers_dead, 1);
    else if (reason == ST_TAKEOVER_STALE)
        atomic_fetch_add(&h->lease.takeovers_stale, 1);
    q->lease_epoch = next;
    q->lease_token = token;
    q->lease_pid = (int)getpid();
    info->epoch = next;
    info->previous_pid = pid;
    info->reason = reason;
    info->silent_ms = pid ? now - beat : 0;
    return ST_LEASE_TAKEN;
}

bool st_queue_lease_held(st_queue *q)
{
    uint64_t mine = st_queue_lease_epoch_here(q);
    return mine != 0 && atomic_load(&q->hdr->lease.epoch) == mine;
}

bool st_queue_lease_fenced(st_queue *q)
{
    uint64_t mine = st_queue_lease_epoch_here(q);
    return mine != 0 && atomic_load(&q->hdr->lease.epoch) != mine;
}

bool st_queue_lease_renew(st_queue *q)
{
    st_queue_header *h = q->hdr;
    if (!st_queue_lease_held(q))
        return false;
    /* No queue lock: a leader frozen here holds nothing anyone waits for. Its own token's
     * word only, so a late renewal after a takeover refreshes nobody else's heartbeat. */
    atomic_store(beat_of(h, q->lease_token), st_now_mono_ms());
    if (!st_queue_lease_held(q))
        return false;
    atomic_store(&h->drainer_heartbeat_ms, st_now_wall_ms());
    return true;
}

void st_queue_lease_release(st_queue *q)
{
    st_queue_header *h = q->hdr;
    if (st_queue_lease_epoch_here(q) == 0) {
        /* Not ours (a forked child's copy of its parent's): touch nothing, not the token. */
        q->lease_epoch = 0;
        q->lease_token = -1;
        return;
    }
    st_queue_lock(q);
    if (!st_queue_fenced_locked(q)) { /* still ours: nobody leads now */
        atomic_store(&h->drainer_pid, 0);
        atomic_store(&h->lease.slot, -1);
    }
    st_queue_unlock(q);
    /* Last: while the lease still names the token, a candidate must find it held. */
    drop_token(h, q->lease_token);
    q->lease_epoch = 0;
    q->lease_token = -1;
}
