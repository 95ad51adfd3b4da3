/* The bytes of the shared mapping. Only queue.c and queue_map.c include this; a change
 * here must bump ST_QUEUE_LAYOUT_VERSION (it is part of the mapping's name). */
#ifndef ST_QUEUE_LAYOUT_H
#define ST_QUEUE_LAYOUT_H

#include <pthread.h>
#include <stddef.h>
#include <stdatomic.h>
#include "queue.h"
#include "stats.h"
#include "clientreport.h"
#include "health.h"
#include "ratelimit.h"

#define ST_QUEUE_MAGIC 0x5354515545554531ull /* "STQUEUE1" */
#define ST_RECORD_ALIGN 8u

enum { ST_INIT_NONE = 0, ST_INIT_BUSY = 1, ST_INIT_READY = 2 };

/* Record states, as distinct non-zero words so zeroed or scribbled memory is not sane. */
#define ST_REC_READY 0x52454431u    /* waiting to be sent (now, or at next_attempt_ms) */
#define ST_REC_INFLIGHT 0x494e4631u /* handed to the drainer */
#define ST_REC_DONE 0x444f4e31u     /* definitive outcome; space reclaimed from the head */
#define ST_REC_PAD 0x50414431u      /* filler up to the end of the ring */

/* Drainer leadership (DESIGN.md §5, queue_lease.c). A leader's thread holds one of the
 * tokens for its reign: the kernel frees a robust mutex when its holder dies, so a dead
 * leader is seen at once. A stopped or frozen one keeps its token, so leadership also
 * carries a heartbeat (CLOCK_MONOTONIC: lock words and these values are reset when a
 * file-backed queue is adopted after a reboot) and an epoch bumped by every election: a
 * stale heartbeat lets another thread take over with a new token, and the old leader,
 * once it runs again, finds a newer epoch and may change no record. epoch, slot and the
 * holder pid change under the queue lock; they are atomics so candidates can look first,
 * and the leader renews, without it. */
#define ST_LEASE_TOKENS 8

typedef struct st_lease_shared {
    pthread_mutex_t token[ST_LEASE_TOKENS];
    _Atomic uint64_t epoch; /* bumped by every election; 0: nobody ever led */
    _Atomic int32_t slot;   /* the leader's token, -1: none (all were busy) */
    /* Last renewal by the holder of each token ([ST_LEASE_TOKENS]: a leader without one).
     * Per token, so a replaced leader that runs again cannot refresh its successor's. */
    _Atomic int64_t beat_mono_ms[ST_LEASE_TOKENS + 1];
    _Atomic uint64_t takeovers_dead;  /* elections that replaced a dead leader */
    _Atomic uint64_t takeovers_stale; /* elections that replaced a stalled, living one */
} st_lease_shared;

typedef struct st_record_header {
    uint32_t state;
    uint32_t total_len;   /* bytes in the ring, header included, aligned */
    uint32_t payload_len; /* envelope bytes */
    uint32_t crc;         /* CRC-32C of event_id, category_mask, payload (crc32c.h) */
    uint32_t category_mask;
    uint16_t attempts;
    uint16_t dsn_slot;
    int64_t enqueued_ms;
    int64_t next_attempt_ms;
    char event_id[32];
} st_record_header;

struct st_queue_header {
    uint64_t magic;
    uint32_t layout_version;
    _Atomic uint32_t init_state;
    _Atomic int32_t init_pid;
    uint32_t header_size; /* the ring starts here */
    uint64_t total_size;
    uint64_t data_size;
    uint32_t max_records;
    char boot_id[40]; /* kernel boot the lock words belong to (file-backed queues) */

    pthread_mutex_t lock; /* guards everything below up to the atomics */
    st_lease_shared lease;

    uint64_t head;   /* oldest record still live */
    uint64_t tail;   /* where the next record goes; moved last when publishing */
    uint64_t cursor; /* drainer scan position: before it, nothing is ready now */
    uint32_t count;  /* live records, in flight included */
    uint32_t inflight;
    uint32_t retry_waiting;
    int64_t next_retry_ms; /* earliest waiting retry behind the cursor, 0: none */

    uint32_t dsn_count;
    char dsn[ST_QUEUE_DSN_SLOTS][1024];

    _Atomic int32_t drainer_pid; /* the lease holder, 0: none */
    _Atomic int64_t drainer_since_ms;
    _Atomic int64_t drainer_heartbeat_ms;
    _Atomic uint32_t wake_seq; /* futex word: bumped by every enqueue */
    _Atomic uint32_t drainer_sleeping;

    st_shared_stats stats;
    st_ratelimit_table ratelimits; /* per DSN slot: what any process learned holds for all */
    st_discards discards[ST_QUEUE_DSN_SLOTS]; /* per DSN, for its client reports: reset when
                                               * reported */
    _Atomic uint64_t drops_total[ST_DISCARD_REASON_COUNT]; /* for metrics: never reset */
    _Atomic uint64_t client_reports_sent;
    st_health health; /* the upstream circuit of DSN slot 0 */

    /* Taken from `reserved` (issue #4); all zero reads as healthy, so a mapping made
     * before keeps working. "open" while dead letters cannot be written. */
    st_health deadletter_health;
    _Atomic uint64_t deadletter_errors; /* permanent failures dropped: not written */

    /* Taken from `reserved` (issue #8): the circuits of DSN slots 1.., and every slot's
     * counters. All zero reads as closed and uncounted. */
    st_health dsn_health[ST_QUEUE_DSN_SLOTS - 1];
    st_dsn_stats dsn_stats[ST_QUEUE_DSN_SLOTS];

    /* Room to grow without a new layout version. */
    uint8_t reserved[4096 - sizeof(st_health) - sizeof(uint64_t) -
                     (ST_QUEUE_DSN_SLOTS - 1) * sizeof(st_health) -
                     ST_QUEUE_DSN_SLOTS * sizeof(st_dsn_stats)];
};

/* Carving fields out of `reserved` must not move or resize anything else. */
_Static_assert(offsetof(struct st_queue_header, reserved) +
                       sizeof(((struct st_queue_header *)0)->reserved) ==
                   offsetof(struct st_queue_header, deadletter_health) + 4096,
               "the reserved area keeps its size");

int st_queue_init_header(st_queue_header *h, uint64_t total, uint32_t max_records);

#endif
