/* The shared queue (DESIGN.md §4): a named mapping per effective uid and queue name,
 * shared by every PHP process of that user on the host, holding checksummed records
 * in a byte ring under a process-shared robust mutex. Offsets only, never pointers. */
#ifndef ST_QUEUE_H
#define ST_QUEUE_H

#include "common.h"
#include "stats.h"

/* 2: the drainer lease is a set of tokens, a heartbeat and an epoch (issue 11.1), and the
 * record checksum is CRC-32C (was zlib crc32). 3: client-report discards per DSN slot. */
#define ST_QUEUE_LAYOUT_VERSION 3u
#define ST_QUEUE_DSN_SLOTS 8

typedef struct st_queue st_queue;
typedef struct st_queue_header st_queue_header;

typedef struct st_queue_options {
    const char *name;     /* [A-Za-z0-9_.-]{1,32}; used when path is empty */
    const char *path;     /* "" or NULL: POSIX shm; else a file (the queue survives reboots) */
    uint64_t memory;      /* bytes of the mapping, when this process creates it */
    uint32_t max_records; /* count bound, when this process creates it */
} st_queue_options;

/* Per-record metadata, stored beside the payload. */
typedef struct st_record_meta {
    char event_id[33];
    uint32_t category_mask; /* bit (1u << st_category) per item in the envelope */
    uint16_t dsn_slot;
    uint16_t attempts;       /* attempts already made */
    int64_t enqueued_ms;     /* wall clock */
    int64_t next_attempt_ms; /* wall clock; 0: now */
} st_record_meta;

/* One record handed to the drainer: a private copy of the payload. */
typedef struct st_taken_record {
    uint64_t pos; /* ring position, identifies the record for complete/retry */
    st_record_meta meta;
    char *payload; /* malloc'd; the caller frees */
    size_t payload_len;
    uint32_t checksum; /* as stored; verified by st_queue_take outside the lock */
} st_taken_record;

/* Open (creating if absent) the queue. Refuses an object owned by another uid, one with
 * group/other permissions, a symlink, or a layout it does not know; err says why. */
int st_queue_open(const st_queue_options *opts, st_queue **out, char *err, size_t errlen);
/* Unmap. In a forked child, call st_queue_forget instead: it drops the handle without
 * touching any lock (the mapping stays valid in the child; see st_queue_after_fork). */
void st_queue_close(st_queue *q);
/* The name of the mapping or the path of the file, for status. */
const char *st_queue_location(const st_queue *q);
st_queue_header *st_queue_shared(st_queue *q);
st_shared_stats *st_queue_stats(st_queue *q);
struct st_ratelimit_table *st_queue_ratelimits(st_queue *q);
/* A DSN slot's discards, reported to that DSN's project; NULL for a slot out of range. */
struct st_discards *st_queue_discards(st_queue *q, int slot);
/* The upstream circuit of one DSN slot (each DSN fails and recovers on its own), NULL for
 * a slot out of range. */
struct st_health *st_queue_dsn_health(st_queue *q, int slot);
/* The share of the host-wide counters that belongs to one DSN slot, NULL out of range. */
st_dsn_stats *st_queue_dsn_stats(st_queue *q, int slot);
/* The dead-letter directory, host-wide: "open" while dead letters cannot be written
 * (last_error says why), and how many permanent failures were dropped because of it. */
struct st_health *st_queue_deadletter_health(st_queue *q);
_Atomic uint64_t *st_queue_deadletter_errors(st_queue *q);
_Atomic uint64_t *st_queue_drops_total(st_queue *q); /* indexed by st_discard_reason */
_Atomic uint64_t *st_queue_client_reports_sent(st_queue *q);
/* Count a discard (st_discard_reason) once per category of category_mask: for the next
 * client report to the DSN of `slot` (< 0: slot 0), and in the never-reset totals getMetrics()
 * shows. */
void st_queue_discard(st_queue *q, int slot, int reason, uint32_t category_mask, uint64_t n);

/* Append a record made of pieces. ST_OK, ST_QUEUE_FULL (count or bytes), or
 * ST_TOO_LARGE (bigger than the whole ring). Never blocks beyond the memcpy. */
st_status st_queue_push(st_queue *q, const st_record_meta *meta, const st_iov *iov, int niov);

/* Register a DSN string in the shared table; returns its slot, or -1 if the table is full. */
int st_queue_dsn_slot(st_queue *q, const char *dsn);
/* Copy the DSN of a slot; false if the slot is empty. */
bool st_queue_dsn_get(st_queue *q, int slot, char *out, size_t outlen);

/* ---- drainer side ---- */
/* Take up to max ready records whose next attempt is due, marking them in flight.
 * Records with a bad checksum are skipped, removed and counted as corrupt. */
int st_queue_take(st_queue *q, int64_t now_wall_ms, st_taken_record *out, int max);
/* What the drainer may take per DSN slot, derived from each slot's circuit. A record of a
 * slot whose budget is 0 stays ready and is passed over, as a waiting retry would be: the
 * scan comes back to it at resume_ms (or at st_queue_rescan). */
typedef struct st_take_gate {
    int32_t budget[ST_QUEUE_DSN_SLOTS];    /* records it may take: < 0 any; counted down */
    int64_t resume_ms[ST_QUEUE_DSN_SLOTS]; /* budget 0: when to look again (wall ms, > 0) */
} st_take_gate;
/* st_queue_take under a gate (NULL: none). */
int st_queue_take_gated(st_queue *q, int64_t now_wall_ms, st_taken_record *out, int max,
                        st_take_gate *gate);
/* Look at every ready record again at the next take (a circuit changed state). */
void st_queue_rescan(st_queue *q);
/* A definitive outcome: the record leaves the queue. */
void st_queue_complete(st_queue *q, uint64_t pos);
/* A transient failure: the record becomes ready again at next_attempt_ms, attempts+1. */
void st_queue_retry_later(st_queue *q, uint64_t pos, int64_t next_attempt_ms);
/* After winning the election: records a dead drainer left in flight become ready. */
void st_queue_reclaim_inflight(st_queue *q);
/* Earliest wall time a waiting retry becomes due, or 0 if none. */
int64_t st_queue_next_retry_ms(st_queue *q);

/* Drainer election (DESIGN.md §5, queue_lease.c). One thread per queue leads. A dead
 * leader is replaced at once (its token, a robust mutex, is freed by the kernel), a living
 * one whose heartbeat is older than stale_after_ms (stopped, frozen, traced) is replaced
 * too: every election bumps the lease's epoch, and a handle that led under an older epoch
 * is fenced: st_queue_take gives it nothing, st_queue_complete and st_queue_retry_later
 * change nothing for it. The new leader makes every record left in flight ready again, in
 * the same critical section, so those are sent again (at least once). */
typedef enum { ST_LEASE_TAKEN, ST_LEASE_BUSY, ST_LEASE_ERROR } st_lease_result;
typedef enum {
    ST_TAKEOVER_NONE = 0, /* nobody was leading */
    ST_TAKEOVER_DEAD,     /* the leader's thread was gone */
    ST_TAKEOVER_STALE,    /* the leader lived but had not renewed in time */
} st_takeover_reason;
typedef struct st_lease_info {
    uint64_t epoch;       /* the new epoch */
    int32_t previous_pid; /* the replaced leader, 0: none */
    st_takeover_reason reason;
    int64_t silent_ms; /* how long the replaced leader had not renewed */
} st_lease_info;
st_lease_result st_queue_lease_try(st_queue *q, int64_t stale_after_ms, st_lease_info *info);
/* The leader renews its heartbeat (also the wall-clock heartbeat getStatus shows); false
 * once another election has happened: it must take nothing more and step down. */
bool st_queue_lease_renew(st_queue *q);
/* Still the leader? One atomic load, no lock (st_queue_take checks again under it). */
bool st_queue_lease_held(st_queue *q);
/* Elected once, but another election has happened since: whatever this handle still
 * has in flight is no longer its to finish (no dead letter, no outcome). */
bool st_queue_lease_fenced(st_queue *q);
/* Step down (or, when fenced, let go of the token only). */
void st_queue_lease_release(st_queue *q);

/* Wake-ups: an enqueue bumps a shared futex word; an idle drainer sleeps on it. */
uint32_t st_queue_wake_seq(st_queue *q);
/* Bump the word and wake whoever sleeps on it. */
void st_queue_wake(st_queue *q);
/* Sleep until the word differs from seq or timeout_ms passes. */
void st_queue_wait(st_queue *q, uint32_t seq, int64_t timeout_ms);

/* ---- status ---- */
typedef struct st_queue_snapshot {
    uint32_t length; /* records queued, in flight included */
    uint32_t inflight;
    uint32_t retry_waiting;
    uint64_t bytes_used;
    uint64_t bytes_capacity;
    uint32_t max_records;
    int32_t drainer_pid; /* 0: none */
    int64_t drainer_since_ms;
    int64_t drainer_heartbeat_ms;
    uint64_t lease_epoch;     /* of the current (or last) leader */
    uint64_t takeovers_dead;  /* elections that replaced a dead leader */
    uint64_t takeovers_stale; /* elections that replaced a stalled one */
} st_queue_snapshot;
void st_queue_snapshot_read(st_queue *q, st_queue_snapshot *s);

/* Map every page of the mapping into this process now, so the request path never takes
 * a first-touch page fault. Slow (milliseconds): the background thread calls it. */
void st_queue_prefault(st_queue *q);

/* Bytes the ring uses for one record with a payload of n bytes (header + alignment). */
size_t st_queue_record_footprint(size_t n);

#endif
