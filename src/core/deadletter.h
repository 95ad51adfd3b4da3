/* The dead-letter directory (issue #3, #4): envelopes that ended in a permanent failure,
 * one file per envelope, bounded by count and bytes, oldest pruned first.
 *
 * Layout: one regular file per envelope, mode 0600, named
 *     <failed_at_ms, 13 digits>-<reason [a-z0-9_]{1,32}>-a<attempts>-<event_id | none>.envelope
 * e.g. 1763817895123-send_error-a3-0123456789abcdef0123456789abcdef.envelope, holding the
 * envelope bytes exactly as queued (the header without "sent_at"). The id of a dead letter
 * is its file name without ".envelope". Names sort by time, so "oldest" = smallest name.
 * Files are written under a ".tmp-…" name (O_CREAT|O_EXCL|O_NOFOLLOW, 0600) and published
 * with link()+unlink() (never replacing an existing dead letter). Other names in the
 * directory are ignored (stale ".tmp-" files older than an hour are removed when pruning).
 *
 * The directory is 0700 and owned by the effective uid; an existing one that is a symbolic
 * link, owned by another uid or accessible to group/others is refused with a clear error.
 *
 * No in-memory shared state: the drainer thread writes while PHP processes list, replay
 * and purge. Each handle belongs to one thread; the filesystem (atomic link/rename,
 * unlink of a vanished file tolerated) is the only thing they share. */
#ifndef ST_DEADLETTER_H
#define ST_DEADLETTER_H

#include "common.h"

typedef struct st_deadletter st_deadletter;

/* "<13 digits>-<reason>-a<attempts>-<32 hex>" fits easily. */
#define ST_DEADLETTER_ID_MAX 96
#define ST_DEADLETTER_REASON_MAX 32
#define ST_DEADLETTER_MAX_ATTEMPTS 99999

typedef struct st_deadletter_entry {
    char id[ST_DEADLETTER_ID_MAX]; /* the file name without ".envelope" */
    char event_id[33];             /* "" when the name says "none" */
    char reason[ST_DEADLETTER_REASON_MAX + 1];
    int attempts;
    int64_t failed_at_ms; /* wall clock */
    uint64_t size;        /* bytes of the envelope */
} st_deadletter_entry;

/* The default directory: "${TMPDIR:-/tmp}/sentry_transport-<euid>/dead-letters" (TMPDIR
 * only when it is an absolute path). Reads the environment: call it on PHP's thread (a
 * getenv() racing PHP's putenv() has crashed other extensions, DESIGN.md §9) and hand the
 * result to the thread. Returns 0, or -1 if out is too small. */
int st_deadletter_default_path(char *out, size_t outlen);

/* Open the directory `path` (absolute), or the default one for NULL / "" (which reads
 * TMPDIR: see st_deadletter_default_path), creating missing components 0700. The final
 * directory (and, for the default path, its "sentry_transport-<euid>" parent) must be a
 * real directory owned by the euid without group/other permissions, else it is refused.
 * max_files / max_bytes bound the directory after each write (0: no bound).
 * Returns ST_OK, or ST_ERR with err filled. */
int st_deadletter_open(const char *path, uint32_t max_files, uint64_t max_bytes,
                       st_deadletter **out, char *err, size_t errlen);
void st_deadletter_close(st_deadletter *dl);
/* The directory's path. */
const char *st_deadletter_path(const st_deadletter *dl);

/* Write one envelope, then prune the oldest dead letters while there are more than
 * max_files or more than max_bytes; *pruned_out (may be NULL) gets how many files this
 * call removed (the new one included, if it was the oldest). `reason` is a token such as
 * "send_error", "too_large", "network_error", "server_error": lowercased, other characters
 * than [a-z0-9_] become '_', cut at 32 ("unknown" if empty). event_id: 32 hex digits (any
 * case) or anything else → "none". attempts is clamped to 0..99999, failed_at_ms to
 * 0..9999999999999. If the same name exists, the time is moved on by 1 ms.
 * Returns ST_OK; ST_TOO_LARGE (nothing written) when len alone exceeds max_bytes; ST_ERR
 * with err on I/O failure (nothing left behind). */
int st_deadletter_write(st_deadletter *dl, const char *event_id, const char *reason, int attempts,
                        int64_t failed_at_ms, const void *envelope, size_t len,
                        uint64_t *pruned_out, char *err, size_t errlen);

/* Can a dead letter be written now? Creates, writes (one byte), syncs and removes a
 * temporary file. ST_OK, or ST_ERR with err worded as st_deadletter_write's. */
int st_deadletter_probe(st_deadletter *dl, char *err, size_t errlen);

/* Up to min(limit, max) dead letters, oldest first. Returns how many were written to out,
 * or -1 if the directory cannot be read. */
int st_deadletter_list(st_deadletter *dl, int limit, st_deadletter_entry *out, int max);

/* Strict check of an id: the name pattern above, nothing else (no '/', no "..", not ""). */
bool st_deadletter_valid_id(const char *id);
/* Parse an id into its fields (entry->size is left 0). false if the id is not valid. */
bool st_deadletter_parse_id(const char *id, st_deadletter_entry *entry);

/* Read a dead letter into a malloc'd buffer (NUL-terminated for convenience; *len excludes
 * it; the caller frees). Returns 0, or -1 with errno: EINVAL (invalid id), ENOENT (no such
 * dead letter), EFBIG (too large for memory) or the I/O error. */
int st_deadletter_read(st_deadletter *dl, const char *id, char **data, size_t *len);
/* Remove a dead letter. Returns 0, or -1 with errno: EINVAL (invalid id), ENOENT (none). */
int st_deadletter_remove(st_deadletter *dl, const char *id);
/* How many dead letters there are and their total bytes. Returns 0, or -1. */
int st_deadletter_stats(st_deadletter *dl, uint64_t *count, uint64_t *bytes);

#endif
