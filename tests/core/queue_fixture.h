/* Shared-memory queues for the core tests: open one under a name the test makes unique,
 * and close it and remove its object so that no run leaves one behind in /dev/shm. */
#ifndef ST_QUEUE_FIXTURE_H
#define ST_QUEUE_FIXTURE_H

#include "common.h"
#include "queue.h"

#include <stdio.h>
#include <sys/mman.h>

/* NULL, with the reason on stderr, when the queue cannot be opened. */
static inline st_queue *fixture_queue_open(const char *name, uint64_t memory, uint32_t max_records)
{
    st_queue_options o = {.name = name, .path = "", .memory = memory, .max_records = max_records};
    st_queue *q = NULL;
    char err[256] = "";
    if (st_queue_open(&o, &q, err, sizeof err) != 0)
        fprintf(stderr, "  open failed: %s\n", err);
    return q;
}

static inline void fixture_queue_drop(st_queue *q)
{
    char loc[128];
    st_strlcpy(loc, st_queue_location(q), sizeof loc);
    st_queue_close(q);
    shm_unlink(loc);
}

#endif
