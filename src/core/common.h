/* Shared basics of the core: version, status codes, scatter buffers, clocks.
 * Plain C11 + POSIX; never includes a PHP header (DESIGN.md §2). */
#ifndef ST_COMMON_H
#define ST_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define ST_VERSION "0.1.0"
#define ST_SDK_NAME "sentry.php.sentry_transport"

/* Sentry's limits (Relay defaults, DESIGN.md §6). */
#define ST_MAX_EVENT_ITEM_BYTES (1024u * 1024u)
#define ST_MAX_JSON_DEPTH 512

typedef enum st_status {
    ST_OK = 0,
    ST_ERR = -1,         /* generic failure, message in the err buffer */
    ST_QUEUE_FULL = -2,  /* bounded queue refused the record */
    ST_TOO_LARGE = -3,   /* record can never fit */
    ST_UNAVAILABLE = -4, /* queue not open / transport off */
} st_status;

/* A piece of a record written into the queue without first joining it. */
typedef struct st_iov {
    const void *base;
    size_t len;
} st_iov;

/* Wall-clock milliseconds since the epoch (survives reboots, DESIGN.md §9). */
int64_t st_now_wall_ms(void);
/* Monotonic milliseconds, for process-local deadlines only. */
int64_t st_now_mono_ms(void);
/* Format a wall-clock ms time as RFC 3339 UTC "2026-11-22T13:24:55.123Z" (24 characters + NUL). */
void st_format_rfc3339(int64_t wall_ms, char out[32]);

/* Copy with truncation, always NUL-terminated; returns strlen(src). */
size_t st_strlcpy(char *dst, const char *src, size_t size);

#endif
