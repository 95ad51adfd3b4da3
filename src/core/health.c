/* Upstream health / circuit breaker in shared memory. See health.h. */
#include "health.h"

#include <sched.h>
#include <string.h>

#define ERROR_WORDS (ST_HEALTH_ERROR_MAX / 8)
_Static_assert(ST_HEALTH_ERROR_MAX % 8 == 0, "last_error is stored as whole words");

static const char *const state_names[] = {
    [ST_HEALTH_CLOSED] = "closed",
    [ST_HEALTH_OPEN] = "open",
    [ST_HEALTH_HALF_OPEN] = "half_open",
};

const char *st_health_state_name(st_health_state s)
{
    if ((unsigned)s > ST_HEALTH_HALF_OPEN)
        return "unknown";
    return state_names[s];
}

static int64_t cooldown_ms(uint32_t opens)
{
    if (opens <= 1)
        return ST_HEALTH_COOLDOWN_BASE_MS;
    if (opens - 1 >= 16)
        return ST_HEALTH_COOLDOWN_MAX_MS;
    int64_t c = (int64_t)ST_HEALTH_COOLDOWN_BASE_MS << (opens - 1);
    return c > ST_HEALTH_COOLDOWN_MAX_MS ? ST_HEALTH_COOLDOWN_MAX_MS : c;
}

/* ---- last_error: a seqlock over words ---- */

/* Copy for display: control characters → ' ', cut at a UTF-8 character boundary. */
static void sanitize(const char *src, char out[ST_HEALTH_ERROR_MAX])
{
    memset(out, 0, ST_HEALTH_ERROR_MAX);
    if (!src)
        return;
    size_t n = strlen(src);
    if (n > ST_HEALTH_ERROR_MAX - 1) {
        n = ST_HEALTH_ERROR_MAX - 1;
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--; /* src[n] continues a character that would be cut: drop that character */
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)src[i];
        out[i] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
    }
}

/* There is one writer by design (the drainer). An odd sequence seen for long belongs to
 * a writer that died mid-write (or to a briefly overlapping drainer): take over, keeping
 * the sequence odd, so readers go on retrying until we are done. */
static void set_error(st_health *h, const char *error)
{
    char buf[ST_HEALTH_ERROR_MAX];
    sanitize(error, buf);
    uint64_t words[ERROR_WORDS];
    memcpy(words, buf, sizeof words);

    uint32_t s = atomic_load_explicit(&h->last_error_seq, memory_order_relaxed);
    uint32_t w;
    for (int spins = 0;; spins++) {
        if (!(s & 1u)) {
            if (atomic_compare_exchange_weak(&h->last_error_seq, &s, s + 1u)) {
                w = s + 1u;
                break;
            }
            continue;
        }
        if (spins >= 100) {
            if (atomic_compare_exchange_weak(&h->last_error_seq, &s, s + 2u)) {
                w = s + 2u;
                break;
            }
            continue;
        }
        sched_yield();
        s = atomic_load_explicit(&h->last_error_seq, memory_order_relaxed);
    }
    atomic_thread_fence(memory_order_release);
    for (int i = 0; i < ERROR_WORDS; i++)
        atomic_store_explicit(&h->last_error[i], words[i], memory_order_relaxed);
    atomic_store_explicit(&h->last_error_seq, w + 1u, memory_order_release);
}

/* false if no consistent copy could be made (a writer died mid-write): out is "". */
static bool read_error(const st_health *h, char out[ST_HEALTH_ERROR_MAX])
{
    st_health *m =
        (st_health *)h; /* atomic loads only; the cast spares old compilers' const rules */
    uint64_t words[ERROR_WORDS];
    for (int attempt = 0; attempt < 1000; attempt++) {
        if (attempt >= 8)
            sched_yield();
        uint32_t s1 = atomic_load_explicit(&m->last_error_seq, memory_order_acquire);
        if (s1 & 1u)
            continue;
        for (int i = 0; i < ERROR_WORDS; i++)
            words[i] = atomic_load_explicit(&m->last_error[i], memory_order_relaxed);
        atomic_thread_fence(memory_order_acquire);
        uint32_t s2 = atomic_load_explicit(&m->last_error_seq, memory_order_relaxed);
        if (s1 == s2) {
            memcpy(out, words, ST_HEALTH_ERROR_MAX);
            out[ST_HEALTH_ERROR_MAX - 1] = '\0';
            return true;
        }
    }
    out[0] = '\0';
    return false;
}

/* ---- transitions ---- */

st_health_transition st_health_success(st_health *h, int64_t now_ms)
{
    if (!h)
        return ST_HEALTH_NO_CHANGE;
    atomic_store(&h->last_success_ms, now_ms);
    atomic_store(&h->consecutive_failures, 0);
    uint32_t prev = atomic_exchange(&h->state, (uint32_t)ST_HEALTH_CLOSED);
    if (prev == ST_HEALTH_CLOSED)
        return ST_HEALTH_NO_CHANGE;
    /* Exactly one caller saw the circuit not closed: it reports the recovery. */
    atomic_store(&h->opens, 0);
    atomic_store(&h->probe_until_ms, 0);
    atomic_store(&h->since_ms, now_ms);
    return ST_HEALTH_RECOVERED;
}

st_health_transition st_health_failure(st_health *h, int64_t now_ms, uint32_t threshold,
                                       const char *error)
{
    if (!h)
        return ST_HEALTH_NO_CHANGE;
    set_error(h, error ? error : "");
    atomic_store(&h->last_failure_ms, now_ms);
    uint32_t n = atomic_fetch_add(&h->consecutive_failures, 1) + 1;

    uint32_t s = atomic_load(&h->state);
    if (s == ST_HEALTH_CLOSED) {
        if (threshold == 0 || n < threshold)
            return ST_HEALTH_NO_CHANGE;
        /* Publish the cool-down before the state: whoever sees OPEN sees its deadline. */
        atomic_store(&h->opens, 1);
        atomic_store(&h->opened_at_ms, now_ms);
        atomic_store(&h->next_probe_ms, now_ms + cooldown_ms(1));
        uint32_t expect = ST_HEALTH_CLOSED;
        if (!atomic_compare_exchange_strong(&h->state, &expect, (uint32_t)ST_HEALTH_OPEN))
            return ST_HEALTH_NO_CHANGE;
        atomic_fetch_add(&h->times_opened, 1);
        atomic_store(&h->since_ms, now_ms);
        return ST_HEALTH_OPENED;
    }
    if (s == ST_HEALTH_HALF_OPEN) {
        /* The probe failed (or a transfer from before the open did): back off longer. */
        uint32_t o = atomic_fetch_add(&h->opens, 1) + 1;
        atomic_store(&h->opened_at_ms, now_ms);
        atomic_store(&h->next_probe_ms, now_ms + cooldown_ms(o));
        uint32_t expect = ST_HEALTH_HALF_OPEN;
        atomic_compare_exchange_strong(&h->state, &expect, (uint32_t)ST_HEALTH_OPEN);
        /* Released after the state is OPEN, so nobody probes again before the cool-down. */
        atomic_store(&h->probe_until_ms, 0);
    }
    return ST_HEALTH_NO_CHANGE;
}

bool st_health_may_send(st_health *h, int64_t now_ms, bool *is_probe)
{
    if (is_probe)
        *is_probe = false;
    if (!h)
        return true;
    uint32_t s = atomic_load(&h->state);
    if (s == ST_HEALTH_CLOSED)
        return true;
    if (s == ST_HEALTH_OPEN) {
        int64_t next = atomic_load(&h->next_probe_ms);
        /* (A deadline further away than the longest cool-down: the wall clock went back.) */
        if (now_ms < next && next - now_ms <= ST_HEALTH_COOLDOWN_MAX_MS)
            return false;
        uint32_t expect = ST_HEALTH_OPEN;
        atomic_compare_exchange_strong(&h->state, &expect, (uint32_t)ST_HEALTH_HALF_OPEN);
    } else if (s != ST_HEALTH_HALF_OPEN) {
        return false; /* scribbled memory: be safe */
    }

    int64_t p = atomic_load(&h->probe_until_ms);
    if (p != 0 && now_ms < p && p - now_ms <= ST_HEALTH_PROBE_LEASE_MS)
        return false; /* a probe is in flight */
    int64_t mine = now_ms + ST_HEALTH_PROBE_LEASE_MS;
    if (mine == 0)
        mine = 1;
    if (!atomic_compare_exchange_strong(&h->probe_until_ms, &p, mine))
        return false; /* somebody else got it */
    if (atomic_load(&h->state) != ST_HEALTH_HALF_OPEN) {
        /* The previous probe failed (or succeeded) between our reads: not our turn. */
        int64_t expect = mine;
        atomic_compare_exchange_strong(&h->probe_until_ms, &expect, 0);
        return false;
    }
    if (is_probe)
        *is_probe = true;
    return true;
}

void st_health_probe_cancel(st_health *h)
{
    if (h)
        atomic_store(&h->probe_until_ms, 0);
}

bool st_health_is_closed(const st_health *h)
{
    return !h || atomic_load(&((st_health *)h)->state) == ST_HEALTH_CLOSED;
}

int64_t st_health_resume_ms(const st_health *h, int64_t now_ms)
{
    st_health *m = (st_health *)h; /* atomic loads only */
    if (h && atomic_load(&m->state) == ST_HEALTH_OPEN) {
        int64_t next = atomic_load(&m->next_probe_ms);
        if (next > now_ms && next - now_ms <= ST_HEALTH_COOLDOWN_MAX_MS)
            return next;
    }
    return now_ms + ST_HEALTH_COOLDOWN_BASE_MS;
}

void st_health_snapshot(const st_health *h, st_health_view *v)
{
    memset(v, 0, sizeof *v);
    v->state = "closed";
    if (!h)
        return;
    st_health *m = (st_health *)h; /* atomic loads only */
    uint32_t s = atomic_load(&m->state);
    v->state = st_health_state_name((st_health_state)s);
    v->consecutive_failures = atomic_load(&m->consecutive_failures);
    v->times_opened = atomic_load(&m->times_opened);
    v->last_success_ms = atomic_load(&m->last_success_ms);
    v->last_failure_ms = atomic_load(&m->last_failure_ms);
    v->since_ms = atomic_load(&m->since_ms);
    if (s != ST_HEALTH_CLOSED) {
        v->opens = atomic_load(&m->opens);
        v->opened_at_ms = atomic_load(&m->opened_at_ms);
        v->next_probe_ms = atomic_load(&m->next_probe_ms);
    }
    read_error(h, v->last_error);
}
