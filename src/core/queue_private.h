/* What queue.c shares with queue_lease.c: the process-local handle and the queue lock.
 * Nothing outside the queue's own files includes this. */
#ifndef ST_QUEUE_PRIVATE_H
#define ST_QUEUE_PRIVATE_H

#include "queue.h"
#include "queue_layout.h"

struct st_queue {
    st_queue_header *hdr;
    uint8_t *data;
    size_t map_size;
    char location[1100];
    /* The lease as this process holds it (its drainer thread only): the epoch it was
     * elected with (0: not leading, and then nothing is fenced) and its token (-1: none).
     * Read through st_queue_lease_epoch_here(). */
    uint64_t lease_epoch;
    int lease_token;
    int lease_pid; /* who set them: a forked child inherits the handle, not the lease */
};

/* The queue lock, repaired after EOWNERDEAD (see queue.c). */
void st_queue_lock(st_queue *q);
void st_queue_unlock(st_queue *q);
/* With the lock held: records left in flight become ready again. */
void st_queue_reclaim_locked(st_queue *q);
/* The epoch this process's drainer leads with, 0: none (never, stepped down, or the
 * handle came through fork from a process whose thread led). */
uint64_t st_queue_lease_epoch_here(const st_queue *q);
/* With the lock held: this handle led, but another election has happened since. */
bool st_queue_fenced_locked(const st_queue *q);
/* A process-shared robust mutex. */
int st_queue_robust_mutex_init(pthread_mutex_t *m);
/* Reset the lease words (the lock words of another boot, or a new queue). */
int st_queue_lease_init(st_queue_header *h);

#endif
