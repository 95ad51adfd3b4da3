/* The background thread (DESIGN.md §5): one per process, started lazily on PHP's
 * thread; the one whose thread holds the queue's lease drains it, the others wait to
 * take over. All it uses is the config copy, the queue mapping, curl and zlib. */
#ifndef ST_DRAINER_H
#define ST_DRAINER_H

#include "config.h"
#include "queue.h"

typedef struct st_drainer st_drainer;

/* Start the thread, every signal blocked before it exists. */
int st_drainer_start(st_drainer **out, const st_config *cfg, st_queue *q, char *err, size_t errlen);
/* Stop: a drainer keeps sending until the queue is empty or flush_timeout_ms passes,
 * then aborts what is in flight; a waiting thread exits at once. Joins within a bound
 * and frees d. Returns false if the thread did not end in time (it is then left
 * detached, and d is not freed). */
bool st_drainer_stop(st_drainer *d, int64_t flush_timeout_ms);
/* Whether this process's thread currently holds the lease. */
bool st_drainer_is_leader(const st_drainer *d);
/* The pid that started the thread (a forked child sees its parent's here). */
int st_drainer_owner_pid(const st_drainer *d);

#endif
